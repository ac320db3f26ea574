/*
 * Device behaviour profiles: a vendor's compliance table (which responses a device generates,
 * on what condition, and what it does when each arrives) as data the node models read. The
 * schema is device-profile.proto; this is loading, checking and looking up.
 */
#ifndef SIPSIM_DEVICE_PROFILE_H
#define SIPSIM_DEVICE_PROFILE_H

#include "device-profile.pb.h" // generated from device-profile.proto

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {
namespace profile {

/**
 * Parses a profile from Protobuf text format and checks it (ValidateProfile).
 * \param text the profile text
 * \param fileName named in error messages
 * \param error set to "file:line:col: what is wrong" (or "file: row 408: ..." for a rule a
 *        well-formed profile breaks) when nullptr is returned
 * \return the profile, or nullptr
 */
std::shared_ptr<const DeviceProfile> ParseProfile(std::string_view text, std::string_view fileName,
                                                  std::string* error);

/// Reads a file and parses it with ParseProfile; an unreadable file is an error too.
std::shared_ptr<const DeviceProfile> LoadProfile(const std::string& path, std::string* error);

/**
 * Resolves a profile name ("cisco-sip-phone") or path to a file: a name containing '/' or
 * ending in ".textproto" is a path; otherwise NAME.textproto is looked for in the directories
 * of the SIPSIM_PROFILE_PATH environment variable (':'-separated), then the source tree's
 * profiles/ folder, then the installed share/sipsim/profiles.
 * \return the file, or "" when none exists
 */
std::string FindProfileFile(std::string_view nameOrPath);

/// FindProfileFile then LoadProfile; error says where it looked when nothing is found.
std::shared_ptr<const DeviceProfile> LoadProfileByName(std::string_view nameOrPath,
                                                       std::string* error);

/**
 * The rules a parsed profile must follow beyond the schema: a name and kind; codes 100-699,
 * each at most once over rows and beyond_table; every row cites a declared source (or
 * "RFC 3261"); a receipt action on every row or a default receipt; retry actions only on the
 * codes they fit (credentials: 401, 407; Content-Length: 411) and with an `otherwise`; a
 * generate condition on every row, each condition generating at most one code; codecs that
 * parse as NAME/RATE.
 * \return one message per broken rule ("row 408: ..."), empty when the profile is sound
 */
std::vector<std::string> ValidateProfile(const DeviceProfile& profile);

/// The row for a code: the vendor table's first, then beyond_table; nullptr when none.
const ResponseRow* FindRow(const DeviceProfile& profile, uint32_t code);

/// Whether the code is a row of the vendor table (not beyond_table).
bool IsTableRow(const DeviceProfile& profile, uint32_t code);

/**
 * What the device does on receiving a final response with this code: the row's on_receipt
 * when it names an action, else the profile's default_receipt.
 */
Receipt ReceiptFor(const DeviceProfile& profile, uint32_t code);

/// The code the device sends for a condition (vendor table first); 0 when it never does.
uint32_t CodeFor(const DeviceProfile& profile, GenerateCondition condition);

/// The row's reason phrase for a code the device sends; "" when there is no row.
std::string ReasonFor(const DeviceProfile& profile, uint32_t code);

/// Whether the device answers challenges in this scheme (RFC 3261 22: Digest).
bool SupportsAuth(const DeviceProfile& profile, AuthScheme scheme);

/// Names as the generated page and the traces write them: "fast busy", "ACK and disconnect".
std::string_view ToneText(Tone tone);
std::string_view ActionText(ReceiptAction action);
std::string_view ConditionText(GenerateCondition condition);

} // namespace profile
} // namespace sipsim

#endif // SIPSIM_DEVICE_PROFILE_H
