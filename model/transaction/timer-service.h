/*
 * The clock and timers the SIP state machines run on. The transaction and user-agent layers
 * never call the simulator directly: in production this is the ns-3 simulator
 * (transport/ns3-timer-service.h), in unit tests a manual clock (tests/support/fake-clock.h).
 */
#ifndef SIPSIM_TIMER_SERVICE_H
#define SIPSIM_TIMER_SERVICE_H

#include <chrono>
#include <cstdint>
#include <functional>

namespace sipsim {

/// Simulated time and durations, in nanoseconds (ns-3's default time resolution).
using Duration = std::chrono::nanoseconds;

/// Identifies a scheduled timer; 0 is never a valid id.
using TimerId = uint64_t;

class TimerService
{
  public:
    virtual ~TimerService() = default;

    /// The current simulated time.
    virtual Duration Now() const = 0;

    /**
     * Calls fn once, delay from now. A zero delay runs fn after the current event, never from
     * inside Schedule. Timers due at the same time fire in the order they were scheduled.
     */
    virtual TimerId Schedule(Duration delay, std::function<void()> fn) = 0;

    /// Cancels a pending timer; no effect on a timer that fired or was cancelled, or on 0.
    virtual void Cancel(TimerId id) = 0;
};

} // namespace sipsim

#endif // SIPSIM_TIMER_SERVICE_H
