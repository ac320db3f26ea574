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
    uint32_t index = 0;
    if (m_free.empty())
    {
        index = static_cast<uint32_t>(m_slots.size());
        m_slots.emplace_back();
    }
    else
    {
        index = m_free.back();
        m_free.pop_back();
    }
    Slot& slot = m_slots[index];
    ++slot.uses;
    slot.pending = true;
    slot.fn = std::move(fn);
    ++m_pendingCount;
    // Index + 1 in the low half, so that no id is 0.
    const TimerId id = (static_cast<TimerId>(slot.uses) << 32) | (static_cast<TimerId>(index) + 1);
    const Duration d = delay.count() < 0 ? Duration(0) : delay;
    slot.event
        = ns3::Simulator::Schedule(ns3::NanoSeconds(d.count()), &Ns3TimerService::Fire, this, id);
    return id;
}

Ns3TimerService::Slot*
Ns3TimerService::Find(TimerId id)
{
    const uint64_t low = id & 0xffffffffu;
    if (low == 0 || low > m_slots.size())
    {
        return nullptr;
    }
    Slot& slot = m_slots[low - 1];
    return slot.pending && slot.uses == static_cast<uint32_t>(id >> 32) ? &slot : nullptr;
}

void
Ns3TimerService::Release(uint32_t index)
{
    Slot& slot = m_slots[index];
    slot.pending = false;
    slot.fn = nullptr;
    slot.event = ns3::EventId();
    m_free.push_back(index);
    --m_pendingCount;
}

void
Ns3TimerService::Cancel(TimerId id)
{
    Slot* slot = Find(id);
    if (slot == nullptr)
    {
        return;
    }
    // Remove, not Cancel: a cancelled event would still hold the simulation open until its time.
    ns3::Simulator::Remove(slot->event);
    Release(static_cast<uint32_t>((id & 0xffffffffu) - 1));
}

void
Ns3TimerService::CancelAll()
{
    for (uint32_t i = 0; i < m_slots.size(); ++i)
    {
        if (m_slots[i].pending)
        {
            ns3::Simulator::Remove(m_slots[i].event);
            Release(i);
        }
    }
}

void
Ns3TimerService::Fire(TimerId id)
{
    Slot* slot = Find(id);
    if (slot == nullptr)
    {
        return;
    }
    // Free the slot first: fn may schedule or cancel timers, including this id.
    std::function<void()> fn = std::move(slot->fn);
    Release(static_cast<uint32_t>((id & 0xffffffffu) - 1));
    fn();
}

} // namespace sipsim
