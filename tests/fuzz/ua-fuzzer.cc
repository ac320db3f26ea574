/*
 * libFuzzer target for what happens after parsing: the transaction layer, the user-agent core
 * and the test proxy, driven by messages and timers an input chooses. No ns-3: two nodes on a
 * FakeClock, connected by a recording transport.
 *
 * - UA node 10.0.0.1:5060: TransactionLayer + UaHost with alice and bob (outbound proxy: the
 *   proxy node; both answer digest challenges with the password "secret").
 * - Proxy node 10.0.0.10:5060: TransactionLayer + test::ProxyStub for example.com (carol is
 *   statically at 10.0.0.3:5060, a peer nobody implements: the input plays her).
 *
 * Every run starts from the same state, built with the nodes connected: alice and bob are
 * registered and (unless the input says otherwise) in a call with each other, alice -> proxy
 * -> bob. Then the input's network mode applies, alice calls carol and bob refreshes his
 * registration, so that responses in the input can match live transactions (see ua-corpus/
 * and make-ua-seeds.py for the identifiers the setup produces; SIPSIM_UA_FUZZ_VERBOSE=1 or 2
 * prints every message sent).
 *
 * Input: records separated by kSeparator. The first record configures the run (byte 0:
 * network mode flags, byte 1: bob's answer policy, byte 2: alice's, byte 3: odd when the
 * proxy challenges REGISTERs). Every other record is [kind] [a] [advance] [b] payload...: the
 * clock first advances by an amount from the advance byte (timers fire), then, by kind:
 *
 *   Text:    payload parsed with sipsim::Parse, Via stamped (requests), to the UA or the
 *            proxy layer's ReceiveMessage from peer a;
 *   Respond: a response with a status from b to the a-th most recent request the nodes
 *            sent, with the payload as extra header lines, parsed and delivered to its sender;
 *   Replay:  the a-th most recent message the nodes sent, to the layer b chooses;
 *   Action:  an API call of alice or bob (make a call, hang up, register, ...);
 *   Error:   TransactionLayer::ReportTransportError for peer a on the layer b chooses.
 *
 * At the end every UA hangs up its calls, declines new ones and unregisters, and the clock
 * runs 10 simulated minutes. Invariants, checked with __builtin_trap() (after a message on
 * stderr):
 *   - no transaction state change outside the RFC figures (illegalTransitions == 0), always;
 *   - each UA's call count equals the calls the listener saw start and not end; each call ends
 *     at most once, with no event for a dead call; no more dialogs than calls; always;
 *   - after the 10 minutes: no transaction left in either layer, no call, no dialog, no timer.
 */
#include "message/sip-parser.h"
#include "support/fake-clock.h"
#include "support/proxy-stub.h"
#ifdef SIPSIM_FUZZ_PROXY_CORE
#include "proxy/proxy-core.h"
#endif
#include "transaction/transaction-layer.h"
#include "ua/invite-session.h"
#include "ua/ua-host.h"
#include "ua/user-agent.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sipsim;
using namespace std::chrono_literals;

constexpr std::string_view kSeparator = "\n#~#";
constexpr size_t kMaxRecords = 64;   ///< records of one input that are run
constexpr size_t kHistory = 32;      ///< sent messages kept for Respond and Replay
constexpr uint64_t kMaxSends = 4000; ///< more in one run is a message storm (a bug)
constexpr Duration kDelay = 5ms;     ///< one-way delay between the nodes

constexpr Ipv4 kUaAddress = 0x0a000001;       // 10.0.0.1
constexpr Ipv4 kProxyAddress = 0x0a00000a;    // 10.0.0.10
constexpr Ipv4 kCarolAddress = 0x0a000003;    // 10.0.0.3
constexpr Ipv4 kStrangerAddress = 0x0a000063; // 10.0.0.99

constexpr int kUaNode = 0;
constexpr int kProxyNode = 1;

/// Network mode flags (byte 0 of the first record).
constexpr uint8_t kConnected = 0x01;   ///< messages between the nodes are delivered
constexpr uint8_t kLossy = 0x02;       ///< ... except every third one
constexpr uint8_t kRefuseTcp = 0x04;   ///< TCP sends to other peers fail (connection refused)
constexpr uint8_t kNoSetupCall = 0x08; ///< alice and bob are not in a call at the start

int
Verbosity()
{
    static const int level = [] {
        const char* env = std::getenv("SIPSIM_UA_FUZZ_VERBOSE");
        return env != nullptr ? std::atoi(env) : 0;
    }();
    return level;
}

[[noreturn]] void
Violation(const char* what)
{
    std::fprintf(stderr, "sipsim-ua-fuzzer: invariant violated: %s\n", what);
    __builtin_trap();
}

void
Require(bool condition, const char* what)
{
    if (!condition)
    {
        Violation(what);
    }
}

double
Seconds(Duration t)
{
    return std::chrono::duration<double>(t).count();
}

/// One message a node handed to its transport.
struct Sent
{
    int node = kUaNode;
    Peer from;
    Peer to;
    std::string text;
    bool request = true;
};

class Network;

/// The TransactionTransport of one node: records, and hands the message to the network.
class RecordingTransport : public TransactionTransport
{
  public:
    RecordingTransport(Network& network, int node, Ipv4 address)
        : m_network(network)
        , m_node(node)
        , m_address(address)
    {}

    Peer GetLocalPeer(TransportProtocol transport) const override
    {
        return Peer{transport, m_address, 5060};
    }

    bool Send(const Message& message, const Peer& to, bool retransmission) override;

  private:
    Network& m_network;
    int m_node;
    Ipv4 m_address;
};

/**
 * Keeps the messages the nodes send (the last kHistory), and delivers those between the nodes
 * after kDelay when connected (re-parsed from their text, Via stamped, as SimNetwork does).
 */
class Network
{
  public:
    explicit Network(test::FakeClock& clock)
        : m_clock(clock)
    {}

    void SetLayers(TransactionLayer* ua, TransactionLayer* proxy) { m_layers = {ua, proxy}; }

    void SetMode(uint8_t flags) { m_flags = flags; }

    static int NodeAt(const Peer& peer)
    {
        if (peer.port != 5060)
        {
            return -1;
        }
        if (peer.address == kUaAddress)
        {
            return kUaNode;
        }
        return peer.address == kProxyAddress ? kProxyNode : -1;
    }

    /// Parses text as received from `from` and hands it to a node's layer.
    void Deliver(int node, std::string_view text, const Peer& from)
    {
        ParseResult parsed = Parse(
            text, from.transport == TransportProtocol::Udp ? Framing::Datagram : Framing::Stream);
        if (!parsed.Ok())
        {
            if (Verbosity() > 0)
            {
                std::fprintf(stderr, "  (does not parse: %s)\n",
                             std::string(parsed.GetError().what).c_str());
            }
            return;
        }
        Message& message = parsed.GetMessage();
        // What SipStack::Deliver (the transport) passes up and nothing else: a message without
        // a required header field (RFC 3261 8.1.1) never reaches the transaction layer (a
        // request gets 400 from the transport, a response is discarded). Fed such a 200 to an
        // INVITE ("zTo:" for "To:"), the transaction ended and the call hung in Calling.
        if (message.MissingRequiredHeader() != HeaderId::Unknown)
        {
            if (Verbosity() > 0)
            {
                std::fprintf(stderr, "  (missing a required header: the transport drops it)\n");
            }
            return;
        }
        if (message.IsRequest())
        {
            StampReceivedVia(&message, from);
        }
        m_layers[node]->ReceiveMessage(message, from);
    }

    bool Record(int node, const Message& message, const Peer& from, const Peer& to,
                bool retransmission)
    {
        if (++m_sends > kMaxSends)
        {
            Violation("message storm: more than kMaxSends messages sent in one run");
        }
        Sent sent{node, from, to, message.Serialize(), message.IsRequest()};
        if (Verbosity() > 0)
        {
            std::fprintf(stderr, "%9.3f %s %s -> %s: %s%s\n", Seconds(m_clock.Now()),
                         node == kUaNode ? "ua" : "px", from.ToString().c_str(),
                         to.ToString().c_str(), sent.text.substr(0, sent.text.find('\r')).c_str(),
                         retransmission ? " (rtx)" : "");
            if (Verbosity() > 1)
            {
                std::fprintf(stderr, "%s\n", sent.text.c_str());
            }
        }
        const int destination = NodeAt(to);
        const std::string text = sent.text;
        m_history.push_back(std::move(sent));
        if (m_history.size() > kHistory)
        {
            m_history.pop_front();
        }
        if (destination < 0)
        {
            // Nobody there: a datagram is lost silently; a connection may be refused.
            return !((m_flags & kRefuseTcp) != 0 && to.transport == TransportProtocol::Tcp);
        }
        if ((m_flags & kConnected) == 0 || ((m_flags & kLossy) != 0 && ++m_lossCounter % 3 == 0))
        {
            return true;
        }
        m_clock.Schedule(kDelay,
                         [this, destination, from, text]() { Deliver(destination, text, from); });
        return true;
    }

    /// The k-th most recent message sent (0: the last); nullptr when there are none.
    const Sent* Recent(size_t k, bool requestsOnly) const
    {
        std::vector<const Sent*> candidates;
        for (auto it = m_history.rbegin(); it != m_history.rend(); ++it)
        {
            if (!requestsOnly || it->request)
            {
                candidates.push_back(&*it);
            }
        }
        return candidates.empty() ? nullptr : candidates[k % candidates.size()];
    }

  private:
    test::FakeClock& m_clock;
    std::array<TransactionLayer*, 2> m_layers{};
    uint8_t m_flags = kConnected;
    uint64_t m_sends = 0;
    uint64_t m_lossCounter = 0;
    std::deque<Sent> m_history;
};

bool
RecordingTransport::Send(const Message& message, const Peer& to, bool retransmission)
{
    return m_network.Record(m_node, message, GetLocalPeer(to.transport), to, retransmission);
}

/// What a UA does with an offered call.
enum class Policy : uint8_t
{
    Nothing,
    Ring,
    Answer,
    RingAndAnswer,
    Reject,
    RingAnswerLater,
    Count,
};

/**
 * The listener of one UA slot: answers offered calls per its policy and checks the events
 * against the calls it knows to be alive.
 */
class Tracker : public UaListener
{
  public:
    Tracker(test::FakeClock& clock, UaHost& host, std::string user)
        : m_clock(clock)
        , m_host(host)
        , m_user(std::move(user))
    {}

    Policy policy = Policy::RingAndAnswer;
    std::set<uint32_t> live;  ///< calls started and not ended
    std::set<uint32_t> ended; ///< calls that ended (handles are never reused)

    /// The UA was removed and added again: a new handle space.
    void Reset()
    {
        live.clear();
        ended.clear();
    }

    void Started(CallHandle call)
    {
        Require(call.IsValid(), "a started call has a valid handle");
        Require(live.count(call.value) == 0 && ended.count(call.value) == 0,
                "call handles are never reused");
        live.insert(call.value);
    }

    /// The application ended the call itself (Reject, or Hangup of an unanswered offer).
    void EndedSilently(UserAgent& ua, CallHandle call)
    {
        if (live.count(call.value) != 0 && !ua.GetCallState(call))
        {
            live.erase(call.value);
            ended.insert(call.value);
        }
    }

    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override
    {
        Require(invite.IsRequest() && invite.GetMethod() == Method::Invite,
                "a call is offered with an INVITE");
        Started(call);
        Require(ua.GetCallState(call) == CallState::Offered, "an offered call is Offered");
        switch (policy)
        {
            case Policy::Nothing:
                break;
            case Policy::Ring:
                ua.Ring(call);
                break;
            case Policy::Answer:
                ua.Answer(call, "v=0\r\n");
                break;
            case Policy::RingAndAnswer:
                ua.Ring(call);
                ua.Answer(call, "v=0\r\n");
                break;
            case Policy::Reject:
                if (ua.Reject(call, 486))
                {
                    EndedSilently(ua, call);
                }
                break;
            case Policy::RingAnswerLater:
                ua.Ring(call);
                m_clock.Schedule(2s, [this, call]() {
                    if (UserAgent* agent = m_host.FindUserAgent(m_user))
                    {
                        agent->Answer(call, "v=0\r\n");
                    }
                });
                break;
            case Policy::Count:
                break;
        }
    }

    void OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code) override
    {
        Require(code > 100 && code < 200, "progress is a 101-199");
        Require(live.count(call.value) != 0 && ua.GetCallState(call).has_value(),
                "progress of a live call");
    }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        Require(live.count(call.value) != 0 && ua.GetCallState(call).has_value(),
                "answer of a live call");
    }

    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override
    {
        (void) reason;
        Require(status >= 300 && status <= 699, "a call fails with a 3xx-6xx status");
        End(ua, call);
    }

    void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote) override
    {
        (void) byRemote;
        End(ua, call);
    }

    void OnRegistered(UserAgent& ua, uint32_t expires) override
    {
        Require(ua.IsRegistered() == (expires > 0), "registered iff a binding was granted");
    }

    void OnRegistrationFailed(UserAgent& ua, uint16_t status) override
    {
        Require(status >= 300 && status <= 699, "a registration fails with a 3xx-6xx status");
        Require(!ua.IsRegistered(), "not registered after a failure");
    }

    void OnUnregistered(UserAgent& ua) override
    {
        Require(!ua.IsRegistered(), "not registered after un-registering");
    }

  private:
    void End(UserAgent& ua, CallHandle call)
    {
        Require(live.count(call.value) != 0, "a call ends once, and only a live one");
        Require(!ua.GetCallState(call).has_value(), "an ended call is gone");
        live.erase(call.value);
        ended.insert(call.value);
    }

    test::FakeClock& m_clock;
    UaHost& m_host;
    std::string m_user;
};

/// Peers a message in the input may come from.
Peer
PeerFromByte(uint8_t b)
{
    static const std::array<Peer, 8> peers{{
        {TransportProtocol::Udp, kProxyAddress, 5060},
        {TransportProtocol::Udp, kUaAddress, 5060},
        {TransportProtocol::Udp, kCarolAddress, 5060},
        {TransportProtocol::Udp, kStrangerAddress, 5070},
        {TransportProtocol::Tcp, kProxyAddress, 5060},
        {TransportProtocol::Tcp, kCarolAddress, 5060},
        {TransportProtocol::Tcp, kStrangerAddress, 40000},
        {TransportProtocol::Tcp, kUaAddress, 5060},
    }};
    return peers[b % peers.size()];
}

/// Clock advance before a record: 0-63 units of 1 ms, 20 ms, 500 ms or 8 s.
Duration
AdvanceFromByte(uint8_t b)
{
    static const std::array<Duration, 4> units{{1ms, 20ms, 500ms, 8s}};
    return (b & 0x3f) * units[b >> 6];
}

constexpr std::array<uint16_t, 24> kStatuses{{100, 180, 183, 200, 202, 301, 302, 401,
                                              407, 408, 423, 480, 481, 486, 487, 491,
                                              500, 503, 600, 603, 699, 199, 299, 101}};

constexpr std::array<std::string_view, 4> kTargets{{
    "sip:carol@example.com",
    "sip:bob@example.com",
    "sip:alice@example.com",
    "sip:dave@10.0.0.3:5060",
}};

enum class Kind : uint8_t
{
    TextToUa,
    TextToUa2,
    TextToProxy,
    TextToProxy2,
    Respond,
    Replay,
    Action,
    Error,
};

#ifdef SIPSIM_FUZZ_PROXY_CORE
/**
 * sipsim-proxy-fuzzer: the real proxy (ProxyCore with its Registrar) in place of the test
 * stub, behind the stub's three calls. The core is rebuilt when registration authentication
 * is switched on (its configuration is fixed at construction).
 */
class FuzzProxy
{
  public:
    FuzzProxy(TransactionLayer& layer, TimerService& clock, Peer self, std::string domain)
        : m_layer(layer)
        , m_clock(clock)
        , m_self(self)
        , m_domain(std::move(domain))
    {
        Make(false, {});
    }

    void AddLocation(const std::string& user, const Peer& contact)
    {
        Binding binding;
        binding.contact = "sip:" + user + "@" + FormatIpv4(contact.address) + ":"
                          + std::to_string(contact.port);
        binding.expiresAt = std::chrono::hours(24 * 365);
        m_static.emplace_back(user + "@" + m_domain, binding);
        m_core->GetLocations().Update(m_static.back().first, binding);
    }

    void RequireRegisterAuth(std::map<std::string, std::string> passwords)
    {
        Make(true, std::move(passwords));
        for (const auto& [aor, binding] : m_static)
        {
            m_core->GetLocations().Update(aor, binding);
        }
    }

  private:
    void Make(bool authenticate, std::map<std::string, std::string> users)
    {
        m_core.reset();
        ProxyConfig config;
        config.self = m_self;
        config.domains = {m_domain};
        config.registrarConfig.domains = {m_domain};
        config.registrarConfig.authenticate = authenticate;
        config.registrarConfig.users = std::move(users);
        m_core = std::make_unique<ProxyCore>(m_layer, m_clock, std::move(config));
    }

    TransactionLayer& m_layer;
    TimerService& m_clock;
    Peer m_self;
    std::string m_domain;
    std::vector<std::pair<std::string, Binding>> m_static;
    std::unique_ptr<ProxyCore> m_core;
};
#endif

/// One run: the two nodes, the clock and the trackers.
class Run
{
  public:
    explicit Run(uint8_t flags, Policy bobPolicy, Policy alicePolicy, bool registerAuth)
        : m_network(m_clock)
        , m_uaTransport(m_network, kUaNode, kUaAddress)
        , m_proxyTransport(m_network, kProxyNode, kProxyAddress)
        , m_uaLayer(m_clock, m_uaTransport)
        , m_proxyLayer(m_clock, m_proxyTransport)
        , m_host(m_uaLayer, m_clock, m_uaTransport)
        , m_proxy(m_proxyLayer, m_clock, Peer{TransportProtocol::Udp, kProxyAddress, 5060},
                  "example.com")
        , m_trackers{{{m_clock, m_host, "alice"}, {m_clock, m_host, "bob"}}}
    {
        m_uaLayer.SetBranchPrefix("ua");
        m_proxyLayer.SetBranchPrefix("px");
        m_network.SetLayers(&m_uaLayer, &m_proxyLayer);
        m_proxy.AddLocation("carol", Peer{TransportProtocol::Udp, kCarolAddress, 5060});
        if (registerAuth)
        {
            m_proxy.RequireRegisterAuth({{"alice", "secret"}, {"bob", "secret"}});
        }
        AddAgent(0);
        AddAgent(1);

        // The starting state, built with the nodes connected: both registered, alice in a
        // call with bob through the proxy.
        m_network.SetMode(kConnected);
        m_agents[0]->Register();
        m_agents[1]->Register();
        m_clock.Advance(1s);
        if ((flags & kNoSetupCall) == 0)
        {
            m_trackers[0].Started(m_agents[0]->MakeCall("sip:bob@example.com", "v=0\r\n"));
            m_clock.Advance(1s);
        }
        CheckAlways();

        // Live transactions for the input to answer.
        m_network.SetMode(flags);
        m_trackers[0].policy = alicePolicy;
        m_trackers[1].policy = bobPolicy;
        m_trackers[0].Started(m_agents[0]->MakeCall("sip:carol@example.com", "v=0\r\n"));
        m_agents[1]->Register();
        CheckAlways();
    }

    void Step(Kind kind, uint8_t a, uint8_t advance, uint8_t b, std::string_view payload)
    {
        m_clock.Advance(AdvanceFromByte(advance));
        CheckAlways();
        switch (kind)
        {
            case Kind::TextToUa:
            case Kind::TextToUa2:
                Inject(kUaNode, payload, PeerFromByte(a));
                break;
            case Kind::TextToProxy:
            case Kind::TextToProxy2:
                Inject(kProxyNode, payload, PeerFromByte(a));
                break;
            case Kind::Respond:
                Respond(a, b, payload);
                break;
            case Kind::Replay:
                if (const Sent* recent = m_network.Recent(a, false))
                {
                    // A copy: delivering it makes the nodes send, and the history drops its
                    // oldest entries, which may be this one (its text and source peer with it).
                    const Sent sent = *recent;
                    const int node = b % 3 == 2 ? Network::NodeAt(sent.to) : b % 2;
                    Inject(node < 0 ? kUaNode : node, sent.text, sent.from);
                }
                break;
            case Kind::Action:
                Act(a, b);
                break;
            case Kind::Error:
                (b % 2 == 0 ? m_uaLayer : m_proxyLayer).ReportTransportError(PeerFromByte(a));
                break;
        }
        CheckAlways();
    }

    /**
     * Every UA hangs up, declines calls that still arrive (retransmitted or delayed INVITEs)
     * and unregisters; 10 minutes later everything must have ended.
     */
    void Finish()
    {
        for (int slot = 0; slot < 2; ++slot)
        {
            m_trackers[slot].policy = Policy::Reject;
            HangupAll(slot);
            m_agents[slot]->Unregister();
        }
        CheckAlways();
        m_clock.Advance(10min);
        CheckAlways();
        for (int slot = 0; slot < 2; ++slot)
        {
            for (const uint32_t call : m_trackers[slot].live)
            {
                if (const auto state = m_agents[slot]->GetCallState(CallHandle{call});
                    state && Verbosity() > 0)
                {
                    std::fprintf(stderr, "left: %s call %u %s\n", slot == 0 ? "alice" : "bob", call,
                                 std::string(CallStateName(*state)).c_str());
                }
            }
            Require(m_agents[slot]->GetCallCount() == 0, "no call left after 10 minutes");
            Require(m_trackers[slot].live.empty(), "every call ended with an event");
            Require(!m_agents[slot]->IsRegistered(), "nobody registered after un-registering");
        }
        Require(m_host.GetDialogCount() == 0, "no dialog left after 10 minutes");
        if (m_uaLayer.Size() != 0 || m_proxyLayer.Size() != 0)
        {
            if (Verbosity() > 0)
            {
                for (TransactionId id = 1; id < 10000; ++id)
                {
                    for (const TransactionLayer* layer : {&m_uaLayer, &m_proxyLayer})
                    {
                        if (const Message* request = layer->GetRequest(id))
                        {
                            std::fprintf(stderr, "left: %s #%llu %.*s %.*s\n",
                                         layer == &m_uaLayer ? "ua" : "px",
                                         static_cast<unsigned long long>(id),
                                         static_cast<int>(request->GetMethodName().size()),
                                         request->GetMethodName().data(),
                                         static_cast<int>(layer->GetStateName(id).size()),
                                         layer->GetStateName(id).data());
                        }
                    }
                }
            }
            Violation("a transaction is alive 10 minutes after the last input");
        }
        Require(m_clock.PendingCount() == 0, "no timer pending 10 minutes after the last input");
    }

  private:
    static UaConfig Config(int slot)
    {
        UaConfig config;
        config.aor = slot == 0 ? "sip:alice@example.com" : "sip:bob@example.com";
        config.password = "secret";
        config.outboundProxy = Peer{TransportProtocol::Udp, kProxyAddress, 5060};
        config.registerExpires = 300;
        config.userAgent = "sipsim-ua-fuzzer";
        return config;
    }

    void AddAgent(int slot)
    {
        m_agents[slot] = m_host.AddUserAgent(Config(slot), &m_trackers[slot]);
        Require(m_agents[slot] != nullptr, "the fuzzer's UAs can be added");
    }

    void Inject(int node, std::string_view text, const Peer& from)
    {
        if (Verbosity() > 0)
        {
            std::fprintf(stderr, "%9.3f input -> %s from %s: %.*s\n", Seconds(m_clock.Now()),
                         node == kUaNode ? "ua" : "px", from.ToString().c_str(),
                         static_cast<int>(text.substr(0, text.find('\r')).size()), text.data());
            if (Verbosity() > 1)
            {
                std::fprintf(stderr, "%.*s\n", static_cast<int>(text.size()), text.data());
            }
        }
        m_network.Deliver(node, text, from);
    }

    /// A response to a recent request of the nodes, from its addressee, with extra headers.
    void Respond(uint8_t a, uint8_t b, std::string_view extra)
    {
        const Sent* sent = m_network.Recent(a, true);
        if (sent == nullptr)
        {
            return;
        }
        ParseResult parsed = Parse(sent->text);
        if (!parsed.Ok())
        {
            return;
        }
        const Message& request = parsed.GetMessage();
        const uint16_t code = kStatuses[b % kStatuses.size()];
        std::string text = "SIP/2.0 " + std::to_string(code) + " Fuzz\r\n";
        for (const HeaderField& field : request.GetHeaders())
        {
            if (field.id == HeaderId::Via || field.id == HeaderId::From
                || field.id == HeaderId::CallId || field.id == HeaderId::CSeq)
            {
                text.append(field.name).append(": ").append(field.value).append("\r\n");
            }
            else if (field.id == HeaderId::To)
            {
                text.append(field.name).append(": ").append(field.value);
                const NameAddr* to = request.GetTo();
                if (code > 100 && to != nullptr && to->Tag().empty())
                {
                    // Four tags: responses from up to four forks.
                    text.append(";tag=fz").append(std::to_string(b / kStatuses.size() % 4));
                }
                text.append("\r\n");
            }
        }
        text.append(extra);
        text.append("Content-Length: 0\r\n\r\n");
        Inject(sent->node, text, sent->to);
    }

    void Act(uint8_t op, uint8_t b)
    {
        const int slot = b & 1;
        const unsigned arg = b >> 1;
        UserAgent& ua = *m_agents[slot];
        Tracker& tracker = m_trackers[slot];
        const CallHandle call = PickCall(slot, arg);
        if (Verbosity() > 0)
        {
            std::fprintf(stderr, "%9.3f action %u of %s (arg %u, call %u)\n",
                         Seconds(m_clock.Now()), op % 12u, slot == 0 ? "alice" : "bob", arg,
                         call.value);
        }
        switch (op % 12)
        {
            case 0:
                if (const CallHandle made = ua.MakeCall(kTargets[arg % kTargets.size()], "v=0\r\n"))
                {
                    tracker.Started(made);
                }
                break;
            case 1:
                ua.Hangup(call);
                tracker.EndedSilently(ua, call);
                break;
            case 2:
                ua.Cancel(call);
                break;
            case 3:
                ua.Ring(call);
                break;
            case 4:
                ua.Answer(call, "v=0\r\n");
                break;
            case 5:
                ua.Reject(call, static_cast<uint16_t>(300 + arg * 13 % 400));
                tracker.EndedSilently(ua, call);
                break;
            case 6:
                ua.Register();
                break;
            case 7:
                ua.Unregister();
                break;
            case 8:
                ua.SendOptions(kTargets[arg % kTargets.size()]);
                break;
            case 9:
                HangupAll(slot);
                break;
            case 10:
                // Removed and added again: its calls vanish without signalling or events.
                Require(m_host.RemoveUserAgent(&ua), "a hosted UA can be removed");
                tracker.Reset();
                AddAgent(slot);
                break;
            default:
                tracker.policy = static_cast<Policy>(arg % static_cast<unsigned>(Policy::Count));
                break;
        }
    }

    CallHandle PickCall(int slot, unsigned arg) const
    {
        const std::set<uint32_t>& live = m_trackers[slot].live;
        if (live.empty())
        {
            return CallHandle{arg % 4}; // a dead or never-made handle
        }
        auto it = live.begin();
        std::advance(it, arg % live.size());
        return CallHandle{*it};
    }

    void HangupAll(int slot)
    {
        const std::set<uint32_t> calls = m_trackers[slot].live;
        for (const uint32_t call : calls)
        {
            m_agents[slot]->Hangup(CallHandle{call});
            m_trackers[slot].EndedSilently(*m_agents[slot], CallHandle{call});
        }
    }

    void CheckAlways() const
    {
        Require(m_uaLayer.GetCounters().illegalTransitions == 0,
                "UA layer: no illegal transaction state change");
        Require(m_proxyLayer.GetCounters().illegalTransitions == 0,
                "proxy layer: no illegal transaction state change");
        size_t calls = 0;
        for (int slot = 0; slot < 2; ++slot)
        {
            const UserAgent& ua = *m_agents[slot];
            Require(m_trackers[slot].live.size() == ua.GetCallCount(),
                    "call count = calls started and not ended");
            for (const uint32_t call : m_trackers[slot].live)
            {
                Require(ua.GetCallState(CallHandle{call}).has_value(), "a live call has a state");
            }
            calls += ua.GetCallCount();
        }
        Require(m_host.GetDialogCount() <= calls, "at most one dialog per call");
    }

    // Declaration order is destruction order reversed: the clock outlives everything.
    test::FakeClock m_clock;
    Network m_network;
    RecordingTransport m_uaTransport;
    RecordingTransport m_proxyTransport;
    TransactionLayer m_uaLayer;
    TransactionLayer m_proxyLayer;
    UaHost m_host;
#ifdef SIPSIM_FUZZ_PROXY_CORE
    FuzzProxy m_proxy;
#else
    test::ProxyStub m_proxy;
#endif
    std::array<Tracker, 2> m_trackers;
    std::array<UserAgent*, 2> m_agents{};
};

/// The records of an input: the bytes between separators.
std::vector<std::string_view>
SplitRecords(std::string_view input)
{
    std::vector<std::string_view> records;
    while (records.size() <= kMaxRecords)
    {
        const size_t at = input.find(kSeparator);
        records.push_back(input.substr(0, at));
        if (at == std::string_view::npos)
        {
            break;
        }
        input.remove_prefix(at + kSeparator.size());
    }
    return records;
}

uint8_t
ByteAt(std::string_view record, size_t i)
{
    return i < record.size() ? static_cast<uint8_t>(record[i]) : 0;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::vector<std::string_view> records
        = SplitRecords(std::string_view(reinterpret_cast<const char*>(data), size));
    const std::string_view config = records.front();
    const auto policy
        = [](uint8_t b) { return static_cast<Policy>(b % static_cast<unsigned>(Policy::Count)); };
    Run run(ByteAt(config, 0), policy(ByteAt(config, 1)), policy(ByteAt(config, 2)),
            ByteAt(config, 3) % 2 == 1);
    for (size_t i = 1; i < records.size(); ++i)
    {
        const std::string_view record = records[i];
        const std::string_view payload = record.size() > 4 ? record.substr(4) : std::string_view();
        run.Step(static_cast<Kind>(ByteAt(record, 0) % 8), ByteAt(record, 1), ByteAt(record, 2),
                 ByteAt(record, 3), payload);
    }
    run.Finish();
    return 0;
}
