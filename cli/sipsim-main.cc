/*
 * sipsim: the command-line entry point (cli/command-line.cc has the command line; `sipsim
 * --help` lists the subcommands).
 */
#include "commands.h"

#include <csignal>
#include <cstring>

namespace {

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
    return sipsim::cli::RunCommandLine(argc, argv);
}
