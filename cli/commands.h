/*
 * The subcommands of the sipsim command, each a function of its parsed options. The command
 * line itself (options, help, errors) is cli/command-line.cc, with CLI11.
 */
#ifndef SIPSIM_CLI_COMMANDS_H
#define SIPSIM_CLI_COMMANDS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipsim {
namespace cli {

/// The options of `sipsim run`.
struct RunArgs
{
    std::string scenarioFile;
    std::vector<std::string> overrides; ///< --set path=value, in order
    std::optional<uint32_t> seed;
    std::optional<uint32_t> run;
    std::string outDir; ///< empty: the runner's default
    std::string junitFile;
    std::string statsFile;
    bool pcap = false;
    bool progress = true;
    bool force = false;
};

/**
 * sipsim parse [--json] FILE...: parses each file ("-": standard input) as one raw SIP message
 * (datagram framing).
 * \return 0 when every file is valid, 1 when one is not, 2 on an I/O error
 */
int RunParse(const std::vector<std::string>& files, bool json);

/// sipsim profile check FILE|NAME...: 0 when every profile loads, 1 otherwise.
int RunProfileCheck(const std::vector<std::string>& profiles);

/// sipsim profile doc FILE|NAME [-o OUT]: the compliance page; 1 when the profile does not
/// load, 2 when OUT cannot be written.
int RunProfileDoc(const std::string& profile, const std::string& out);

/// sipsim attributes KIND: the ns-3 attributes of a node model (KIND as AttributeKinds()).
int RunAttributes(const std::string& kind);

/// The kinds RunAttributes knows: phone, proxy, gateway, responder, queue.
const std::vector<std::string>& AttributeKinds();

/**
 * sipsim validate FILE [--set path=value]...: the load-and-check `run` makes, nothing
 * simulated.
 * \return 0 when the scenario is sound ("FILE: ok (...)"), 2 when it is not (each problem as
 *         "file:line:col: what is wrong")
 */
int RunValidate(const std::string& file, const std::vector<std::string>& overrides);

/// sipsim run: runs a scenario (run/scenario-runner.h has the exit codes).
int RunRun(const RunArgs& args);

/// Installs the handlers that record SIGINT and SIGTERM for `sipsim run` (trace/signal-stop.h).
void InstallRunSignalHandlers();

/// The whole command line: parses argv and runs the subcommand; the process's exit status.
int RunCommandLine(int argc, char** argv);

} // namespace cli
} // namespace sipsim

#endif // SIPSIM_CLI_COMMANDS_H
