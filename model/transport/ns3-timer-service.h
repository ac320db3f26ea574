/*
 * TimerService over the ns-3 simulator: the clock and timers the SIP state machines run on in
 * a simulation (RFC 3261 17 timers A..K, 13.3.1.4 2xx retransmission).
 */
#ifndef SIPSIM_NS3_TIMER_SERVICE_H
#define SIPSIM_NS3_TIMER_SERVICE_H

#include "transaction/timer-service.h"

#include <cstdint>
#include <functional>
#include <ns3/event-id.h>
#include <vector>

namespace sipsim {

/**
 * Timers scheduled on ns3::Simulator. Each timer takes a slot of a table (slots are reused, so
 * the table is as large as the most timers pending at once); its TimerId names the slot and the
 * slot's use count, so an id is never valid again once its timer fired or was cancelled. A
 * cancelled timer's event is removed from the simulator's queue (so it does not keep
 * Simulator::Run going until its time). Destroying the service cancels every pending timer
 * (safe after Simulator::Destroy).
 *
 * Ordering follows ns-3's scheduler: events due at the same time run in the order they were
 * scheduled, and a zero delay runs after the current event, as TimerService requires.
 */
class Ns3TimerService : public TimerService
{
  public:
    Ns3TimerService() = default;
    ~Ns3TimerService() override;
    Ns3TimerService(const Ns3TimerService&) = delete;
    Ns3TimerService& operator=(const Ns3TimerService&) = delete;

    /// ns3::Simulator::Now() in nanoseconds.
    Duration Now() const override;

    TimerId Schedule(Duration delay, std::function<void()> fn) override;

    void Cancel(TimerId id) override;

    /// Cancels every pending timer.
    void CancelAll();

    /// Number of timers scheduled and neither fired nor cancelled.
    size_t PendingCount() const { return m_pendingCount; }

  private:
    struct Slot
    {
        ns3::EventId event;
        std::function<void()> fn;
        uint32_t uses = 0; ///< times the slot was taken: the high half of its timers' ids
        bool pending = false;
    };

    /// The slot of a pending timer, or nullptr for an id that fired, was cancelled or is 0.
    Slot* Find(TimerId id);
    /// Frees a slot (its function is destroyed) for the next timer.
    void Release(uint32_t index);
    /// The simulator event of timer id: runs its function after freeing its slot.
    void Fire(TimerId id);

    std::vector<Slot> m_slots;
    std::vector<uint32_t> m_free; ///< indexes of free slots
    size_t m_pendingCount = 0;
};

} // namespace sipsim

#endif // SIPSIM_NS3_TIMER_SERVICE_H
