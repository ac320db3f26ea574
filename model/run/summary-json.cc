#include "run/summary-json.h"

#include "scenario/metrics.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace sipsim::run {

namespace sc = sipsim::scenario;

namespace {

using Json = nlohmann::ordered_json;

/// A number (an integer when it is one: counts stay counts), or null.
Json
Value(const std::optional<double>& v)
{
    if (!v)
    {
        return nullptr;
    }
    if (std::fabs(*v) < 9007199254740992.0 && std::floor(*v) == *v)
    {
        return static_cast<int64_t>(*v);
    }
    return *v;
}

/// The value of `metric` (with status and node when given), null without samples.
Json
Metric(const std::string& metric, uint32_t status, const std::string& node,
       const trace::Summary& sum, const World& w)
{
    sc::Expectation e;
    e.set_metric(metric);
    e.set_status(status);
    e.set_node(node);
    std::string why;
    return Value(MetricValue(e, sum, w, &why));
}

} // namespace

std::string
RunSummaryJson(const sc::Scenario& s, const trace::Summary& sum, const World& w,
               const std::vector<ExpectationResult>& results)
{
    Json top = Json::parse(sum.ToJson());
    // Per node, by name, from the stacks (message records or not).
    Json nodes = Json::object();
    uint64_t sent = 0;
    uint64_t retransmissions = 0;
    for (const auto& [name, stack] : w.stacks)
    {
        const SipStackCounters& c = stack->GetCounters();
        const uint64_t out = c.udpMessagesSent + c.tcpMessagesSent;
        const uint64_t rtx = stack->GetTransactionLayer().GetCounters().retransmissionsSent;
        nodes[name] = {{"sent", out},
                       {"received", c.udpMessagesReceived + c.tcpMessagesReceived},
                       {"retransmissions", rtx}};
        sent += out;
        retransmissions += rtx;
    }
    Json& messages = top["messages"];
    if (!s.outputs().messages())
    {
        // The trace has no message records: the totals are the stacks'.
        messages["total"] = sent;
        messages["retransmissions"] = retransmissions;
    }
    messages["by_node_name"] = nodes;
    // Every metric an expectation can name, for the whole run (a status per failure status
    // seen, a node per proxy with a capacity model).
    Json metrics = Json::object();
    for (const sc::MetricInfo& m : sc::Metrics())
    {
        if (m.needsStatus)
        {
            Json byStatus = Json::object();
            for (const auto& [status, count] : sum.failedByStatus)
            {
                (void) count;
                byStatus[std::to_string(status)] = Metric(m.name, status, "", sum, w);
            }
            metrics[m.name] = byStatus;
        }
        else if (m.nodeRole == sc::PROXY)
        {
            Json byNode = Json::object();
            for (const auto& [name, queue] : w.queues)
            {
                (void) queue;
                byNode[name] = Metric(m.name, 0, name, sum, w);
            }
            metrics[m.name] = byNode;
        }
        else
        {
            metrics[m.name] = Metric(m.name, 0, "", sum, w);
        }
    }
    top["metrics"] = metrics;
    Json expectations = Json::array();
    for (size_t i = 0; i < results.size() && i < static_cast<size_t>(s.expectations_size()); ++i)
    {
        const ExpectationResult& r = results[i];
        expectations.push_back({{"name", r.name},
                                {"metric", s.expectations(static_cast<int>(i)).metric()},
                                {"measured", Value(r.measured)},
                                {"holds", r.failure.empty()},
                                {"failure", r.failure},
                                {"description", r.description}});
    }
    top["expectations"] = expectations;
    return top.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace sipsim::run
