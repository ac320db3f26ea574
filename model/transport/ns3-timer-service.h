/*
 * TimerService over the ns-3 simulator: the clock and timers the SIP state machines run on in
 * a simulation (RFC 3261 17 timers A..K, 13.3.1.4 2xx retransmission).
 */
#ifndef SIPSIM_NS3_TIMER_SERVICE_H
#define SIPSIM_NS3_TIMER_SERVICE_H

#include "transaction/timer-service.h"

#include <functional>
#include <ns3/event-id.h>
#include <unordered_map>

namespace sipsim {

/**
 * Timers scheduled on ns3::Simulator. Each pending timer keeps its ns3::EventId in a map keyed
 * by TimerId; the entry is erased when the timer fires or is cancelled, so the map holds only
 * pending timers. A cancelled timer's event is removed from the simulator's queue (so it does
 * not keep Simulator::Run going until its time). Destroying the service cancels every pending
 * timer (safe after Simulator::Destroy).
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
    size_t PendingCount() const { return m_pending.size(); }

  private:
    struct Pending
    {
        ns3::EventId event;
        std::function<void()> fn;
    };

    /// The simulator event of timer id: runs its function after erasing its entry.
    void Fire(TimerId id);

    TimerId m_lastId = 0;
    std::unordered_map<TimerId, Pending> m_pending;
};

} // namespace sipsim

#endif // SIPSIM_NS3_TIMER_SERVICE_H
