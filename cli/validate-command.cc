/*
 * sipsim validate FILE [--set path=value]...: loads a scenario, applies the overrides and runs
 * every check a run would make before it starts, without running anything.
 */
#include "commands.h"
#include "scenario/scenario-loader.h"

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
    std::string error;
    const auto text = scenario::ReadScenarioText(file, &error);
    if (!text)
    {
        std::cerr << error << "\n";
        return 2;
    }
    auto loaded = scenario::ParseScenario(*text, file, scenario::IsJsonFile(file), &error);
    if (!loaded)
    {
        std::cerr << error << "\n";
        return 2;
    }
    std::set<std::string> overridden;
    for (const auto& assignment : overrides)
    {
        if (!scenario::ApplyOverride(&*loaded, assignment, &error))
        {
            std::cerr << error << "\n";
            return 2;
        }
        overridden.insert(assignment.substr(0, assignment.find('=')));
    }
    const auto diagnostics = scenario::ValidateScenario(*loaded, *text, file);
    for (const auto& d : diagnostics)
    {
        // A value that came from --set has no place in the file: name the override instead.
        bool fromSet = false;
        for (const auto& path : overridden)
        {
            fromSet = fromSet || d.path == path;
        }
        if (fromSet)
        {
            std::cerr << "--set " << d.message << "\n";
        }
        else
        {
            std::cerr << d.ToString() << "\n";
        }
    }
    if (!diagnostics.empty())
    {
        return 2;
    }
    const auto& s = *loaded;
    uint32_t phones = 0;
    for (const auto& g : s.groups())
    {
        phones += g.has_phones() ? g.phones().count() : 0;
    }
    std::cout << file << ": ok (" << s.topology().nodes_size() << " nodes, "
              << s.topology().links_size() << " links, " << s.groups_size() << " groups, " << phones
              << " phones, " << s.faults_size() << " faults, " << s.expectations_size()
              << " expectations";
    if (!s.topology().dot_file().empty())
    {
        std::cout << "; topology also from " << s.topology().dot_file();
    }
    std::cout << ")\n";
    return 0;
}

} // namespace cli
} // namespace sipsim
