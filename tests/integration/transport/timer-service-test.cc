/*
 * Ns3TimerService: the TimerService contract (timer-service.h) on the ns-3 simulator.
 */
#include "transport-test-support.h"
#include "transport/ns3-timer-service.h"

namespace sipsim::test {
namespace {

using namespace ns3;
using std::chrono::milliseconds;

using TimerServiceOnNs3 = TransportTest;

TEST_F(TimerServiceOnNs3, FiresAtTheExactTimeInSchedulingOrder)
{
    Ns3TimerService timers;
    std::vector<std::pair<int, Time>> fired;
    Simulator::Schedule(Seconds(1), [&]() {
        EXPECT_EQ(timers.Now(), Duration(std::chrono::seconds(1)));
        timers.Schedule(milliseconds(500), [&]() { fired.emplace_back(1, Simulator::Now()); });
        timers.Schedule(milliseconds(500), [&]() { fired.emplace_back(2, Simulator::Now()); });
        timers.Schedule(milliseconds(250), [&]() { fired.emplace_back(0, Simulator::Now()); });
        timers.Schedule(Duration(1), [&]() { fired.emplace_back(-1, Simulator::Now()); });
        EXPECT_EQ(timers.PendingCount(), 4u);
    });
    Simulator::Run();

    ASSERT_EQ(fired.size(), 4u);
    EXPECT_EQ(fired[0], std::make_pair(-1, Seconds(1) + NanoSeconds(1)));
    EXPECT_EQ(fired[1], std::make_pair(0, Seconds(1) + MilliSeconds(250)));
    EXPECT_EQ(fired[2], std::make_pair(1, Seconds(1) + MilliSeconds(500)));
    EXPECT_EQ(fired[3], std::make_pair(2, Seconds(1) + MilliSeconds(500)));
    EXPECT_EQ(timers.PendingCount(), 0u);
}

TEST_F(TimerServiceOnNs3, ZeroDelayRunsAfterTheCurrentEventNotInsideSchedule)
{
    Ns3TimerService timers;
    std::vector<std::string> order;
    Simulator::Schedule(Seconds(2), [&]() {
        timers.Schedule(Duration(0), [&]() { order.push_back("timer"); });
        order.push_back("after schedule");
    });
    Simulator::Run();
    EXPECT_EQ(order, (std::vector<std::string>{"after schedule", "timer"}));
}

TEST_F(TimerServiceOnNs3, CancelledTimersNeverFireAndIdsAreNotReused)
{
    Ns3TimerService timers;
    int fired = 0;
    const TimerId a = timers.Schedule(milliseconds(10), [&]() { ++fired; });
    const TimerId b = timers.Schedule(milliseconds(20), [&]() { ++fired; });
    TimerId c = 0;
    c = timers.Schedule(milliseconds(30), [&]() {
        ++fired;
        timers.Cancel(c); // cancelling itself while firing: no effect
    });
    EXPECT_NE(a, 0u);
    EXPECT_NE(a, b);
    EXPECT_NE(b, c);
    timers.Cancel(b);
    timers.Cancel(b);
    timers.Cancel(0);
    Simulator::Run();
    EXPECT_EQ(fired, 2);
    timers.Cancel(a); // already fired
    EXPECT_EQ(timers.PendingCount(), 0u);
    EXPECT_EQ(Simulator::Now(), MilliSeconds(30));
}

TEST_F(TimerServiceOnNs3, AStaleIdNeverCancelsTheTimerThatReusedItsSlot)
{
    // A freed slot is taken by the next timer; the old id must not reach the new timer.
    Ns3TimerService timers;
    int fired = 0;
    const TimerId a = timers.Schedule(milliseconds(10), [&]() { fired += 1; });
    timers.Cancel(a);
    const TimerId b = timers.Schedule(milliseconds(10), [&]() { fired += 10; });
    EXPECT_NE(a, b);
    timers.Cancel(a);
    EXPECT_EQ(timers.PendingCount(), 1u);
    std::vector<TimerId> ids;
    for (int i = 0; i < 100; ++i)
    {
        ids.push_back(timers.Schedule(milliseconds(20 + i), [&]() { fired += 100; }));
    }
    for (size_t i = 0; i < ids.size(); i += 2)
    {
        timers.Cancel(ids[i]);
    }
    EXPECT_EQ(timers.PendingCount(), 51u);
    Simulator::Run();
    EXPECT_EQ(fired, 10 + 50 * 100);
    EXPECT_EQ(timers.PendingCount(), 0u);
    for (const TimerId id : ids)
    {
        timers.Cancel(id); // all stale: no effect
    }
    EXPECT_EQ(timers.Schedule(milliseconds(1), []() {}) == b, false);
}

TEST_F(TimerServiceOnNs3, DestroyingTheServiceCancelsItsTimers)
{
    int fired = 0;
    {
        Ns3TimerService timers;
        timers.Schedule(milliseconds(10), [&]() { ++fired; });
    }
    Simulator::Run();
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(Simulator::Now(), Time(0));
}

} // namespace
} // namespace sipsim::test
