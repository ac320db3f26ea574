/*
 * Values with units in scenario files: delays ("2ms", as ns-3's Time reads them) and data rates
 * ("100Mbps", as ns-3's DataRate reads them).
 */
#include "scenario/scenario-loader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

namespace sipsim {
namespace scenario {

namespace {

/// Splits "12.5ms" into 12.5 and "ms"; false when there is no leading number.
bool
SplitNumber(std::string_view text, double* number, std::string* unit)
{
    const std::string s(text);
    errno = 0;
    char* end = nullptr;
    *number = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || errno != 0 || !std::isfinite(*number)
        || (!s.empty() && (s[0] == ' ' || s[0] == '\t')))
    {
        return false;
    }
    *unit = std::string(end);
    return true;
}

} // namespace

bool
ParseDelay(std::string_view text, double* seconds)
{
    double number = 0;
    std::string unit;
    if (!SplitNumber(text, &number, &unit) || number < 0)
    {
        return false;
    }
    static const std::map<std::string, double> units{
        {"s", 1.0},    {"ms", 1e-3},  {"us", 1e-6},  {"ns", 1e-9},   {"ps", 1e-12},
        {"fs", 1e-15}, {"min", 60.0}, {"h", 3600.0}, {"d", 86400.0}, {"y", 31536000.0}};
    const auto it = units.find(unit);
    if (it == units.end())
    {
        return false;
    }
    *seconds = number * it->second;
    return true;
}

bool
ParseRate(std::string_view text, double* bitsPerSecond)
{
    double number = 0;
    std::string unit;
    if (!SplitNumber(text, &number, &unit) || number <= 0)
    {
        return false;
    }
    // ns-3 DataRate: [k|K|M|G][i](b|B)(ps|/s); "Kib" etc. are powers of 1024.
    size_t at = 0;
    double scale = 1.0;
    if (at < unit.size()
        && (unit[at] == 'k' || unit[at] == 'K' || unit[at] == 'M' || unit[at] == 'G'))
    {
        const char prefix = unit[at++];
        const bool binary = at < unit.size() && unit[at] == 'i';
        if (binary)
        {
            ++at;
        }
        const double base = binary ? 1024.0 : 1000.0;
        scale = prefix == 'M' ? base * base : (prefix == 'G' ? base * base * base : base);
    }
    if (at >= unit.size() || (unit[at] != 'b' && unit[at] != 'B'))
    {
        return false;
    }
    const double bits = unit[at] == 'B' ? 8.0 : 1.0;
    const auto rest = unit.substr(at + 1);
    if (rest != "ps" && rest != "/s")
    {
        return false;
    }
    *bitsPerSecond = number * scale * bits;
    return true;
}

} // namespace scenario
} // namespace sipsim
