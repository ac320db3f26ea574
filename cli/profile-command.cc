/*
 * sipsim profile check FILE...   checks device profiles (exit 1 on the first bad one)
 * sipsim profile doc FILE [-o OUT] writes the profile's compliance page (Markdown)
 */
#include "commands.h"
#include "profile/compliance-table.h"
#include "profile/device-profile.h"

#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace sipsim {
namespace cli {

namespace {

int
Usage()
{
    std::cerr << "usage: sipsim profile check FILE|NAME...\n"
                 "       sipsim profile doc FILE|NAME [-o OUT.md]\n";
    return 2;
}

/// The path the page names: relative to the source tree when the file is inside it.
std::string
DisplayPath(const std::string& file)
{
    const auto at = file.rfind("profiles/");
    return at == std::string::npos ? file : file.substr(at);
}

} // namespace

int
RunProfile(int argc, char** argv)
{
    if (argc < 2)
    {
        return Usage();
    }
    const std::string action = argv[0];
    if (action == "check")
    {
        int status = 0;
        for (int i = 1; i < argc; ++i)
        {
            std::string error;
            const auto file = profile::FindProfileFile(argv[i]);
            const auto loaded = profile::LoadProfileByName(argv[i], &error);
            if (!loaded)
            {
                std::cerr << error << "\n";
                status = 1;
                continue;
            }
            std::cout << file << ": " << loaded->name() << " (" << loaded->device() << ", release "
                      << loaded->release() << "): " << loaded->rows_size() << " table rows, "
                      << loaded->beyond_table_size() << " beyond the table\n";
        }
        return status;
    }
    if (action == "doc")
    {
        std::string out;
        const char* name = nullptr;
        for (int i = 1; i < argc; ++i)
        {
            if (std::strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            {
                out = argv[++i];
            }
            else if (name == nullptr)
            {
                name = argv[i];
            }
            else
            {
                return Usage();
            }
        }
        if (name == nullptr)
        {
            return Usage();
        }
        std::string error;
        const auto file = profile::FindProfileFile(name);
        const auto loaded = profile::LoadProfileByName(name, &error);
        if (!loaded)
        {
            std::cerr << error << "\n";
            return 1;
        }
        const auto page = profile::RenderComplianceMarkdown(*loaded, DisplayPath(file));
        if (out.empty())
        {
            std::cout << page;
            return 0;
        }
        std::ofstream os(out, std::ios::binary | std::ios::trunc);
        os << page;
        if (!os.flush())
        {
            std::cerr << out << ": cannot write\n";
            return 2;
        }
        return 0;
    }
    return Usage();
}

} // namespace cli
} // namespace sipsim
