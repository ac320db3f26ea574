/*
 * A manual clock for unit tests of the SIP state machines: time moves only when the test says
 * so, and timers fire in time order (ties in the order they were scheduled), like ns-3's
 * scheduler.
 */
#ifndef SIPSIM_TESTS_FAKE_CLOCK_H
#define SIPSIM_TESTS_FAKE_CLOCK_H

#include "transaction/timer-service.h"

#include <map>
#include <utility>

namespace sipsim::test {

class FakeClock : public TimerService
{
  public:
    Duration Now() const override { return m_now; }

    TimerId Schedule(Duration delay, std::function<void()> fn) override
    {
        const TimerId id = ++m_lastId;
        m_pending.emplace(Key{m_now + delay, id}, std::move(fn));
        return id;
    }

    void Cancel(TimerId id) override
    {
        for (auto it = m_pending.begin(); it != m_pending.end(); ++it)
        {
            if (it->first.second == id)
            {
                m_pending.erase(it);
                return;
            }
        }
    }

    /// Fires every timer due up to now + d (including ones they schedule), then sets the time.
    void Advance(Duration d) { RunUntil(m_now + d); }

    /// Fires every timer due at or before t, in order, then sets the time to t.
    void RunUntil(Duration t)
    {
        while (!m_pending.empty() && m_pending.begin()->first.first <= t)
        {
            auto node = m_pending.extract(m_pending.begin());
            m_now = node.key().first;
            node.mapped()();
        }
        m_now = t;
    }

    /// Fires timers until none is left, or until limit; returns the number fired.
    size_t RunAll(Duration limit = std::chrono::hours(24))
    {
        size_t fired = 0;
        while (!m_pending.empty() && m_pending.begin()->first.first <= limit)
        {
            auto node = m_pending.extract(m_pending.begin());
            m_now = node.key().first;
            node.mapped()();
            ++fired;
        }
        return fired;
    }

    /// Time of the next pending timer, or nullopt-like Duration::max() when none.
    Duration NextDue() const
    {
        return m_pending.empty() ? Duration::max() : m_pending.begin()->first.first;
    }

    size_t PendingCount() const { return m_pending.size(); }

  private:
    using Key = std::pair<Duration, TimerId>;
    Duration m_now{0};
    TimerId m_lastId = 0;
    std::map<Key, std::function<void()>> m_pending;
};

} // namespace sipsim::test

#endif // SIPSIM_TESTS_FAKE_CLOCK_H
