#include "transport/ns3-timer-service.h"

#include <ns3/nstime.h>
#include <ns3/simulator.h>
#include <utility>

namespace sipsim {

Ns3TimerService::~Ns3TimerService()
{
    CancelAll();
}

Duration
Ns3TimerService::Now() const
{
    return Duration(ns3::Simulator::Now().GetNanoSeconds());
}

TimerId
Ns3TimerService::Schedule(Duration delay, std::function<void()> fn)
{
    const TimerId id = ++m_lastId;
    const Duration d = delay.count() < 0 ? Duration(0) : delay;
    Pending& p = m_pending[id];
    p.fn = std::move(fn);
    p.event
        = ns3::Simulator::Schedule(ns3::NanoSeconds(d.count()), &Ns3TimerService::Fire, this, id);
    return id;
}

void
Ns3TimerService::Cancel(TimerId id)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
    {
        return;
    }
    // Remove, not Cancel: a cancelled event would still hold the simulation open until its time.
    ns3::Simulator::Remove(it->second.event);
    m_pending.erase(it);
}

void
Ns3TimerService::CancelAll()
{
    for (auto& entry : m_pending)
    {
        ns3::Simulator::Remove(entry.second.event);
    }
    m_pending.clear();
}

void
Ns3TimerService::Fire(TimerId id)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
    {
        return;
    }
    // Erase first: fn may schedule or cancel timers, including this id.
    std::function<void()> fn = std::move(it->second.fn);
    m_pending.erase(it);
    fn();
}

} // namespace sipsim
