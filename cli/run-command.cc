/*
 * sipsim run: the parsed options handed to the scenario runner.
 */
#include "commands.h"

#include <iostream>
#include <string>

#ifdef SIPSIM_HAVE_RUN
#include "run/scenario-runner.h"
#include "trace/signal-stop.h"
#endif

namespace sipsim {
namespace cli {

void
InstallRunSignalHandlers()
{
#ifdef SIPSIM_HAVE_RUN
    trace::InstallStopSignalHandlers();
#endif
}

int
RunRun(const RunArgs& args)
{
#ifndef SIPSIM_HAVE_RUN
    (void) args;
    std::cerr << "sipsim run: this build has no simulator (SIPSIM_NS3=OFF)\n";
    return 2;
#else
    run::RunOptions options;
    options.scenarioFile = args.scenarioFile;
    options.overrides = args.overrides;
    if (args.seed)
    {
        options.seed = *args.seed;
    }
    if (args.run)
    {
        options.run = *args.run;
    }
    if (!args.outDir.empty())
    {
        options.outDir = args.outDir;
    }
    options.junitFile = args.junitFile;
    options.statsFile = args.statsFile;
    options.pcap = args.pcap;
    options.progress = args.progress;
    options.force = args.force;
    return run::RunScenario(options, std::cout, std::cerr);
#endif
}

} // namespace cli
} // namespace sipsim
