/*
 * Integration (tier 2): user agents on ns-3 nodes, alice - proxy - bob over point-to-point
 * links, every message real RFC 3261 text in UDP datagrams. A basic call, a call with a lost
 * INVITE, with a lost 200 OK, a CANCEL, a REGISTER with a digest challenge, an INVITE whose
 * every datagram is lost (408 at exactly 64*T1), and the pcap of a call decoded by tshark.
 *
 * Times are exact: an action taken by a test user at a scheduled time shows in the "Message"
 * trace at exactly that time, and a retransmission exactly when RFC 3261's timers say.
 */
#include "integration/transport/transport-test-support.h"
#include "support/proxy-stub.h"
#include "ua/ua-host.h"
#include "ua/user-agent.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>

namespace sipsim::test {
namespace {

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

/// One user-facing event, with its simulated time.
struct Event
{
    Time at;
    std::string what; ///< "offered", "progress", "answered", "failed", "ended", "registered", ...
    uint16_t code = 0;
};

/**
 * A scripted user: rings at once when called and answers after answerDelay (never when
 * negative); as a caller, hangs up holdTime after the answer (never when negative).
 */
class ScriptedUser : public UaListener
{
  public:
    Time answerDelay = Seconds(1);
    Time holdTime = Seconds(2);
    std::vector<Event> events;
    CallHandle lastCall;

    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override
    {
        (void) invite;
        Log("offered");
        lastCall = call;
        ua.Ring(call);
        if (answerDelay >= Time(0))
        {
            Simulator::Schedule(answerDelay, [&ua, call]() { ua.Answer(call, Sdp()); });
        }
    }

    void OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code) override
    {
        (void) ua, (void) call;
        Log("progress", code);
    }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        Log("answered");
        if (holdTime >= Time(0) && call == lastCall && m_caller)
        {
            Simulator::Schedule(holdTime, [&ua, call]() { ua.Hangup(call); });
        }
    }

    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override
    {
        (void) ua, (void) call, (void) reason;
        Log("failed", status);
    }

    void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote) override
    {
        (void) ua, (void) call;
        Log(byRemote ? "ended-by-remote" : "ended");
    }

    void OnRegistered(UserAgent& ua, uint32_t expires) override
    {
        (void) ua;
        Log("registered", static_cast<uint16_t>(expires));
    }

    void OnRegistrationFailed(UserAgent& ua, uint16_t status) override
    {
        (void) ua;
        Log("registration-failed", status);
    }

    /// Places a call at simulated time at.
    void CallAt(UserAgent* ua, Time at, std::string target)
    {
        m_caller = true;
        Simulator::Schedule(at, [this, ua, target]() {
            lastCall = ua->MakeCall(target, Sdp());
            ASSERT_TRUE(lastCall.IsValid());
        });
    }

    /// The events' names, in order.
    std::vector<std::string> Names() const
    {
        std::vector<std::string> out;
        for (const Event& e : events)
        {
            out.push_back(e.what + (e.code ? " " + std::to_string(e.code) : ""));
        }
        return out;
    }

    const Event* Find(std::string_view what) const
    {
        for (const Event& e : events)
        {
            if (e.what == what)
            {
                return &e;
            }
        }
        return nullptr;
    }

    static std::string Sdp()
    {
        return "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
               "m=audio 49170 RTP/AVP 0\r\n";
    }

  private:
    void Log(std::string what, uint16_t code = 0)
    {
        events.push_back({Simulator::Now(), std::move(what), code});
    }

    bool m_caller = false;
};

/// One SIP node of the topology: its stack and, for phones, a UA host with one user agent.
struct Phone
{
    ns3::Ptr<SipStack> stack;
    std::unique_ptr<UaHost> host;
    UserAgent* ua = nullptr;
    ScriptedUser user;
};

/// alice (10.1.1.1) - proxy (10.1.1.2 / 10.1.2.1) - bob (10.1.2.2), 100 Mb/s, 5 ms links.
class UaCallTest : public TransportTest
{
  protected:
    void Build()
    {
        line = std::make_unique<Line>(3, "100Mbps", "5ms");
        SipStackHelper helper;
        alice.stack = helper.Install(line->nodes.Get(0));
        proxyStack = helper.Install(line->nodes.Get(1));
        bob.stack = helper.Install(line->nodes.Get(2));
        for (const auto& s : {alice.stack, proxyStack, bob.stack})
        {
            trace.Connect(s);
        }
        proxyPeer = PeerOf(proxyStack->GetLocalAddress());
        proxy
            = std::make_unique<ProxyStub>(proxyStack->GetTransactionLayer(),
                                          proxyStack->GetTimerService(), proxyPeer, "example.com");
        AddUa(alice, "sip:alice@example.com");
        AddUa(bob, "sip:bob@example.com");
        proxy->AddLocation("bob", PeerOf(line->Last()));
    }

    void AddUa(Phone& phone, const std::string& aor, const std::string& password = {})
    {
        phone.host = std::make_unique<UaHost>(phone.stack->GetTransactionLayer(),
                                              phone.stack->GetTimerService(), *phone.stack);
        UaConfig config;
        config.aor = aor;
        config.password = password;
        config.outboundProxy = proxyPeer;
        phone.ua = phone.host->AddUserAgent(config, &phone.user);
        ASSERT_NE(phone.ua, nullptr);
    }

    /// "Tx INVITE", "Rx 180 INVITE", ... of one node, with "(re)" for retransmissions.
    std::vector<std::string> Ladder(const Phone& phone) const
    {
        std::vector<std::string> out;
        for (const TracedMessage& m : trace.messages)
        {
            if (m.node != phone.stack->GetNodeId())
            {
                continue;
            }
            std::string entry = m.direction == Direction::Tx ? "Tx " : "Rx ";
            if (m.message.IsRequest())
            {
                entry += std::string(m.message.GetMethodName());
            }
            else
            {
                entry += std::to_string(m.message.GetStatusCode()) + " "
                         + std::string(m.message.GetCSeq()->method);
            }
            if (m.retransmission)
            {
                entry += " (re)";
            }
            out.push_back(entry);
        }
        return out;
    }

    /// The times of the messages of a node that satisfy pred.
    std::vector<Time> Times(const Phone& phone, Direction direction,
                            const std::function<bool(const TracedMessage&)>& pred) const
    {
        std::vector<Time> out;
        for (const TracedMessage& m : trace.Select(phone.stack->GetNodeId(), direction, pred))
        {
            out.push_back(m.at);
        }
        return out;
    }

    static bool IsInviteResponse(const TracedMessage& m, uint16_t code)
    {
        return m.IsResponse(code) && m.message.GetCSeq()->method == "INVITE";
    }

    std::unique_ptr<Line> line;
    Phone alice;
    Phone bob;
    ns3::Ptr<SipStack> proxyStack;
    Peer proxyPeer;
    std::unique_ptr<ProxyStub> proxy;
    TraceLog trace;
};

TEST_F(UaCallTest, BasicCallThroughAProxy)
{
    Build();
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(alice.user.Names(), (std::vector<std::string>{"progress 180", "answered", "ended"}));
    EXPECT_EQ(bob.user.Names(),
              (std::vector<std::string>{"offered", "answered", "ended-by-remote"}));
    EXPECT_EQ(Ladder(alice),
              (std::vector<std::string>{"Tx INVITE", "Rx 180 INVITE", "Rx 200 INVITE", "Tx ACK",
                                        "Tx BYE", "Rx 200 BYE"}));
    EXPECT_EQ(Ladder(bob), (std::vector<std::string>{"Rx INVITE", "Tx 180 INVITE", "Tx 200 INVITE",
                                                     "Rx ACK", "Rx BYE", "Tx 200 BYE"}));
    // The INVITE leaves at exactly 1 s; bob answers exactly 1 s after the INVITE arrived; alice
    // hangs up exactly 2 s after the 200 arrived. The BYE follows the Record-Route through
    // the proxy (a loose route), so the proxy sees every request of the dialog.
    const std::vector<Time> invite
        = Times(alice, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("INVITE"); });
    ASSERT_EQ(invite.size(), 1u);
    EXPECT_EQ(invite[0], Seconds(1));
    const Time offered = Times(bob, Direction::Rx, [](const TracedMessage& m) {
                             return m.IsRequest("INVITE");
                         }).at(0);
    EXPECT_EQ(bob.user.Find("offered")->at, offered);
    EXPECT_EQ(
        Times(bob, Direction::Tx, [](const TracedMessage& m) { return IsInviteResponse(m, 200); })
            .at(0),
        offered + Seconds(1));
    const Time answered = alice.user.Find("answered")->at;
    EXPECT_EQ(
        Times(alice, Direction::Rx, [](const TracedMessage& m) { return IsInviteResponse(m, 200); })
            .at(0),
        answered);
    EXPECT_EQ(Times(alice, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("BYE"); })
                  .at(0),
              answered + Seconds(2));
    const auto proxied = trace.Select(proxyStack->GetNodeId(), Direction::Rx,
                                      [](const TracedMessage& m) { return m.message.IsRequest(); });
    std::vector<std::string> methods;
    for (const TracedMessage& m : proxied)
    {
        methods.emplace_back(m.message.GetMethodName());
    }
    EXPECT_EQ(methods, (std::vector<std::string>{"INVITE", "ACK", "BYE"}));
    // Bob's copy of the BYE came through the proxy with alice's Via below the proxy's.
    const auto bye = trace.Select(bob.stack->GetNodeId(), Direction::Rx,
                                  [](const TracedMessage& m) { return m.IsRequest("BYE"); });
    ASSERT_EQ(bye.size(), 1u);
    EXPECT_EQ(bye[0].message.GetVias().size(), 2u);
    EXPECT_EQ(bye[0].remote.address, line->interfaces[1].GetAddress(0).Get());
    EXPECT_EQ(alice.ua->GetCallCount(), 0u);
    EXPECT_EQ(bob.ua->GetCallCount(), 0u);
    EXPECT_EQ(alice.stack->GetTransactionLayer().GetCounters().retransmissionsSent, 0u);
}

TEST_F(UaCallTest, LostInviteIsRetransmittedAfterT1AndTheCallCompletes)
{
    Build();
    uint32_t invites = 0;
    ns3::Ptr<SipDropModel> drop = DropOnReceive(line->Device(0, 1), [&invites](std::string_view f) {
        return SipPayloadStartsWith(f, "INVITE ") && ++invites == 1;
    });
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(drop->dropped, 1u);
    EXPECT_EQ(
        Times(alice, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("INVITE"); }),
        (std::vector<Time>{Seconds(1), Seconds(1.5)}));
    EXPECT_EQ(Ladder(alice).at(1), "Tx INVITE (re)");
    EXPECT_EQ(alice.user.Names(), (std::vector<std::string>{"progress 180", "answered", "ended"}));
    EXPECT_EQ(bob.user.Names(),
              (std::vector<std::string>{"offered", "answered", "ended-by-remote"}));
}

TEST_F(UaCallTest, LostOkIsRetransmittedByTheCalleeCoreUntilTheAck)
{
    Build();
    uint32_t oks = 0;
    // The proxy's device toward bob loses bob's first 200 (OK) to the INVITE.
    ns3::Ptr<SipDropModel> drop = DropOnReceive(line->Device(1, 0), [&oks](std::string_view f) {
        return SipPayloadStartsWith(f, "SIP/2.0 200")
               && f.find("INVITE\r\n") != std::string_view::npos && ++oks == 1;
    });
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(drop->dropped, 1u);
    const std::vector<Time> ok = Times(
        bob, Direction::Tx, [](const TracedMessage& m) { return IsInviteResponse(m, 200); });
    ASSERT_EQ(ok.size(), 2u);
    EXPECT_EQ(ok[1] - ok[0], MilliSeconds(500)); // RFC 3261 13.3.1.4: first copy after T1
    EXPECT_EQ(alice.user.Names(), (std::vector<std::string>{"progress 180", "answered", "ended"}));
    EXPECT_EQ(bob.user.Names(),
              (std::vector<std::string>{"offered", "answered", "ended-by-remote"}));
    // Bob's call is established when the ACK arrives, after the retransmitted 200.
    EXPECT_GT(bob.user.Find("answered")->at, ok[1]);
}

TEST_F(UaCallTest, CancelBeforeAnswerEndsBothSidesWith487)
{
    Build();
    bob.user.answerDelay = Seconds(-1); // rings, never answers
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Schedule(Seconds(3),
                        [this]() { EXPECT_TRUE(alice.ua->Cancel(alice.user.lastCall)); });
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(alice.user.Names(), (std::vector<std::string>{"progress 180", "failed 487"}));
    EXPECT_EQ(bob.user.Names(), (std::vector<std::string>{"offered", "failed 487"}));
    EXPECT_EQ(Ladder(alice),
              (std::vector<std::string>{"Tx INVITE", "Rx 180 INVITE", "Tx CANCEL", "Rx 200 CANCEL",
                                        "Rx 487 INVITE", "Tx ACK"}));
    EXPECT_EQ(
        Times(alice, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("CANCEL"); }),
        (std::vector<Time>{Seconds(3)}));
    EXPECT_EQ(alice.ua->GetCallCount(), 0u);
    EXPECT_EQ(bob.ua->GetCallCount(), 0u);
}

TEST_F(UaCallTest, RegisterIsChallengedOnceAndThenBindsTheContact)
{
    line = std::make_unique<Line>(3, "100Mbps", "5ms");
    SipStackHelper helper;
    alice.stack = helper.Install(line->nodes.Get(0));
    proxyStack = helper.Install(line->nodes.Get(1));
    bob.stack = helper.Install(line->nodes.Get(2));
    for (const auto& s : {alice.stack, proxyStack, bob.stack})
    {
        trace.Connect(s);
    }
    proxyPeer = PeerOf(proxyStack->GetLocalAddress());
    proxy = std::make_unique<ProxyStub>(proxyStack->GetTransactionLayer(),
                                        proxyStack->GetTimerService(), proxyPeer, "example.com");
    proxy->RequireRegisterAuth({{"alice", "wonderland"}, {"bob", "builder"}});
    AddUa(alice, "sip:alice@example.com", "wonderland");
    AddUa(bob, "sip:bob@example.com", "builder");
    Simulator::Schedule(Seconds(1), [this]() { EXPECT_TRUE(bob.ua->Register()); });
    bob.user.answerDelay = Seconds(0.25);
    alice.user.CallAt(alice.ua, Seconds(2), "sip:bob@example.com");
    Simulator::Stop(Seconds(8));
    Simulator::Run();

    EXPECT_EQ(Ladder(bob).size() >= 4, true);
    const std::vector<std::string> ladder = Ladder(bob);
    EXPECT_EQ(std::vector<std::string>(ladder.begin(), ladder.begin() + 4),
              (std::vector<std::string>{"Tx REGISTER", "Rx 401 REGISTER", "Tx REGISTER",
                                        "Rx 200 REGISTER"}));
    const auto registers
        = trace.Select(bob.stack->GetNodeId(), Direction::Tx,
                       [](const TracedMessage& m) { return m.IsRequest("REGISTER"); });
    ASSERT_EQ(registers.size(), 2u);
    // 22.2: the retry is a new request (CSeq + 1, new branch) of the same registration (same
    // Call-ID), carrying credentials; the first carries none.
    EXPECT_EQ(registers[1].message.GetCSeq()->number, registers[0].message.GetCSeq()->number + 1);
    EXPECT_NE(registers[1].message.GetTopVia()->branch, registers[0].message.GetTopVia()->branch);
    EXPECT_EQ(registers[1].message.GetCallId(), registers[0].message.GetCallId());
    EXPECT_FALSE(registers[0].message.HasHeader(HeaderId::Authorization));
    EXPECT_TRUE(registers[1].message.HasHeader(HeaderId::Authorization));
    EXPECT_EQ(proxy->GetChallengesSent(), 1u);
    EXPECT_EQ(proxy->GetRegistrations(), 1u);
    EXPECT_TRUE(bob.ua->IsRegistered());
    EXPECT_EQ(bob.user.Names().front(), "registered 3600");
    // The binding routes alice's call to bob.
    ASSERT_TRUE(proxy->FindLocation("bob").has_value());
    EXPECT_EQ(proxy->FindLocation("bob")->address, line->Last().Get());
    EXPECT_EQ(alice.user.Names(), (std::vector<std::string>{"progress 180", "answered", "ended"}));
}

TEST_F(UaCallTest, InviteWithEveryDatagramLostFailsWith408AtExactly64T1)
{
    Build();
    DropOnReceive(line->Device(0, 1), [](std::string_view) { return true; });
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(60));
    Simulator::Run();

    std::vector<Time> expected;
    for (double t : {0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5})
    {
        expected.push_back(Seconds(1 + t));
    }
    EXPECT_EQ(
        Times(alice, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("INVITE"); }),
        expected);
    ASSERT_EQ(alice.user.Names(), (std::vector<std::string>{"failed 408"}));
    EXPECT_EQ(alice.user.events[0].at, Seconds(33)); // Timer B = 64*T1 after the first send
    EXPECT_EQ(alice.ua->GetCallCount(), 0u);
    EXPECT_TRUE(bob.user.events.empty());
}

TEST_F(UaCallTest, T1AttributeScalesTheRetransmissionSchedule)
{
    ns3::Config::SetDefault("sipsim::SipStack::T1", ns3::TimeValue(MilliSeconds(200)));
    Build();
    DropOnReceive(line->Device(0, 1), [](std::string_view) { return true; });
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(60));
    Simulator::Run();

    const std::vector<Time> sent
        = Times(alice, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("INVITE"); });
    ASSERT_EQ(sent.size(), 7u);
    EXPECT_EQ(sent[1], Seconds(1.2));
    EXPECT_EQ(sent[6], Seconds(1) + MilliSeconds(200 * 63));
    ASSERT_EQ(alice.user.Names(), (std::vector<std::string>{"failed 408"}));
    EXPECT_EQ(alice.user.events[0].at, Seconds(1) + MilliSeconds(200 * 64));
}

TEST_F(UaCallTest, ResponsesAndInDialogRequestsFollowTheViasAndRouteSetThroughTwoProxies)
{
    // alice - proxy 1 - proxy 2 - bob: proxy 1 knows only that proxy 2 serves example.com.
    line = std::make_unique<Line>(4, "100Mbps", "5ms");
    SipStackHelper helper;
    alice.stack = helper.Install(line->nodes.Get(0));
    proxyStack = helper.Install(line->nodes.Get(1));
    ns3::Ptr<SipStack> proxy2Stack = helper.Install(line->nodes.Get(2));
    bob.stack = helper.Install(line->nodes.Get(3));
    for (const auto& s : {alice.stack, proxyStack, proxy2Stack, bob.stack})
    {
        trace.Connect(s);
    }
    proxyPeer = PeerOf(proxyStack->GetLocalAddress());
    const Peer proxy2Peer = PeerOf(proxy2Stack->GetLocalAddress());
    proxy = std::make_unique<ProxyStub>(proxyStack->GetTransactionLayer(),
                                        proxyStack->GetTimerService(), proxyPeer, "example.com");
    proxy->SetNextHop(proxy2Peer);
    ProxyStub proxy2(proxy2Stack->GetTransactionLayer(), proxy2Stack->GetTimerService(), proxy2Peer,
                     "example.com");
    proxy2.AddLocation("bob", PeerOf(line->Last()));
    AddUa(alice, "sip:alice@example.com");
    AddUa(bob, "sip:bob@example.com");
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(alice.user.Names(), (std::vector<std::string>{"progress 180", "answered", "ended"}));
    EXPECT_EQ(bob.user.Names(),
              (std::vector<std::string>{"offered", "answered", "ended-by-remote"}));
    // Bob's INVITE carries three Vias (proxy 2, proxy 1, alice), stamped with received by the
    // next hop when the sent-by differs from the source address (18.2.1).
    const auto invite = trace.Select(bob.stack->GetNodeId(), Direction::Rx,
                                     [](const TracedMessage& m) { return m.IsRequest("INVITE"); });
    ASSERT_EQ(invite.size(), 1u);
    const std::vector<Via> vias = invite[0].message.GetVias();
    ASSERT_EQ(vias.size(), 3u);
    // The trace shows the message as it was on the wire: the top Via is not stamped yet. The
    // one below was stamped by proxy 2: proxy 1 sent from its interface toward proxy 2, not
    // from its sent-by address.
    EXPECT_EQ(vias[0].host, FormatIpv4(proxy2Peer.address));
    EXPECT_EQ(vias[0].Received(), std::nullopt);
    EXPECT_EQ(vias[1].host, FormatIpv4(proxyPeer.address));
    EXPECT_EQ(vias[1].Received(), std::optional<std::string_view>("10.1.2.1"));
    EXPECT_EQ(vias[2].host, "10.1.1.1");
    EXPECT_EQ(invite[0].message.GetRecordRoutes().size(), 2u);
    // Alice's dialog has the route set proxy 1, proxy 2 (Record-Route reversed, 12.1.2), so
    // her BYE names both, and both proxies forward it.
    const auto bye = trace.Select(alice.stack->GetNodeId(), Direction::Tx,
                                  [](const TracedMessage& m) { return m.IsRequest("BYE"); });
    ASSERT_EQ(bye.size(), 1u);
    const std::vector<NameAddr> routes = bye[0].message.GetRoutes();
    ASSERT_EQ(routes.size(), 2u);
    EXPECT_EQ(routes[0].uri.host, FormatIpv4(proxyPeer.address));
    EXPECT_EQ(routes[1].uri.host, FormatIpv4(proxy2Peer.address));
    for (const auto& stack : {proxyStack, proxy2Stack})
    {
        std::vector<std::string> methods;
        for (const TracedMessage& m :
             trace.Select(stack->GetNodeId(), Direction::Rx,
                          [](const TracedMessage& t) { return t.message.IsRequest(); }))
        {
            methods.emplace_back(m.message.GetMethodName());
        }
        EXPECT_EQ(methods, (std::vector<std::string>{"INVITE", "ACK", "BYE"}));
    }
    // The 200 to the BYE came back to alice through both proxies, with only her Via left.
    const auto byeOk
        = trace.Select(alice.stack->GetNodeId(), Direction::Rx, [](const TracedMessage& m) {
              return m.IsResponse(200) && m.message.GetCSeq()->method == "BYE";
          });
    ASSERT_EQ(byeOk.size(), 1u);
    EXPECT_EQ(byeOk[0].message.GetVias().size(), 1u);
    EXPECT_EQ(byeOk[0].remote.address, proxyPeer.address);
}

TEST_F(UaCallTest, PcapOfABasicCallDecodesAsSipInTshark)
{
    if (!std::filesystem::exists("/usr/bin/tshark"))
    {
        GTEST_SKIP() << "tshark is not installed (tools/setup.sh installs it)";
    }
    Build();
    const std::filesystem::path dir
        = std::filesystem::temp_directory_path() / ("sipsim-ua-pcap-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    line->p2p.EnablePcap((dir / "call").string(), line->Device(0, 0), false, true);
    alice.user.CallAt(alice.ua, Seconds(1), "sip:bob@example.com");
    Simulator::Stop(Seconds(10));
    Simulator::Run();
    Simulator::Destroy();
    line.reset(); // the last references to the devices: closes the pcap file

    std::string pcap;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
    {
        pcap = entry.path().string();
    }
    ASSERT_FALSE(pcap.empty());
    const std::string fields = RunCommand(
        "/usr/bin/tshark -r '" + pcap
        + "' -Y sip -T fields -e sip.Method -e sip.Status-Code -e sip.CSeq.method 2>/dev/null");
    EXPECT_EQ(fields, "INVITE\t\tINVITE\n"
                      "\t180\tINVITE\n"
                      "\t200\tINVITE\n"
                      "ACK\t\tACK\n"
                      "BYE\t\tBYE\n"
                      "\t200\tBYE\n");
    const std::string malformed
        = RunCommand("/usr/bin/tshark -r '" + pcap + "' -Y _ws.malformed 2>/dev/null");
    EXPECT_EQ(malformed, "");
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace sipsim::test
