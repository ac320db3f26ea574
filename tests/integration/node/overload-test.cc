/*
 * Integration (tier 2): the server capacity model (sipsim::ProcessingQueue) on a two-node ns-3
 * topology, client 10.1.1.1 - server 10.1.1.2 over a 100 Mb/s, 5 ms point-to-point link.
 *
 * The server's transaction user is a plain UaHost (the node's SipEndpoint) with callee
 * UserAgents that ring and answer at once; the client node hosts caller UserAgents. The queue
 * sits between the server's SipStack and its transaction layer (SipStack::SetAdmission).
 * Some tests feed the queue directly (ProcessingQueue::Admit) on a stack whose transaction user
 * is the transport tests' recording TestUser.
 *
 * The last tests sweep offered load over the UAS server (RFC 6357 overload shape), then over a
 * stateful SipProxy on a three-node line (callers - proxy with the queue - callees), with
 * callers that retry refused calls after the Retry-After or not (docs/validation.md, "Proxy
 * overload: goodput against offered load").
 */
#include "integration/transport/transport-test-support.h"
#include "node/processing-queue.h"
#include "node/sip-endpoint.h"
#include "node/sip-proxy-helper.h"
#include "node/sip-proxy.h"
#include "stats/confidence.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sipsim::test {
namespace {

using ns3::MicroSeconds;
using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

std::string
ConstantRv(double seconds)
{
    return "ns3::ConstantRandomVariable[Constant=" + std::to_string(seconds) + "]";
}

/**
 * Callees: ring and answer every offered call at once (or, when silent, do nothing). A call is
 * complete when the callee saw its BYE (the server processed its INVITE and BYE): counted when
 * that happens in [windowStart, windowEnd).
 */
class CalleePool : public UaListener
{
  public:
    bool silent = false;
    uint64_t offered = 0;
    Time windowStart = Seconds(0);
    Time windowEnd = Seconds(1e9);
    uint64_t completed = 0; ///< BYEs from the caller received in the window

    void OnCallOffered(UserAgent& ua, CallHandle call, const Message&) override
    {
        ++offered;
        if (!silent)
        {
            ua.Ring(call);
            ua.Answer(call);
        }
    }

    void OnCallEnded(UserAgent&, CallHandle, bool byRemote) override
    {
        const Time now = Simulator::Now();
        if (byRemote && now >= windowStart && now < windowEnd)
        {
            ++completed;
        }
    }
};

/**
 * Caller UserAgents on one host placing calls to a list of target URIs: on demand (CallAt) or
 * as a Poisson process (StartPoisson). A caller hangs up `holding` after the answer (never when
 * negative). With maxRetries 0 it never retries a rejected INVITE; otherwise a 503 with
 * Retry-After is retried after that delay (UaListener::OnInviteRejected: same call, new INVITE
 * transaction), at most maxRetries times per call, as a SipPhone with the cisco-sip-phone
 * profile does (its MaxRetries). Calls are counted by the time of their outcome when it falls
 * in [windowStart, windowEnd).
 */
class CallerPool : public UaListener
{
  public:
    std::vector<UserAgent*> agents;
    std::vector<std::string> targets;
    Time holding = Seconds(-1);
    Time windowStart = Seconds(0);
    Time windowEnd = Seconds(1e9);
    uint32_t maxRetries = 0; ///< retries of a call after 503 + Retry-After

    uint64_t placed = 0;                 ///< calls placed in the window
    uint64_t retries = 0;                ///< INVITEs sent again after a 503, in the window
    uint64_t answered = 0;               ///< calls answered in the window (the goodput)
    uint64_t ended = 0;                  ///< calls ended after the answer, in the window
    std::map<uint16_t, uint64_t> failed; ///< failures in the window, by status (408 timeout)
    std::vector<std::pair<Time, uint16_t>> failures; ///< every failure: time, status
    std::vector<Time> answers;                       ///< every answer time

    /// Adds `n` callers "sip:<prefix><i>@<host>" to the host.
    void AddCallers(UaHost& host, uint32_t n, const std::string& prefix, const std::string& addr,
                    std::optional<Peer> outboundProxy = std::nullopt)
    {
        for (uint32_t i = 0; i < n; ++i)
        {
            UaConfig config;
            config.aor = "sip:" + prefix + std::to_string(i) + "@" + addr;
            config.outboundProxy = outboundProxy;
            UserAgent* ua = host.AddUserAgent(config, this);
            EXPECT_NE(ua, nullptr);
            agents.push_back(ua);
        }
    }

    void CallAt(Time at, uint32_t caller, uint32_t target)
    {
        Simulator::Schedule(at, [this, caller, target]() { Place(caller, target); });
    }

    /// Poisson arrivals of `rate` calls per second in [start, stop), random caller and target.
    void StartPoisson(double rate, Time start, Time stop, int64_t stream)
    {
        m_gap = ns3::CreateObject<ns3::ExponentialRandomVariable>();
        m_gap->SetAttribute("Mean", ns3::DoubleValue(1.0 / rate));
        m_gap->SetStream(stream);
        m_pick = ns3::CreateObject<ns3::UniformRandomVariable>();
        m_pick->SetStream(stream + 1);
        m_stop = stop;
        Simulator::Schedule(start + Seconds(m_gap->GetValue()), &CallerPool::Arrival, this);
    }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        answers.push_back(Simulator::Now());
        if (InWindow())
        {
            ++answered;
        }
        if (holding >= Time(0))
        {
            Simulator::Schedule(holding, [&ua, call]() { ua.Hangup(call); });
        }
    }

    std::optional<Duration> OnInviteRejected(UserAgent& ua, CallHandle call,
                                             const Message& response) override
    {
        const auto after = RetryAfterSeconds(response);
        if (maxRetries == 0 || response.GetStatusCode() != 503 || !after)
        {
            return std::nullopt;
        }
        uint32_t& n = m_retried[{&ua, call.value}];
        if (n >= maxRetries)
        {
            return std::nullopt;
        }
        ++n;
        if (InWindow())
        {
            ++retries;
        }
        return std::chrono::seconds(*after);
    }

    void OnCallFailed(UserAgent&, CallHandle, uint16_t status, std::string_view) override
    {
        failures.emplace_back(Simulator::Now(), status);
        if (InWindow())
        {
            ++failed[status];
        }
    }

    void OnCallEnded(UserAgent&, CallHandle, bool) override
    {
        if (InWindow())
        {
            ++ended;
        }
    }

    uint64_t Failed(uint16_t status) const
    {
        const auto it = failed.find(status);
        return it == failed.end() ? 0 : it->second;
    }

  private:
    bool InWindow() const
    {
        const Time now = Simulator::Now();
        return now >= windowStart && now < windowEnd;
    }

    void Place(uint32_t caller, uint32_t target)
    {
        if (InWindow())
        {
            ++placed;
        }
        const CallHandle call = agents.at(caller)->MakeCall(targets.at(target));
        EXPECT_TRUE(call.IsValid());
    }

    void Arrival()
    {
        const auto caller = static_cast<uint32_t>(
            m_pick->GetInteger(0, static_cast<uint32_t>(agents.size()) - 1));
        const auto target = static_cast<uint32_t>(
            m_pick->GetInteger(0, static_cast<uint32_t>(targets.size()) - 1));
        Place(caller, target);
        const Time next = Seconds(m_gap->GetValue());
        if (Simulator::Now() + next < m_stop)
        {
            Simulator::Schedule(next, &CallerPool::Arrival, this);
        }
    }

    ns3::Ptr<ns3::ExponentialRandomVariable> m_gap;
    ns3::Ptr<ns3::UniformRandomVariable> m_pick;
    Time m_stop;
    std::map<std::pair<UserAgent*, uint32_t>, uint32_t> m_retried; ///< retries by call
};

/// Records a TracedValue<uint32_t> with the times of its changes.
struct ValueLog
{
    std::vector<std::pair<Time, uint32_t>> values;

    void OnChange(uint32_t, uint32_t now) { values.emplace_back(Simulator::Now(), now); }
};

/// client 10.1.1.1 - server 10.1.1.2 (100 Mb/s, 5 ms); the queue is `queue`, set up first.
class OverloadTest : public TransportTest
{
  protected:
    void SetUp() override
    {
        TransportTest::SetUp();
        queue = ns3::CreateObject<ProcessingQueue>();
    }

    /// Builds the topology and installs the queue on the server's stack.
    void Build(uint32_t callers = 4, uint32_t callees = 4, bool endpoints = true)
    {
        line = std::make_unique<Line>(2, "100Mbps", "5ms");
        SipStackHelper stacks;
        clientStack = stacks.Install(line->nodes.Get(0));
        serverStack = stacks.Install(line->nodes.Get(1));
        trace.Connect(clientStack);
        trace.Connect(serverStack);
        queue->Install(serverStack);
        queue->AssignStreams(100);
        queue->TraceConnectWithoutContext("QueueLength",
                                          ns3::MakeCallback(&ValueLog::OnChange, &queueLog));
        queue->TraceConnectWithoutContext("BusyWorkers",
                                          ns3::MakeCallback(&ValueLog::OnChange, &busyLog));
        queue->TraceConnectWithoutContext("Served",
                                          ns3::MakeCallback(&OverloadTest::OnServed, this));
        queue->TraceConnectWithoutContext("Drop", ns3::MakeCallback(&OverloadTest::OnDrop, this));
        queue->TraceConnectWithoutContext("Reject",
                                          ns3::MakeCallback(&OverloadTest::OnReject, this));
        if (!endpoints)
        {
            return;
        }
        UaHost& server = SipEndpoint::Get(line->nodes.Get(1))->GetHost();
        for (uint32_t i = 0; i < callees; ++i)
        {
            UaConfig config;
            config.aor = "sip:s" + std::to_string(i) + "@10.1.1.2";
            ASSERT_NE(server.AddUserAgent(config, &callees_), nullptr);
            callers_.targets.push_back(config.aor);
        }
        callers_.AddCallers(SipEndpoint::Get(line->nodes.Get(0))->GetHost(), callers, "c",
                            "10.1.1.1");
    }

    void Run(Time stop)
    {
        Simulator::Stop(stop);
        Simulator::Run();
    }

    void OnServed(const Message& m, WorkKind kind, Time wait)
    {
        served.push_back(
            {Simulator::Now(), kind, wait, std::string(m.IsRequest() ? m.GetMethodName() : "")});
    }

    void OnDrop(const Message&, DropReason reason) { drops.push_back(reason); }

    void OnReject(const Message& m) { rejects.emplace_back(Simulator::Now(), m.GetCallId()); }

    std::vector<TracedMessage> Server(Direction d,
                                      const std::function<bool(const TracedMessage&)>& p)
    {
        return trace.Select(serverStack->GetNodeId(), d, p);
    }

    std::vector<TracedMessage> Client(Direction d,
                                      const std::function<bool(const TracedMessage&)>& p)
    {
        return trace.Select(clientStack->GetNodeId(), d, p);
    }

    static std::function<bool(const TracedMessage&)> Request(std::string method)
    {
        return [method](const TracedMessage& m) { return m.IsRequest(method); };
    }

    static std::function<bool(const TracedMessage&)> Response(uint16_t code)
    {
        return [code](const TracedMessage& m) { return m.IsResponse(code); };
    }

    /// The kinds of the services that ended, in order.
    std::vector<WorkKind> Kinds() const
    {
        std::vector<WorkKind> out;
        for (const auto& s : served)
        {
            out.push_back(s.kind);
        }
        return out;
    }

    struct ServedEntry
    {
        Time at;
        WorkKind kind;
        Time wait;
        std::string method;
    };

    ns3::Ptr<ProcessingQueue> queue;
    std::unique_ptr<Line> line;
    ns3::Ptr<SipStack> clientStack;
    ns3::Ptr<SipStack> serverStack;
    TraceLog trace;
    CalleePool callees_;
    CallerPool callers_;
    ValueLog queueLog;
    ValueLog busyLog;
    std::vector<ServedEntry> served;
    std::vector<DropReason> drops;
    std::vector<std::pair<Time, std::string>> rejects;
};

// --- 1. exact timing -----------------------------------------------------------------------

// Workers 1, Constant service times: an INVITE received at t is answered (180 and 200 leave
// the server) exactly at t + InviteTime; a second INVITE arriving while the first is served
// waits for it and is answered InviteTime later. QueueLength and BusyWorkers traces are exact.
TEST_F(OverloadTest, ServiceDelaysProtocolWorkExactly)
{
    queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(0.002)));
    queue->SetAttribute("RequestTime", ns3::StringValue(ConstantRv(0.001)));
    Build();
    callers_.CallAt(Seconds(1), 0, 0);
    callers_.CallAt(Seconds(2), 1, 1);
    callers_.CallAt(Seconds(2), 2, 2);
    Run(Seconds(3));

    const auto invites = Server(Direction::Rx, Request("INVITE"));
    ASSERT_EQ(invites.size(), 3u);
    const auto ringing = Server(Direction::Tx, Response(180));
    const auto ok = Server(Direction::Tx, Response(200));
    ASSERT_EQ(ringing.size(), 3u);
    ASSERT_EQ(ok.size(), 3u);
    // Alone: the answer leaves exactly InviteTime after the INVITE arrived.
    EXPECT_EQ(ringing[0].at, invites[0].at + MilliSeconds(2));
    EXPECT_EQ(ok[0].at, invites[0].at + MilliSeconds(2));
    EXPECT_EQ(ringing[0].message.GetCallId(), invites[0].message.GetCallId());
    // Together: the second (which arrived one packet time after the first) waits.
    EXPECT_GT(invites[2].at, invites[1].at);
    EXPECT_LT(invites[2].at, invites[1].at + MilliSeconds(2));
    EXPECT_EQ(ok[1].at, invites[1].at + MilliSeconds(2));
    EXPECT_EQ(ok[2].at, invites[1].at + MilliSeconds(4));
    EXPECT_EQ(ok[2].message.GetCallId(), invites[2].message.GetCallId());
    // The ACKs arrive ~10 ms later on an idle server: only the second INVITE ever waited.
    const std::vector<std::pair<Time, uint32_t>> expectedQueue{
        {invites[2].at, 1}, {invites[1].at + MilliSeconds(2), 0}};
    EXPECT_EQ(queueLog.values, expectedQueue);
    ASSERT_GE(busyLog.values.size(), 4u);
    EXPECT_EQ(busyLog.values[0], std::make_pair(invites[0].at, 1u));
    EXPECT_EQ(busyLog.values[1], std::make_pair(invites[0].at + MilliSeconds(2), 0u));
    // The two INVITEs back to back: busy from the first arrival to the second's completion.
    const auto at = std::find_if(busyLog.values.begin(), busyLog.values.end(),
                                 [&](const auto& v) { return v.first == invites[1].at; });
    ASSERT_NE(at, busyLog.values.end());
    EXPECT_EQ(at->second, 1u);
    EXPECT_EQ((at + 1)->first, invites[1].at + MilliSeconds(4));
    EXPECT_EQ((at + 1)->second, 0u);
    // 3 INVITEs, 3 ACKs, nothing else; ACKs (of 2xx, new branch) cost RequestTime.
    const auto acks = Server(Direction::Rx, Request("ACK"));
    ASSERT_EQ(acks.size(), 3u);
    EXPECT_EQ(queue->GetCounters().Served(WorkKind::Invite), 3u);
    EXPECT_EQ(queue->GetCounters().Served(WorkKind::Request), 3u);
    EXPECT_EQ(queue->GetCounters().arrived, 6u);
    EXPECT_EQ(callers_.answered, 3u);
    // Busy time: 3 x 2 ms + 3 x 1 ms over 3 s.
    EXPECT_NEAR(queue->GetBusyWorkerSeconds(), 0.009, 1e-12);
    EXPECT_NEAR(queue->GetMeanUtilization(), 0.009 / 3.0, 1e-12);
}

// --- 2. retransmission classification ------------------------------------------------------

// The callee does not answer, so only the server transaction's 100 (Trying) goes out, 200 ms
// after the INVITE was served (RFC 3261 17.2.1). That 100 is lost: the caller's Timer A sends
// the INVITE again 500 ms after the first; the copy matches the server transaction, costs
// RetransmissionTime, and the transaction re-sends its 100 at once after that service.
TEST_F(OverloadTest, RetransmittedInviteCostsRetransmissionTime)
{
    queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(0.002)));
    queue->SetAttribute("RetransmissionTime", ns3::StringValue(ConstantRv(0.0002)));
    Build();
    callees_.silent = true;
    int trying = 0;
    DropOnReceive(line->Device(0, 0), [&trying](std::string_view bytes) {
        return SipPayloadStartsWith(bytes, "SIP/2.0 100") && trying++ == 0;
    });
    callers_.CallAt(Seconds(1), 0, 0);
    Run(Seconds(2));

    const auto invites = Server(Direction::Rx, Request("INVITE"));
    ASSERT_EQ(invites.size(), 2u);
    const auto sent = Client(Direction::Tx, Request("INVITE"));
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1].at - sent[0].at, MilliSeconds(500)); // Timer A = T1
    EXPECT_TRUE(sent[1].retransmission);
    const auto tryings = Server(Direction::Tx, Response(100));
    ASSERT_EQ(tryings.size(), 2u);
    EXPECT_EQ(tryings[0].at, invites[0].at + MilliSeconds(2) + MilliSeconds(200));
    EXPECT_EQ(tryings[1].at, invites[1].at + MicroSeconds(200));
    EXPECT_EQ(Kinds(), (std::vector<WorkKind>{WorkKind::Invite, WorkKind::Retransmission}));
    EXPECT_EQ(callees_.offered, 1u); // absorbed by the transaction, not a second call
    EXPECT_EQ(trying, 2);
}

// A response retransmission: the server node calls a callee on the client node and the
// server's ACK is lost, so the callee's core re-sends its 200 (RFC 3261 13.3.1.4) 500 ms later.
// The copy reaches the server's queue as a Retransmission (RetransmissionTime), the first
// 200 as a Response (ResponseTime) and the 180 as a Response.
TEST_F(OverloadTest, RetransmittedResponseCostsRetransmissionTime)
{
    queue->SetAttribute("ResponseTime", ns3::StringValue(ConstantRv(0.0005)));
    queue->SetAttribute("RetransmissionTime", ns3::StringValue(ConstantRv(0.0002)));
    Build(1, 1);
    // Swap roles: a callee on the client node, a caller on the server node.
    UaConfig calleeConfig;
    calleeConfig.aor = "sip:far@10.1.1.1";
    CalleePool farCallee;
    ASSERT_NE(
        SipEndpoint::Get(line->nodes.Get(0))->GetHost().AddUserAgent(calleeConfig, &farCallee),
        nullptr);
    CallerPool nearCallers;
    nearCallers.AddCallers(SipEndpoint::Get(line->nodes.Get(1))->GetHost(), 1, "n", "10.1.1.2");
    nearCallers.targets.push_back("sip:far@10.1.1.1");
    int acks = 0;
    DropOnReceive(line->Device(0, 0), [&acks](std::string_view bytes) {
        return SipPayloadStartsWith(bytes, "ACK ") && acks++ == 0;
    });
    nearCallers.CallAt(Seconds(1), 0, 0);
    Run(Seconds(3));

    const auto oks = Server(Direction::Rx, Response(200));
    ASSERT_EQ(oks.size(), 2u);
    EXPECT_EQ(Kinds(), (std::vector<WorkKind>{WorkKind::Response, WorkKind::Response,
                                              WorkKind::Retransmission}));
    ASSERT_EQ(served.size(), 3u);
    // The 200 arrived one packet time after the 180, which was still in service.
    EXPECT_EQ(served[1].at, std::max(oks[0].at, served[0].at) + MicroSeconds(500));
    EXPECT_EQ(served[2].at, oks[1].at + MicroSeconds(200));
    EXPECT_EQ(nearCallers.answered, 1u);
}

// --- 3. tail drop and Reject503 ------------------------------------------------------------

// QueueLimit 2, policy None: of five INVITEs arriving together one is served, two wait and
// two are dropped (Drop trace, QueueFull). The callers' Timer A recovers the dropped ones.
TEST_F(OverloadTest, TailDropAtQueueLimit)
{
    queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(0.01)));
    queue->SetAttribute("QueueLimit", ns3::UintegerValue(2));
    Build(5, 5);
    for (uint32_t i = 0; i < 5; ++i)
    {
        callers_.CallAt(Seconds(1), i, i);
    }
    Run(Seconds(1.4)); // before Timer A
    EXPECT_EQ(queue->GetCounters().dropped, 2u);
    EXPECT_EQ(drops, (std::vector<DropReason>{DropReason::QueueFull, DropReason::QueueFull}));
    uint32_t longest = 0;
    for (const auto& v : queueLog.values)
    {
        longest = std::max(longest, v.second);
    }
    EXPECT_EQ(longest, 2u);
    EXPECT_EQ(Server(Direction::Tx, Response(200)).size(), 3u);
    Run(Seconds(3)); // the retransmissions of the dropped two are new INVITEs now
    EXPECT_EQ(callers_.answered, 5u);
    EXPECT_EQ(queue->GetCounters().Served(WorkKind::Invite), 5u);
    EXPECT_EQ(queue->GetCounters().dropped, 2u);
}

// Reject503, RejectThreshold 2, QueueLimit 4, RetryAfter 7: six INVITEs arrive together
// (one packet time apart). #1 is served; #2 and #3 wait; #4 and #5 find 2 and 3 waiting and
// are rejected; #6 finds 4 waiting and is dropped. The rejections are served ahead of #2:
// their 503s (with Retry-After: 7) leave RejectTime apart right after #1; then #2 and #3.
// The ACKs of the 503s cost RejectTime and reach no one; #6 comes back by Timer A and is
// served as a new INVITE.
TEST_F(OverloadTest, Reject503AtThresholdAheadOfNormalWork)
{
    queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(0.01)));
    queue->SetAttribute("RequestTime", ns3::StringValue(ConstantRv(0.001)));
    queue->SetAttribute("RejectTime", ns3::StringValue(ConstantRv(0.0003)));
    queue->SetAttribute("OverloadPolicy",
                        ns3::EnumValue(static_cast<int>(OverloadPolicy::Reject503)));
    queue->SetAttribute("RejectThreshold", ns3::UintegerValue(2));
    queue->SetAttribute("QueueLimit", ns3::UintegerValue(4));
    queue->SetAttribute("RetryAfter", ns3::UintegerValue(7));
    Build(6, 6);
    for (uint32_t i = 0; i < 6; ++i)
    {
        callers_.CallAt(Seconds(1), i, i);
    }
    Run(Seconds(3));

    const auto invites = Server(Direction::Rx, Request("INVITE"));
    ASSERT_EQ(invites.size(), 7u); // six, and #6 again (Timer A)
    const Time t0 = invites[0].at;
    const auto rejected = Server(Direction::Tx, Response(503));
    ASSERT_EQ(rejected.size(), 2u);
    EXPECT_EQ(rejected[0].at, t0 + MicroSeconds(10300));
    EXPECT_EQ(rejected[1].at, t0 + MicroSeconds(10600));
    EXPECT_EQ(rejected[0].message.GetCallId(), invites[3].message.GetCallId());
    EXPECT_EQ(rejected[1].message.GetCallId(), invites[4].message.GetCallId());
    for (const auto& r : rejected)
    {
        EXPECT_EQ(RetryAfterSeconds(r.message), std::optional<uint32_t>(7));
        EXPECT_FALSE(r.message.GetTo()->Tag().empty());
    }
    EXPECT_EQ(rejects.size(), 2u);
    const auto oks = Server(Direction::Tx, Response(200));
    ASSERT_EQ(oks.size(), 4u);
    EXPECT_EQ(oks[0].at, t0 + MilliSeconds(10));
    EXPECT_EQ(oks[1].at, t0 + MicroSeconds(20600));
    EXPECT_EQ(oks[2].at, t0 + MicroSeconds(30600));
    EXPECT_EQ(oks[1].message.GetCallId(), invites[1].message.GetCallId());
    EXPECT_EQ(oks[3].message.GetCallId(), invites[5].message.GetCallId());
    EXPECT_EQ(drops, (std::vector<DropReason>{DropReason::QueueFull}));
    const ProcessingQueueCounters& c = queue->GetCounters();
    EXPECT_EQ(c.rejected503, 2u);
    EXPECT_EQ(c.rejectAcks, 2u);
    EXPECT_EQ(c.Served(WorkKind::Reject), 4u); // two 503s and their two ACKs
    EXPECT_EQ(c.Served(WorkKind::Invite), 4u);
    EXPECT_EQ(callers_.answered, 4u);
    EXPECT_EQ(callers_.Failed(503), 2u); // the callers do not retry
}

/// A request with a Via from the client, as a UAC would send it.
Message
ClientRequest(std::string_view method, std::string_view branch, bool toTag = false,
              bool auth = false)
{
    Message m = MakeTestRequest(method, ns3::Ipv4Address("10.1.1.1"), ns3::Ipv4Address("10.1.1.2"),
                                1, std::string("call-") + std::string(branch));
    Message out = Message::MakeRequest(method, "sip:bob@10.1.1.2");
    out.AddHeader(HeaderId::Via, "SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK" + std::string(branch));
    for (const HeaderField& f : m.GetHeaders())
    {
        if (f.id == HeaderId::To && toTag)
        {
            out.AddHeader(HeaderId::To, std::string(f.value) + ";tag=b1");
        }
        else if (f.id != HeaderId::ContentLength)
        {
            out.AddHeader(f.id, f.value);
        }
    }
    if (auth)
    {
        out.AddHeader(HeaderId::Authorization,
                      "Digest username=\"alice\", realm=\"x\", nonce=\"n\", "
                      "uri=\"sip:bob@10.1.1.2\", response=\"0123456789abcdef0123456789abcdef\"");
    }
    out.SetBody("", "");
    return out;
}

// Fed directly: above RejectThreshold, CANCEL, ACK, in-dialog requests (To tag: BYE,
// re-INVITE) and retransmissions are served; only new out-of-dialog requests are refused.
// A request with Authorization costs AuthTime more.
TEST_F(OverloadTest, Reject503NeverRefusesAckCancelInDialogOrRetransmissions)
{
    queue->SetAttribute("RequestTime", ns3::StringValue(ConstantRv(1.0)));
    queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(1.0)));
    queue->SetAttribute("RetransmissionTime", ns3::StringValue(ConstantRv(0.5)));
    queue->SetAttribute("AuthTime", ns3::StringValue(ConstantRv(0.25)));
    queue->SetAttribute("RejectTime", ns3::StringValue(ConstantRv(0.001)));
    queue->SetAttribute("OverloadPolicy",
                        ns3::EnumValue(static_cast<int>(OverloadPolicy::Reject503)));
    queue->SetAttribute("RejectThreshold", ns3::UintegerValue(1));
    Build(0, 0, false);
    TestUser user(serverStack, 200);
    const Peer client = PeerOf(ns3::Ipv4Address("10.1.1.1"));
    const std::vector<Message> in{
        ClientRequest("OPTIONS", "1"),              // served at once
        ClientRequest("OPTIONS", "2", false, true), // waits (0 waiting < 1); + AuthTime
        ClientRequest("CANCEL", "3"),
        ClientRequest("ACK", "4"),
        ClientRequest("BYE", "5", true),
        ClientRequest("INVITE", "6", true), // re-INVITE
        ClientRequest("OPTIONS", "2"),      // retransmission of #2
        ClientRequest("INVITE", "8"),       // new: rejected
        ClientRequest("OPTIONS", "9"),      // new: rejected
    };
    Simulator::Schedule(Seconds(1), [&]() {
        for (const Message& m : in)
        {
            queue->Admit(m, client);
        }
    });
    Run(Seconds(20));
    EXPECT_EQ(queue->GetCounters().rejected503, 2u);
    ASSERT_EQ(rejects.size(), 2u);
    EXPECT_EQ(rejects[0], std::make_pair(Seconds(2.001), std::string("call-8")));
    EXPECT_EQ(rejects[1], std::make_pair(Seconds(2.002), std::string("call-9")));
    const auto refused = Server(Direction::Tx, Response(503));
    ASSERT_EQ(refused.size(), 2u);
    EXPECT_FALSE(refused[0].message.HasHeader(HeaderId::RetryAfter)); // RetryAfter 0
    EXPECT_EQ(Kinds(), (std::vector<WorkKind>{WorkKind::Request, WorkKind::Reject, WorkKind::Reject,
                                              WorkKind::Request, WorkKind::Request,
                                              WorkKind::Request, WorkKind::Request,
                                              WorkKind::Invite, WorkKind::Retransmission}));
    // #1 1 s; rejections 2 ms; #2 1.25 s (Authorization); #3-#5 1 s each; #6 1 s; copy 0.5 s.
    ASSERT_EQ(served.size(), 9u);
    EXPECT_EQ(served[3].at, Seconds(3.252));
    EXPECT_EQ(served.back().at, Seconds(7.752));
    EXPECT_EQ(drops.size(), 0u);
    // Everything but the rejections reached the transaction user (the ACK as an ACK).
    EXPECT_EQ(user.requests.size(), 5u); // OPTIONS, CANCEL, BYE, INVITE, (copy absorbed)
    EXPECT_EQ(user.acks.size(), 1u);
}

// --- 4. utilization and M/D/1 ----------------------------------------------------------------

// Poisson arrivals (lambda = 100/s) of new requests with a constant 5 ms service time on one
// worker: rho = 0.5. Over T = 200 s about lambda*T = 20000 requests arrive; the measured
// utilization D*N(T)/T has standard deviation rho/sqrt(lambda*T) = 0.0035, so a tolerance of
// 0.015 (over 4 sigma) never fails by chance for this fixed seed and still catches a wrong
// integral. The mean wait must match Pollaczek-Khinchine for M/D/1, W = rho*D / (2(1-rho))
// = 2.5 ms, within the batch-means 95 % interval (20 batches) widened by half (the batches
// are slightly correlated at rho = 0.5).
TEST_F(OverloadTest, UtilizationAndMd1WaitMatchTheory)
{
    const double lambda = 100;
    const double service = 0.005;
    const Time duration = Seconds(200);
    queue->SetAttribute("RequestTime", ns3::StringValue(ConstantRv(service)));
    Build(0, 0, false);
    TestUser user(serverStack, 0); // no responses: the queue alone
    std::vector<double> utilization;
    queue->TraceConnectWithoutContext("Utilization", ns3::MakeBoundCallback(
                                                         +[](std::vector<double>* out, double,
                                                             double now) { out->push_back(now); },
                                                         &utilization));
    auto gap = ns3::CreateObject<ns3::ExponentialRandomVariable>();
    gap->SetAttribute("Mean", ns3::DoubleValue(1.0 / lambda));
    gap->SetStream(7);
    const Peer client = PeerOf(ns3::Ipv4Address("10.1.1.1"));
    uint64_t n = 0;
    std::function<void()> arrive = [&]() {
        queue->Admit(ClientRequest("OPTIONS", "p" + std::to_string(++n)), client);
        const Time next = Seconds(gap->GetValue());
        if (Simulator::Now() + next < duration)
        {
            Simulator::Schedule(next, arrive);
        }
    };
    Simulator::Schedule(Seconds(gap->GetValue()), arrive);
    Run(duration);

    const double rho = lambda * service;
    const double measured = queue->GetMeanUtilization();
    std::printf("M/D/1: %llu arrivals, utilization %.4f (rho %.2f), exact D*N/T %.4f\n",
                static_cast<unsigned long long>(n), measured, rho,
                service * static_cast<double>(queue->GetCounters().Served(WorkKind::Request))
                    / duration.GetSeconds());
    EXPECT_NEAR(measured, rho, 0.015);
    // The integral is exactly the served work (constant service) up to one in progress.
    EXPECT_NEAR(queue->GetBusyWorkerSeconds(),
                service * static_cast<double>(queue->GetCounters().Served(WorkKind::Request)),
                service);
    ASSERT_FALSE(utilization.empty());
    for (double u : utilization)
    {
        EXPECT_TRUE(u == 0.0 || u == 1.0);
    }

    std::vector<double> waits;
    for (const auto& s : served)
    {
        waits.push_back(s.wait.GetSeconds());
    }
    const stats::ConfidenceInterval ci = stats::BatchMeansCi95(waits, 20);
    const double pk = rho * service / (2 * (1 - rho));
    std::printf("M/D/1 wait: %.3f ms +- %.3f ms (95%%, %zu batches), Pollaczek-Khinchine %.3f ms\n",
                ci.mean * 1e3, ci.halfWidth * 1e3, ci.n, pk * 1e3);
    EXPECT_LT(ci.halfWidth, 0.15 * pk);
    EXPECT_NEAR(ci.mean, pk, 1.5 * ci.halfWidth);
}

// --- 5. the overload shape ---------------------------------------------------------------------

/// One point of an offered-load sweep.
struct LoadPoint
{
    double factor = 0;        ///< offered load / capacity
    double offered = 0;       ///< calls per second offered
    double goodput = 0;       ///< calls completed per second (their BYE reached the callee)
    double setups = 0;        ///< calls answered per second at the callers
    double failed503 = 0;     ///< calls per second failed with 503
    double failedTimeout = 0; ///< calls per second failed with 408 (Timer B)
    double utilization = 0;   ///< server's mean utilization in the window
    uint64_t inviteRetransmissions = 0; ///< INVITE copies sent by the callers (Timer A)
    uint64_t dropped = 0;               ///< queue tail drops
    uint64_t rejected = 0;              ///< 503s sent
    double placed = 0;                  ///< calls per second actually placed (Poisson draw)
    uint64_t retries = 0;               ///< INVITEs sent again after 503 + Retry-After
    uint64_t hopRetransmissions = 0;    ///< INVITE copies the proxy sent downstream (Timer A)
    ProcessingQueueCounters counters;   ///< the server's queue over the window
};

/// Prints a sweep as a table (capacity in calls per second).
void
PrintSweep(const char* title, double capacity, const std::vector<LoadPoint>& points)
{
    std::printf("%s (capacity %.2f calls/s)\n", title, capacity);
    std::printf("  load  offered  setups  goodput  good/cap  503/s  408/s   util  INV-rtx  "
                "dropped  rejected\n");
    for (const LoadPoint& p : points)
    {
        std::printf("  %4.1f  %7.2f  %6.2f  %7.2f  %8.3f  %5.1f  %5.1f  %5.3f  %7llu  %7llu  "
                    "%8llu\n",
                    p.factor, p.offered, p.setups, p.goodput, p.goodput / capacity, p.failed503,
                    p.failedTimeout, p.utilization,
                    static_cast<unsigned long long>(p.inviteRetransmissions),
                    static_cast<unsigned long long>(p.dropped),
                    static_cast<unsigned long long>(p.rejected));
    }
}

/// Runs `point(factor)` for every factor with fresh ns-3 state in between.
std::vector<LoadPoint>
RunSweep(const std::vector<double>& factors, const std::function<LoadPoint(double)>& point)
{
    std::vector<LoadPoint> out;
    for (double f : factors)
    {
        out.push_back(point(f));
        Simulator::Destroy();
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
    }
    return out;
}

/**
 * The UAS sweep's server: service times ten times the defaults (INVITE 20 ms, other request
 * 10 ms, response 5 ms, retransmission 2 ms, rejection 3 ms) and queue sizes a tenth of them
 * (RejectThreshold 10, QueueLimit 50), so the queueing delays relative to T1 = 500 ms are the
 * defaults' while a simulated second holds ten times fewer messages (test wall time).
 * A call costs the UAS INVITE + ACK + BYE = 40 ms (responses are sent, not received; sending
 * is folded into the received message's cost): capacity 25 calls/s on one worker.
 */
constexpr double kUasCallCost = 0.020 + 0.010 + 0.010;

class OverloadSweepTest : public TransportTest
{
  protected:
    LoadPoint RunUasPoint(double factor, OverloadPolicy policy)
    {
        const double capacity = 1.0 / kUasCallCost;
        const Time warmup = Seconds(5);
        const Time window = Seconds(30);
        Line line(2, "100Mbps", "5ms");
        SipStackHelper stacks;
        ns3::Ptr<SipStack> client = stacks.Install(line.nodes.Get(0));
        ns3::Ptr<SipStack> server = stacks.Install(line.nodes.Get(1));
        auto queue = ns3::CreateObject<ProcessingQueue>();
        queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(0.020)));
        queue->SetAttribute("RequestTime", ns3::StringValue(ConstantRv(0.010)));
        queue->SetAttribute("ResponseTime", ns3::StringValue(ConstantRv(0.005)));
        queue->SetAttribute("RetransmissionTime", ns3::StringValue(ConstantRv(0.002)));
        queue->SetAttribute("RejectTime", ns3::StringValue(ConstantRv(0.003)));
        queue->SetAttribute("RejectThreshold", ns3::UintegerValue(10));
        queue->SetAttribute("QueueLimit", ns3::UintegerValue(50));
        queue->SetAttribute("RetryAfter", ns3::UintegerValue(1));
        queue->SetAttribute("OverloadPolicy", ns3::EnumValue(static_cast<int>(policy)));
        queue->Install(server);
        queue->AssignStreams(10);

        CalleePool callees;
        CallerPool callers;
        UaHost& serverHost = SipEndpoint::Get(line.nodes.Get(1))->GetHost();
        for (uint32_t i = 0; i < 50; ++i)
        {
            UaConfig config;
            config.aor = "sip:s" + std::to_string(i) + "@10.1.1.2";
            EXPECT_NE(serverHost.AddUserAgent(config, &callees), nullptr);
            callers.targets.push_back(config.aor);
        }
        callers.AddCallers(SipEndpoint::Get(line.nodes.Get(0))->GetHost(), 50, "c", "10.1.1.1");
        callers.holding = Seconds(1);
        callers.windowStart = warmup;
        callers.windowEnd = warmup + window;
        callees.windowStart = warmup + callers.holding;
        callees.windowEnd = warmup + window + callers.holding;
        const double offered = factor * capacity;
        callers.StartPoisson(offered, Seconds(0), warmup + window, 1);

        LoadPoint p;
        client->TraceConnectWithoutContext("Message",
                                           ns3::MakeBoundCallback(
                                               +[](LoadPoint* point, const SipMessageTrace& t) {
                                                   if (t.direction == Direction::Tx
                                                       && t.retransmission && t.message->IsRequest()
                                                       && t.message->GetMethod() == Method::Invite)
                                                   {
                                                       ++point->inviteRetransmissions;
                                                   }
                                               },
                                               &p));
        Simulator::Schedule(warmup, [queue]() { queue->ResetStatistics(); });
        double utilization = 0;
        Simulator::Schedule(warmup + window,
                            [queue, &utilization]() { utilization = queue->GetMeanUtilization(); });
        ProcessingQueueCounters counters;
        Simulator::Schedule(warmup + window,
                            [queue, &counters]() { counters = queue->GetCounters(); });
        Simulator::Stop(warmup + window + Seconds(2));
        Simulator::Run();

        const double seconds = window.GetSeconds();
        p.factor = factor;
        p.offered = offered;
        p.goodput = static_cast<double>(callees.completed) / seconds;
        p.setups = static_cast<double>(callers.answered) / seconds;
        p.failed503 = static_cast<double>(callers.Failed(503)) / seconds;
        p.failedTimeout = static_cast<double>(callers.Failed(408)) / seconds;
        p.utilization = utilization;
        p.dropped = counters.dropped;
        p.rejected = counters.rejected503;
        return p;
    }
};

// Offered loads 0.5, 1, 1.5, 3 and 6 times the capacity (25 calls/s), Poisson INVITEs from
// 50 callers that hang up after 1 s and never retry, over UDP; goodput = calls completed (their
// BYE reached the callee) per second over a 30 s window after a 5 s warm-up; setups = calls
// answered at the callers. The measured table is printed; the margins
// below come from it. Note: with these costs tail drop degrades more gently than Reject503 at
// 6x, because a drop costs nothing while a rejection costs RejectTime (and its ACK again).
TEST_F(OverloadSweepTest, UasGoodputUnderOverload)
{
    const double capacity = 1.0 / kUasCallCost;
    const std::vector<double> factors{0.5, 1.0, 1.5, 3.0, 6.0};
    const auto reject
        = RunSweep(factors, [this](double f) { return RunUasPoint(f, OverloadPolicy::Reject503); });
    PrintSweep("UAS, Reject503", capacity, reject);
    const auto drop
        = RunSweep(factors, [this](double f) { return RunUasPoint(f, OverloadPolicy::None); });
    PrintSweep("UAS, tail drop (None)", capacity, drop);

    // Measured (seed fixed; goodput = calls whose BYE reached the callee, per second):
    //   load            0.5    1.0    1.5    3.0    6.0
    //   Reject503     11.47  22.57  22.27  16.23   3.83
    //   None          11.47  22.17  21.17  18.17  13.90
    // Below capacity everything offered is carried: 375 Poisson calls in the window, +-12 %
    // is over 2 sigma.
    EXPECT_NEAR(reject[0].goodput, reject[0].offered, 0.12 * reject[0].offered);
    EXPECT_NEAR(drop[0].goodput, drop[0].offered, 0.12 * drop[0].offered);
    for (const LoadPoint& p : reject)
    {
        EXPECT_LE(p.utilization, 1.0 + 1e-9);
    }
    // Small overload with Reject503: goodput near capacity (0.89 measured), the server busy,
    // the excess refused, no INVITE retransmissions (the queue delay stays below T1: at most
    // RejectThreshold x 20 ms).
    EXPECT_GT(reject[2].goodput, 0.8 * capacity);
    EXPECT_GT(reject[2].utilization, 0.95);
    EXPECT_GT(reject[2].rejected, 0u);
    EXPECT_EQ(reject[2].inviteRetransmissions, 0u);
    EXPECT_GE(reject[2].goodput, drop[2].goodput); // 22.27 vs 21.17
    // Large overload with Reject503: each refused call costs the server RejectTime twice (the
    // 503 and its ACK: 6 ms, 15 % of a call), so goodput falls as C (1 - 0.15 L) / 0.85:
    // 0.65 C at 3x, 0.12 C at 6x (measured 0.65 and 0.15).
    EXPECT_LT(reject[3].goodput, 0.8 * reject[2].goodput);
    EXPECT_LT(reject[4].goodput, 0.4 * reject[2].goodput);
    EXPECT_GT(reject[4].rejected, 0u);
    // Tail drop: dropped INVITEs come back by Timer A, queued ones are retransmitted while they
    // wait (QueueLimit x 20 ms > T1), and calls answered at the caller never complete because
    // their ACK or BYE is dropped (Timer B/F 408s): goodput falls, and far below the setups.
    EXPECT_LT(drop[4].goodput, 0.75 * drop[1].goodput);
    EXPECT_GT(drop[4].setups, 1.5 * drop[4].goodput);
    EXPECT_GT(drop[4].inviteRetransmissions, 10 * reject[4].inviteRetransmissions);
    EXPECT_GT(drop[4].failedTimeout, 0.0);
}

// --- 6. the overload shape through a proxy ----------------------------------------------------

/**
 * The proxy sweep's proxy: the UAS sweep's costs (INVITE 20 ms, other request 10 ms, response
 * 5 ms, retransmission 2 ms, rejection 3 ms; RejectThreshold 10, QueueLimit 50, Retry-After
 * 1 s) on one worker. With Record-Route (the default) everything of a call crosses the proxy:
 * INVITE, 180, 200, ACK, BYE and the BYE's 200 (the proxy's own 100 is sent, not received; the
 * callee answers at once, so it sends no 100): 20 + 3 x 5 + 2 x 10 = 55 ms, capacity
 * 18.18 calls/s. (The test checks these counts at half load.)
 */
constexpr double kProxyCallCost = 0.020 + 3 * 0.005 + 2 * 0.010;

/// How a proxy sweep point runs.
struct ProxySweepConfig
{
    OverloadPolicy policy = OverloadPolicy::Reject503;
    uint32_t maxRetries = 0; ///< callers' retries of a call after 503 + Retry-After
    Time warmup = Seconds(5);
    Time window = Seconds(20);
    int64_t stream = 1;
};

/**
 * callers 10.1.1.1 (50 UAs, outbound proxy 10.1.1.2) - proxy 10.1.1.2 | 10.1.2.1 (SipProxy for
 * example.com with a ProcessingQueue) - callees 10.1.2.2 (50 UAs s<i>, bound in the proxy's
 * location service as s<i>@example.com), 100 Mb/s, 5 ms links. Poisson calls to
 * sip:s<i>@example.com at factor x capacity; callers hang up 1 s after the answer.
 */
LoadPoint
RunProxyPoint(double factor, const ProxySweepConfig& cfg)
{
    const double capacity = 1.0 / kProxyCallCost;
    const Time holding = Seconds(1);
    Line line(3, "100Mbps", "5ms");
    SipStackHelper stacks;
    ns3::Ptr<SipStack> client = stacks.Install(line.nodes.Get(0));
    ns3::Ptr<SipStack> proxyStack = stacks.Install(line.nodes.Get(1));
    stacks.Install(line.nodes.Get(2));
    auto queue = ns3::CreateObject<ProcessingQueue>();
    queue->SetAttribute("InviteTime", ns3::StringValue(ConstantRv(0.020)));
    queue->SetAttribute("RequestTime", ns3::StringValue(ConstantRv(0.010)));
    queue->SetAttribute("ResponseTime", ns3::StringValue(ConstantRv(0.005)));
    queue->SetAttribute("RetransmissionTime", ns3::StringValue(ConstantRv(0.002)));
    queue->SetAttribute("RejectTime", ns3::StringValue(ConstantRv(0.003)));
    queue->SetAttribute("RejectThreshold", ns3::UintegerValue(10));
    queue->SetAttribute("QueueLimit", ns3::UintegerValue(50));
    queue->SetAttribute("RetryAfter", ns3::UintegerValue(1));
    queue->SetAttribute("OverloadPolicy", ns3::EnumValue(static_cast<int>(cfg.policy)));
    queue->Install(proxyStack);
    queue->AssignStreams(10);
    SipProxyHelper helper;
    helper.SetAttribute("Domains", ns3::StringValue("example.com"));
    auto proxy = ns3::DynamicCast<SipProxy>(helper.Install(line.nodes.Get(1)).Get(0));
    const Peer proxyPeer = PeerOf(proxyStack->GetLocalAddress());

    CalleePool callees;
    CallerPool callers;
    UaHost& calleeHost = SipEndpoint::Get(line.nodes.Get(2))->GetHost();
    const uint32_t n = 50;
    for (uint32_t i = 0; i < n; ++i)
    {
        UaConfig config;
        config.aor = "sip:s" + std::to_string(i) + "@10.1.2.2";
        EXPECT_NE(calleeHost.AddUserAgent(config, &callees), nullptr);
        callers.targets.push_back("sip:s" + std::to_string(i) + "@example.com");
    }
    Simulator::Schedule(MilliSeconds(100), [proxy, n]() {
        for (uint32_t i = 0; i < n; ++i)
        {
            Binding binding;
            binding.contact = "sip:s" + std::to_string(i) + "@10.1.2.2";
            binding.expiresAt = std::chrono::hours(24);
            proxy->GetCore()->GetLocations().Update("s" + std::to_string(i) + "@example.com",
                                                    binding);
        }
    });
    callers.AddCallers(SipEndpoint::Get(line.nodes.Get(0))->GetHost(), n, "c", "10.1.1.1",
                       proxyPeer);
    callers.holding = holding;
    callers.maxRetries = cfg.maxRetries;
    callers.windowStart = cfg.warmup;
    callers.windowEnd = cfg.warmup + cfg.window;
    callees.windowStart = cfg.warmup + holding;
    callees.windowEnd = cfg.warmup + cfg.window + holding;
    const double offered = factor * capacity;
    callers.StartPoisson(offered, MilliSeconds(200), cfg.warmup + cfg.window, cfg.stream);

    LoadPoint p;
    auto countInviteCopies = +[](uint64_t* count, const SipMessageTrace& t) {
        if (t.direction == Direction::Tx && t.retransmission && t.message->IsRequest()
            && t.message->GetMethod() == Method::Invite)
        {
            ++*count;
        }
    };
    uint64_t callerCopies = 0;
    uint64_t proxyCopies = 0;
    uint64_t callerCopiesAtStart = 0;
    uint64_t proxyCopiesAtStart = 0;
    client->TraceConnectWithoutContext("Message",
                                       ns3::MakeBoundCallback(countInviteCopies, &callerCopies));
    proxyStack->TraceConnectWithoutContext("Message",
                                           ns3::MakeBoundCallback(countInviteCopies, &proxyCopies));
    Simulator::Schedule(cfg.warmup, [&]() {
        queue->ResetStatistics();
        callerCopiesAtStart = callerCopies;
        proxyCopiesAtStart = proxyCopies;
    });
    double utilization = 0;
    Simulator::Schedule(cfg.warmup + cfg.window, [&]() {
        utilization = queue->GetMeanUtilization();
        p.counters = queue->GetCounters();
        p.inviteRetransmissions = callerCopies - callerCopiesAtStart;
        p.hopRetransmissions = proxyCopies - proxyCopiesAtStart;
    });
    Simulator::Stop(cfg.warmup + cfg.window + Seconds(3));
    Simulator::Run();

    const double seconds = cfg.window.GetSeconds();
    p.factor = factor;
    p.offered = offered;
    p.goodput = static_cast<double>(callees.completed) / seconds;
    p.setups = static_cast<double>(callers.answered) / seconds;
    p.failed503 = static_cast<double>(callers.Failed(503)) / seconds;
    p.failedTimeout = static_cast<double>(callers.Failed(408)) / seconds;
    p.utilization = utilization;
    p.dropped = p.counters.dropped;
    p.rejected = p.counters.rejected503;
    p.retries = callers.retries;
    p.placed = static_cast<double>(callers.placed) / seconds;
    return p;
}

/// Prints a proxy sweep: the UAS sweep's columns, the callers' retries, the proxy's INVITE
/// copies downstream, and the proxy's services per kind (in the window).
void
PrintProxySweep(const char* title, double capacity, const std::vector<LoadPoint>& points)
{
    std::printf("%s (capacity %.2f calls/s)\n", title, capacity);
    std::printf(
        "   load  offered  placed  setups  goodput  good/cap  503/s  408/s   util  INV-rtx  "
        "hop-rtx  retries  dropped  rejected |  inv   req   rsp  rtx   rej\n");
    for (const LoadPoint& p : points)
    {
        const auto& c = p.counters;
        std::printf(
            "  %5.2f  %7.2f  %6.2f  %6.2f  %7.2f  %8.3f  %5.1f  %5.1f  %5.3f  %7llu  %7llu  "
            "%7llu  %7llu  %8llu | %5llu %5llu %5llu %5llu %5llu\n",
            p.factor, p.offered, p.placed, p.setups, p.goodput, p.goodput / capacity, p.failed503,
            p.failedTimeout, p.utilization,
            static_cast<unsigned long long>(p.inviteRetransmissions),
            static_cast<unsigned long long>(p.hopRetransmissions),
            static_cast<unsigned long long>(p.retries), static_cast<unsigned long long>(p.dropped),
            static_cast<unsigned long long>(p.rejected),
            static_cast<unsigned long long>(c.Served(WorkKind::Invite)),
            static_cast<unsigned long long>(c.Served(WorkKind::Request)),
            static_cast<unsigned long long>(c.Served(WorkKind::Response)),
            static_cast<unsigned long long>(c.Served(WorkKind::Retransmission)),
            static_cast<unsigned long long>(c.Served(WorkKind::Reject)));
    }
}

// The UAS sweep through a stateful proxy: offered loads 0.5, 1, 1.5, 3, 6 and 10 times the
// proxy's capacity (18.18 calls/s), Reject503 on the proxy, callees that answer at once on
// their own node; goodput = calls whose BYE reached the callee, per second, over a 20 s window
// after a 5 s warm-up. Two kinds of callers: ones that never retry a refused call, and ones
// that retry it once after the Retry-After (1 s; a SipPhone's default MaxRetries is 1).
TEST_F(OverloadSweepTest, ProxyGoodputUnderOverload)
{
    const double capacity = 1.0 / kProxyCallCost;
    const std::vector<double> factors{0.5, 1.0, 1.5, 3.0, 6.0, 10.0};
    ProxySweepConfig plain;
    ProxySweepConfig retrying;
    retrying.maxRetries = 1;
    const auto noRetry = RunSweep(factors, [&](double f) { return RunProxyPoint(f, plain); });
    PrintProxySweep("Proxy, Reject503, no retry", capacity, noRetry);
    const auto retry = RunSweep(factors, [&](double f) { return RunProxyPoint(f, retrying); });
    PrintProxySweep("Proxy, Reject503, one retry after Retry-After", capacity, retry);

    // Measured (seed fixed; goodput / capacity):
    //   load          0.5    1.0    1.5    3.0    6.0   10.0
    //   no retry    0.424  0.842  0.905  0.734  0.341  0.000
    //   one retry   0.424  0.891  0.817  0.319  0.000  0.003
    // What crosses the proxy per call, at half load: one INVITE, two other requests (ACK, BYE),
    // three responses (180, 200, the BYE's 200), nothing else (the capacity's assumption).
    const LoadPoint& half = noRetry[0];
    const auto invites = static_cast<double>(half.counters.Served(WorkKind::Invite));
    ASSERT_GT(invites, 100.0);
    EXPECT_NEAR(static_cast<double>(half.counters.Served(WorkKind::Request)) / invites, 2.0, 0.05);
    EXPECT_NEAR(static_cast<double>(half.counters.Served(WorkKind::Response)) / invites, 3.0, 0.05);
    EXPECT_EQ(half.counters.Served(WorkKind::Retransmission), 0u);
    EXPECT_EQ(half.counters.Served(WorkKind::Reject), 0u);
    // Below capacity every call placed is carried (the Poisson draw placed fewer than offered:
    // compare with what was placed), and the utilization is goodput x 55 ms.
    for (const auto* sweep : {&noRetry, &retry})
    {
        EXPECT_NEAR((*sweep)[0].goodput, (*sweep)[0].placed, 0.05 * (*sweep)[0].placed);
        EXPECT_NEAR((*sweep)[0].utilization, (*sweep)[0].goodput * kProxyCallCost, 0.03);
        EXPECT_EQ((*sweep)[0].rejected, 0u);
    }
    // Small overload: goodput near capacity (0.905 and 0.891 measured), the excess refused
    // before the queueing delay reaches T1 (no INVITE retransmissions).
    EXPECT_GT(noRetry[2].goodput, 0.8 * capacity);
    EXPECT_GT(retry[1].goodput, 0.8 * capacity);
    EXPECT_GT(retry[2].goodput, 0.75 * capacity); // 0.817
    EXPECT_GT(noRetry[2].rejected, 0u);
    EXPECT_EQ(noRetry[2].inviteRetransmissions, 0u);
    EXPECT_EQ(retry[2].inviteRetransmissions, 0u);
    // Past the knee goodput only falls (within 0.02 C of noise), the proxy saturated.
    for (const auto* sweep : {&noRetry, &retry})
    {
        size_t knee = 0;
        for (size_t i = 1; i < sweep->size(); ++i)
        {
            knee = (*sweep)[i].goodput > (*sweep)[knee].goodput ? i : knee;
        }
        EXPECT_LE(knee, 2u);
        for (size_t i = knee + 1; i < sweep->size(); ++i)
        {
            EXPECT_LE((*sweep)[i].goodput, (*sweep)[i - 1].goodput + 0.02 * capacity) << i;
            EXPECT_GT((*sweep)[i].utilization, 0.98) << i;
        }
    }
    // Large overload: collapsed. A refused call costs the proxy 6 ms (503 + its ACK, 11 % of a
    // call), so without retries goodput falls as C (1 - 0.109 L) / 0.891: 0.76 C at 3x, 0.39 C
    // at 6x, nothing from 9.2x on (measured 0.73, 0.34, 0). A retry refused again doubles the
    // rejection work: 0.32 C at 3x already, and nothing at 6x.
    EXPECT_LT(noRetry[4].goodput, 0.5 * capacity);
    EXPECT_LT(noRetry[5].goodput, 0.1 * capacity);
    EXPECT_LT(retry[3].goodput, 0.5 * capacity);
    EXPECT_LT(retry[3].goodput, 0.6 * noRetry[3].goodput);
    EXPECT_LT(retry[4].goodput, 0.1 * capacity);
    EXPECT_LT(retry[5].goodput, 0.1 * capacity);
    EXPECT_GT(retry[3].retries, 0u);
    // At 10x the rejections alone fill the proxy: 503s and their ACKs take over 90 % of it,
    // the rejection FIFO overflows and the callers' Timer A sends INVITEs again.
    const double rejectWork
        = 0.003 * static_cast<double>(noRetry[5].counters.Served(WorkKind::Reject)) / 20.0;
    EXPECT_GT(rejectWork, 0.9);
    EXPECT_GT(noRetry[5].dropped, 0u);
    EXPECT_GT(noRetry[5].inviteRetransmissions, 0u);
}

// The long version of the proxy sweep (SIPSIM_LONG_TESTS=1; docs/validation.md, "Proxy
// overload: goodput against offered load"): 0.25x to 10x, 100 s windows after a 10 s warm-up,
// callers that never retry, retry once or three times after the Retry-After, and tail drop.
TEST_F(OverloadSweepTest, ProxyGoodputUnderOverloadLong)
{
    const char* flag = std::getenv("SIPSIM_LONG_TESTS");
    if (flag == nullptr || std::string(flag) != "1")
    {
        GTEST_SKIP() << "set SIPSIM_LONG_TESTS=1";
    }
    const double capacity = 1.0 / kProxyCallCost;
    const std::vector<double> factors{0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0,
                                      3.0,  4.0, 5.0,  6.0, 8.0,  10.0};
    ProxySweepConfig cfg;
    cfg.warmup = Seconds(10);
    cfg.window = Seconds(100);
    const auto noRetry = RunSweep(factors, [&](double f) { return RunProxyPoint(f, cfg); });
    PrintProxySweep("Proxy, Reject503, no retry", capacity, noRetry);
    ProxySweepConfig once = cfg;
    once.maxRetries = 1;
    const auto retry1 = RunSweep(factors, [&](double f) { return RunProxyPoint(f, once); });
    PrintProxySweep("Proxy, Reject503, one retry after Retry-After", capacity, retry1);
    ProxySweepConfig thrice = cfg;
    thrice.maxRetries = 3;
    const auto retry3 = RunSweep(factors, [&](double f) { return RunProxyPoint(f, thrice); });
    PrintProxySweep("Proxy, Reject503, up to three retries after Retry-After", capacity, retry3);
    ProxySweepConfig drop = cfg;
    drop.policy = OverloadPolicy::None;
    const auto tail = RunSweep(factors, [&](double f) { return RunProxyPoint(f, drop); });
    PrintProxySweep("Proxy, tail drop (None)", capacity, tail);

    // The same shape as the short test, with the long runs' numbers.
    EXPECT_GT(noRetry[5].goodput, 0.8 * capacity);
    EXPECT_LT(noRetry.back().goodput, 0.1 * capacity);
    EXPECT_LT(retry1[7].goodput, 0.5 * capacity);
}

} // namespace
} // namespace sipsim::test
