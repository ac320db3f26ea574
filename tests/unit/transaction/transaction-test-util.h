/*
 * Shared pieces of the transaction layer tests: a recording transaction user, a harness
 * (FakeClock, FakeTransport, TransactionLayer) that writes one event log, and message makers.
 */
#ifndef SIPSIM_TESTS_TRANSACTION_TEST_UTIL_H
#define SIPSIM_TESTS_TRANSACTION_TEST_UTIL_H

#include "support/fake-clock.h"
#include "support/fake-transport.h"
#include "transaction/transaction-layer.h"
#include "transaction/transaction.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipsim::test {

using namespace std::chrono_literals;

constexpr Ipv4 kLocalAddress = 0x0a000001;  // 10.0.0.1, FakeTransport::DefaultLocal()
constexpr Ipv4 kRemoteAddress = 0x0a000002; // 10.0.0.2

inline Peer
RemotePeer(TransportProtocol transport = TransportProtocol::Udp, uint16_t port = 5060)
{
    Peer p;
    p.transport = transport;
    p.address = kRemoteAddress;
    p.port = port;
    return p;
}

/// Milliseconds of a duration (exact for the schedules the tests check).
inline int64_t
Ms(Duration d)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// A request as a UA core hands it to SendRequest (no Via yet).
inline Message
MakeOutgoing(std::string_view method, uint32_t cseq = 1, std::string_view callId = "call-1")
{
    Message m = Message::MakeRequest(method, "sip:bob@10.0.0.2");
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::Route, "<sip:proxy1.example.com;lr>");
    m.AddHeader(HeaderId::Route, "<sip:proxy2.example.com;lr>");
    m.AddHeader(HeaderId::To, "Bob <sip:bob@example.com>");
    m.AddHeader(HeaderId::From, "Alice <sip:alice@example.com>;tag=alice-tag");
    m.AddHeader(HeaderId::CallId, callId);
    m.AddHeader(HeaderId::CSeq, std::to_string(cseq) + " " + std::string(method));
    m.AddHeader(HeaderId::ContentLength, "0");
    return m;
}

/**
 * A request as the transport hands it to ReceiveMessage: sent by 10.0.0.2 with the given top
 * Via branch, stamped per 18.2.1 (received, rport).
 */
inline Message
MakeIncoming(std::string_view method, std::string_view branch, uint32_t cseq = 1,
             std::string_view toTag = "", const Peer& from = RemotePeer(),
             std::string_view cseqMethod = "")
{
    Message m = Message::MakeRequest(method, "sip:alice@10.0.0.1");
    m.AddHeader(HeaderId::Via, "SIP/2.0/" + std::string(TransportName(from.transport))
                                   + " 10.0.0.2:5060;branch=" + std::string(branch) + ";rport");
    m.AddHeader(HeaderId::Via, "SIP/2.0/UDP 192.168.0.9:5060;branch=z9hG4bKupstream");
    m.AddHeader(HeaderId::MaxForwards, "69");
    std::string to = "Alice <sip:alice@example.com>";
    if (!toTag.empty())
    {
        to += ";tag=" + std::string(toTag);
    }
    m.AddHeader(HeaderId::To, to);
    m.AddHeader(HeaderId::From, "Bob <sip:bob@example.com>;tag=bob-tag");
    m.AddHeader(HeaderId::CallId, "call-in");
    m.AddHeader(HeaderId::CSeq,
                std::to_string(cseq) + " " + std::string(cseqMethod.empty() ? method : cseqMethod));
    m.AddHeader(HeaderId::Timestamp, "54");
    m.AddHeader(HeaderId::ContentLength, "0");
    StampReceivedVia(&m, from);
    return m;
}

/// A response to a request (8.2.6.2): its Vias, From, To (with toTag when the code is not
/// 100 and the To has none), Call-ID and CSeq.
inline Message
MakeResponseTo(const Message& request, uint16_t code, std::string_view toTag = "bob-tag-1")
{
    Message r = Message::MakeResponse(code);
    for (const HeaderField& f : request.GetHeaders())
    {
        if (f.id == HeaderId::Via)
        {
            r.AddHeader(HeaderId::Via, f.value);
        }
    }
    r.AddHeader(HeaderId::From, *request.FindHeader(HeaderId::From));
    std::string to(*request.FindHeader(HeaderId::To));
    if (code != 100 && request.GetTo()->Tag().empty() && !toTag.empty())
    {
        to += ";tag=" + std::string(toTag);
    }
    r.AddHeader(HeaderId::To, to);
    r.AddHeader(HeaderId::CallId, *request.FindHeader(HeaderId::CallId));
    r.AddHeader(HeaderId::CSeq, *request.FindHeader(HeaderId::CSeq));
    r.AddHeader(HeaderId::ContentLength, "0");
    return r;
}

/// The transaction user: records every callback into a log shared with the transport.
class RecordingUser : public TransactionUser
{
  public:
    explicit RecordingUser(std::vector<std::string>* log)
        : m_log(log)
    {}

    void OnRequest(TransactionId id, const Message& request, const Peer& from) override
    {
        lastServerId = id;
        requests.push_back(request);
        requestIds.push_back(id);
        lastFrom = from;
        m_log->push_back("tu request " + std::string(request.GetMethodName()));
        if (onRequest)
        {
            onRequest(id, request);
        }
    }

    void OnAck(const Message& ack, const Peer& from) override
    {
        acks.push_back(ack);
        lastFrom = from;
        m_log->push_back("tu ack");
    }

    void OnResponse(TransactionId id, const Message& response) override
    {
        responses.push_back(response);
        responseIds.push_back(id);
        m_log->push_back("tu " + std::to_string(response.GetStatusCode()));
    }

    void OnStrayResponse(const Message& response, const Peer& from) override
    {
        strays.push_back(response);
        lastFrom = from;
        m_log->push_back("stray " + std::to_string(response.GetStatusCode()));
    }

    void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) override
    {
        (void) kind;
        failures.emplace_back(id, failure);
        m_log->push_back(failure == TransactionFailure::Timeout ? "failure Timeout"
                                                                : "failure TransportError");
        if (onFailure)
        {
            onFailure(id, failure);
        }
    }

    void OnTerminated(TransactionId id, TransactionKind kind) override
    {
        (void) kind;
        terminated.push_back(id);
        m_log->push_back("terminated");
    }

    TransactionId lastServerId = 0;
    Peer lastFrom;
    std::vector<Message> requests;
    std::vector<TransactionId> requestIds;
    std::vector<Message> acks;
    std::vector<Message> responses;
    std::vector<TransactionId> responseIds;
    std::vector<Message> strays;
    std::vector<std::pair<TransactionId, TransactionFailure>> failures;
    std::vector<TransactionId> terminated;
    std::function<void(TransactionId, const Message&)> onRequest;
    std::function<void(TransactionId, TransactionFailure)> onFailure;

  private:
    std::vector<std::string>* m_log;
};

/// One state change seen by the layer's StateObserver.
struct SeenTransition
{
    TransactionId id;
    TransactionKind kind;
    std::string from;
    std::string to;
    Duration at;
};

/// Clock, transport, user and layer, with one log of sends ("send X" / "resend X", X the
/// method or the status code) and user callbacks.
struct Harness
{
    explicit Harness(TimerConfig config = {})
        : transport(&clock)
        , user(&log)
        , layer(clock, transport, config)
    {
        layer.SetUser(&user);
        layer.SetStateObserver([this](TransactionId id, TransactionKind kind, std::string_view from,
                                      std::string_view to) {
            transitions.push_back(
                SeenTransition{id, kind, std::string(from), std::string(to), clock.Now()});
        });
        transport.SetOnSend([this](const FakeTransport::Sent& s) {
            std::string what = s.message.IsRequest() ? std::string(s.message.GetMethodName())
                                                     : std::to_string(s.message.GetStatusCode());
            log.push_back((s.retransmission ? "resend " : "send ") + what);
        });
    }

    /// Send times (ms) of the messages whose log text is what ("INVITE", "486", ...).
    std::vector<int64_t> SendTimes(std::string_view what) const
    {
        std::vector<int64_t> out;
        for (const auto& s : transport.GetSent())
        {
            const std::string text = s.message.IsRequest()
                                         ? std::string(s.message.GetMethodName())
                                         : std::to_string(s.message.GetStatusCode());
            if (text == what)
            {
                out.push_back(Ms(s.at));
            }
        }
        return out;
    }

    /// State name of a transaction; "Terminated" once the layer let it go.
    std::string State(TransactionId id) const
    {
        const std::string_view name = layer.GetStateName(id);
        return name.empty() ? "Terminated" : std::string(name);
    }

    /// Runs the events due now (zero-delay timers: deferred errors, destruction).
    void Settle() { clock.Advance(Duration::zero()); }

    FakeClock clock;
    FakeTransport transport;
    std::vector<std::string> log;
    RecordingUser user;
    TransactionLayer layer;
    std::vector<SeenTransition> transitions;
};

} // namespace sipsim::test

#endif // SIPSIM_TESTS_TRANSACTION_TEST_UTIL_H
