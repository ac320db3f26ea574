/*
 * Subcommands of the sipsim command.
 */
#ifndef SIPSIM_CLI_COMMANDS_H
#define SIPSIM_CLI_COMMANDS_H

namespace sipsim {
namespace cli {

/**
 * sipsim parse [--json] FILE...: parses each file as one raw SIP message (datagram framing).
 * \return 0 when every file is valid, 1 when one is not, 2 on a usage or I/O error
 */
int RunParse(int argc, char** argv);

/**
 * sipsim profile check FILE|NAME... / sipsim profile doc FILE|NAME [-o OUT]: checks device
 * profiles, or writes one's compliance page.
 * \return 0 on success, 1 when a profile is invalid, 2 on a usage or I/O error
 */
int RunProfile(int argc, char** argv);

/**
 * sipsim validate FILE [--set path=value]...: loads a scenario (text format, or JSON for
 * *.json), applies the overrides and runs every check made before a run.
 * \return 0 when the scenario is sound ("FILE: ok (...)"), 2 when it is not (each problem as
 *         "file:line:col: what is wrong") and on a usage or I/O error
 */
/// sipsim attributes phone|proxy|gateway|queue: the ns-3 attributes of a node model.
int RunAttributes(int argc, char** argv);

int RunValidate(int argc, char** argv);

/**
 * sipsim run FILE [--set path=value]... [--seed N] [--run N] [--out DIR] [--pcap]
 * [--junit FILE] [--no-progress]: runs a scenario (see run/scenario-runner.h for exit codes).
 */
/// Installs the handlers that record SIGINT and SIGTERM for `sipsim run` (trace/signal-stop.h).
void InstallRunSignalHandlers();

int RunRun(int argc, char** argv);

} // namespace cli
} // namespace sipsim

#endif // SIPSIM_CLI_COMMANDS_H
