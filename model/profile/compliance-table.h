/*
 * The compliance page of a device profile (docs/compliance/<name>.md): the vendor table's
 * columns (response, supported, comments), generated from the profile so the seed and the
 * page can be read side by side, followed by what the model does beyond the table.
 */
#ifndef SIPSIM_COMPLIANCE_TABLE_H
#define SIPSIM_COMPLIANCE_TABLE_H

#include "profile/device-profile.h"

#include <string>

namespace sipsim {
namespace profile {

/**
 * Renders the profile as Markdown. Deterministic: the same profile gives the same bytes, so a
 * test can compare the committed page with a fresh rendering.
 * \param sourceFile the profile's path as the page names it ("profiles/cisco-sip-phone.textproto")
 */
std::string RenderComplianceMarkdown(const DeviceProfile& profile, const std::string& sourceFile);

} // namespace profile
} // namespace sipsim

#endif // SIPSIM_COMPLIANCE_TABLE_H
