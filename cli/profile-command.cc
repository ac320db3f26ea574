/*
 * sipsim profile check FILE...   checks device profiles (exit 1 on the first bad one)
 * sipsim profile doc FILE [-o OUT] writes the profile's compliance page (Markdown)
 */
#include "commands.h"
#include "profile/compliance-table.h"
#include "profile/device-profile.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace sipsim {
namespace cli {

namespace {

/// The path the page names: relative to the source tree when the file is inside it.
std::string
DisplayPath(const std::string& file)
{
    const auto at = file.rfind("profiles/");
    return at == std::string::npos ? file : file.substr(at);
}

} // namespace

int
RunProfileCheck(const std::vector<std::string>& profiles)
{
    int status = 0;
    for (const std::string& name : profiles)
    {
        std::string error;
        const auto file = profile::FindProfileFile(name);
        const auto loaded = profile::LoadProfileByName(name, &error);
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

int
RunProfileDoc(const std::string& name, const std::string& out)
{
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
        std::cerr << out << ": cannot write: " << std::strerror(errno) << "\n";
        return 2;
    }
    return 0;
}

} // namespace cli
} // namespace sipsim
