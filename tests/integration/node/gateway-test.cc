/*
 * Integration (tier 2): the CPE SIP gateway (sipsim::SipGateway) on a two-node ns-3 topology,
 * caller 10.1.1.1 - gateway 10.1.1.2 over a 100 Mb/s, 5 ms point-to-point link. The caller
 * node's UAs are ordinary UserAgents on its SipEndpoint host.
 *
 * The gateway's behaviour (PSTN answer, busy, no answer, full, trunks, PSTN-originated calls),
 * then one test per row of profiles/cpe-sip-gateway.textproto's vendor table (the rows are
 * read from the profile at run time): what the gateway generates and what it does on receipt.
 * Times are exact: Constant random variables make the gateway's PSTN side deterministic.
 */
#include "integration/transport/transport-test-support.h"
#include "node/sip-endpoint.h"
#include "node/sip-gateway-helper.h"
#include "node/sip-gateway.h"
#include "profile/device-profile.h"
#include "ua/user-agent.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>
#include <set>
#include <string>
#include <vector>

#ifndef SIPSIM_SOURCE_DIR
#define SIPSIM_SOURCE_DIR "."
#endif

namespace sipsim::test {
namespace {

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

constexpr char kGatewayProfile[] = SIPSIM_SOURCE_DIR "/profiles/cpe-sip-gateway.textproto";

/// An offer of PCMU only (payload type 0).
std::string
PcmuOffer()
{
    return "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n"
           "m=audio 49170 RTP/AVP 0\r\n";
}

/// An offer of G722 only (payload type 9): nothing in common with PCMA/PCMU.
std::string
G722Offer()
{
    return "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n"
           "m=audio 49170 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n";
}

/// Loads a profile or fails the test.
std::shared_ptr<const profile::DeviceProfile>
LoadOrDie(const std::string& path)
{
    std::string error;
    auto p = profile::LoadProfileByName(path, &error);
    if (!p)
    {
        ADD_FAILURE() << error;
    }
    return p;
}

/// One UA event with its simulated time.
struct UaEvent
{
    Time at;
    std::string what; ///< "offered", "progress", "answered", "failed", "ended", "ended-by-remote"
    uint16_t code = 0;
};

/**
 * A scripted SIP user. Callee: rejects the first `rejectCount` INVITEs of a call with
 * rejectCode and rejectHeaders, otherwise rings and answers after answerDelay (never when
 * negative). Caller: hangs up hangupAfter after the answer (never when negative).
 */
class TestUser : public UaListener
{
  public:
    uint16_t rejectCode = 0;
    int rejectCount = 1;
    std::vector<std::pair<std::string, std::string>> rejectHeaders;
    Time answerDelay = Seconds(0);
    Time hangupAfter = Seconds(-1);
    std::vector<UaEvent> events;
    std::vector<Message> invites;
    CallHandle lastCall;

    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override
    {
        Log("offered");
        invites.push_back(invite);
        lastCall = call;
        if (rejectCode != 0 && m_rejected < rejectCount)
        {
            ++m_rejected;
            ua.Reject(call, rejectCode, {}, rejectHeaders);
            return;
        }
        ua.Ring(call);
        if (answerDelay >= Time(0))
        {
            Simulator::Schedule(answerDelay, [&ua, call]() { ua.Answer(call, PcmuOffer()); });
        }
    }

    void OnCallProgress(UserAgent&, CallHandle, uint16_t code) override { Log("progress", code); }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        Log("answered");
        if (hangupAfter >= Time(0))
        {
            Simulator::Schedule(hangupAfter, [&ua, call]() { ua.Hangup(call); });
        }
    }

    void OnCallFailed(UserAgent&, CallHandle, uint16_t status, std::string_view) override
    {
        Log("failed", status);
    }

    void OnCallEnded(UserAgent&, CallHandle, bool byRemote) override
    {
        Log(byRemote ? "ended-by-remote" : "ended");
    }

    std::vector<std::string> Names() const
    {
        std::vector<std::string> out;
        for (const UaEvent& e : events)
        {
            out.push_back(e.what + (e.code ? " " + std::to_string(e.code) : ""));
        }
        return out;
    }

    const UaEvent* Find(std::string_view what) const
    {
        for (const UaEvent& e : events)
        {
            if (e.what == what)
            {
                return &e;
            }
        }
        return nullptr;
    }

  private:
    void Log(std::string what, uint16_t code = 0)
    {
        events.push_back({Simulator::Now(), std::move(what), code});
    }

    int m_rejected = 0;
};

/// caller (10.1.1.1) - gateway (10.1.1.2), 100 Mb/s, 5 ms.
class GatewayTest : public TransportTest
{
  protected:
    /// Builds the topology; gatewayHelper's attributes must be set before.
    void Build()
    {
        line = std::make_unique<Line>(2, "100Mbps", "5ms");
        SipStackHelper stacks;
        callerStack = stacks.Install(line->nodes.Get(0));
        gwStack = stacks.Install(line->nodes.Get(1));
        trace.Connect(callerStack);
        trace.Connect(gwStack);
        gatewayHelper.SetAttribute("Aor", ns3::StringValue("sip:gw@10.1.1.2"));
        gatewayHelper.SetAttribute("Profile", ns3::StringValue(kGatewayProfile));
        ns3::ApplicationContainer apps = gatewayHelper.Install(line->nodes.Get(1));
        gw = ns3::DynamicCast<SipGateway>(apps.Get(0));
        gw->AssignStreams(1);
        apps.Start(Seconds(0));
        gw->TraceConnectWithoutContext("DeviceEvent",
                                       ns3::MakeCallback(&GatewayTest::OnDeviceEvent, this));
        gw->TraceConnectWithoutContext("BusyTrunks",
                                       ns3::MakeCallback(&GatewayTest::OnBusyTrunks, this));
        callerHost = &SipEndpoint::Get(line->nodes.Get(0))->GetHost();
        alice = AddUser("sip:alice@10.1.1.1", &aliceUser);
    }

    UserAgent* AddUser(const std::string& aor, UaListener* listener)
    {
        UaConfig config;
        config.aor = aor;
        UserAgent* ua = callerHost->AddUserAgent(config, listener);
        EXPECT_NE(ua, nullptr);
        return ua;
    }

    void CallAt(UserAgent* ua, Time at, std::string target, std::string sdp = PcmuOffer())
    {
        Simulator::Schedule(at, [ua, target, sdp]() {
            const CallHandle call = ua->MakeCall(target, sdp);
            ASSERT_TRUE(call.IsValid());
        });
    }

    void Run(Time stop)
    {
        Simulator::Stop(stop);
        Simulator::Run();
    }

    void OnDeviceEvent(const DeviceEvent& e)
    {
        deviceEvents.push_back(e);
        deviceEventTimes.push_back(Simulator::Now());
    }

    void OnBusyTrunks(uint32_t, uint32_t now) { busy.emplace_back(Simulator::Now(), now); }

    /// Messages of the gateway node in one direction that satisfy pred.
    std::vector<TracedMessage> Gw(Direction d, const std::function<bool(const TracedMessage&)>& p)
    {
        return trace.Select(gwStack->GetNodeId(), d, p);
    }

    std::vector<TracedMessage> Caller(Direction d,
                                      const std::function<bool(const TracedMessage&)>& p)
    {
        return trace.Select(callerStack->GetNodeId(), d, p);
    }

    static std::function<bool(const TracedMessage&)> Request(std::string method)
    {
        return [method](const TracedMessage& m) { return m.IsRequest(method); };
    }

    static std::function<bool(const TracedMessage&)> Response(uint16_t code)
    {
        return [code](const TracedMessage& m) { return m.IsResponse(code); };
    }

    /// The device events of one kind.
    std::vector<DeviceEvent> Events(DeviceEventKind kind) const
    {
        std::vector<DeviceEvent> out;
        for (const DeviceEvent& e : deviceEvents)
        {
            if (e.kind == kind)
            {
                out.push_back(e);
            }
        }
        return out;
    }

    std::unique_ptr<Line> line;
    ns3::Ptr<SipStack> callerStack;
    ns3::Ptr<SipStack> gwStack;
    SipGatewayHelper gatewayHelper;
    ns3::Ptr<SipGateway> gw;
    UaHost* callerHost = nullptr;
    UserAgent* alice = nullptr;
    TestUser aliceUser;
    TraceLog trace;
    std::vector<DeviceEvent> deviceEvents;
    std::vector<Time> deviceEventTimes;
    std::vector<std::pair<Time, uint32_t>> busy;
};

// --- SIP to PSTN ------------------------------------------------------------------------------

TEST_F(GatewayTest, AnsweredByPstnAndReleasedAfterHoldingTime)
{
    gatewayHelper.SetAttribute("HoldingTime",
                               ns3::StringValue("ns3::ConstantRandomVariable[Constant=10]"));
    Build();
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    Run(Seconds(60));

    const auto invites = Gw(Direction::Rx, Request("INVITE"));
    ASSERT_EQ(invites.size(), 1u);
    const Time t0 = invites[0].at;
    const auto ringing = Gw(Direction::Tx, Response(180));
    const auto ok = Gw(Direction::Tx, Response(200));
    const auto bye = Gw(Direction::Tx, Request("BYE"));
    ASSERT_EQ(ringing.size(), 1u);
    ASSERT_GE(ok.size(), 1u);
    ASSERT_EQ(bye.size(), 1u);
    EXPECT_EQ(ringing[0].at, t0 + MilliSeconds(500));            // PstnRingDelay
    EXPECT_EQ(ok[0].at, t0 + MilliSeconds(3500));                // + PstnAnswerDelay
    EXPECT_EQ(bye[0].at, t0 + MilliSeconds(3500) + Seconds(10)); // + HoldingTime
    // The 200 carries the SDP answer: PCMU, the offer's only codec.
    EXPECT_NE(ok[0].message.GetBody().find("RTP/AVP 0"), std::string_view::npos);

    EXPECT_EQ(aliceUser.Names(),
              (std::vector<std::string>{"progress 180", "answered", "ended-by-remote"}));
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[0], std::make_pair(t0, 1u));
    EXPECT_EQ(busy[1], std::make_pair(bye[0].at, 0u));
    EXPECT_EQ(gw->GetBusyTrunks(), 0u);
    const SipGatewayCounters& c = gw->GetCounters();
    EXPECT_EQ(c.sipCallsOffered, 1u);
    EXPECT_EQ(c.sipCallsAnswered, 1u);
    EXPECT_EQ(c.sipCallsEndedByPstn, 1u);
    ASSERT_EQ(Events(DeviceEventKind::Ringing).size(), 1u);
    ASSERT_EQ(Events(DeviceEventKind::Answered).size(), 1u);
    ASSERT_EQ(Events(DeviceEventKind::Cleared).size(), 1u);
}

TEST_F(GatewayTest, UnknownNumberGets404)
{
    gatewayHelper.SetAttribute("NumberPrefix", ns3::StringValue("555"));
    Build();
    CallAt(alice, Seconds(1), "sip:bob@10.1.1.2");     // not a number
    CallAt(alice, Seconds(2), "sip:6661234@10.1.1.2"); // outside the prefix
    CallAt(alice, Seconds(3), "sip:5551234@10.1.1.2"); // routed
    Run(Seconds(10));
    const auto notFound = Gw(Direction::Tx, Response(404));
    ASSERT_EQ(notFound.size(), 2u);
    EXPECT_EQ(notFound[0].message.GetReasonPhrase(), "Not Found");
    EXPECT_EQ(gw->GetCounters().unknownNumber, 2u);
    EXPECT_EQ(gw->GetCounters().sipCallsAccepted, 1u);
    EXPECT_EQ(aliceUser.Names()[0], "failed 404");
    EXPECT_EQ(aliceUser.Names()[1], "failed 404");
    // Refused at once: the 404 leaves when the INVITE arrives.
    const auto invites = Gw(Direction::Rx, Request("INVITE"));
    EXPECT_EQ(notFound[0].at, invites[0].at);
    EXPECT_EQ(Events(DeviceEventKind::Rejected).size(), 2u);
}

TEST_F(GatewayTest, IncompatibleCodecsGet415WithAccept)
{
    Build();
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2", G722Offer());
    Run(Seconds(10));
    const auto rx = Caller(Direction::Rx, Response(415));
    ASSERT_EQ(rx.size(), 1u);
    EXPECT_EQ(rx[0].message.FindHeader("Accept").value_or(""), "application/sdp");
    EXPECT_EQ(aliceUser.Names(), (std::vector<std::string>{"failed 415"}));
    EXPECT_EQ(gw->GetCounters().sdpMismatch, 1u);
    EXPECT_TRUE(busy.empty()); // no trunk seized
}

TEST_F(GatewayTest, NoOfferGetsTheGatewaysOfferIn200)
{
    gatewayHelper.SetAttribute("HoldingTime",
                               ns3::StringValue("ns3::ConstantRandomVariable[Constant=1]"));
    Build();
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2", "");
    Run(Seconds(20));
    const auto ok = Gw(Direction::Tx, Response(200));
    ASSERT_GE(ok.size(), 1u);
    EXPECT_NE(ok[0].message.GetBody().find("RTP/AVP 8 0"), std::string_view::npos)
        << ok[0].message.GetBody();
}

TEST_F(GatewayTest, NoAnswerGets408AtNoAnswerTimeoutAfterAlerting)
{
    gatewayHelper.SetAttribute("PstnAnswerProbability", ns3::DoubleValue(0.0));
    Build();
    EXPECT_EQ(gw->GetNoAnswerTimeout(), Seconds(60)); // the profile's no_answer_timeout_s
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    Run(Seconds(100));
    const Time t0 = Gw(Direction::Rx, Request("INVITE")).at(0).at;
    const auto timeout = Gw(Direction::Tx, Response(408));
    ASSERT_EQ(timeout.size(), 1u);
    EXPECT_EQ(timeout[0].at, t0 + MilliSeconds(500) + Seconds(60));
    EXPECT_EQ(aliceUser.Names(), (std::vector<std::string>{"progress 180", "failed 408"}));
    EXPECT_EQ(gw->GetCounters().noAnswer, 1u);
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[1], std::make_pair(timeout[0].at, 0u));
}

TEST_F(GatewayTest, NoAnswerTimeoutAttributeOverridesTheProfile)
{
    gatewayHelper.SetAttribute("PstnAnswerProbability", ns3::DoubleValue(0.0));
    gatewayHelper.SetAttribute("NoAnswerTimeout", ns3::TimeValue(Seconds(20)));
    Build();
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    Run(Seconds(100));
    const Time t0 = Gw(Direction::Rx, Request("INVITE")).at(0).at;
    const auto timeout = Gw(Direction::Tx, Response(408));
    ASSERT_EQ(timeout.size(), 1u);
    EXPECT_EQ(timeout[0].at, t0 + MilliSeconds(500) + Seconds(20));
}

TEST_F(GatewayTest, BusyPstnLineGets486)
{
    gatewayHelper.SetAttribute("PstnBusyProbability", ns3::DoubleValue(1.0));
    Build();
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    Run(Seconds(10));
    const Time t0 = Gw(Direction::Rx, Request("INVITE")).at(0).at;
    const auto busyHere = Gw(Direction::Tx, Response(486));
    ASSERT_EQ(busyHere.size(), 1u);
    EXPECT_EQ(busyHere[0].at, t0 + MilliSeconds(500));
    EXPECT_EQ(aliceUser.Names(), (std::vector<std::string>{"failed 486"}));
    EXPECT_EQ(gw->GetCounters().pstnBusy, 1u);
    EXPECT_EQ(gw->GetBusyTrunks(), 0u);
}

TEST_F(GatewayTest, FullGatewayGets503WithRetryAfter)
{
    gatewayHelper.SetAttribute("Channels", ns3::UintegerValue(1));
    gatewayHelper.SetAttribute("RetryAfter", ns3::TimeValue(Seconds(30)));
    Build();
    TestUser carolUser;
    UserAgent* carol = AddUser("sip:carol@10.1.1.1", &carolUser);
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    CallAt(carol, Seconds(2), "sip:5551235@10.1.1.2");
    Run(Seconds(10));
    const auto rx = Caller(Direction::Rx, Response(503));
    ASSERT_EQ(rx.size(), 1u);
    EXPECT_EQ(rx[0].message.FindHeader(HeaderId::RetryAfter).value_or(""), "30");
    EXPECT_EQ(carolUser.Names(), (std::vector<std::string>{"failed 503"}));
    EXPECT_EQ(gw->GetCounters().sipCallsRefusedFull, 1u);
    EXPECT_EQ(gw->GetBusyTrunks(), 1u); // alice's call still holds the only trunk
}

TEST_F(GatewayTest, FullGatewayWithFullStatus486HasNoRetryAfter)
{
    gatewayHelper.SetAttribute("Channels", ns3::UintegerValue(1));
    gatewayHelper.SetAttribute("FullStatus", ns3::UintegerValue(486));
    Build();
    TestUser carolUser;
    UserAgent* carol = AddUser("sip:carol@10.1.1.1", &carolUser);
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    CallAt(carol, Seconds(2), "sip:5551235@10.1.1.2");
    Run(Seconds(10));
    const auto rx = Caller(Direction::Rx, Response(486));
    ASSERT_EQ(rx.size(), 1u);
    EXPECT_FALSE(rx[0].message.HasHeader(HeaderId::RetryAfter));
    EXPECT_EQ(rx[0].message.GetReasonPhrase(), "Busy Here");
    EXPECT_EQ(carolUser.Names(), (std::vector<std::string>{"failed 486"}));
}

TEST_F(GatewayTest, TrunkFreedAfterCancel)
{
    Build();
    Simulator::Schedule(Seconds(1), [this]() {
        aliceUser.lastCall = alice->MakeCall("sip:5551234@10.1.1.2", PcmuOffer());
    });
    Simulator::Schedule(Seconds(2), [this]() { EXPECT_TRUE(alice->Cancel(aliceUser.lastCall)); });
    Run(Seconds(20));
    EXPECT_EQ(aliceUser.Names(), (std::vector<std::string>{"progress 180", "failed 487"}));
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[1].second, 0u);
    const auto cancel = Gw(Direction::Rx, Request("CANCEL"));
    ASSERT_EQ(cancel.size(), 1u);
    EXPECT_EQ(busy[1].first, cancel[0].at);
    EXPECT_EQ(gw->GetCounters().sipCallsCancelled, 1u);
    EXPECT_TRUE(Gw(Direction::Tx, Response(200)).size() == 1u); // the 200 to the CANCEL only
}

TEST_F(GatewayTest, TrunkFreedAfterByeFromSip)
{
    Build();
    aliceUser.hangupAfter = Seconds(2);
    CallAt(alice, Seconds(1), "sip:5551234@10.1.1.2");
    Run(Seconds(30));
    EXPECT_EQ(aliceUser.Names(), (std::vector<std::string>{"progress 180", "answered", "ended"}));
    const auto bye = Gw(Direction::Rx, Request("BYE"));
    ASSERT_EQ(bye.size(), 1u);
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[1], std::make_pair(bye[0].at, 0u));
    EXPECT_EQ(gw->GetCounters().sipCallsEndedBySip, 1u);
    EXPECT_TRUE(Gw(Direction::Tx, Request("BYE")).empty());
}

TEST_F(GatewayTest, MalformedRequestIsDroppedNot400)
{
    Build();
    RawUdp raw(line->nodes.Get(0), 5070);
    const std::string bad = "INVITE sip:5551234@10.1.1.2 SIP/2.0\r\n"
                            "Via: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKbad;rport\r\n"
                            "Max-Forwards: 70\r\n"
                            "To: <sip:5551234@10.1.1.2>\r\n"
                            "From: <sip:eve@10.1.1.1>;tag=e\r\n"
                            "Call-ID: bad@10.1.1.1\r\n"
                            "CSeq: x INVITE\r\n"
                            "Content-Length: 0\r\n\r\n";
    ASSERT_FALSE(Parse(bad).Ok());
    raw.SendAt(Seconds(1), bad, line->Last());
    raw.SendAt(Seconds(2), "this is not SIP at all", line->Last());
    Run(Seconds(10));
    EXPECT_TRUE(raw.received.empty());
    EXPECT_EQ(gwStack->GetCounters().parseErrorsDropped, 2u);
    EXPECT_EQ(gwStack->GetCounters().parseErrorsAnswered, 0u);
    ASSERT_EQ(trace.parseErrors.size(), 2u);
    EXPECT_FALSE(trace.parseErrors[0].answered);
    EXPECT_EQ(gw->GetCounters().sipCallsOffered, 0u);
}

// --- PSTN to SIP ------------------------------------------------------------------------------

TEST_F(GatewayTest, PstnCallAnsweredAndReleasedAfterHoldingTime)
{
    gatewayHelper.SetAttribute("HoldingTime",
                               ns3::StringValue("ns3::ConstantRandomVariable[Constant=10]"));
    Build();
    TestUser bobUser;
    bobUser.answerDelay = Seconds(1);
    AddUser("sip:bob@10.1.1.1", &bobUser);
    bool placed = false;
    Simulator::Schedule(Seconds(1), [&]() { placed = gw->PlaceCall("sip:bob@10.1.1.1"); });
    Run(Seconds(60));
    EXPECT_TRUE(placed);
    ASSERT_EQ(bobUser.invites.size(), 1u);
    // The offer lists the profile's codecs, PCMA first.
    EXPECT_NE(bobUser.invites[0].GetBody().find("RTP/AVP 8 0"), std::string_view::npos);
    const auto ok = Gw(Direction::Rx, Response(200));
    const auto bye = Gw(Direction::Tx, Request("BYE"));
    ASSERT_GE(ok.size(), 1u);
    ASSERT_EQ(bye.size(), 1u);
    EXPECT_EQ(bye[0].at, ok[0].at + Seconds(10));
    EXPECT_EQ(bobUser.Names(),
              (std::vector<std::string>{"offered", "answered", "ended-by-remote"}));
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[0], std::make_pair(Seconds(1), 1u));
    EXPECT_EQ(busy[1], std::make_pair(bye[0].at, 0u));
    EXPECT_EQ(gw->GetCounters().pstnCallsPlaced, 1u);
    EXPECT_EQ(gw->GetCounters().pstnCallsAnswered, 1u);
    EXPECT_EQ(Events(DeviceEventKind::CallPlaced).size(), 1u);
    ASSERT_EQ(Events(DeviceEventKind::Tone).size(), 1u);
    EXPECT_EQ(Events(DeviceEventKind::Tone)[0].tone, profile::RINGBACK);
}

TEST_F(GatewayTest, PstnCallWithAllTrunksBusyIsBlocked)
{
    gatewayHelper.SetAttribute("Channels", ns3::UintegerValue(1));
    Build();
    TestUser bobUser;
    bobUser.answerDelay = Seconds(1);
    AddUser("sip:bob@10.1.1.1", &bobUser);
    std::vector<bool> placed;
    Simulator::Schedule(Seconds(1), [&]() {
        placed.push_back(gw->PlaceCall("sip:bob@10.1.1.1"));
        placed.push_back(gw->PlaceCall("sip:bob@10.1.1.1"));
    });
    Run(Seconds(5));
    EXPECT_EQ(placed, (std::vector<bool>{true, false}));
    ASSERT_EQ(Events(DeviceEventKind::Blocked).size(), 1u);
    EXPECT_EQ(gw->GetCounters().pstnCallsBlocked, 1u);
    EXPECT_EQ(Gw(Direction::Tx, Request("INVITE")).size(), 1u);
}

TEST_F(GatewayTest, PoissonPstnCallsReachTheTargets)
{
    gatewayHelper.SetAttribute("PstnCallRate", ns3::DoubleValue(0.5));
    gatewayHelper.SetAttribute("PstnTargets",
                               ns3::StringValue("sip:bob@10.1.1.1, sip:carol@10.1.1.1"));
    gatewayHelper.SetAttribute("HoldingTime",
                               ns3::StringValue("ns3::ConstantRandomVariable[Constant=1]"));
    Build();
    TestUser bobUser;
    TestUser carolUser;
    AddUser("sip:bob@10.1.1.1", &bobUser);
    AddUser("sip:carol@10.1.1.1", &carolUser);
    Run(Seconds(200));
    const uint64_t placed = gw->GetCounters().pstnCallsPlaced;
    EXPECT_GT(placed, 60u); // about 100 expected
    EXPECT_LT(placed, 140u);
    EXPECT_EQ(bobUser.invites.size() + carolUser.invites.size(), placed);
    EXPECT_GT(bobUser.invites.size(), 0u);
    EXPECT_GT(carolUser.invites.size(), 0u);
}

TEST_F(GatewayTest, PstnCallerGivesUpAfterPatience)
{
    gatewayHelper.SetAttribute("PstnCallerPatience", ns3::TimeValue(Seconds(20)));
    Build();
    TestUser bobUser;
    bobUser.answerDelay = Seconds(-1); // rings, never answers
    AddUser("sip:bob@10.1.1.1", &bobUser);
    Simulator::Schedule(Seconds(1), [this]() { EXPECT_TRUE(gw->PlaceCall("sip:bob@10.1.1.1")); });
    Run(Seconds(60));
    const auto cancels = Gw(Direction::Tx, Request("CANCEL"));
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].at, Seconds(21)); // exactly the patience after dialling
    EXPECT_EQ(bobUser.Names(), (std::vector<std::string>{"offered", "failed 487"}));
    EXPECT_EQ(gw->GetCounters().pstnCallsAbandoned, 1u);
    EXPECT_EQ(gw->GetBusyTrunks(), 0u);
    ASSERT_FALSE(busy.empty());
    EXPECT_EQ(busy.back().second, 0u);
}

// --- one test per row of the gateway's vendor table --------------------------------------------

/**
 * A row of profiles/cpe-sip-gateway.textproto, tested as the row says, in one simulation:
 * - on receipt (from 1 s): a PSTN subscriber dials bob on the caller node, whose UA answers
 *   the INVITE with the row's code. For a retry row (401, 407) the challenge is Digest for bob
 *   and Basic for carol (called at 20 s): the INVITE goes again with credentials in the
 *   challenge's scheme and the call completes. For the others: the response is ACKed at once,
 *   the INVITE is not retried, the trunk is freed, and the DeviceEvents carry the row's action
 *   and tone (a reorder tone and a notification for 404 and 415).
 * - generated (from 60 s): the row's condition is provoked from alice on the caller node (a
 *   number outside NumberPrefix, an offer with no common codec, a PSTN line that never
 *   answers) and the gateway must send the row's code; a row it never generates must not be
 *   among its responses in the whole run, and for 400 a malformed request is dropped and
 *   counted instead.
 */
class GatewayRowTest
    : public GatewayTest
    , public ::testing::WithParamInterface<uint32_t>
{};

TEST_P(GatewayRowTest, BehavesAsTheRowSays)
{
    const uint32_t code = GetParam();
    const uint16_t status = static_cast<uint16_t>(code);
    auto p = LoadOrDie(kGatewayProfile);
    ASSERT_TRUE(p);
    const profile::ResponseRow* row = profile::FindRow(*p, code);
    ASSERT_NE(row, nullptr);
    ASSERT_TRUE(profile::IsTableRow(*p, code));
    const profile::Receipt receipt = profile::ReceiptFor(*p, code);
    const bool credentials = receipt.action() == profile::RETRY_WITH_CREDENTIALS;

    gatewayHelper.SetAttribute("NumberPrefix", ns3::StringValue("555"));
    gatewayHelper.SetAttribute("Password", ns3::StringValue("secret"));
    gatewayHelper.SetAttribute("HoldingTime",
                               ns3::StringValue("ns3::ConstantRandomVariable[Constant=5]"));
    if (row->generate() == profile::NO_ANSWER_TIMEOUT)
    {
        gatewayHelper.SetAttribute("PstnAnswerProbability", ns3::DoubleValue(0.0));
    }
    Build();

    // --- on receipt ---------------------------------------------------------------------------
    TestUser bobUser;
    TestUser carolUser;
    bobUser.rejectCode = status;
    carolUser.rejectCode = status;
    if (credentials)
    {
        const std::string header = code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
        bobUser.rejectHeaders
            = {{header,
                "Digest realm=\"example.com\", nonce=\"abc123\", algorithm=MD5, qop=\"auth\""}};
        carolUser.rejectHeaders = {{header, "Basic realm=\"example.com\""}};
        AddUser("sip:carol@10.1.1.1", &carolUser);
        Simulator::Schedule(Seconds(20),
                            [this]() { EXPECT_TRUE(gw->PlaceCall("sip:carol@10.1.1.1")); });
    }
    AddUser("sip:bob@10.1.1.1", &bobUser);
    Simulator::Schedule(Seconds(1), [this]() { EXPECT_TRUE(gw->PlaceCall("sip:bob@10.1.1.1")); });

    // --- generated ----------------------------------------------------------------------------
    RawUdp raw(line->nodes.Get(0), 5070);
    switch (row->generate())
    {
        case profile::NEVER:
            if (code == 400)
            {
                // The table says the device never sends 400: a request that does not parse (a
                // CSeq without a number) is dropped and counted, not answered.
                raw.SendAt(Seconds(60),
                           "INVITE sip:5551234@10.1.1.2 SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKbad;rport\r\n"
                           "Max-Forwards: 70\r\nTo: <sip:5551234@10.1.1.2>\r\n"
                           "From: <sip:eve@10.1.1.1>;tag=e\r\nCall-ID: bad@10.1.1.1\r\n"
                           "CSeq: x INVITE\r\nContent-Length: 0\r\n\r\n",
                           line->Last());
            }
            break;
        case profile::UNKNOWN_CALLEE:
            CallAt(alice, Seconds(60), "sip:6661234@10.1.1.2"); // outside NumberPrefix
            break;
        case profile::SDP_MISMATCH:
            CallAt(alice, Seconds(60), "sip:5551234@10.1.1.2", G722Offer());
            break;
        case profile::NO_ANSWER_TIMEOUT:
            CallAt(alice, Seconds(60), "sip:5551234@10.1.1.2");
            break;
        default:
            FAIL() << "row " << code << ": no test provokes "
                   << profile::ConditionText(row->generate());
    }
    Run(Seconds(200));

    // --- check on receipt ---------------------------------------------------------------------
    const auto finals = Gw(Direction::Rx, [status](const TracedMessage& m) {
        return m.IsResponse(status) && m.message.GetCSeq()->method == "INVITE";
    });
    if (credentials)
    {
        // Digest for bob, Basic for carol ("issues a new request according to the scheme
        // received"), each answered once and then completed.
        ASSERT_EQ(finals.size(), 2u);
        const std::string credHeader = code == 401 ? "Authorization" : "Proxy-Authorization";
        ASSERT_EQ(bobUser.invites.size(), 2u);
        ASSERT_EQ(carolUser.invites.size(), 2u);
        EXPECT_FALSE(bobUser.invites[0].FindHeader(credHeader).has_value());
        const std::string digest(bobUser.invites[1].FindHeader(credHeader).value_or(""));
        EXPECT_EQ(digest.rfind("Digest ", 0), 0u) << digest;
        EXPECT_NE(digest.find("username=\"gw\""), std::string::npos) << digest;
        EXPECT_EQ(carolUser.invites[1].FindHeader(credHeader).value_or(""),
                  "Basic Z3c6c2VjcmV0"); // base64("gw:secret")
        EXPECT_EQ(bobUser.invites[1].GetCSeq()->number, bobUser.invites[0].GetCSeq()->number + 1);
        EXPECT_EQ(gw->GetCounters().pstnCallsAnswered, 2u);
    }
    else
    {
        ASSERT_EQ(finals.size(), 1u);
        const auto acks = Gw(Direction::Tx, [](const TracedMessage& m) {
            return m.IsRequest("ACK") && m.message.GetCSeq()->method == "ACK";
        });
        ASSERT_GE(acks.size(), 1u);
        EXPECT_EQ(acks[0].at, finals[0].at);   // "responds with an ACK": at once
        EXPECT_EQ(bobUser.invites.size(), 1u); // never retried
        ASSERT_GE(busy.size(), 2u);
        EXPECT_EQ(busy[1], std::make_pair(finals[0].at, 0u)); // "and disconnects the call"
        // The PSTN call's events: Cleared with the row's action and tone, then the tone and
        // notification the row asks for.
        std::vector<DeviceEvent> call;
        for (const DeviceEvent& e : deviceEvents)
        {
            if (e.call == deviceEvents.front().call)
            {
                call.push_back(e);
            }
        }
        const auto count = [&call](DeviceEventKind kind) {
            return std::count_if(call.begin(), call.end(),
                                 [kind](const DeviceEvent& e) { return e.kind == kind; });
        };
        ASSERT_EQ(count(DeviceEventKind::Cleared), 1);
        const auto cleared = *std::find_if(call.begin(), call.end(), [](const DeviceEvent& e) {
            return e.kind == DeviceEventKind::Cleared;
        });
        EXPECT_EQ(cleared.status, code);
        EXPECT_EQ(cleared.action, receipt.action());
        EXPECT_EQ(cleared.tone, receipt.tone());
        EXPECT_EQ(count(DeviceEventKind::Tone),
                  receipt.tone() != profile::TONE_UNSPECIFIED ? 1 : 0);
        EXPECT_EQ(count(DeviceEventKind::Notification),
                  receipt.action() == profile::NOTIFY || receipt.notify_user() ? 1 : 0);
        if (code == 404 || code == 415)
        {
            // "notifies the User with a Reorder Tone"
            EXPECT_EQ(receipt.tone(), profile::REORDER);
        }
        else
        {
            EXPECT_EQ(receipt.action(), profile::ACK_AND_DISCONNECT);
        }
    }

    // --- check generated ----------------------------------------------------------------------
    const auto sent = Gw(Direction::Tx, Response(status));
    switch (row->generate())
    {
        case profile::NEVER:
            EXPECT_TRUE(sent.empty()) << "the gateway never sends " << code;
            if (code == 400)
            {
                EXPECT_TRUE(raw.received.empty());
                EXPECT_EQ(gwStack->GetCounters().parseErrorsDropped, 1u);
                EXPECT_EQ(gwStack->GetCounters().parseErrorsAnswered, 0u);
            }
            break;
        case profile::UNKNOWN_CALLEE:
            ASSERT_EQ(sent.size(), 1u);
            EXPECT_EQ(sent[0].at, Gw(Direction::Rx, Request("INVITE")).at(0).at);
            EXPECT_EQ(gw->GetCounters().unknownNumber, 1u);
            break;
        case profile::SDP_MISMATCH:
            ASSERT_EQ(sent.size(), 1u);
            EXPECT_EQ(sent[0].message.FindHeader("Accept").value_or(""), "application/sdp");
            EXPECT_EQ(gw->GetCounters().sdpMismatch, 1u);
            break;
        case profile::NO_ANSWER_TIMEOUT:
        {
            // The no-answer timer runs from the line alerting (PstnRingDelay 0.5 s).
            const Time invite = Gw(Direction::Rx, Request("INVITE")).at(0).at;
            ASSERT_EQ(sent.size(), 1u);
            EXPECT_EQ(sent[0].at,
                      invite + MilliSeconds(500) + Seconds(p->settings().no_answer_timeout_s()));
            break;
        }
        default:
            break;
    }
}

std::vector<uint32_t>
TableRows(const std::string& path)
{
    std::vector<uint32_t> codes;
    std::string error;
    if (auto p = profile::LoadProfileByName(path, &error))
    {
        for (const auto& row : p->rows())
        {
            codes.push_back(row.code());
        }
    }
    return codes;
}

INSTANTIATE_TEST_SUITE_P(CpeSipGateway, GatewayRowTest,
                         ::testing::ValuesIn(TableRows(kGatewayProfile)),
                         [](const ::testing::TestParamInfo<uint32_t>& row) {
                             return "row_" + std::to_string(row.param);
                         });

/// As many row tests as the profile has rows (and the seed table: see tests/unit/profile).
TEST(GatewayRowCount, OneTestPerProfileRow)
{
    const auto* unit = ::testing::UnitTest::GetInstance();
    int registered = -1;
    for (int i = 0; i < unit->total_test_suite_count(); ++i)
    {
        if (std::string(unit->GetTestSuite(i)->name()) == "CpeSipGateway/GatewayRowTest")
        {
            registered = unit->GetTestSuite(i)->total_test_count();
        }
    }
    auto p = LoadOrDie(kGatewayProfile);
    ASSERT_TRUE(p);
    EXPECT_EQ(registered, p->rows_size());
    EXPECT_EQ(registered, 14);
}

} // namespace
} // namespace sipsim::test
