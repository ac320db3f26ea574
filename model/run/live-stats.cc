#include "run/live-stats.h"

#include "trace/trace-recorder.h"

#include <algorithm>

namespace sipsim::run {

LiveStats::LiveStats(const World& w, const trace::TraceRecorder& recorder)
    : m_world(w)
    , m_recorder(recorder)
{}

void
LiveStats::Add(const trace::Record& record)
{
    if (record.has_call())
    {
        const trace::CallRecord& c = record.call();
        if (c.outcome() == trace::COMPLETED)
        {
            ++m_counts.completed;
        }
        else if (c.outcome() == trace::FAILED || c.outcome() == trace::BLOCKED_NO_TRUNK)
        {
            ++m_counts.failed;
            ++m_counts.failedByStatus[c.final_status()];
        }
        if (c.post_dial_delay_s() >= 0)
        {
            m_pdd.push_back(c.post_dial_delay_s());
        }
    }
    else if (record.has_registration())
    {
        ++(record.registration().ok() ? m_counts.registrationsOk : m_counts.registrationsFailed);
    }
}

LiveCounts
LiveStats::Now() const
{
    LiveCounts now = m_counts;
    now.pddCount = m_pdd.size();
    for (const auto& [name, phone] : m_world.phones)
    {
        (void) name;
        now.placed += phone->GetCounters().callsPlaced;
    }
    for (const auto& [name, gateway] : m_world.gateways)
    {
        (void) name;
        now.placed += gateway->GetCounters().pstnCallsPlaced;
    }
    for (const auto& [name, stack] : m_world.stacks)
    {
        (void) name;
        now.retransmissions += stack->GetTransactionLayer().GetCounters().retransmissionsSent;
    }
    return now;
}

size_t
LiveStats::InProgress() const
{
    return m_recorder.GetOpenCalls();
}

std::vector<LiveStats::ProxyLoad>
LiveStats::Proxies() const
{
    std::vector<ProxyLoad> out;
    for (const auto& [name, queue] : m_world.queues)
    {
        out.push_back(ProxyLoad{name, queue->GetQueueLength(), queue->GetBusyWorkerSeconds(),
                                queue->GetWorkers()});
    }
    return out;
}

std::string
LiveStats::TopStatuses(const std::map<uint32_t, uint64_t>& failed, size_t top)
{
    std::vector<std::pair<uint32_t, uint64_t>> byCount(failed.begin(), failed.end());
    std::stable_sort(byCount.begin(), byCount.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string out;
    for (size_t i = 0; i < byCount.size() && i < top; ++i)
    {
        if (byCount[i].second == 0)
        {
            continue;
        }
        out += (out.empty() ? "" : " ") + std::to_string(byCount[i].first) + ":"
               + std::to_string(byCount[i].second);
    }
    return out;
}

} // namespace sipsim::run
