/*
 * Scenario files: loading (Protobuf text format or JSON, with file:line:col errors), `--set
 * path=value` overrides through Protobuf reflection, and the checks a scenario must pass before
 * anything runs. The schema is scenario.proto. No ns-3.
 */
#ifndef SIPSIM_SCENARIO_LOADER_H
#define SIPSIM_SCENARIO_LOADER_H

#include "scenario.pb.h" // generated from scenario.proto

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

/// Reads a whole file; nullopt (and error "path: cannot read the scenario") when it cannot.
std::optional<std::string> ReadScenarioText(const std::string& path, std::string* error);

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

/// The metrics an Expectation may name.
const std::vector<std::string>& KnownMetrics();

/// Whether ns-3 would parse the string as a Time ("5ms", "1.5s", "100us"); non-negative.
bool ParseDelay(std::string_view text, double* seconds);

/// Whether ns-3 would parse the string as a DataRate ("100Mbps", "1Gbps", "64kb/s"); > 0.
bool ParseRate(std::string_view text, double* bitsPerSecond);

} // namespace scenario
} // namespace sipsim

#endif // SIPSIM_SCENARIO_LOADER_H
