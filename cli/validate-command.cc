/*
 * sipsim validate FILE [--set path=value]...: loads a scenario, applies the overrides and runs
 * every check a run would make before it starts (run::RunScenario with checkOnly: the same
 * load-and-check, network and devices built), without simulating anything.
 */
#include "commands.h"
#ifdef SIPSIM_HAVE_RUN
#include "run/scenario-runner.h"
#endif

#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace sipsim {
namespace cli {

namespace {

int
Usage()
{
    std::cerr << "usage: sipsim validate FILE [--set path=value]...\n";
    return 2;
}

} // namespace

int
RunValidate(int argc, char** argv)
{
    const char* file = nullptr;
    std::vector<std::string> overrides;
    for (int i = 0; i < argc; ++i)
    {
        if (std::strcmp(argv[i], "--set") == 0)
        {
            if (i + 1 >= argc)
            {
                return Usage();
            }
            overrides.emplace_back(argv[++i]);
        }
        else if (std::strncmp(argv[i], "--set=", 6) == 0)
        {
            overrides.emplace_back(argv[i] + 6);
        }
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
        {
            std::cerr << "sipsim validate: unknown option '" << argv[i] << "'\n";
            return Usage();
        }
        else if (file == nullptr)
        {
            file = argv[i];
        }
        else
        {
            return Usage();
        }
    }
    if (file == nullptr)
    {
        return Usage();
    }
#ifdef SIPSIM_HAVE_RUN
    // The load-and-check `run` makes, network and devices built, nothing simulated.
    run::RunOptions options;
    options.scenarioFile = file;
    options.overrides = overrides;
    options.checkOnly = true;
    return run::RunScenario(options, std::cout, std::cerr);
#else
    std::cerr << "sipsim validate: this build has no simulator (SIPSIM_NS3=OFF)\n";
    return 2;
#endif
}

} // namespace cli
} // namespace sipsim
