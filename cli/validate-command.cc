/*
 * sipsim validate FILE [--set path=value]...: loads a scenario, applies the overrides and runs
 * every check a run would make before it starts (run::RunScenario with checkOnly: the same
 * load-and-check, network and devices built), without simulating anything.
 */
#include "commands.h"
#ifdef SIPSIM_HAVE_RUN
#include "run/scenario-runner.h"
#endif

#include <iostream>
#include <string>
#include <vector>

namespace sipsim {
namespace cli {

int
RunValidate(const std::string& file, const std::vector<std::string>& overrides)
{
#ifdef SIPSIM_HAVE_RUN
    // The load-and-check `run` makes, network and devices built, nothing simulated.
    run::RunOptions options;
    options.scenarioFile = file;
    options.overrides = overrides;
    options.checkOnly = true;
    return run::RunScenario(options, std::cout, std::cerr);
#else
    (void) file, (void) overrides;
    std::cerr << "sipsim validate: this build has no simulator (SIPSIM_NS3=OFF)\n";
    return 2;
#endif
}

} // namespace cli
} // namespace sipsim
