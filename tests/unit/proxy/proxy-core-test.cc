/*
 * Unit tests of the proxy core (RFC 3261 16, 8.3, 10.3 through Registrar, 22.3 through
 * ProxyAuthenticator) on the in-memory network and the fake clock: user agents of sipsim::ua
 * and scripted raw endpoints talk through one or two ProxyCores.
 */
#include "proxy/proxy-core.h"
#include "proxy/proxy-messages.h"
#include "support/fake-clock.h"
#include "support/sim-network.h"
#include "ua/user-agent.h"
#include "unit/ua/ua-test-util.h"

#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace sipsim::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kProxy = "10.0.0.10";

Peer
PeerAt(std::string_view address, uint16_t port = 5060)
{
    return Peer{TransportProtocol::Udp, *ParseIpv4(address), port};
}

/**
 * A scripted endpoint on a TransactionLayer: records what it receives; answers requests with
 * `onRequest` (default: nothing), CANCEL always with 200 and then 487 to the pending INVITE.
 */
class RawEndpoint : public TransactionUser
{
  public:
    RawEndpoint(TransactionLayer& layerIn, FakeClock& clockIn)
        : layer(layerIn)
        , clock(clockIn)
    {
        layer.SetUser(this);
    }

    ~RawEndpoint() override { layer.SetUser(nullptr); }

    struct Received
    {
        Duration time{0};
        Message message;
    };

    TransactionLayer& layer;
    FakeClock& clock;
    std::vector<Received> requests;
    std::vector<Received> responses;
    std::vector<Received> acks;
    std::function<void(TransactionId, const Message&)> onRequest;
    TransactionId lastInvite = 0;
    int tags = 0;

    void Answer(TransactionId id, const Message& request, uint16_t code,
                std::vector<std::pair<std::string, std::string>> headers = {})
    {
        Message response = MakeResponseTo(request, code, {}, "raw" + std::to_string(++tags));
        for (const auto& [name, value] : headers)
        {
            response.AddHeader(name, value);
        }
        layer.SendResponse(id, std::move(response));
    }

    void OnRequest(TransactionId id, const Message& request, const Peer&) override
    {
        requests.push_back({clock.Now(), request});
        if (request.GetMethod() == Method::Cancel)
        {
            Answer(id, request, 200);
            if (const Message* invite = layer.GetRequest(lastInvite))
            {
                const Message copy = *invite;
                Answer(lastInvite, copy, 487);
            }
            return;
        }
        if (request.GetMethod() == Method::Invite)
        {
            lastInvite = id;
        }
        if (onRequest)
        {
            onRequest(id, request);
        }
    }

    void OnAck(const Message& ack, const Peer&) override { acks.push_back({clock.Now(), ack}); }

    void OnResponse(TransactionId, const Message& response) override
    {
        responses.push_back({clock.Now(), response});
    }

    void OnStrayResponse(const Message& response, const Peer&) override
    {
        responses.push_back({clock.Now(), response});
    }

    void OnFailure(TransactionId, TransactionKind, TransactionFailure) override {}

    /// Status codes of the responses received, in order.
    std::vector<int> Codes() const
    {
        std::vector<int> out;
        for (const Received& r : responses)
        {
            out.push_back(r.message.GetStatusCode());
        }
        return out;
    }

    /// The last final response received; nullptr when none.
    const Received* Final() const
    {
        for (auto it = responses.rbegin(); it != responses.rend(); ++it)
        {
            if (it->message.GetStatusCode() >= 200)
            {
                return &*it;
            }
        }
        return nullptr;
    }
};

/// A request as a UAC core would write it (the layer adds the Via).
Message
RawRequest(std::string_view method, std::string_view uri, int serial = 1)
{
    Message m = Message::MakeRequest(method, uri);
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::From, "<sip:carol@example.com>;tag=c" + std::to_string(serial));
    m.AddHeader(HeaderId::To, "<" + std::string(uri) + ">");
    m.AddHeader(HeaderId::CallId, "raw-call-" + std::to_string(serial));
    m.AddHeader(HeaderId::CSeq, "1 " + std::string(method));
    m.AddHeader(HeaderId::Contact, "<sip:carol@10.0.0.9>");
    m.SetBody("", "");
    return m;
}

/**
 * Proxy 10.0.0.10 for example.com; Alice 10.0.0.1 (UA), Bob 10.0.0.2 and 10.0.0.3 (two UAs
 * of the same AOR), raw endpoints at 10.0.0.9 (client) and 10.0.0.4 (server).
 */
class ProxyCoreTest : public ::testing::Test
{
  protected:
    static UaConfig Config(const std::string& aor)
    {
        UaConfig config;
        config.aor = aor;
        config.password = "secret";
        config.outboundProxy = PeerAt(kProxy);
        return config;
    }

    ProxyConfig DefaultConfig() const
    {
        ProxyConfig config;
        config.self = PeerAt(kProxy);
        config.domains = {"example.com"};
        return config;
    }

    void StartProxy(ProxyConfig config)
    {
        proxy = std::make_unique<ProxyCore>(layerP, clock, std::move(config));
    }

    /// Binds bob@example.com to a contact with a q-value (times 1000) for an hour.
    void Bind(const std::string& contact, uint16_t q = 1000)
    {
        Binding binding;
        binding.contact = contact;
        binding.q = q;
        binding.expiresAt = clock.Now() + 3600s;
        binding.callId = "bind-" + contact;
        binding.cseq = 1;
        proxy->GetLocations().Update("bob@example.com", binding);
    }

    /// Log entries of messages from one address to another whose first line starts so.
    std::vector<SimLogEntry> Sent(std::string_view from, std::string_view to,
                                  std::string_view start) const
    {
        const Ipv4 f = *ParseIpv4(from);
        const Ipv4 t = *ParseIpv4(to);
        return net.Select([&](const SimLogEntry& e) {
            return e.from.address == f && e.to.address == t && !e.retransmission
                   && e.firstLine.rfind(start, 0) == 0;
        });
    }

    FakeClock clock;
    SimNetwork net{clock, 10ms};
    TransactionLayer& layerP = net.AddNode(kProxy);
    TransactionLayer& layerA = net.AddNode("10.0.0.1");
    TransactionLayer& layerB = net.AddNode("10.0.0.2");
    TransactionLayer& layerB2 = net.AddNode("10.0.0.3");
    TransactionLayer& layerRawC = net.AddNode("10.0.0.9");
    TransactionLayer& layerRawS = net.AddNode("10.0.0.4");
    RecordingListener aliceEvents{clock};
    RecordingListener bobEvents{clock};
    RecordingListener bob2Events{clock};
    UaHost hostA{layerA, clock, net.GetTransport(layerA)};
    UaHost hostB{layerB, clock, net.GetTransport(layerB)};
    UaHost hostB2{layerB2, clock, net.GetTransport(layerB2)};
    UserAgent* alice = hostA.AddUserAgent(Config("sip:alice@example.com"), &aliceEvents);
    UserAgent* bob = hostB.AddUserAgent(Config("sip:bob@example.com"), &bobEvents);
    UserAgent* bob2 = hostB2.AddUserAgent(Config("sip:bob@example.com"), &bob2Events);
    RawEndpoint client{layerRawC, clock};
    RawEndpoint server{layerRawS, clock};
    std::unique_ptr<ProxyCore> proxy;
};

// --- a call through the proxy -------------------------------------------------------------------

TEST_F(ProxyCoreTest, CallWithRecordRouteKeepsProxyOnPath)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    bobEvents.ringAfter = 0s;
    bobEvents.answerAfter = 1s;
    const CallHandle call = alice->MakeCall("sip:bob@example.com");
    ASSERT_TRUE(call);
    clock.Advance(2s);
    EXPECT_EQ(aliceEvents.events,
              (std::vector<std::string>{"0.040 progress 180", "1.040 answered"}));

    // 100 Trying from the proxy at once (16.2): the INVITE arrives at 10 ms.
    const auto trying = Sent(kProxy, "10.0.0.1", "SIP/2.0 100");
    ASSERT_EQ(trying.size(), 1u);
    EXPECT_EQ(trying[0].time, 10ms);
    // The forwarded INVITE: Request-URI = contact, Max-Forwards 69, Record-Route, two Vias.
    ASSERT_EQ(bobEvents.offers.size(), 1u);
    const Message& invite = bobEvents.offers[0];
    EXPECT_EQ(invite.GetRequestUriText(), "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(invite.GetMaxForwards(), 69);
    EXPECT_EQ(invite.FindHeader(HeaderId::RecordRoute).value_or(""), "<sip:10.0.0.10:5060;lr>");
    const std::vector<Via> vias = invite.GetVias();
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(vias[0].host, "10.0.0.10");
    EXPECT_EQ(vias[0].branch.substr(7, 16),
              ProxyCore::LoopHash(Reparse(Sent("10.0.0.1", kProxy, "INVITE")[0]), PeerAt(kProxy)))
        << "the branch carries the loop-detection hash";
    // 100 Trying from Bob is absorbed (16.7 step 5): Alice sees only the proxy's.
    EXPECT_EQ(net.Select([](const SimLogEntry& e) {
                     return e.Status() == 100 && e.to.address == *ParseIpv4("10.0.0.1");
                 })
                  .size(),
              1u);

    // ACK and BYE follow the route set through the proxy (16.11, 16.4, 16.6 step 7).
    ASSERT_EQ(Sent("10.0.0.1", kProxy, "ACK").size(), 1u);
    ASSERT_EQ(Sent(kProxy, "10.0.0.2", "ACK").size(), 1u);
    EXPECT_TRUE(Reparse(Sent(kProxy, "10.0.0.2", "ACK")[0]).GetRoutes().empty());
    ASSERT_TRUE(alice->Hangup(call));
    clock.Advance(1s);
    EXPECT_EQ(Sent("10.0.0.1", kProxy, "BYE").size(), 1u);
    ASSERT_EQ(Sent(kProxy, "10.0.0.2", "BYE").size(), 1u);
    EXPECT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 200").size(), 2u); // 200 INVITE, 200 BYE
    EXPECT_EQ(bobEvents.events.back(), "2.020 ended remote");
    EXPECT_EQ(proxy->GetCounters().generated.at(100), 1u);
    EXPECT_EQ(proxy->GetCounters().statelessRequests, 1u);
    clock.Advance(60s);
    EXPECT_EQ(proxy->GetPendingCount(), 0u);
}

// --- 16.3 validation
// ------------------------------------------------------------------------------

/// Records the observer's events as text.
class TextObserver : public ProxyObserver
{
  public:
    std::vector<std::string> events;

    void OnGenerated(const Message& request, const Message& response) override
    {
        events.push_back("generated " + std::to_string(response.GetStatusCode()) + " "
                         + std::string(request.GetMethodName()));
    }

    void OnForwardedResponse(const Message& response) override
    {
        events.push_back("response " + std::to_string(response.GetStatusCode()));
    }

    void OnForwardedRequest(const Message& request, const Peer& to) override
    {
        events.push_back("request " + std::string(request.GetMethodName()) + " " + to.ToString());
    }
};

TEST_F(ProxyCoreTest, ObserverSeesGeneratedAndForwarded)
{
    StartProxy(DefaultConfig());
    TextObserver observer;
    proxy->SetObserver(&observer);
    Bind("sip:bob@10.0.0.2:5060");
    bobEvents.ringAfter = 0s;
    bobEvents.rejectAfter = 1s;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(2s);
    EXPECT_EQ(observer.events,
              (std::vector<std::string>{"generated 100 INVITE", "request INVITE UDP 10.0.0.2:5060",
                                        "response 180", "response 486"}));
}

TEST_F(ProxyCoreTest, ValidationAnswers)
{
    ProxyConfig config = DefaultConfig();
    config.maxRequestUriLength = 64;
    config.allowedMethods.erase("MESSAGE");
    config.supportedExtensions = {"foo"};
    StartProxy(config);
    Bind("sip:bob@10.0.0.2:5060");
    int serial = 0;
    const auto send = [&](Message request) {
        client.responses.clear();
        layerRawC.SendRequest(std::move(request), PeerAt(kProxy));
        clock.Advance(1s);
        return client.Final() ? client.Final()->message : Message();
    };

    Message zero = RawRequest("OPTIONS", "sip:bob@example.com", ++serial);
    zero.SetHeader(HeaderId::MaxForwards, "0");
    EXPECT_EQ(send(zero).GetStatusCode(), 483);

    Message require = RawRequest("OPTIONS", "sip:bob@example.com", ++serial);
    require.AddHeader(HeaderId::ProxyRequire, "foo, bar, baz");
    const Message r420 = send(require);
    EXPECT_EQ(r420.GetStatusCode(), 420);
    EXPECT_EQ(r420.FindHeader(HeaderId::Unsupported).value_or(""), "bar, baz");

    const std::string longUri = "sip:" + std::string(70, 'x') + "@example.com";
    EXPECT_EQ(send(RawRequest("OPTIONS", longUri, ++serial)).GetStatusCode(), 414);

    EXPECT_EQ(send(RawRequest("FOO", "sip:bob@example.com", ++serial)).GetStatusCode(), 501);

    const Message r405 = send(RawRequest("MESSAGE", "sip:bob@example.com", ++serial));
    EXPECT_EQ(r405.GetStatusCode(), 405);
    const std::string allow(r405.FindHeader(HeaderId::Allow).value_or(""));
    EXPECT_NE(allow.find("INVITE"), std::string::npos);
    EXPECT_EQ(allow.find("MESSAGE"), std::string::npos);

    const Message r404 = send(RawRequest("OPTIONS", "sip:nobody@example.com", ++serial));
    EXPECT_EQ(r404.GetStatusCode(), 404);
    EXPECT_FALSE(r404.GetTo()->Tag().empty());

    // OPTIONS to the proxy itself (no user part): 200 with Allow (11.2).
    const Message r200 = send(RawRequest("OPTIONS", "sip:example.com", ++serial));
    EXPECT_EQ(r200.GetStatusCode(), 200);
    EXPECT_TRUE(r200.HasHeader(HeaderId::Allow));

    // Nothing was forwarded to Bob.
    EXPECT_TRUE(Sent(kProxy, "10.0.0.2", "OPTIONS").empty());
    const auto& generated = proxy->GetCounters().generated;
    for (const uint16_t code :
         {uint16_t{483}, uint16_t{420}, uint16_t{414}, uint16_t{501}, uint16_t{405}, uint16_t{404}})
    {
        EXPECT_EQ(generated.count(code) ? generated.at(code) : 0u, 1u) << code;
    }
}

TEST_F(ProxyCoreTest, LoopDetectedByBranchSpiralAllowed)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    // The request already went through the proxy: its Via with the hash of this request.
    Message looped = RawRequest("OPTIONS", "sip:bob@example.com", 1);
    const std::string hash = ProxyCore::LoopHash(looped, PeerAt(kProxy));
    looped.AddHeader(HeaderId::Via, "SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK" + hash + ".7");
    layerRawC.SendRequest(looped, PeerAt(kProxy));
    clock.Advance(1s);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 482);

    // A spiral: our Via, but the hash of a request with another Request-URI: forwarded.
    Message spiral = RawRequest("OPTIONS", "sip:bob@example.com", 2);
    Message before = RawRequest("OPTIONS", "sip:alice@example.com", 2);
    spiral.AddHeader(HeaderId::Via, "SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK"
                                        + ProxyCore::LoopHash(before, PeerAt(kProxy)) + ".8");
    client.responses.clear();
    layerRawC.SendRequest(spiral, PeerAt(kProxy));
    clock.Advance(1s);
    ASSERT_EQ(Sent(kProxy, "10.0.0.2", "OPTIONS").size(), 1u);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 200); // Bob's UA answers OPTIONS
}

// --- registrar and redirect
// -----------------------------------------------------------------------

TEST_F(ProxyCoreTest, RegisterThenInviteReachesContact)
{
    StartProxy(DefaultConfig());
    ASSERT_NE(proxy->GetRegistrar(), nullptr);
    ASSERT_TRUE(bob->Register());
    clock.Advance(1s);
    ASSERT_FALSE(bobEvents.events.empty());
    EXPECT_EQ(bobEvents.events[0].substr(6), "registered 3600");
    const auto bindings = proxy->GetLocations().Lookup("bob@example.com", clock.Now());
    ASSERT_EQ(bindings.size(), 1u);
    EXPECT_EQ(bindings[0].contact, bob->GetContactUri());

    bobEvents.answerAfter = 0s;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(1s);
    ASSERT_EQ(bobEvents.offers.size(), 1u);
    EXPECT_EQ(bobEvents.offers[0].GetRequestUriText(), bob->GetContactUri());
    EXPECT_EQ(aliceEvents.events.back(), "1.040 answered");
}

TEST_F(ProxyCoreTest, RedirectModeAnswers302And300)
{
    ProxyConfig config = DefaultConfig();
    config.mode = ProxyMode::Redirect;
    StartProxy(config);
    Bind("sip:bob@10.0.0.2:5060");
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.Advance(1s);
    ASSERT_NE(client.Final(), nullptr);
    const Message& r302 = client.Final()->message;
    EXPECT_EQ(r302.GetStatusCode(), 302);
    ASSERT_EQ(r302.GetContacts().size(), 1u);
    EXPECT_EQ(r302.GetContacts()[0].uri.text, "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(Sent(kProxy, "10.0.0.9", "SIP/2.0 100").size(), 0u);

    Bind("sip:bob@10.0.0.3:5060", 900);
    client.responses.clear();
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 2), PeerAt(kProxy));
    clock.Advance(1s);
    ASSERT_NE(client.Final(), nullptr);
    const Message& r300 = client.Final()->message;
    EXPECT_EQ(r300.GetStatusCode(), 300);
    const std::vector<NameAddr> contacts = r300.GetContacts();
    ASSERT_EQ(contacts.size(), 2u);
    EXPECT_EQ(contacts[0].uri.text, "sip:bob@10.0.0.2:5060"); // q=1 first
    EXPECT_EQ(contacts[1].uri.text, "sip:bob@10.0.0.3:5060");
    EXPECT_EQ(contacts[1].q.value_or(""), "0.9");
    EXPECT_TRUE(Sent(kProxy, "10.0.0.2", "INVITE").empty());
}

// --- forking ----------------------------------------------------------------------------------

TEST_F(ProxyCoreTest, ParallelForkFirst200WinsOtherCancelled)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    Bind("sip:bob@10.0.0.3:5060");
    bobEvents.ringAfter = 0s;
    bobEvents.answerAfter = 2s;
    bob2Events.ringAfter = 0s;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(5s);
    EXPECT_EQ(proxy->GetCounters().forks, 1u);
    ASSERT_EQ(Sent(kProxy, "10.0.0.2", "INVITE").size(), 1u);
    ASSERT_EQ(Sent(kProxy, "10.0.0.3", "INVITE").size(), 1u);
    EXPECT_EQ(Sent(kProxy, "10.0.0.2", "INVITE")[0].time, 10ms); // both at once
    EXPECT_EQ(Sent(kProxy, "10.0.0.3", "INVITE")[0].time, 10ms);
    // Bob answers at 2.020; the 200 reaches the proxy at 2.030: CANCEL to the other branch.
    const auto cancels = Sent(kProxy, "10.0.0.3", "CANCEL");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].time, 2030ms);
    EXPECT_TRUE(Sent(kProxy, "10.0.0.2", "CANCEL").empty());
    EXPECT_EQ(Sent("10.0.0.3", kProxy, "SIP/2.0 487").size(), 1u);
    // Alice: one 200 and no 487 (the final was sent already).
    EXPECT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 200").size(), 1u);
    EXPECT_TRUE(Sent(kProxy, "10.0.0.1", "SIP/2.0 487").empty());
    EXPECT_EQ(aliceEvents.events.back(), "2.040 answered");
    EXPECT_EQ(proxy->GetCounters().cancelsSent, 1u);
}

TEST_F(ProxyCoreTest, EveryBranch2xxIsForwarded)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    Bind("sip:bob@10.0.0.3:5060");
    bobEvents.answerAfter = 1s;
    bob2Events.answerAfter = 1s;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(3s);
    // 16.7 step 5: both 2xx go upstream (the caller decides what to do with two dialogs); no
    // CANCEL: neither branch is pending when the other's 200 arrives.
    auto oks = Sent(kProxy, "10.0.0.1", "SIP/2.0 200");
    std::vector<SimLogEntry> byes;
    oks.erase(std::remove_if(oks.begin(), oks.end(),
                             [&](const SimLogEntry& e) {
                                 const Message m = Reparse(e);
                                 const bool invite = m.GetCSeq()->method == "INVITE";
                                 if (!invite)
                                 {
                                     byes.push_back(e);
                                 }
                                 return !invite;
                             }),
              oks.end());
    ASSERT_EQ(oks.size(), 2u);
    // The two answers are two dialogs (their To tags differ: RFC 3261 19.3); Alice keeps the
    // first and ends the second with a BYE (13.2.2.4), whose 200 comes back through the proxy.
    const auto toTag = [](const SimLogEntry& e) {
        const Message m = Reparse(e);
        return std::string(m.GetTo()->Tag());
    };
    EXPECT_NE(toTag(oks[0]), toTag(oks[1]));
    ASSERT_EQ(byes.size(), 1u);
    const Message bye = Reparse(byes[0]);
    EXPECT_EQ(bye.GetCSeq()->method, "BYE");
    EXPECT_EQ(oks[0].time, 1030ms);
    EXPECT_EQ(oks[1].time, 1030ms);
    EXPECT_NE(Reparse(oks[0]).FindHeader(HeaderId::Contact),
              Reparse(oks[1]).FindHeader(HeaderId::Contact));
    EXPECT_EQ(proxy->GetCounters().forwardedResponses,
              net.Select([](const SimLogEntry& e) {
                     return e.Status() > 100 && e.to.address == *ParseIpv4("10.0.0.1");
                 })
                  .size());
}

TEST_F(ProxyCoreTest, SixxxEndsForkingAndIsForwarded)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    Bind("sip:bob@10.0.0.3:5060");
    bobEvents.rejectAfter = 1s;
    bobEvents.rejectCode = 603;
    bob2Events.ringAfter = 0s;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(5s);
    const auto cancels = Sent(kProxy, "10.0.0.3", "CANCEL");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].time, 1030ms);
    // The 603 goes up once the cancelled branch's 487 is in (16.7 step 6: 6xx chosen).
    const auto finals = Sent(kProxy, "10.0.0.1", "SIP/2.0 603");
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].time, 1050ms);
    EXPECT_TRUE(Sent(kProxy, "10.0.0.1", "SIP/2.0 487").empty());
    EXPECT_EQ(aliceEvents.events.back().substr(0, 14), "1.060 failed 6");
}

TEST_F(ProxyCoreTest, BestResponseLowestClassThenLowestCode)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    Bind("sip:bob@10.0.0.3:5060");
    bobEvents.rejectAfter = 1s;
    bobEvents.rejectCode = 486;
    bob2Events.rejectAfter = 2s;
    bob2Events.rejectCode = 480;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(5s);
    // Nothing is sent up before both branches are done; then 480 < 486, same class.
    ASSERT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 4").size(), 1u);
    const SimLogEntry final = Sent(kProxy, "10.0.0.1", "SIP/2.0 4")[0];
    EXPECT_EQ(final.Status(), 480);
    EXPECT_EQ(final.time, 2030ms);
}

TEST_F(ProxyCoreTest, BestResponsePrefersChallengesAndAggregatesThem)
{
    StartProxy(DefaultConfig());
    Bind("sip:raw1@10.0.0.4:5060");
    Bind("sip:raw2@10.0.0.4:5060");
    // The raw server answers the first branch 404, the second 407 with a challenge... and the
    // other 401: all three classes-4 answers, challenges win, both merged (16.7 step 7).
    Bind("sip:raw3@10.0.0.4:5060");
    server.onRequest = [&](TransactionId id, const Message& request) {
        const std::string_view user = request.GetRequestUri().user;
        if (user == "raw1")
        {
            server.Answer(id, request, 404);
        }
        else if (user == "raw2")
        {
            server.Answer(id, request, 407,
                          {{"Proxy-Authenticate", "Digest realm=\"r2\", nonce=\"n2\""}});
        }
        else
        {
            server.Answer(id, request, 401,
                          {{"WWW-Authenticate", "Digest realm=\"r3\", nonce=\"n3\""}});
        }
    };
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.Advance(2s);
    ASSERT_NE(client.Final(), nullptr);
    const Message& best = client.Final()->message;
    EXPECT_EQ(best.GetStatusCode(), 401); // 401 and 407 rank alike; then the lowest code
    EXPECT_EQ(best.CountHeaderFields(HeaderId::ProxyAuthenticate), 1u);
    EXPECT_EQ(best.CountHeaderFields(HeaderId::WwwAuthenticate), 1u);
    EXPECT_EQ(best.GetVias().size(), 1u) << "the proxy's Via is removed";
}

TEST_F(ProxyCoreTest, SequentialForkingByQ)
{
    ProxyConfig config = DefaultConfig();
    config.forking = ForkMode::Sequential;
    StartProxy(config);
    Bind("sip:bob@10.0.0.2:5060", 900);
    Bind("sip:bob@10.0.0.3:5060", 500);
    bobEvents.rejectAfter = 1s;
    bobEvents.rejectCode = 486;
    bob2Events.answerAfter = 1s;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(5s);
    ASSERT_EQ(Sent(kProxy, "10.0.0.2", "INVITE").size(), 1u);
    EXPECT_EQ(Sent(kProxy, "10.0.0.2", "INVITE")[0].time, 10ms);
    // The q=0.5 branch only after the q=0.9 one failed (486 at the proxy at 1.030).
    ASSERT_EQ(Sent(kProxy, "10.0.0.3", "INVITE").size(), 1u);
    EXPECT_EQ(Sent(kProxy, "10.0.0.3", "INVITE")[0].time, 1030ms);
    EXPECT_TRUE(Sent(kProxy, "10.0.0.1", "SIP/2.0 486").empty());
    EXPECT_EQ(aliceEvents.events.back(), "2.060 answered");
}

// --- 503, Retry-After
// -----------------------------------------------------------------------------

TEST_F(ProxyCoreTest, Downstream503BecomesUpstream500UnlessForwarded)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    bobEvents.rejectAfter = 1s;
    bobEvents.rejectCode = 503;
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(3s);
    EXPECT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 500").size(), 1u);
    EXPECT_TRUE(Sent(kProxy, "10.0.0.1", "SIP/2.0 503").empty());
    EXPECT_EQ(proxy->GetCounters().generated.at(500), 1u);

    ProxyConfig config = DefaultConfig();
    config.forward503 = true;
    proxy.reset();
    StartProxy(config);
    Bind("sip:bob@10.0.0.2:5060");
    ASSERT_TRUE(alice->MakeCall("sip:bob@example.com"));
    clock.Advance(3s);
    EXPECT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 503").size(), 1u);
}

TEST_F(ProxyCoreTest, NextHop503RetryAfterBlocksHop)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.4:5060");
    int invites = 0;
    server.onRequest = [&](TransactionId id, const Message& request) {
        if (++invites == 1)
        {
            server.Answer(id, request, 503, {{"Retry-After", "10"}});
        }
        else
        {
            server.Answer(id, request, 486);
        }
    };
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.Advance(1s); // the 503 arrived at the proxy at 0.030
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 500);

    // At 1.010 the hop has 9.03 s left: our own 503 with Retry-After 10 (rounded up), not sent.
    client.responses.clear();
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 2), PeerAt(kProxy));
    clock.Advance(1s);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 503);
    EXPECT_EQ(client.Final()->message.FindHeader(HeaderId::RetryAfter).value_or(""), "10");
    EXPECT_EQ(invites, 1);
    EXPECT_EQ(proxy->GetCounters().nextHopBlocked, 1u);

    // At 10.030 the hop is available again: forwarded.
    clock.RunUntil(10030ms);
    client.responses.clear();
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 3), PeerAt(kProxy));
    clock.Advance(1s);
    EXPECT_EQ(invites, 2);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 486);
}

// --- Timer C, timeouts
// ----------------------------------------------------------------------------

TEST_F(ProxyCoreTest, TimerCWithProvisionalCancelsBranch)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.4:5060");
    server.onRequest
        = [&](TransactionId id, const Message& request) { server.Answer(id, request, 180); };
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.Advance(200s);
    // 180 at the proxy at 0.030: Timer C (181 s) fires at 181.030 -> CANCEL; 487 upstream.
    const auto cancels = Sent(kProxy, "10.0.0.4", "CANCEL");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].time, 181030ms);
    EXPECT_EQ(proxy->GetCounters().timerC, 1u);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 487);
    EXPECT_EQ(client.Final()->time, 181060ms);
}

TEST_F(ProxyCoreTest, TimerCRestartsWithEachProvisional)
{
    // 16.7 step 2: a 101-199 resets Timer C; a later 183 moves the CANCEL to 181 s after it.
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.4:5060");
    TransactionId invite = 0;
    std::optional<Message> request;
    server.onRequest = [&](TransactionId id, const Message& r) {
        invite = id;
        request = r;
        server.Answer(id, r, 180);
    };
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.RunUntil(50s);
    ASSERT_TRUE(request.has_value());
    server.Answer(invite, *request, 183); // at the proxy at 50.010
    clock.RunUntil(181030ms);             // when the 180 alone would have expired it
    EXPECT_TRUE(Sent(kProxy, "10.0.0.4", "CANCEL").empty());
    EXPECT_EQ(proxy->GetCounters().timerC, 0u);
    clock.Advance(100s);
    const auto cancels = Sent(kProxy, "10.0.0.4", "CANCEL");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].time, 231010ms);
    EXPECT_EQ(proxy->GetCounters().timerC, 1u);
}

TEST_F(ProxyCoreTest, TimerCWithoutProvisionalActsAs408)
{
    ProxyConfig config = DefaultConfig();
    config.timerC = 10s; // shorter than Timer B, to see 16.8's "as if 408"
    StartProxy(config);
    Bind("sip:bob@10.0.0.99:5060"); // nobody there: not even a 100 comes back
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.Advance(20s);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 408);
    EXPECT_EQ(client.Final()->time, 10020ms); // sent at 10.010, Timer C started at 0.010
    EXPECT_TRUE(Sent(kProxy, "10.0.0.99", "CANCEL").empty());
    EXPECT_EQ(proxy->GetCounters().timerC, 1u);
}

TEST_F(ProxyCoreTest, InviteTimeoutGives408At64T1)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.99:5060"); // nobody there
    layerRawC.SendRequest(RawRequest("INVITE", "sip:bob@example.com", 1), PeerAt(kProxy));
    clock.Advance(40s);
    // The server never answers: Timer B (64*T1 = 32 s) of the proxy's branch, started at 0.010.
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 408);
    EXPECT_EQ(client.Final()->time, 32020ms);
    EXPECT_EQ(client.Codes().front(), 100);
    clock.Advance(60s);
    EXPECT_EQ(proxy->GetPendingCount(), 0u);
}

// --- CANCEL -------------------------------------------------------------------------------------

TEST_F(ProxyCoreTest, CancelMatchedAndUnmatched)
{
    StartProxy(DefaultConfig());
    Bind("sip:bob@10.0.0.2:5060");
    bobEvents.ringAfter = 0s;
    const CallHandle call = alice->MakeCall("sip:bob@example.com");
    clock.Advance(1s);
    ASSERT_TRUE(alice->Cancel(call));
    clock.Advance(2s);
    ASSERT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 200").size(), 1u); // to the CANCEL
    EXPECT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 200")[0].CSeqMethod(), "CANCEL");
    const auto cancels = Sent(kProxy, "10.0.0.2", "CANCEL");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(cancels[0].time, 1010ms);
    const auto finals = Sent(kProxy, "10.0.0.1", "SIP/2.0 487");
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].time, 1030ms);
    EXPECT_EQ(aliceEvents.events.back().substr(0, 16), "1.040 failed 487");

    // A CANCEL that matches nothing: 481.
    Message cancel = RawRequest("CANCEL", "sip:bob@example.com", 9);
    layerRawC.SendRequest(cancel, PeerAt(kProxy));
    clock.Advance(1s);
    ASSERT_NE(client.Final(), nullptr);
    EXPECT_EQ(client.Final()->message.GetStatusCode(), 481);
    EXPECT_EQ(proxy->GetCounters().cancelsReceived, 2u);
}

// --- two proxies
// ----------------------------------------------------------------------------------

TEST(ProxyCoreSeries, CallBetweenDomainsThroughTwoProxies)
{
    FakeClock clock;
    SimNetwork net{clock, 10ms};
    TransactionLayer& layerPA = net.AddNode("10.0.0.10");
    TransactionLayer& layerPB = net.AddNode("10.0.0.20");
    TransactionLayer& layerA = net.AddNode("10.0.0.1");
    TransactionLayer& layerB = net.AddNode("10.0.0.2");
    ProxyConfig a;
    a.self = PeerAt("10.0.0.10");
    a.domains = {"a.example"};
    a.routes["b.example"] = PeerAt("10.0.0.20");
    ProxyConfig b;
    b.self = PeerAt("10.0.0.20");
    b.domains = {"b.example"};
    ProxyCore proxyA(layerPA, clock, a);
    ProxyCore proxyB(layerPB, clock, b);
    RecordingListener aliceEvents{clock};
    RecordingListener bobEvents{clock};
    UaHost hostA{layerA, clock, net.GetTransport(layerA)};
    UaHost hostB{layerB, clock, net.GetTransport(layerB)};
    UaConfig ca;
    ca.aor = "sip:alice@a.example";
    ca.outboundProxy = PeerAt("10.0.0.10");
    UaConfig cb;
    cb.aor = "sip:bob@b.example";
    cb.outboundProxy = PeerAt("10.0.0.20");
    UserAgent* alice = hostA.AddUserAgent(ca, &aliceEvents);
    UserAgent* bob = hostB.AddUserAgent(cb, &bobEvents);
    ASSERT_TRUE(bob->Register());
    clock.Advance(1s);
    bobEvents.ringAfter = 0s;
    bobEvents.answerAfter = 1s;
    const CallHandle call = alice->MakeCall("sip:bob@b.example");
    clock.Advance(3s);
    EXPECT_EQ(aliceEvents.events,
              (std::vector<std::string>{"1.060 progress 180", "2.060 answered"}));
    ASSERT_EQ(bobEvents.offers.size(), 1u);
    const Message& invite = bobEvents.offers[0];
    EXPECT_EQ(invite.GetMaxForwards(), 68);
    EXPECT_EQ(invite.GetRecordRoutes().size(), 2u);
    EXPECT_EQ(invite.GetVias().size(), 3u);
    ASSERT_TRUE(alice->Hangup(call));
    clock.Advance(1s);
    // BYE: Alice -> A -> B -> Bob (route set of both Record-Routes).
    const auto byes = net.Requests("BYE");
    ASSERT_EQ(byes.size(), 3u) << net.Dump();
    EXPECT_EQ(byes[0].to, PeerAt("10.0.0.10"));
    EXPECT_EQ(byes[1].to, PeerAt("10.0.0.20"));
    EXPECT_EQ(byes[2].to, PeerAt("10.0.0.2"));
    EXPECT_EQ(bobEvents.events.back().substr(6), "ended remote");
    EXPECT_EQ(net.Requests("ACK").size(), 3u);
}

// --- proxy authentication
// -------------------------------------------------------------------------

TEST_F(ProxyCoreTest, ProxyAuthentication407ThenSuccess)
{
    ProxyConfig config = DefaultConfig();
    config.authenticate = true;
    config.authConfig.realm = "example.com";
    config.authConfig.users = {{"alice", "secret"}};
    StartProxy(config);
    Bind("sip:bob@10.0.0.2:5060");
    bobEvents.answerAfter = 0s;
    const CallHandle call = alice->MakeCall("sip:bob@example.com");
    ASSERT_TRUE(call);
    clock.Advance(2s);
    EXPECT_EQ(proxy->GetCounters().generated.at(407), 1u);
    ASSERT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 407").size(), 1u);
    // The retried INVITE carries credentials and is forwarded.
    ASSERT_EQ(bobEvents.offers.size(), 1u);
    EXPECT_TRUE(bobEvents.offers[0].HasHeader(HeaderId::ProxyAuthorization));
    EXPECT_EQ(aliceEvents.events.back().substr(6), "answered");
    // The in-dialog BYE (To tag) is not challenged.
    ASSERT_TRUE(alice->Hangup(call));
    clock.Advance(1s);
    EXPECT_EQ(Sent(kProxy, "10.0.0.2", "BYE").size(), 1u);
    EXPECT_EQ(Sent(kProxy, "10.0.0.1", "SIP/2.0 407").size(), 1u);
}

} // namespace
} // namespace sipsim::test
