/*
 * sipsim: the command-line entry point. `sipsim help` lists the subcommands.
 */
#include "commands.h"

#include <csignal>
#include <cstring>
#include <iostream>

namespace {

void
PrintUsage(std::ostream& os)
{
    os << "usage: sipsim <command> [options]\n"
          "\n"
          "commands:\n"
          "  parse [--json] FILE...   parse raw SIP messages; print the canonical form or the\n"
          "                           fault and the response a server answers\n"
          "  profile check FILE|NAME...   check device behaviour profiles (profiles/*.textproto)\n"
          "  profile doc FILE|NAME [-o OUT]   write a profile's compliance page (Markdown)\n"
          "  run FILE [--set path=value]... [--seed N] [--run N] [--out DIR] [--pcap]\n"
          "      [--junit FILE] [--no-progress] [--force]   run a scenario: trace.pb, "
          "summary.json\n"
          "  validate FILE [--set path=value]...   check a scenario without running it\n"
          "  attributes phone|proxy|gateway|responder|queue   the ns-3 attributes a scenario's\n"
          "                           groups[i].attributes may set, with defaults and help\n"
          "  help                     this text\n"
          "  version                  print the program version\n"
          "\n"
          "exit codes: 0 success, 1 a message is invalid, 2 usage or I/O error (validate: 2\n"
          "when the scenario is invalid)\n";
}

/**
 * `sipsim run` records SIGINT and SIGTERM from its first instruction on: this runs from the
 * executable's .preinit_array, before any shared library's initializers (ns-3's take
 * milliseconds), so that a signal at any moment of a run leaves a valid trace marked
 * incomplete; the launcher in front of this program blocked both before the dynamic loader
 * started, so one that came earlier is still pending here. Other commands keep the default
 * actions.
 */
void
RecordStopSignalsEarly(int argc, char** argv, char** /* envp */)
{
    if (argc >= 2 && std::strcmp(argv[1], "run") == 0)
    {
        sipsim::cli::InstallRunSignalHandlers();
        // The launcher (cli/launcher.c) blocked them before this program was loaded: one that
        // came during loading is pending and is delivered to the handler now.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigprocmask(SIG_UNBLOCK, &stop, nullptr);
    }
}

__attribute__((section(".preinit_array"), used)) void (*g_preinit)(int, char**, char**)
    = &RecordStopSignalsEarly;

} // namespace

int
main(int argc, char** argv)
{
    if (argc < 2)
    {
        PrintUsage(std::cerr);
        return 2;
    }
    const char* command = argv[1];
    if (std::strcmp(command, "parse") == 0)
    {
        return sipsim::cli::RunParse(argc - 2, argv + 2);
    }
    if (std::strcmp(command, "profile") == 0)
    {
        return sipsim::cli::RunProfile(argc - 2, argv + 2);
    }
    if (std::strcmp(command, "run") == 0)
    {
        return sipsim::cli::RunRun(argc - 2, argv + 2);
    }
    if (std::strcmp(command, "attributes") == 0)
    {
        return sipsim::cli::RunAttributes(argc - 2, argv + 2);
    }
    if (std::strcmp(command, "validate") == 0)
    {
        return sipsim::cli::RunValidate(argc - 2, argv + 2);
    }
    if (std::strcmp(command, "help") == 0 || std::strcmp(command, "--help") == 0
        || std::strcmp(command, "-h") == 0)
    {
        PrintUsage(std::cout);
        return 0;
    }
    if (std::strcmp(command, "version") == 0 || std::strcmp(command, "--version") == 0)
    {
        std::cout << "sipsim " << SIPSIM_VERSION << "\n";
        return 0;
    }
    std::cerr << "sipsim: unknown command '" << command << "'\n";
    PrintUsage(std::cerr);
    return 2;
}
