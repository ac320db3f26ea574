/*
 * Integration (tier 2): the SIP phone node model (sipsim::SipPhone) on small ns-3 topologies.
 *
 * - Many users in one SipPhone behave exactly as one user per node (same streams, same
 *   DeviceEvents at the same simulated times), on a star of point-to-point links.
 * - Busy and do-not-disturb (486), a basic call's exact timing with constant user-model
 *   variables, the INVITE expiry fail-safe (408 for the 6.x profile, 487 at the INVITE's
 *   Expires for the earlier one, RFC 3261 13.3.1), and SDP offers the phone cannot take
 *   (488 with Accept, 400 for an unparseable body).
 *
 * Times are exact: they are read from the SipStack "Message" traces and compared with what
 * the user model says (a response sent exactly AnswerDelay after its INVITE arrived, ...).
 */
#include "integration/node/phone-test-support.h"

#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sipsim::test {
namespace {

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;
using Strings = std::vector<std::string>;

/// An offer of G722 only (payload type 9): nothing in common with the phone's codecs.
std::string
G722Offer()
{
    return "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n"
           "m=audio 4000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n";
}

// --- (a) many phones on one node ----------------------------------------------------------------

/// One DeviceEvent, as compared between configurations: kind, status, tone and exact time.
std::string
Describe(const EventLog::Entry& e)
{
    std::string s = std::to_string(e.at.GetNanoSeconds()) + "ns ";
    s += DeviceEventKindName(e.event.kind);
    if (e.event.tone != profile::TONE_UNSPECIFIED)
    {
        s += " " + std::string(profile::ToneText(e.event.tone));
    }
    s += " " + std::to_string(e.event.status);
    return s;
}

struct StarRun
{
    std::map<std::string, Strings> events; ///< per user AOR, in order
    size_t answered = 0;                   ///< callee Answered events
    size_t unanswered = 0;                 ///< callee Rejected 408 (INVITE expired)
    size_t placed = 0;                     ///< Call() accepted
};

constexpr uint32_t kStarPairs = 6;

/**
 * A router with one point-to-point link per phone node (same rate and delay on every link).
 * shared == false: each caller and each callee alone in its own SipPhone on its own node;
 * shared == true: the callers in one SipPhone, the callees in one SipPhone on another node.
 * Caller i calls callee i at 1 + 20 i s.
 *
 * Node addresses are 10.1.1X.2 (callers) and 10.1.2X.2 (callees), the same length in both
 * configurations. The links (bps, default 10^15 b/s) are so fast that serializing a datagram
 * takes 0 ns: the SIP identifiers of a node (Call-ID and tag serials, the branch counter and
 * its node-id prefix) are per-node counters whose widths differ between the configurations,
 * so some messages differ by a byte or two; at 100 Mb/s that alone shifts the shared
 * configuration's events by 160 ns from the fourth call on (measured), which is not what this
 * test is about (the user model and its streams).
 */
StarRun
RunStar(bool shared, int64_t streamBase, uint64_t bps = 1000000000000000ULL)
{
    Simulator::Destroy();
    ns3::Config::Reset();
    ns3::Ipv4AddressGenerator::Reset();
    ns3::RngSeedManager::SetSeed(7);
    ns3::RngSeedManager::SetRun(3);

    const uint32_t phoneNodes = shared ? 2 : 2 * kStarPairs;
    ns3::NodeContainer router;
    router.Create(1);
    ns3::NodeContainer phones;
    phones.Create(phoneNodes);
    ns3::InternetStackHelper internet;
    internet.Install(router);
    internet.Install(phones);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(bps)));
    p2p.SetChannelAttribute("Delay", ns3::StringValue("3ms"));
    ns3::Ipv4AddressHelper addresses;
    std::vector<ns3::Ipv4Address> phoneAddress;
    for (uint32_t j = 0; j < phoneNodes; ++j)
    {
        // Callers' nodes first (10.1.10.0, 10.1.11.0, ...), then callees' (10.1.20.0, ...).
        const uint32_t half = phoneNodes / 2;
        const uint32_t third = j < half ? 10 + j : 20 + (j - half);
        const std::string base = "10.1." + std::to_string(third) + ".0";
        addresses.SetBase(base.c_str(), "255.255.255.0");
        const ns3::Ipv4InterfaceContainer ifs
            = addresses.Assign(p2p.Install(router.Get(0), phones.Get(j)));
        phoneAddress.push_back(ifs.GetAddress(1));
    }
    ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    SipStackHelper stacks;
    stacks.Install(phones);

    SipPhoneHelper helper;
    helper.SetAttribute("AnswerProbability", ns3::DoubleValue(0.6));
    helper.SetAttribute("AnswerDelay", ns3::StringValue("ns3::ExponentialRandomVariable[Mean=3]"));
    helper.SetAttribute("HoldingTime", ns3::StringValue("ns3::ExponentialRandomVariable[Mean=5]"));
    helper.SetAttribute("InviteExpires", ns3::TimeValue(Seconds(15)));
    ns3::ApplicationContainer apps = helper.Install(phones); // callers' nodes first

    // (application, user index) of caller i and callee i, and the callee's URI.
    std::vector<std::pair<ns3::Ptr<SipPhone>, uint32_t>> callers;
    std::vector<std::string> targets;
    for (uint32_t i = 0; i < kStarPairs; ++i)
    {
        const uint32_t callerNode = shared ? 0 : i;
        const auto app = ns3::DynamicCast<SipPhone>(apps.Get(callerNode));
        PhoneUser user;
        user.aor = "sip:caller" + std::to_string(i) + "@" + ToText(phoneAddress[callerNode]);
        callers.emplace_back(app, app->AddUser(user));
    }
    for (uint32_t i = 0; i < kStarPairs; ++i)
    {
        const uint32_t calleeNode = shared ? 1 : kStarPairs + i;
        const auto app = ns3::DynamicCast<SipPhone>(apps.Get(calleeNode));
        PhoneUser user;
        user.aor = "sip:callee" + std::to_string(i) + "@" + ToText(phoneAddress[calleeNode]);
        app->AddUser(user);
        targets.push_back(user.aor);
    }
    SipPhoneHelper::AssignStreams(apps, streamBase);

    EventLog log;
    for (uint32_t j = 0; j < apps.GetN(); ++j)
    {
        log.Connect(apps.Get(j));
    }
    StarRun run;
    for (uint32_t i = 0; i < kStarPairs; ++i)
    {
        const auto [app, index] = callers[i];
        const std::string target = targets[i];
        Simulator::Schedule(Seconds(1 + 20 * i), [app = app, index = index, target, &run]() {
            run.placed += app->Call(index, target) ? 1 : 0;
        });
    }
    Simulator::Stop(Seconds(1 + 20 * kStarPairs + 300));
    Simulator::Run();

    for (const auto& e : log.entries)
    {
        run.events[e.event.user].push_back(Describe(e));
        const bool callee = e.event.user.rfind("sip:callee", 0) == 0;
        if (callee && e.event.kind == DeviceEventKind::Answered)
        {
            ++run.answered;
        }
        if (callee && e.event.kind == DeviceEventKind::Rejected && e.event.status == 408)
        {
            ++run.unanswered;
        }
    }
    Simulator::Destroy();
    ns3::Config::Reset();
    ns3::Ipv4AddressGenerator::Reset();
    return run;
}

class PhoneStarTest : public TransportTest
{};

TEST_F(PhoneStarTest, ManyPhonesOnOneNodeBehaveExactlyAsOnePhonePerNode)
{
    const StarRun alone = RunStar(false, 100);
    const StarRun shared = RunStar(true, 100);
    ASSERT_EQ(alone.placed, kStarPairs);
    ASSERT_EQ(shared.placed, kStarPairs);
    // Not vacuous: the seed gives both answered calls and the 408 fail-safe.
    EXPECT_GE(alone.answered, 1u);
    EXPECT_GE(alone.unanswered, 1u);
    EXPECT_EQ(alone.answered + alone.unanswered, kStarPairs);
    ASSERT_EQ(alone.events.size(), 2 * kStarPairs);
    ASSERT_EQ(shared.events.size(), 2 * kStarPairs);
    // Users are compared by user part: their hosts differ between the configurations.
    const auto byUser = [](const StarRun& run) {
        std::map<std::string, Strings> out;
        for (const auto& [aor, events] : run.events)
        {
            out[aor.substr(0, aor.find('@'))] = events;
        }
        return out;
    };
    const auto a = byUser(alone);
    const auto b = byUser(shared);
    for (const auto& [user, events] : a)
    {
        ASSERT_TRUE(b.count(user)) << user;
        EXPECT_EQ(events, b.at(user)) << user;
    }
    EXPECT_EQ(alone.answered, shared.answered);
    EXPECT_EQ(alone.unanswered, shared.unanswered);

    // The streams are really used: another stream base changes some outcome or time.
    const StarRun other = RunStar(false, 100 + 3 * 2 * kStarPairs);
    EXPECT_NE(byUser(other), a);
}

// --- two phones on a line
// -------------------------------------------------------------------------

/**
 * Two nodes, 10.1.1.1 - 10.1.1.2, 100 Mb/s, 5 ms, each with a SipStack; phones and plain UAs
 * are installed by the tests.
 */
class PhoneTest : public TransportTest
{
  protected:
    void SetUp() override
    {
        TransportTest::SetUp();
        line = std::make_unique<Line>(2, "100Mbps", "5ms");
        SipStackHelper stacks;
        stack[0] = stacks.Install(line->nodes.Get(0));
        stack[1] = stacks.Install(line->nodes.Get(1));
        trace.Connect(stack[0]);
        trace.Connect(stack[1]);
    }

    /// A SipPhone on node `node` with users of these user parts (AOR user@node address).
    ns3::Ptr<SipPhone> InstallPhone(uint32_t node, const Strings& users,
                                    const std::function<void(SipPhoneHelper&)>& configure = {})
    {
        SipPhoneHelper helper;
        if (configure)
        {
            configure(helper);
        }
        auto phone = ns3::DynamicCast<SipPhone>(helper.Install(line->nodes.Get(node)).Get(0));
        for (const std::string& u : users)
        {
            PhoneUser user;
            user.aor = "sip:" + u + "@" + Address(node);
            phone->AddUser(user);
        }
        SipPhoneHelper::AssignStreams(ns3::ApplicationContainer(phone), 10 + 1000 * node);
        events.Connect(phone);
        return phone;
    }

    /// A plain UA on node `node`'s host.
    UserAgent* AddUa(uint32_t node, UaConfig config, UaListener* listener)
    {
        UserAgent* ua = SipEndpoint::Get(line->nodes.Get(node))
                            ->GetHost()
                            .AddUserAgent(std::move(config), listener);
        EXPECT_NE(ua, nullptr);
        return ua;
    }

    std::string Address(uint32_t node) const
    {
        return ToText(node == 0 ? line->First() : line->Last());
    }

    std::vector<TracedMessage> Sent(uint32_t node,
                                    const std::function<bool(const TracedMessage&)>& pred) const
    {
        return trace.Select(stack[node]->GetNodeId(), Direction::Tx, pred);
    }

    std::vector<TracedMessage> Received(uint32_t node,
                                        const std::function<bool(const TracedMessage&)>& pred) const
    {
        return trace.Select(stack[node]->GetNodeId(), Direction::Rx, pred);
    }

    static std::function<bool(const TracedMessage&)> Response(uint16_t code, std::string method)
    {
        return [code, method](const TracedMessage& m) {
            return m.IsResponse(code) && m.message.GetCSeq()->method == method && !m.retransmission;
        };
    }

    static std::function<bool(const TracedMessage&)> Request(std::string method)
    {
        return
            [method](const TracedMessage& m) { return m.IsRequest(method) && !m.retransmission; };
    }

    /// The times of one user's events, in order.
    std::vector<Time> TimesOf(const std::string& aor) const
    {
        std::vector<Time> out;
        for (const auto& e : events.entries)
        {
            if (e.event.user == aor)
            {
                out.push_back(e.at);
            }
        }
        return out;
    }

    std::unique_ptr<Line> line;
    ns3::Ptr<SipStack> stack[2];
    TraceLog trace;
    EventLog events;
};

// --- (b) busy and do-not-disturb
// ------------------------------------------------------------------

TEST_F(PhoneTest, CalleeInACallAnswersASecondInviteBusy)
{
    auto callers = InstallPhone(0, {"a1", "a2"}, [](SipPhoneHelper& h) {
        h.SetAttribute("HoldingTime", ns3::StringValue("ns3::ConstantRandomVariable[Constant=30]"));
    });
    auto callee = InstallPhone(1, {"c"}, [](SipPhoneHelper& h) {
        h.SetAttribute("AnswerDelay", ns3::StringValue("ns3::ConstantRandomVariable[Constant=2]"));
    });
    Simulator::Schedule(Seconds(1), [&]() { EXPECT_TRUE(callers->Call(0, "sip:c@10.1.1.2")); });
    Simulator::Schedule(Seconds(5), [&]() {
        EXPECT_TRUE(callee->IsInCall(0));
        EXPECT_TRUE(callers->Call(1, "sip:c@10.1.1.2"));
    });
    Simulator::Stop(Seconds(60));
    Simulator::Run();

    // The second INVITE got 486 (the profile's USER_BUSY code) the instant it arrived.
    const auto invites = Received(1, Request("INVITE"));
    ASSERT_EQ(invites.size(), 2u);
    const auto busy = Sent(1, Response(486, "INVITE"));
    ASSERT_EQ(busy.size(), 1u);
    EXPECT_EQ(busy[0].at, invites[1].at);
    EXPECT_EQ(busy[0].message.GetReasonPhrase(), "Busy Here");
    EXPECT_EQ(busy[0].message.GetCallId(), invites[1].message.GetCallId());

    EXPECT_EQ(events.Of("sip:c@10.1.1.2"),
              (Strings{"Ringing", "Answered", "Rejected 486", "Cleared"}));
    const auto* rejected = events.Find(DeviceEventKind::Rejected, 486);
    ASSERT_NE(rejected, nullptr);
    EXPECT_EQ(rejected->at, invites[1].at);
    EXPECT_EQ(rejected->event.user, "sip:c@10.1.1.2");

    // The second caller hears busy and the call is cleared with 486, when the 486 arrives.
    EXPECT_EQ(events.Of("sip:a2@10.1.1.1"),
              (Strings{"CallPlaced", "Tone busy 486", "Cleared 486"}));
    const auto busyIn = Received(0, Response(486, "INVITE"));
    ASSERT_EQ(busyIn.size(), 1u);
    EXPECT_EQ(TimesOf("sip:a2@10.1.1.1"),
              (std::vector<Time>{Seconds(5), busyIn[0].at, busyIn[0].at}));
    // The first call is untouched: answered, and hung up by a1 after its 30 s.
    EXPECT_EQ(events.Of("sip:a1@10.1.1.1"),
              (Strings{"CallPlaced", "Tone ringback 180", "Answered", "Cleared"}));
    EXPECT_FALSE(callers->IsInCall(1));
    EXPECT_EQ(callee->GetCounters().callsRejected, 1u);
    EXPECT_EQ(callee->GetCounters().callsOffered, 2u);
}

TEST_F(PhoneTest, DoNotDisturbAnswersBusy)
{
    auto callers = InstallPhone(0, {"a1"}, [](SipPhoneHelper& h) {
        h.SetAttribute("HoldingTime", ns3::StringValue("ns3::ConstantRandomVariable[Constant=3]"));
    });
    auto callee = InstallPhone(1, {"c"}, [](SipPhoneHelper& h) {
        h.SetAttribute("AnswerDelay", ns3::StringValue("ns3::ConstantRandomVariable[Constant=1]"));
    });
    callee->SetDoNotDisturb(0, true);
    Simulator::Schedule(Seconds(1), [&]() { EXPECT_TRUE(callers->Call(0, "sip:c@10.1.1.2")); });
    // Do-not-disturb off again: the next call rings and is answered.
    Simulator::Schedule(Seconds(10), [&]() { callee->SetDoNotDisturb(0, false); });
    Simulator::Schedule(Seconds(11), [&]() { EXPECT_TRUE(callers->Call(0, "sip:c@10.1.1.2")); });
    Simulator::Stop(Seconds(60));
    Simulator::Run();

    const auto invites = Received(1, Request("INVITE"));
    ASSERT_EQ(invites.size(), 2u);
    const auto busy = Sent(1, Response(486, "INVITE"));
    ASSERT_EQ(busy.size(), 1u);
    EXPECT_EQ(busy[0].at, invites[0].at);
    EXPECT_EQ(events.Of("sip:c@10.1.1.2"),
              (Strings{"Rejected 486", "Ringing", "Answered", "Cleared"}));
    EXPECT_EQ(events.Of("sip:a1@10.1.1.1"),
              (Strings{"CallPlaced", "Tone busy 486", "Cleared 486", "CallPlaced",
                       "Tone ringback 180", "Answered", "Cleared"}));
}

TEST_F(PhoneTest, DoNotDisturbAttributeAnswersBusy)
{
    auto callers = InstallPhone(0, {"a1"});
    InstallPhone(1, {"c", "d"}, [](SipPhoneHelper& h) {
        h.SetAttribute("DoNotDisturb", ns3::BooleanValue(true));
    });
    Simulator::Schedule(Seconds(1), [&]() { EXPECT_TRUE(callers->Call(0, "sip:c@10.1.1.2")); });
    Simulator::Schedule(Seconds(5), [&]() { EXPECT_TRUE(callers->Call(0, "sip:d@10.1.1.2")); });
    Simulator::Stop(Seconds(30));
    Simulator::Run();

    const auto invites = Received(1, Request("INVITE"));
    const auto busy = Sent(1, Response(486, "INVITE"));
    ASSERT_EQ(invites.size(), 2u);
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[0].at, invites[0].at);
    EXPECT_EQ(busy[1].at, invites[1].at);
    EXPECT_EQ(events.Of("sip:c@10.1.1.2"), (Strings{"Rejected 486"}));
    EXPECT_EQ(events.Of("sip:d@10.1.1.2"), (Strings{"Rejected 486"}));
    EXPECT_EQ(events.Of("sip:a1@10.1.1.1"),
              (Strings{"CallPlaced", "Tone busy 486", "Cleared 486", "CallPlaced", "Tone busy 486",
                       "Cleared 486"}));
}

// --- (c) a basic call
// -------------------------------------------------------------------------------

TEST_F(PhoneTest, BasicCallHasTheUserModelsExactTimes)
{
    const auto constants = [](SipPhoneHelper& h) {
        h.SetAttribute("AnswerDelay", ns3::StringValue("ns3::ConstantRandomVariable[Constant=2]"));
        h.SetAttribute("HoldingTime", ns3::StringValue("ns3::ConstantRandomVariable[Constant=10]"));
    };
    auto alicePhone = InstallPhone(0, {"alice"}, constants);
    auto bobPhone = InstallPhone(1, {"bob"}, constants);
    Simulator::Schedule(Seconds(1),
                        [&]() { EXPECT_TRUE(alicePhone->Call(0, "sip:bob@10.1.1.2")); });
    Simulator::Stop(Seconds(60));
    Simulator::Run();

    // The INVITE leaves at 1 s and arrives one hop later.
    const auto inviteOut = Sent(0, Request("INVITE"));
    const auto inviteIn = Received(1, Request("INVITE"));
    ASSERT_EQ(inviteOut.size(), 1u);
    ASSERT_EQ(inviteIn.size(), 1u);
    EXPECT_EQ(inviteOut[0].at, Seconds(1));
    EXPECT_EQ(inviteIn[0].at,
              Seconds(1) + UdpHopTime(inviteOut[0].size, 100000000, MilliSeconds(5)));
    // The 200 exactly AnswerDelay (2 s) after the INVITE arrived.
    const auto okOut = Sent(1, Response(200, "INVITE"));
    ASSERT_EQ(okOut.size(), 1u);
    EXPECT_EQ(okOut[0].at, inviteIn[0].at + Seconds(2));
    // The BYE exactly HoldingTime (10 s) after the caller got the 200.
    const auto okIn = Received(0, Response(200, "INVITE"));
    const auto ringingIn = Received(0, Response(180, "INVITE"));
    const auto byeOut = Sent(0, Request("BYE"));
    const auto byeOkIn = Received(0, Response(200, "BYE"));
    ASSERT_EQ(okIn.size(), 1u);
    ASSERT_EQ(ringingIn.size(), 1u);
    ASSERT_EQ(byeOut.size(), 1u);
    ASSERT_EQ(byeOkIn.size(), 1u);
    EXPECT_EQ(byeOut[0].at, okIn[0].at + Seconds(10));

    EXPECT_EQ(events.Of("sip:alice@10.1.1.1"),
              (Strings{"CallPlaced", "Tone ringback 180", "Answered", "Cleared"}));
    EXPECT_EQ(TimesOf("sip:alice@10.1.1.1"),
              (std::vector<Time>{Seconds(1), ringingIn[0].at, okIn[0].at, byeOkIn[0].at}));
    // The callee: rings when the INVITE arrives, answered when the ACK does, cleared by the BYE.
    const auto ackIn = Received(1, Request("ACK"));
    const auto byeIn = Received(1, Request("BYE"));
    ASSERT_EQ(ackIn.size(), 1u);
    ASSERT_EQ(byeIn.size(), 1u);
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Ringing", "Answered", "Cleared"}));
    EXPECT_EQ(TimesOf("sip:bob@10.1.1.2"),
              (std::vector<Time>{inviteIn[0].at, ackIn[0].at, byeIn[0].at}));
    EXPECT_EQ(alicePhone->GetCounters().callsPlaced, 1u);
    EXPECT_EQ(alicePhone->GetCounters().callsConnected, 1u);
    EXPECT_EQ(bobPhone->GetCounters().callsConnected, 1u);
    EXPECT_FALSE(alicePhone->IsInCall(0));
    EXPECT_FALSE(bobPhone->IsInCall(0));
}

// --- (d) unanswered calls
// ----------------------------------------------------------------------------

/// A plain UA on node 0 calls user bob of a phone on node 1 that never answers.
class UnansweredTest : public PhoneTest
{
  protected:
    /// Runs the call; returns the final response the phone sent (first transmission).
    void RunCall(const std::string& profileName, uint32_t expiresHeader,
                 const std::function<void(SipPhoneHelper&)>& configure = {})
    {
        phone = InstallPhone(1, {"bob"}, [&](SipPhoneHelper& h) {
            h.SetAttribute("Profile", ns3::StringValue(profileName));
            h.SetAttribute("AnswerProbability", ns3::DoubleValue(0.0));
            if (configure)
            {
                configure(h);
            }
        });
        UaConfig config;
        config.aor = "sip:carol@10.1.1.1";
        config.inviteExpiresHeader = expiresHeader;
        UserAgent* carol = AddUa(0, config, &far);
        ASSERT_NE(carol, nullptr);
        Simulator::Schedule(Seconds(1),
                            [carol]() { EXPECT_TRUE(carol->MakeCall("sip:bob@10.1.1.2")); });
        Simulator::Stop(Seconds(400));
        Simulator::Run();
        const auto in = Received(1, Request("INVITE"));
        ASSERT_EQ(in.size(), 1u);
        inviteAt = in[0].at;
        if (expiresHeader != 0)
        {
            EXPECT_EQ(in[0].message.GetExpires(), std::optional<uint32_t>(expiresHeader));
        }
    }

    /// The final responses to the INVITE the phone sent (first transmissions).
    std::vector<TracedMessage> Finals() const
    {
        return Sent(1, [](const TracedMessage& m) {
            return m.message.IsResponse() && m.message.GetStatusCode() >= 300
                   && m.message.GetCSeq()->method == "INVITE" && !m.retransmission;
        });
    }

    ns3::Ptr<SipPhone> phone;
    FarEnd far;
    Time inviteAt;
};

TEST_F(UnansweredTest, ProfileDefaultExpiryGets408After180Seconds)
{
    RunCall("cisco-sip-phone", 0);
    const auto finals = Finals();
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].message.GetStatusCode(), 408);
    EXPECT_EQ(finals[0].at, inviteAt + Seconds(180));
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Ringing", "Rejected 408", "Cleared 408"}));
    EXPECT_EQ(TimesOf("sip:bob@10.1.1.2"),
              (std::vector<Time>{inviteAt, inviteAt + Seconds(180), inviteAt + Seconds(180)}));
    EXPECT_EQ(far.outcomes, (Strings{"failed 408"}));
    EXPECT_EQ(phone->GetCounters().callsUnanswered, 1u);
}

TEST_F(UnansweredTest, InviteExpiresAttributeGets408)
{
    RunCall("cisco-sip-phone", 0, [](SipPhoneHelper& h) {
        h.SetAttribute("InviteExpires", ns3::TimeValue(Seconds(20)));
    });
    const auto finals = Finals();
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].message.GetStatusCode(), 408);
    EXPECT_EQ(finals[0].at, inviteAt + Seconds(20));
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Ringing", "Rejected 408", "Cleared 408"}));
    EXPECT_EQ(far.outcomes, (Strings{"failed 408"}));
}

TEST_F(UnansweredTest, SixXProfileGets408AtTheInvitesExpires)
{
    RunCall("cisco-sip-phone", 30);
    const auto finals = Finals();
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].message.GetStatusCode(), 408);
    EXPECT_EQ(finals[0].at, inviteAt + Seconds(30));
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Ringing", "Rejected 408", "Cleared 408"}));
    EXPECT_EQ(far.outcomes, (Strings{"failed 408"}));
}

TEST_F(UnansweredTest, EarlierProfileGets487AtTheInvitesExpires)
{
    // RFC 3261 13.3.1: the earlier phone has no fail-safe row, so the RFC's 487 applies.
    RunCall("cisco-sip-phone-earlier", 30);
    const auto finals = Finals();
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].message.GetStatusCode(), 487);
    EXPECT_EQ(finals[0].at, inviteAt + Seconds(30));
    const Strings bob = events.Of("sip:bob@10.1.1.2");
    ASSERT_FALSE(bob.empty());
    EXPECT_EQ(bob.front(), "Ringing");
    EXPECT_EQ(bob.back(), "Cleared 487");
    // An expiry, not a CANCEL: the fail-safe's events, with RFC 3261 13.3.1's 487.
    EXPECT_EQ(bob, (Strings{"Ringing", "Rejected 487", "Cleared 487"}));
    EXPECT_EQ(phone->GetCounters().callsUnanswered, 1u);
    EXPECT_EQ(TimesOf("sip:bob@10.1.1.2").back(), inviteAt + Seconds(30));
    EXPECT_EQ(far.outcomes, (Strings{"failed 487"}));
    EXPECT_FALSE(phone->IsInCall(0));
}

TEST_F(UnansweredTest, EarlierProfileWithoutExpiresRingsOn)
{
    // invite_expires_s 0: no fail-safe; nothing ends the call within the run.
    RunCall("cisco-sip-phone-earlier", 0);
    EXPECT_TRUE(Finals().empty());
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Ringing"}));
    EXPECT_TRUE(far.outcomes.empty());
    EXPECT_TRUE(phone->IsInCall(0));
}

// --- (e) SDP offers
// -------------------------------------------------------------------------------

TEST_F(PhoneTest, OfferWithoutACommonCodecGets488WithAccept)
{
    auto phone = InstallPhone(1, {"bob"});
    FarEnd far;
    UaConfig config;
    config.aor = "sip:carol@10.1.1.1";
    UserAgent* carol = AddUa(0, config, &far);
    ASSERT_NE(carol, nullptr);
    Simulator::Schedule(
        Seconds(1), [carol]() { EXPECT_TRUE(carol->MakeCall("sip:bob@10.1.1.2", G722Offer())); });
    Simulator::Stop(Seconds(30));
    Simulator::Run();

    const auto in = Received(1, Request("INVITE"));
    const auto rejected = Sent(1, Response(488, "INVITE"));
    ASSERT_EQ(in.size(), 1u);
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].at, in[0].at);
    EXPECT_EQ(rejected[0].message.FindHeader("Accept"),
              std::optional<std::string_view>("application/sdp"));
    EXPECT_TRUE(Sent(1, Response(180, "INVITE")).empty());
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Rejected 488"}));
    EXPECT_EQ(far.outcomes, (Strings{"failed 488"}));
    EXPECT_EQ(phone->GetCounters().callsRejected, 1u);
    EXPECT_FALSE(phone->IsInCall(0));
}

TEST_F(PhoneTest, UnparseableSdpGets400)
{
    auto phone = InstallPhone(1, {"bob"});
    FarEnd far;
    UaConfig config;
    config.aor = "sip:carol@10.1.1.1";
    UserAgent* carol = AddUa(0, config, &far);
    ASSERT_NE(carol, nullptr);
    Simulator::Schedule(Seconds(1), [carol]() {
        EXPECT_TRUE(carol->MakeCall("sip:bob@10.1.1.2", "this is not a session description\r\n"));
    });
    Simulator::Stop(Seconds(30));
    Simulator::Run();

    const auto in = Received(1, Request("INVITE"));
    const auto rejected = Sent(1, Response(400, "INVITE"));
    ASSERT_EQ(in.size(), 1u);
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].at, in[0].at);
    EXPECT_EQ(events.Of("sip:bob@10.1.1.2"), (Strings{"Rejected 400"}));
    EXPECT_EQ(far.outcomes, (Strings{"failed 400"}));
    EXPECT_FALSE(phone->IsInCall(0));
}

} // namespace
} // namespace sipsim::test

namespace sipsim::test {
namespace {

/// Senders honour Retry-After (RFC 3261 21.5.4, RFC 6357): the phone profiles' 503 row.
class PhoneRetryAfterTest : public PhonePairTest
{};

TEST_F(PhoneRetryAfterTest, Busy503WithRetryAfterIsRetriedThenNotifiedWithout)
{
    Build("cisco-sip-phone", [](SipPhoneHelper& helper) {
        helper.SetAttribute("HoldingTime",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=2]"));
    });
    // Call 1: 503 with Retry-After: 3, then answered. Call 2: 503 without Retry-After.
    FarEnd::Step overloaded;
    overloaded.code = 503;
    overloaded.headers = {{"Retry-After", "3"}};
    far.script = {overloaded, FarEnd::Step{}, FarEnd::Step{503, {}}};
    ns3::Simulator::Schedule(ns3::Seconds(1), [this]() { phone->Call(0, "sip:bob@10.1.1.2"); });
    ns3::Simulator::Schedule(ns3::Seconds(20), [this]() { phone->Call(0, "sip:bob@10.1.1.2"); });
    ns3::Simulator::Stop(ns3::Seconds(40));
    ns3::Simulator::Run();

    const auto got503 = Messages(phoneStack, Direction::Rx,
                                 [](const TracedMessage& m) { return IsInviteResponse(m, 503); });
    const auto invites = Messages(phoneStack, Direction::Tx, [](const TracedMessage& m) {
        return m.IsRequest("INVITE") && !m.retransmission;
    });
    ASSERT_EQ(got503.size(), 2u);
    ASSERT_EQ(invites.size(), 3u);
    EXPECT_EQ(invites[1].at, got503[0].at + ns3::Seconds(3)); // exactly Retry-After later
    EXPECT_EQ(invites[1].message.GetCallId(), invites[0].message.GetCallId());
    EXPECT_EQ(events.Of("sip:alice@10.1.1.1"),
              (std::vector<std::string>{"CallPlaced", "Retry 503", "Tone ringback 180", "Answered",
                                        "Cleared", "CallPlaced", "Notification 503",
                                        "Tone fast busy 503", "Cleared 503"}));
}

} // namespace
} // namespace sipsim::test
