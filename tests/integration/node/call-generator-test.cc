/*
 * Integration (tier 2): CallGenerator's Poisson arrivals from a population of phone users and
 * its callee selection, on two nodes (callers 10.1.1.1, callees 10.1.1.2) over a 100 Mb/s,
 * 5 ms link.
 */
#include "integration/node/phone-test-support.h"
#include "node/call-generator.h"

#include <cmath>
#include <ns3/double.h>

namespace sipsim::test {
namespace {

using ns3::Seconds;
using ns3::Simulator;

class CallGeneratorTest : public TransportTest
{
  protected:
    void Build(uint32_t users, const std::map<std::string, std::string>& generatorAttributes)
    {
        line = std::make_unique<Line>(2, "100Mbps", "5ms");
        SipStackHelper stacks;
        calleeStack = stacks.Install(line->nodes.Get(1));
        stacks.Install(line->nodes.Get(0));
        trace.Connect(calleeStack);
        SipPhoneHelper phones;
        phones.SetAttribute("HoldingTime",
                            ns3::StringValue("ns3::ExponentialRandomVariable[Mean=10]"));
        phones.SetAttribute("AnswerDelay",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=1]"));
        callers = ns3::DynamicCast<SipPhone>(phones.Install(line->nodes.Get(0)).Get(0));
        callees = ns3::DynamicCast<SipPhone>(phones.Install(line->nodes.Get(1)).Get(0));
        events.Connect(callers);
        generator = ns3::CreateObject<CallGenerator>();
        for (const auto& [name, value] : generatorAttributes)
        {
            generator->SetAttribute(name, ns3::StringValue(value));
        }
        for (uint32_t i = 0; i < users; ++i)
        {
            PhoneUser caller;
            caller.aor = "sip:u" + std::to_string(i) + "@10.1.1.1";
            callers->AddUser(caller);
            PhoneUser callee;
            callee.aor = "sip:v" + std::to_string(i) + "@10.1.1.2";
            callees->AddUser(callee);
            generator->AddCallee(callee.aor);
        }
        generator->AddCallers(callers);
        line->nodes.Get(0)->AddApplication(generator);
        generator->SetStartTime(Seconds(1));
        generator->SetStopTime(Seconds(501));
        ns3::ApplicationContainer apps(callers);
        apps.Add(callees);
        SipPhoneHelper::AssignStreams(apps, 1);
        generator->AssignStreams(1000);
    }

    std::unique_ptr<Line> line;
    ns3::Ptr<SipStack> calleeStack;
    ns3::Ptr<SipPhone> callers;
    ns3::Ptr<SipPhone> callees;
    ns3::Ptr<CallGenerator> generator;
    EventLog events;
    TraceLog trace;
};

TEST_F(CallGeneratorTest, PoissonArrivalsFromIdleCallersToUniformCallees)
{
    Build(50, {{"Rate", "2"}, {"UnknownFraction", "0.1"}});
    Simulator::Stop(Seconds(600));
    Simulator::Run();
    const auto& c = generator->GetCounters();
    // 500 s at 2/s: 1000 expected, Poisson sd 31.6; the fixed streams give one draw, which
    // must lie within 4 sd.
    EXPECT_NEAR(static_cast<double>(c.arrivals), 1000.0, 4 * std::sqrt(1000.0));
    // 50 callers, 2 calls/s of about 11 s: about 22 busy on average, so an idle one is found.
    EXPECT_EQ(c.noIdleCaller, 0u);
    EXPECT_EQ(c.placed, c.arrivals);
    size_t placedEvents = 0;
    for (const auto& e : events.entries)
    {
        placedEvents += e.event.kind == DeviceEventKind::CallPlaced ? 1 : 0;
    }
    EXPECT_EQ(placedEvents, c.placed);
    // Unknown numbers: about 10 %, each answered 404 by the callee node (no such user).
    EXPECT_NEAR(static_cast<double>(c.unknown) / static_cast<double>(c.placed), 0.1, 0.03);
    const auto notFound = trace.Select(calleeStack->GetNodeId(), Direction::Tx,
                                       [](const TracedMessage& m) { return m.IsResponse(404); });
    EXPECT_EQ(notFound.size(), c.unknown);
    // The known callees took the rest: each INVITE to a v-user rang (no caller called itself).
    EXPECT_EQ(callees->GetCounters().callsOffered, c.placed - c.unknown);
}

TEST_F(CallGeneratorTest, BusyHourCallAttemptsPerUserSetTheRate)
{
    Build(36, {{"BhcaPerUser", "100"}});
    EXPECT_DOUBLE_EQ(generator->GetRate(), 100.0 * 36 / 3600); // 1 call/s
    Simulator::Stop(Seconds(600));
    Simulator::Run();
    EXPECT_NEAR(static_cast<double>(generator->GetCounters().arrivals), 500.0,
                4 * std::sqrt(500.0));
}

TEST_F(CallGeneratorTest, ArrivalsFindingEveryCallerBusyAreCounted)
{
    // Two callers, 5 calls/s of about 11 s each: nearly every arrival finds both busy.
    Build(2, {{"Rate", "5"}});
    Simulator::Stop(Seconds(600));
    Simulator::Run();
    const auto& c = generator->GetCounters();
    EXPECT_GT(c.noIdleCaller, c.arrivals / 2);
    EXPECT_EQ(c.placed + c.noIdleCaller, c.arrivals);
    EXPECT_EQ(callers->GetCounters().callsPlaced, c.placed);
}

} // namespace
} // namespace sipsim::test
