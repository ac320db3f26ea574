/*
 * The SIP devices of a scenario's node groups: a SIP stack on every node that runs SIP (from
 * the topology graph, so nodes of a DOT file get one too), then each group's proxy, gateway or
 * phones with the scenario's settings, and the proxies' processing queues.
 */
#ifndef SIPSIM_RUN_INSTALL_DEVICES_H
#define SIPSIM_RUN_INSTALL_DEVICES_H

#include "run/run-world.h"
#include "scenario.pb.h"

#include <string>

namespace sipsim::run {

/// An ns-3 random variable string for a scenario Distribution; `fallback` when it is unset.
std::string VariableOf(const scenario::Distribution& d, const std::string& fallback);

/// Sets a processing queue's attributes from a scenario Capacity.
void ConfigureQueue(const ns3::Ptr<ProcessingQueue>& queue, const scenario::Capacity& c);

/**
 * Installs the stacks and devices on the built network. Every reference and attribute was
 * checked before (CheckAttributes, the scenario validator); false with `*error` for what
 * could still fail.
 */
bool InstallDevices(const scenario::Scenario& s, World& w, std::string* error);

} // namespace sipsim::run

#endif // SIPSIM_RUN_INSTALL_DEVICES_H
