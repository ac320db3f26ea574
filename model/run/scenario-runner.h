/*
 * Runs a scenario file: the engine of `sipsim run`. Loads and checks the scenario (and its
 * --set overrides), builds the topology in ns-3, installs the SIP devices of every node group,
 * the traffic and the faults, records the Protobuf trace, and writes the summary, the
 * expectations' verdict and, when asked, a JUnit report.
 */
#ifndef SIPSIM_SCENARIO_RUNNER_H
#define SIPSIM_SCENARIO_RUNNER_H

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sipsim::scenario {
class Scenario;
} // namespace sipsim::scenario

namespace sipsim::topology {
class Topology;
} // namespace sipsim::topology

namespace sipsim::run {

struct RunOptions
{
    std::string scenarioFile;
    std::vector<std::string> overrides; ///< "path=value", applied in order
    std::optional<uint32_t> seed;       ///< replaces the scenario's seed
    std::optional<uint32_t> run;        ///< replaces the scenario's run number
    std::string outDir = "sipsim-out";  ///< trace.pb[.gz], summary.json (created if missing;
                                        ///< a non-empty one only with force)
    bool pcap = false;                  ///< pcap files per node device (also outputs.pcap)
    std::string junitFile;              ///< JUnit XML report of the expectations; "" = none
    /// The stats CSV (also outputs.stats_csv: <outDir>/stats.csv); "" = none.
    std::string statsFile;
    /// Progress on the error stream: a status line when it is a terminal, else a line every
    /// 10 % of the simulated time (stats-outputs.h).
    bool progress = true;
    bool checkOnly = false; ///< `sipsim validate`: load, check and build; nothing runs
    bool force = false;     ///< replace the contents of a non-empty outDir (else refused)
};

/// Exit codes of `sipsim run`.
enum ExitCode : int
{
    kOk = 0,           ///< ran; every expectation holds
    kExpectations = 1, ///< ran; an expectation is violated (listed)
    kBadInput = 2,     ///< the scenario, an override or an option is wrong; nothing ran
    kIoError = 3,      ///< the outputs could not be written
    kInterrupted = 130 ///< SIGINT or SIGTERM: the trace is valid and marked incomplete
};

/**
 * Runs the scenario. Diagnostics ("file:line:col: ...") and progress go to `err`, the summary
 * table to `out`.
 * \return one of ExitCode
 */
int RunScenario(const RunOptions& options, std::ostream& out, std::ostream& err);

/**
 * The topology graph of a scenario: its inline nodes and links, or its Graphviz DOT file
 * (`topology.dot_file`, relative to the directory of `scenarioFile`), validated. False, with
 * `*error` ("FILE: topology: what is wrong", one line per problem), when it cannot be read or
 * is not valid. RunScenario builds the network of a run from it.
 */
bool BuildScenarioTopology(const scenario::Scenario& s, const std::string& scenarioFile,
                           topology::Topology* topo, std::string* error);

} // namespace sipsim::run

#endif // SIPSIM_SCENARIO_RUNNER_H
