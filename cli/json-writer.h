/*
 * Minimal JSON output helpers for the sipsim command (strings are escaped per RFC 8259;
 * octets that are not valid UTF-8 are written as \u00XX so the output is always valid JSON).
 */
#ifndef SIPSIM_CLI_JSON_WRITER_H
#define SIPSIM_CLI_JSON_WRITER_H

#include <string>
#include <string_view>

namespace sipsim {
namespace cli {

/// Appends s as a JSON string literal, quotes included.
void AppendJsonString(std::string* out, std::string_view s);

} // namespace cli
} // namespace sipsim

#endif // SIPSIM_CLI_JSON_WRITER_H
