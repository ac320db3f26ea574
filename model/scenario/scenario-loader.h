/*
 * Scenario files: loading (Protobuf text format or JSON, with file:line:col errors), `--set
 * path=value` overrides through Protobuf reflection, and the checks a scenario must pass before
 * anything runs. The schema is scenario.proto. No ns-3.
 */
#ifndef SIPSIM_SCENARIO_LOADER_H
#define SIPSIM_SCENARIO_LOADER_H

#include "scenario.pb.h" // generated from scenario.proto

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {
namespace scenario {

/// One problem found in a scenario, positioned in its file (line and col count from 1).
struct Diagnostic
{
    std::string file;
    int line = 0; ///< 0 when the problem has no place in the file
    int col = 0;
    std::string message;
    /// The field the problem is about ("groups[1].phones.count"); "" when it is the whole file.
    std::string path;

    /// "file:line:col: message" ("file: message" when line is 0).
    std::string ToString() const;
};

/// The largest scenario file (and DOT file) read: 16 MiB.
inline constexpr size_t kMaxScenarioBytes = size_t(16) << 20;

/**
 * Reads a whole file of at most kMaxScenarioBytes; nullopt, with `*error` ("path: cannot read
 * the scenario: No such file or directory", "path: larger than 16 MiB: not a scenario file"),
 * when it cannot. A device or pipe is read no further than the limit.
 */
std::optional<std::string> ReadScenarioText(const std::string& path, std::string* error);

/// Whether text is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF);
/// when not, `*badOffset` is the offset of the first bad byte.
bool CheckUtf8(std::string_view text, size_t* badOffset);

/// 1-based line and column of a byte offset in text.
void LineColumnOf(std::string_view text, size_t offset, int* line, int* column);

/// Whether a file name means JSON (ends in ".json"); anything else is text format.
bool IsJsonFile(std::string_view path);

/**
 * Parses a scenario from text. Does not run ValidateScenario.
 * \param json JSON (google::protobuf::util::JsonStringToMessage) instead of text format
 * \param error set to "file:line:col: what is wrong" when nullopt is returned; the position is
 *        that of the offending word (an unknown field's name, a bad enum value)
 */
std::optional<Scenario> ParseScenario(std::string_view text, std::string_view fileName, bool json,
                                      std::string* error);

/// ReadScenarioText then ParseScenario, JSON when the path ends in ".json".
std::optional<Scenario> LoadScenario(const std::string& path, std::string* error);

/**
 * Sets one field by its path: "traffic.calls_per_second=40", "timers.t1_s=1",
 * "groups[1].phones.count=200" (an index one past the end appends an element),
 * "groups[0].attributes[NoAnswerTimeout]=30s" (map keys), "expectations[0].op=GE" (enums by
 * name), "outputs.pcap=true", "traffic.caller_groups=a,b" (a repeated scalar without index is
 * replaced by the comma-separated list), strings as is.
 * \param error "--set PATH: what is wrong" when false is returned (s may be partly changed:
 *        a message appended on the way stays)
 */
bool ApplyOverride(Scenario* s, std::string_view assignment, std::string* error);

/**
 * The checks beyond the schema, all of them, before anything runs: duration and warm-up; node
 * names unique and every reference (groups, caller and callee groups, PSTN gateway, static
 * routes, faults, expectations) naming a topology node of the right role; links between
 * existing nodes with delays and rates ns-3 parses ("5ms", "1Gbps"); probabilities in [0, 1];
 * distributions present where required and with sound parameters; phone counts and gateway
 * channels > 0; profiles that resolve (profile::FindProfileFile) and fit the node's role;
 * Gilbert-Elliott parameters; expectation metrics known. References are not checked against
 * nodes when the topology has a dot_file (the topology layer does when it loads it).
 * \param fileText the scenario file's text: positions come from it (text format: the parser's
 *        field locations; JSON: the keys and values found in the text)
 * \param fileName the file, as diagnostics name it; dot_file is relative to its folder
 * \return the problems, in file order of the checks; empty when the scenario is sound
 */
std::vector<Diagnostic> ValidateScenario(const Scenario& scenario, const std::string& fileText,
                                         const std::string& fileName);

/**
 * A problem with the field at `path` ("topology.links[2]", "groups[0].attributes[Foo]"),
 * positioned in the file's text as ValidateScenario's diagnostics are; `quoted`: a value after
 * the field to point at. The message is prefixed with the path.
 */
Diagnostic DiagnosticAt(const std::string& fileText, const std::string& fileName,
                        const std::string& path, const std::string& message,
                        const std::string& quoted = "");

/// Bounds ValidateScenario enforces, so that a run neither overflows ns-3's time (64-bit
/// nanoseconds: about 292 years) nor asks for more memory or trace than one machine has.
inline constexpr double kMaxScenarioSeconds = 1e7;  ///< any time field, duration_s included
inline constexpr double kMaxRatePerSecond = 1e5;    ///< call rates (calls per second)
inline constexpr uint64_t kMaxPhones = 5000000;     ///< phones of all groups together
inline constexpr double kMinSampleInterval = 0.001; ///< outputs.sample_interval_s, when set
inline constexpr double kMaxSamples = 1e7;          ///< duration_s / sample_interval_s

/// The metrics an Expectation may name.
const std::vector<std::string>& KnownMetrics();

/// Whether ns-3 would parse the string as a Time ("5ms", "1.5s", "100us"); non-negative.
bool ParseDelay(std::string_view text, double* seconds);

/// Whether ns-3 would parse the string as a DataRate ("100Mbps", "1Gbps", "64kb/s"); > 0.
bool ParseRate(std::string_view text, double* bitsPerSecond);

} // namespace scenario
} // namespace sipsim

#endif // SIPSIM_SCENARIO_LOADER_H
