/*
 * libFuzzer target: the hand-written readers of configuration files. The first byte picks the
 * reader: the JSON syntax check and the scenario loader (JSON, then text format) or the DOT
 * syntax check and, when it passes, Boost's reader behind it (ReadDot). None may crash; a
 * problem's position lies inside the text; a text both checks pass is read without a syntax
 * error of the library behind them.
 */
#include "scenario/positions.h"
#include "scenario/scenario-loader.h"
#include "topology/dot-syntax.h"
#include "topology/topology-dot.h"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
    {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    size_t at = 0;
    std::string error;
    if (data[0] % 2 == 0)
    {
        const std::string problem = sipsim::scenario::JsonSyntaxProblem(text, &at);
        if (!problem.empty() && at > text.size())
        {
            std::abort();
        }
        (void) sipsim::scenario::ParseScenario(text, "f.json", true, &error);
        (void) sipsim::scenario::ParseScenario(text, "f.textproto", false, &error);
        return 0;
    }
    const std::string problem = sipsim::topology::DotSyntaxProblem(text, &at);
    if (!problem.empty())
    {
        if (at > text.size())
        {
            std::abort();
        }
        return 0;
    }
    sipsim::topology::Topology topology;
    std::istringstream in{std::string(text)};
    (void) sipsim::topology::ReadDot(in, "f.dot", &topology, &error);
    return 0;
}
