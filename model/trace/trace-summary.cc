#include "trace/trace-summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sipsim::trace {

namespace {

/// Nearest rank: the ceil(q n)-th smallest of sorted values (n > 0).
double
Percentile(const std::vector<double>& sorted, double q)
{
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<size_t>(std::ceil(q * n));
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

/// A JSON object written key by key, in the order of the calls.
} // namespace

void
SummaryBuilder::Add(const Record& record)
{
    Summary& s = m_summary;
    if (!record.has_trailer())
    {
        ++s.records;
    }
    switch (record.record_case())
    {
        case Record::kMessage:
        {
            const Message& m = record.message();
            ++s.messages;
            NodeMessages& node = s.messagesByNode[m.node()];
            if (m.tx())
            {
                ++node.sent;
                if (m.retransmission())
                {
                    ++node.retransmissions;
                    ++s.retransmissions;
                }
            }
            else
            {
                ++node.received;
            }
            break;
        }
        case Record::kTransaction:
            ++s.transactionsByResult[TransactionResult_Name(record.transaction().result())];
            break;
        case Record::kCall:
        {
            const CallRecord& c = record.call();
            ++s.callsAttempted;
            if (c.answer_ns() >= 0)
            {
                ++s.callsAnswered;
            }
            switch (c.outcome())
            {
                case COMPLETED:
                    ++s.callsCompleted;
                    break;
                case FAILED:
                    ++s.callsFailed;
                    ++s.failedByStatus[c.final_status()];
                    break;
                case RUN_ENDED_IN_CALL:
                    ++s.callsRunEndedInCall;
                    break;
                case RUN_ENDED_SETUP:
                    ++s.callsRunEndedSetup;
                    break;
                case BLOCKED_NO_TRUNK:
                    ++s.callsBlocked;
                    break;
                default:
                    break;
            }
            if (c.post_dial_delay_s() >= 0)
            {
                m_delays.push_back(c.post_dial_delay_s());
            }
            break;
        }
        case Record::kRegistration:
            if (record.registration().ok())
            {
                ++s.registrationsOk;
            }
            else
            {
                ++s.registrationsFailed;
            }
            break;
        case Record::kSample:
        {
            const NodeSample& sample = record.sample();
            if (sample.role() != PROXY)
            {
                break;
            }
            ProxyLoad& load = s.proxies[sample.name()];
            load.node = sample.node();
            ++load.samples;
            load.peakQueue
                = std::max({load.peakQueue, sample.queue_length(), sample.peak_queue_length()});
            load.meanUtilization = sample.mean_utilization();
            load.peakUtilization = std::max(load.peakUtilization, sample.utilization());
            break;
        }
        case Record::kFault:
            ++s.faults;
            break;
        case Record::kUserEvent:
            ++s.userEvents;
            break;
        case Record::kTrailer:
            s.complete = record.trailer().complete();
            s.stopReason = record.trailer().stop_reason();
            s.endNs = record.trailer().end_ns();
            break;
        case Record::RECORD_NOT_SET:
            break;
    }
}

Summary
SummaryBuilder::Get() const
{
    Summary s = m_summary;
    if (!m_delays.empty())
    {
        std::vector<double> sorted = m_delays;
        std::sort(sorted.begin(), sorted.end());
        DelayStats& d = s.postDialDelay;
        d.count = sorted.size();
        double sum = 0;
        for (const double v : sorted)
        {
            sum += v;
        }
        d.mean = sum / static_cast<double>(sorted.size());
        d.p50 = Percentile(sorted, 0.50);
        d.p95 = Percentile(sorted, 0.95);
        d.p99 = Percentile(sorted, 0.99);
        d.max = sorted.back();
    }
    return s;
}

Summary
Summarize(const std::vector<Record>& records)
{
    SummaryBuilder builder;
    for (const Record& r : records)
    {
        builder.Add(r);
    }
    return builder.Get();
}

std::string
Summary::ToJson() const
{
    // ordered_json keeps the keys in the order written; non-finite numbers become null.
    using Json = nlohmann::ordered_json;
    const auto real = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
    Json failed = Json::object();
    for (const auto& [status, count] : failedByStatus)
    {
        failed[std::to_string(status)] = count;
    }
    Json nodes = Json::object();
    for (const auto& [node, m] : messagesByNode)
    {
        nodes[std::to_string(node)]
            = {{"sent", m.sent}, {"received", m.received}, {"retransmissions", m.retransmissions}};
    }
    Json transactions = Json::object();
    for (const auto& [result, count] : transactionsByResult)
    {
        transactions[result] = count;
    }
    Json proxyObject = Json::object();
    for (const auto& [name, load] : proxies)
    {
        proxyObject[name] = {{"node", load.node},
                             {"samples", load.samples},
                             {"peak_queue", load.peakQueue},
                             {"mean_utilization", real(load.meanUtilization)},
                             {"peak_utilization", real(load.peakUtilization)}};
    }
    Json top;
    top["run"] = {{"complete", complete}, {"stop_reason", stopReason}, {"end_ns", endNs},
                  {"records", records},   {"faults", faults},          {"user_events", userEvents}};
    top["calls"] = {{"attempted", callsAttempted},
                    {"answered", callsAnswered},
                    {"completed", callsCompleted},
                    {"failed", callsFailed},
                    {"blocked", callsBlocked},
                    {"run_ended_in_call", callsRunEndedInCall},
                    {"run_ended_setup", callsRunEndedSetup},
                    {"failed_by_status", failed}};
    top["post_dial_delay"]
        = {{"count", postDialDelay.count},     {"mean_s", real(postDialDelay.mean)},
           {"p50_s", real(postDialDelay.p50)}, {"p95_s", real(postDialDelay.p95)},
           {"p99_s", real(postDialDelay.p99)}, {"max_s", real(postDialDelay.max)}};
    top["registrations"] = {{"ok", registrationsOk}, {"failed", registrationsFailed}};
    top["messages"]
        = {{"total", messages}, {"retransmissions", retransmissions}, {"by_node", nodes}};
    top["transactions"] = transactions;
    top["proxies"] = proxyObject;
    // A stop reason or proxy name that is not UTF-8 cannot make the file invalid JSON.
    return top.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace sipsim::trace
