#include "trace/trace-summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sipsim::trace {

namespace {

std::string
Number(double value)
{
    if (!std::isfinite(value))
    {
        return "null";
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

std::string
Quote(const std::string& text)
{
    std::string out = "\"";
    for (const unsigned char c : text)
    {
        switch (c)
        {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20)
                {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
                    out += buffer;
                }
                else
                {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

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
class Object
{
  public:
    explicit Object(std::string indent)
        : m_indent(std::move(indent))
    {}

    Object& Raw(const std::string& key, const std::string& value)
    {
        m_text += m_first ? "\n" : ",\n";
        m_first = false;
        m_text += m_indent + "  " + Quote(key) + ": " + value;
        return *this;
    }

    Object& Int(const std::string& key, uint64_t value) { return Raw(key, std::to_string(value)); }

    Object& SInt(const std::string& key, int64_t value) { return Raw(key, std::to_string(value)); }

    Object& Real(const std::string& key, double value) { return Raw(key, Number(value)); }

    Object& Bool(const std::string& key, bool value) { return Raw(key, value ? "true" : "false"); }

    Object& Str(const std::string& key, const std::string& value) { return Raw(key, Quote(value)); }

    std::string Done() const { return m_first ? "{}" : "{" + m_text + "\n" + m_indent + "}"; }

    const std::string& Indent() const { return m_indent; }

  private:
    std::string m_indent;
    std::string m_text;
    bool m_first = true;
};

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
    Object calls("  ");
    Object failed("    ");
    for (const auto& [status, count] : failedByStatus)
    {
        failed.Int(std::to_string(status), count);
    }
    calls.Int("attempted", callsAttempted)
        .Int("answered", callsAnswered)
        .Int("completed", callsCompleted)
        .Int("failed", callsFailed)
        .Int("blocked", callsBlocked)
        .Int("run_ended_in_call", callsRunEndedInCall)
        .Int("run_ended_setup", callsRunEndedSetup)
        .Raw("failed_by_status", failed.Done());

    Object pdd("  ");
    pdd.Int("count", postDialDelay.count)
        .Real("mean_s", postDialDelay.mean)
        .Real("p50_s", postDialDelay.p50)
        .Real("p95_s", postDialDelay.p95)
        .Real("p99_s", postDialDelay.p99)
        .Real("max_s", postDialDelay.max);

    Object registrations("  ");
    registrations.Int("ok", registrationsOk).Int("failed", registrationsFailed);

    Object nodes("    ");
    for (const auto& [node, m] : messagesByNode)
    {
        Object one("      ");
        one.Int("sent", m.sent)
            .Int("received", m.received)
            .Int("retransmissions", m.retransmissions);
        nodes.Raw(std::to_string(node), one.Done());
    }
    Object messagesObject("  ");
    messagesObject.Int("total", messages)
        .Int("retransmissions", retransmissions)
        .Raw("by_node", nodes.Done());

    Object transactions("  ");
    for (const auto& [result, count] : transactionsByResult)
    {
        transactions.Int(result, count);
    }

    Object proxyObject("  ");
    for (const auto& [name, load] : proxies)
    {
        Object one("    ");
        one.Int("node", load.node)
            .Int("samples", load.samples)
            .Int("peak_queue", load.peakQueue)
            .Real("mean_utilization", load.meanUtilization)
            .Real("peak_utilization", load.peakUtilization);
        proxyObject.Raw(name, one.Done());
    }

    Object run("  ");
    run.Bool("complete", complete)
        .Str("stop_reason", stopReason)
        .SInt("end_ns", endNs)
        .Int("records", records)
        .Int("faults", faults)
        .Int("user_events", userEvents);

    Object top("");
    top.Raw("run", run.Done())
        .Raw("calls", calls.Done())
        .Raw("post_dial_delay", pdd.Done())
        .Raw("registrations", registrations.Done())
        .Raw("messages", messagesObject.Done())
        .Raw("transactions", transactions.Done())
        .Raw("proxies", proxyObject.Done());
    return top.Done() + "\n";
}

} // namespace sipsim::trace
