/*
 * The ns-3 attributes a scenario sets on a node group (`groups[i].attributes`), checked against
 * the TypeId of the group's application before anything is built: an unknown name or a value
 * the attribute's checker refuses is a scenario error, never an abort inside ns-3.
 */
#ifndef SIPSIM_RUN_CHECK_ATTRIBUTES_H
#define SIPSIM_RUN_CHECK_ATTRIBUTES_H

#include <ns3/type-id.h>
#include <string>

namespace sipsim::run {

/**
 * Whether `value` is a value ns-3 accepts for attribute `name` of `tid` (the attribute's own
 * checker, after a parse of Time, DataRate and random variable strings that cannot abort).
 * \param why set to what is wrong when false is returned
 */
bool CheckAttribute(ns3::TypeId tid, const std::string& name, const std::string& value,
                    std::string* why);

} // namespace sipsim::run

#endif // SIPSIM_RUN_CHECK_ATTRIBUTES_H
