#include "scenario/metrics.h"

#include "scenario/scenario-loader.h"

namespace sipsim::scenario {

const std::vector<MetricInfo>&
Metrics()
{
    static const std::vector<MetricInfo> table{
        {MetricId::CompletedRatio, "completed_ratio",
         "completed (or still up at the end) / attempted calls, calls still in set-up at the end "
         "left out; no samples when no call could complete",
         false, ROLE_UNSPECIFIED, true},
        {MetricId::Attempted, "attempted", "calls placed", false, ROLE_UNSPECIFIED, false},
        {MetricId::Completed, "completed", "calls answered and hung up", false, ROLE_UNSPECIFIED,
         false},
        {MetricId::Failed, "failed", "calls that ended without being answered", false,
         ROLE_UNSPECIFIED, false},
        {MetricId::StatusCount, "status_count", "failed calls whose final response was `status`",
         true, ROLE_UNSPECIFIED, false},
        {MetricId::PddP50, "pdd_p50_s",
         "median post-dial delay (s); no samples when no call got a ringing or final answer", false,
         ROLE_UNSPECIFIED, false},
        {MetricId::PddP95, "pdd_p95_s", "95th percentile of the post-dial delay (s)", false,
         ROLE_UNSPECIFIED, false},
        {MetricId::RegistrationsFailed, "registrations_failed", "registrations that failed", false,
         ROLE_UNSPECIFIED, false},
        {MetricId::Retransmissions, "retransmissions",
         "messages sent again by the transaction layer (of `node` when given)", false,
         ROLE_UNSPECIFIED, false},
        {MetricId::ProxyPeakQueue, "proxy_peak_queue",
         "the longest queue of `node`, or of every proxy; no samples without a capacity model",
         false, PROXY, false},
    };
    return table;
}

const MetricInfo*
FindMetric(const std::string& name)
{
    for (const auto& m : Metrics())
    {
        if (m.name == name)
        {
            return &m;
        }
    }
    return nullptr;
}

const std::vector<std::string>&
KnownMetrics()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& m : Metrics())
        {
            out.push_back(m.name);
        }
        return out;
    }();
    return names;
}

} // namespace sipsim::scenario
