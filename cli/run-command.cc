/*
 * sipsim run FILE [--set path=value]... [--seed N] [--run N] [--out DIR] [--pcap]
 *                 [--junit FILE] [--no-progress] [--force]
 */
#include "commands.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#ifdef SIPSIM_HAVE_RUN
#include "run/scenario-runner.h"
#include "trace/signal-stop.h"
#endif

namespace sipsim {
namespace cli {

namespace {

int
Usage()
{
    std::cerr << "usage: sipsim run FILE [--set path=value]... [--seed N] [--run N] [--out DIR]\n"
                 "                 [--pcap] [--junit FILE] [--no-progress] [--force]\n"
                 "--force replaces the contents of a non-empty --out folder (else refused)\n"
                 "exit codes: 0 every expectation holds, 1 an expectation is violated, 2 the\n"
                 "scenario or an option is wrong, 3 the outputs cannot be written, 130 stopped\n"
                 "by SIGINT/SIGTERM (the trace is valid and marked incomplete)\n";
    return 2;
}

bool
ParseUnsigned(const char* text, uint32_t* out)
{
    char* end = nullptr;
    const unsigned long value = std::strtoul(text, &end, 10);
    if (end == text || *end != '\0' || value > 0xffffffffUL)
    {
        return false;
    }
    *out = static_cast<uint32_t>(value);
    return true;
}

} // namespace

void
InstallRunSignalHandlers()
{
#ifdef SIPSIM_HAVE_RUN
    trace::InstallStopSignalHandlers();
#endif
}

int
RunRun(int argc, char** argv)
{
#ifndef SIPSIM_HAVE_RUN
    (void) argc, (void) argv;
    std::cerr << "sipsim run: this build has no simulator (SIPSIM_NS3=OFF)\n";
    return 2;
#else
    run::RunOptions options;
    for (int i = 0; i < argc; ++i)
    {
        const std::string arg = argv[i];
        const auto value = [&](const char* name) -> const char* {
            const std::string prefix = std::string(name) + "=";
            if (arg.rfind(prefix, 0) == 0)
            {
                return argv[i] + prefix.size();
            }
            if (arg == name && i + 1 < argc)
            {
                return argv[++i];
            }
            return nullptr;
        };
        if (arg.rfind("--set", 0) == 0)
        {
            const char* v = value("--set");
            if (v == nullptr)
            {
                return Usage();
            }
            options.overrides.emplace_back(v);
        }
        else if (arg.rfind("--seed", 0) == 0 || arg.rfind("--run", 0) == 0)
        {
            const bool seed = arg.rfind("--seed", 0) == 0;
            const char* v = value(seed ? "--seed" : "--run");
            uint32_t n = 0;
            if (v == nullptr || !ParseUnsigned(v, &n))
            {
                std::cerr << "sipsim run: " << (seed ? "--seed" : "--run")
                          << " wants a non-negative integer\n";
                return 2;
            }
            (seed ? options.seed : options.run) = n;
        }
        else if (arg.rfind("--out", 0) == 0)
        {
            const char* v = value("--out");
            if (v == nullptr)
            {
                return Usage();
            }
            options.outDir = v;
        }
        else if (arg.rfind("--junit", 0) == 0)
        {
            const char* v = value("--junit");
            if (v == nullptr)
            {
                return Usage();
            }
            options.junitFile = v;
        }
        else if (arg == "--pcap")
        {
            options.pcap = true;
        }
        else if (arg == "--no-progress")
        {
            options.progress = false;
        }
        else if (arg == "--force")
        {
            options.force = true;
        }
        else if (!arg.empty() && arg[0] == '-')
        {
            std::cerr << "sipsim run: unknown option " << arg << "\n";
            return Usage();
        }
        else if (options.scenarioFile.empty())
        {
            options.scenarioFile = arg;
        }
        else
        {
            return Usage();
        }
    }
    if (options.scenarioFile.empty())
    {
        return Usage();
    }
    return run::RunScenario(options, std::cout, std::cerr);
#endif
}

} // namespace cli
} // namespace sipsim
