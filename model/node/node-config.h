/*
 * Small pieces of configuration the device models share: comma-separated attribute values,
 * and a profile's codecs as SDP codecs.
 */
#ifndef SIPSIM_NODE_CONFIG_H
#define SIPSIM_NODE_CONFIG_H

#include "profile/device-profile.h"
#include "sdp/sdp.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

/// "a, b,,c" -> {"a", "b", "c"}: items trimmed of spaces and tabs, empty ones dropped.
std::vector<std::string> SplitCommaList(std::string_view list);

/**
 * The profile's codecs ("PCMU/8000", ...) in its preference order, with payload types
 * (sdp::ParseCodecList); nullopt, with the reason in *error, when one does not parse.
 */
std::optional<std::vector<sdp::Codec>> ProfileCodecs(const profile::DeviceProfile& profile,
                                                     std::string* error = nullptr);

} // namespace sipsim

#endif // SIPSIM_NODE_CONFIG_H
