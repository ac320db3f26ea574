#include "run/expectations.h"

#include "scenario/metrics.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sipsim::run {

namespace sc = sipsim::scenario;

namespace {

std::string
OpText(sc::Comparison op)
{
    switch (op)
    {
        case sc::LT:
            return "<";
        case sc::LE:
            return "<=";
        case sc::EQ:
            return "==";
        case sc::GE:
            return ">=";
        case sc::GT:
            return ">";
        default:
            return "?";
    }
}

bool
Holds(double actual, sc::Comparison op, double value)
{
    switch (op)
    {
        case sc::LT:
            return actual < value;
        case sc::LE:
            return actual <= value;
        case sc::EQ:
            return std::fabs(actual - value) <= 1e-9 * std::max(1.0, std::fabs(value));
        case sc::GE:
            return actual >= value;
        case sc::GT:
            return actual > value;
        default:
            return false;
    }
}

} // namespace

std::optional<double>
MetricValue(const sc::Expectation& e, const trace::Summary& sum, const World& w, std::string* why)
{
    const sc::MetricInfo* metric = sc::FindMetric(e.metric());
    if (metric == nullptr)
    {
        *why = "unknown metric";
        return std::nullopt;
    }
    switch (metric->id)
    {
        case sc::MetricId::Attempted:
            return static_cast<double>(sum.callsAttempted);
        case sc::MetricId::Completed:
            return static_cast<double>(sum.callsCompleted);
        case sc::MetricId::Failed:
            return static_cast<double>(sum.callsFailed);
        case sc::MetricId::CompletedRatio:
        {
            const uint64_t decided = sum.callsAttempted - sum.callsRunEndedSetup;
            if (decided == 0)
            {
                *why = "no samples (no call placed after the warm-up ended before the run did)";
                return std::nullopt;
            }
            return static_cast<double>(sum.callsCompleted + sum.callsRunEndedInCall)
                   / static_cast<double>(decided);
        }
        case sc::MetricId::StatusCount:
        {
            const auto it = sum.failedByStatus.find(e.status());
            return it == sum.failedByStatus.end() ? 0.0 : static_cast<double>(it->second);
        }
        case sc::MetricId::PddP50:
        case sc::MetricId::PddP95:
            if (sum.postDialDelay.count == 0)
            {
                *why = "no samples (no call has a post-dial delay)";
                return std::nullopt;
            }
            return metric->id == sc::MetricId::PddP50 ? sum.postDialDelay.p50
                                                      : sum.postDialDelay.p95;
        case sc::MetricId::RegistrationsFailed:
            return static_cast<double>(sum.registrationsFailed);
        case sc::MetricId::Retransmissions:
            if (!e.node().empty())
            {
                for (const auto& [id, name] : w.nameOfNode)
                {
                    if (name == e.node())
                    {
                        const auto it = sum.messagesByNode.find(id);
                        return it == sum.messagesByNode.end()
                                   ? 0.0
                                   : static_cast<double>(it->second.retransmissions);
                    }
                }
            }
            return static_cast<double>(sum.retransmissions);
        case sc::MetricId::ProxyPeakQueue:
        {
            std::optional<double> peak;
            for (const auto& [name, load] : sum.proxies)
            {
                if ((e.node().empty() || name == e.node()) && w.queues.count(name) != 0)
                {
                    peak = std::max(peak.value_or(0.0), static_cast<double>(load.peakQueue));
                }
            }
            if (!peak)
            {
                *why = "no samples (no proxy with a capacity model"
                       + std::string(e.node().empty() ? "" : " at " + e.node())
                       + ", or outputs.sample_interval_s is 0)";
            }
            return peak;
        }
    }
    *why = "unknown metric";
    return std::nullopt;
}

std::vector<ExpectationResult>
Evaluate(const sc::Scenario& s, const trace::Summary& sum, const World& w)
{
    std::vector<ExpectationResult> results;
    for (const auto& e : s.expectations())
    {
        std::ostringstream name;
        name << e.metric();
        if (e.metric() == "status_count")
        {
            name << "[" << e.status() << "]";
        }
        if (!e.node().empty())
        {
            name << "{" << e.node() << "}";
        }
        name << " " << OpText(e.op()) << " " << e.value();
        std::string why;
        const auto actual = MetricValue(e, sum, w, &why);
        std::string failure;
        if (!actual)
        {
            failure = why;
        }
        else if (!Holds(*actual, e.op(), e.value()))
        {
            std::ostringstream f;
            f << "is " << *actual;
            failure = f.str();
        }
        results.push_back({name.str(), failure, e.description(), actual});
    }
    return results;
}

} // namespace sipsim::run
