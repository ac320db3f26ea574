/*
 * Helpers of the user-agent unit tests: a listener that records events with their simulated
 * time and can answer calls on a schedule, a two-node fixture on the in-memory network, and
 * scripted peers (a registrar and an authenticating UAS) written directly on a
 * TransactionLayer.
 */
#ifndef SIPSIM_TESTS_UA_TEST_UTIL_H
#define SIPSIM_TESTS_UA_TEST_UTIL_H

#include "auth/digest.h"
#include "support/fake-clock.h"
#include "support/sim-network.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace sipsim::test {

using namespace std::chrono_literals;

/// "1.020" for a time that is a whole number of milliseconds, else the nanoseconds.
inline std::string
FormatTime(Duration t)
{
    const int64_t ns = t.count();
    if (ns % 1000000 != 0)
    {
        return std::to_string(ns) + "ns";
    }
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%lld.%03lld", static_cast<long long>(ns / 1000000000),
                  static_cast<long long>(ns / 1000000 % 1000));
    return buffer;
}

/// "<time> <method>" or "<time> <status> <CSeq method>", with " rtx" and " dropped" flags.
inline std::string
Label(const SimLogEntry& e)
{
    std::string out = FormatTime(e.time) + " ";
    out += e.Status() != 0 ? std::to_string(e.Status()) + " " + e.CSeqMethod() : e.Method();
    if (e.retransmission)
    {
        out += " rtx";
    }
    if (e.dropped)
    {
        out += " dropped";
    }
    return out;
}

/// Every message of the log as Label()s.
inline std::vector<std::string>
Trace(const SimNetwork& net)
{
    std::vector<std::string> out;
    for (const SimLogEntry& e : net.GetLog())
    {
        out.push_back(Label(e));
    }
    return out;
}

/// The parsed message of a log entry.
inline Message
Reparse(const SimLogEntry& e)
{
    ParseResult parsed = Parse(e.text);
    EXPECT_TRUE(parsed.Ok()) << e.text;
    return parsed.Ok() ? parsed.GetMessage() : Message();
}

/**
 * Records UaListener events as "<time> <event> ..." strings, and acts on offered calls after
 * the configured delays (zero: from inside OnCallOffered).
 */
class RecordingListener : public UaListener
{
  public:
    explicit RecordingListener(FakeClock& clock)
        : m_clock(clock)
    {}

    std::optional<Duration> ringAfter;   ///< Ring this long after the offer
    std::optional<Duration> answerAfter; ///< Answer this long after the offer
    std::optional<Duration> rejectAfter; ///< Reject this long after the offer
    uint16_t rejectCode = 486;
    std::string answerSdp = "v=0\r\no=bob 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
                            "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    std::vector<std::string> events;
    std::vector<Message> offers;
    std::vector<CallHandle> offeredCalls;
    std::vector<CallHandle> endedCalls;

    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override
    {
        Record("offered");
        offers.push_back(invite);
        offeredCalls.push_back(call);
        Act(ua, call, ringAfter, [](UserAgent& u, CallHandle c) { u.Ring(c); });
        const std::string sdp = answerSdp;
        Act(ua, call, answerAfter, [sdp](UserAgent& u, CallHandle c) { u.Answer(c, sdp); });
        const uint16_t code = rejectCode;
        Act(ua, call, rejectAfter, [code](UserAgent& u, CallHandle c) { u.Reject(c, code); });
    }

    void OnCallProgress(UserAgent&, CallHandle, uint16_t code) override
    {
        Record("progress " + std::to_string(code));
    }

    void OnCallAnswered(UserAgent&, CallHandle) override { Record("answered"); }

    void OnCallFailed(UserAgent&, CallHandle call, uint16_t status,
                      std::string_view reason) override
    {
        endedCalls.push_back(call);
        Record("failed " + std::to_string(status) + " " + std::string(reason));
    }

    void OnCallEnded(UserAgent&, CallHandle call, bool byRemote) override
    {
        endedCalls.push_back(call);
        Record(byRemote ? "ended remote" : "ended local");
    }

    void OnRegistered(UserAgent&, uint32_t expires) override
    {
        Record("registered " + std::to_string(expires));
    }

    void OnRegistrationFailed(UserAgent&, uint16_t status) override
    {
        Record("registration failed " + std::to_string(status));
    }

    void OnUnregistered(UserAgent&) override { Record("unregistered"); }

    void OnOptionsResponse(UserAgent&, uint16_t status) override
    {
        Record("options " + std::to_string(status));
    }

  private:
    void Record(const std::string& what)
    {
        events.push_back(FormatTime(m_clock.Now()) + " " + what);
    }

    template<typename F>
    void Act(UserAgent& ua, CallHandle call, std::optional<Duration> after, F action)
    {
        if (!after)
        {
            return;
        }
        if (after->count() == 0)
        {
            action(ua, call);
            return;
        }
        UserAgent* agent = &ua;
        m_clock.Schedule(*after, [agent, call, action]() { action(*agent, call); });
    }

    FakeClock& m_clock;
};

/// Alice (10.0.0.1) and Bob (10.0.0.2), each a UA on its own node, 10 ms apart.
class TwoUaTest : public ::testing::Test
{
  protected:
    static UaConfig Config(const std::string& aor)
    {
        UaConfig config;
        config.aor = aor;
        config.password = "secret";
        return config;
    }

    FakeClock clock;
    SimNetwork net{clock, 10ms};
    TransactionLayer& layerA = net.AddNode("10.0.0.1");
    TransactionLayer& layerB = net.AddNode("10.0.0.2");
    RecordingListener aliceEvents{clock};
    RecordingListener bobEvents{clock};
    UaHost hostA{layerA, clock, net.GetTransport(layerA)};
    UaHost hostB{layerB, clock, net.GetTransport(layerB)};
    UserAgent* alice = hostA.AddUserAgent(Config("sip:alice@example.com"), &aliceEvents);
    UserAgent* bob = hostB.AddUserAgent(Config("sip:bob@example.com"), &bobEvents);
};

/**
 * A registrar on a TransactionLayer: challenges REGISTERs without valid credentials (verified
 * with DigestServer), grants min(asked, maxGrant) in the Contact's expires parameter, answers
 * 423 below minExpires.
 */
class FakeRegistrar : public TransactionUser
{
  public:
    struct Seen
    {
        Duration time{0};
        uint32_t cseq = 0;
        std::string callId;
        uint32_t expires = 0;
        bool hasCredentials = false;
        uint16_t answer = 0;
    };

    FakeRegistrar(TransactionLayer& layer, FakeClock& clock)
        : m_layer(layer)
        , m_clock(clock)
    {
        m_layer.SetUser(this);
    }

    ~FakeRegistrar() override { m_layer.SetUser(nullptr); }

    DigestServer digest{"example.com", "registrar-key"};
    std::string password = "secret";
    bool alwaysChallenge = false;
    uint32_t maxGrant = 3600;
    uint32_t minExpires = 0;
    std::vector<Seen> requests;
    std::vector<VerifyResult> verdicts;

    void OnRequest(TransactionId id, const Message& request, const Peer&) override
    {
        Seen seen;
        seen.time = m_clock.Now();
        seen.cseq = request.GetCSeq() != nullptr ? request.GetCSeq()->number : 0;
        seen.callId = std::string(request.GetCallId());
        const std::vector<NameAddr> contacts = request.GetContacts();
        std::string contact = contacts.empty() ? "" : std::string(contacts[0].uri.text);
        if (!contacts.empty() && contacts[0].expires)
        {
            ParseDeltaSeconds(*contacts[0].expires, &seen.expires);
        }
        else if (const auto expires = request.GetExpires())
        {
            seen.expires = *expires;
        }
        const std::vector<Credentials> credentials
            = request.GetCredentials(HeaderId::Authorization);
        seen.hasCredentials = !credentials.empty();
        const double now = std::chrono::duration<double>(m_clock.Now()).count();
        bool ok = false;
        if (!credentials.empty())
        {
            const VerifyResult verdict
                = digest.Verify(credentials[0], request.GetMethodName(), password, now);
            verdicts.push_back(verdict);
            ok = verdict == VerifyResult::Ok;
        }
        Message response;
        if (!ok || alwaysChallenge)
        {
            response = BuildResponse(request, 401, {}, "reg");
            response.AddHeader(HeaderId::WwwAuthenticate, digest.MakeChallenge(now).ToString());
        }
        else if (minExpires > 0 && seen.expires > 0 && seen.expires < minExpires)
        {
            response = BuildResponse(request, 423, {}, "reg");
            response.AddHeader(HeaderId::MinExpires, std::to_string(minExpires));
        }
        else
        {
            response = BuildResponse(request, 200, {}, "reg");
            // Another UA's binding first: the client must pick its own.
            response.AddHeader(HeaderId::Contact, "<sip:other@10.0.0.77:5060>;expires=77");
            if (seen.expires > 0)
            {
                const uint32_t granted = std::min(seen.expires, maxGrant);
                response.AddHeader(HeaderId::Contact,
                                   "<" + contact + ">;expires=" + std::to_string(granted));
            }
        }
        seen.answer = response.GetStatusCode();
        requests.push_back(seen);
        m_layer.SendResponse(id, std::move(response));
    }

    void OnAck(const Message&, const Peer&) override {}

    void OnResponse(TransactionId, const Message&) override {}

    void OnStrayResponse(const Message&, const Peer&) override {}

    void OnFailure(TransactionId, TransactionKind, TransactionFailure) override {}

  private:
    TransactionLayer& m_layer;
    FakeClock& m_clock;
};

/**
 * A UAS that demands proxy credentials: 407 to an INVITE without valid Proxy-Authorization,
 * 200 (with Contact) to one with; 200 to BYE; records the ACKs.
 */
class ChallengingUas : public TransactionUser
{
  public:
    ChallengingUas(TransactionLayer& layer, FakeClock& clock)
        : m_layer(layer)
        , m_clock(clock)
    {
        m_layer.SetUser(this);
    }

    ~ChallengingUas() override { m_layer.SetUser(nullptr); }

    DigestServer digest{"example.com", "proxy-key"};
    std::string password = "secret";
    std::vector<Message> invites;
    std::vector<Message> acks;
    std::vector<VerifyResult> verdicts;

    void OnRequest(TransactionId id, const Message& request, const Peer&) override
    {
        const double now = std::chrono::duration<double>(m_clock.Now()).count();
        if (request.GetMethod() != Method::Invite)
        {
            m_layer.SendResponse(id, BuildResponse(request, 200, {}, "u1"));
            return;
        }
        invites.push_back(request);
        const std::vector<Credentials> credentials
            = request.GetCredentials(HeaderId::ProxyAuthorization);
        if (!credentials.empty())
        {
            verdicts.push_back(digest.Verify(credentials[0], "INVITE", password, now));
        }
        if (credentials.empty() || verdicts.back() != VerifyResult::Ok)
        {
            Message response = BuildResponse(request, 407, {}, "u1");
            response.AddHeader(HeaderId::ProxyAuthenticate, digest.MakeChallenge(now).ToString());
            m_layer.SendResponse(id, std::move(response));
            return;
        }
        Message response = BuildResponse(request, 200, {}, "u1");
        response.AddHeader(HeaderId::Contact, "<sip:uas@10.0.0.3:5060>");
        m_layer.SendResponse(id, std::move(response));
    }

    void OnAck(const Message& ack, const Peer&) override { acks.push_back(ack); }

    void OnResponse(TransactionId, const Message&) override {}

    void OnStrayResponse(const Message&, const Peer&) override {}

    void OnFailure(TransactionId, TransactionKind, TransactionFailure) override {}

  private:
    TransactionLayer& m_layer;
    FakeClock& m_clock;
};

/// A peer whose behaviour each test scripts, directly on its TransactionLayer.
class ScriptedPeer : public TransactionUser
{
  public:
    explicit ScriptedPeer(TransactionLayer& peerLayer)
        : layer(peerLayer)
    {
        layer.SetUser(this);
    }

    ~ScriptedPeer() override { layer.SetUser(nullptr); }

    TransactionLayer& layer;
    std::function<void(TransactionId, const Message&)> onRequest;
    std::vector<Message> requests;
    std::vector<Message> acks;

    void OnRequest(TransactionId id, const Message& request, const Peer&) override
    {
        requests.push_back(request);
        if (onRequest)
        {
            onRequest(id, request);
        }
    }

    void OnAck(const Message& ack, const Peer&) override { acks.push_back(ack); }

    void OnResponse(TransactionId, const Message&) override {}

    void OnStrayResponse(const Message&, const Peer&) override {}

    void OnFailure(TransactionId, TransactionKind, TransactionFailure) override {}
};

} // namespace sipsim::test

#endif // SIPSIM_TESTS_UA_TEST_UTIL_H
