/*
 * Checks of the expectations section: metrics, operators, values and nodes.
 */
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sipsim {
namespace scenario {

void
Validator::CheckExpectations()
{
    const auto& known = KnownMetrics();
    for (int i = 0; i < m_s.expectations_size(); ++i)
    {
        const auto& e = m_s.expectations(i);
        const std::string path = At("expectations", i);
        if (std::find(known.begin(), known.end(), e.metric()) == known.end())
        {
            std::string list;
            for (const auto& m : known)
            {
                list += (list.empty() ? "" : ", ") + m;
            }
            Error(path + ".metric", "unknown metric '" + e.metric() + "' (known: " + list + ")",
                  e.metric());
        }
        if (e.metric() == "status_count" && (e.status() < 100 || e.status() > 699))
        {
            Error(path + ".status", "status_count needs a status code 100-699");
        }
        if (e.metric() != "status_count" && e.status() != 0)
        {
            Error(path + ".status", "status is for metric status_count only");
        }
        if (e.op() == COMPARISON_UNSPECIFIED)
        {
            Error(path + ".op", "an expectation needs op (LT, LE, EQ, GE or GT)");
        }
        if (e.metric() == "completed_ratio" && !IsProbability(e.value()))
        {
            Error(path + ".value", "completed_ratio is in [0, 1], not " + Number(e.value()));
        }
        if (!e.node().empty())
        {
            CheckNodeRef(path + ".node", e.node(),
                         e.metric() == "proxy_peak_queue" ? PROXY : ROLE_UNSPECIFIED);
        }
    }
}

} // namespace scenario
} // namespace sipsim
