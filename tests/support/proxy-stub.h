/*
 * A small transaction-stateful proxy and registrar for tests of the user-agent core (the real
 * proxy node model is built later, on RFC 3261 16). It is the transaction user of one
 * TransactionLayer:
 *
 * - REGISTER for its domain: bindings from Contact (10.3), with an optional digest challenge
 *   (401, 22.2) checked by a DigestServer against a password table;
 * - other requests: a Route naming the proxy is removed (16.4); a request for a user of its
 *   domain goes to the registered (or statically added) contact, any other to the host and
 *   port of its Request-URI; Max-Forwards is decremented (483 at zero, 16.3), a Record-Route
 *   is added to INVITEs so that in-dialog requests come back through the proxy (16.6), and
 *   Timer C guards each forwarded INVITE (16.6 step 11, 16.8; see kTimerC);
 * - responses go back through the server transaction with the proxy's Via removed (16.7);
 *   100 Trying is not forwarded (16.7 bullet 3);
 * - CANCEL gets 200 and cancels the forwarded INVITE (16.10), once a provisional arrived;
 * - ACKs for 2xx are forwarded statelessly (16.11).
 *
 * Header-only; no ns-3: usable on SipStack and on the in-memory test network.
 */
#ifndef SIPSIM_TESTS_PROXY_STUB_H
#define SIPSIM_TESTS_PROXY_STUB_H

#include "auth/digest.h"
#include "message/sip-text.h"
#include "transaction/transaction-layer.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace sipsim::test {

class ProxyStub : public TransactionUser
{
  public:
    /**
     * \param layer the proxy's transaction layer (the stub becomes its user)
     * \param timers the clock (for nonce times)
     * \param self the proxy's own address and port (Record-Route, Route recognition)
     * \param domain the domain the proxy is registrar for ("example.com")
     */
    ProxyStub(TransactionLayer& layer, TimerService& timers, Peer self, std::string domain)
        : m_layer(layer)
        , m_timers(timers)
        , m_self(self)
        , m_domain(std::move(domain))
    {
        m_layer.SetUser(this);
    }

    ~ProxyStub() override
    {
        for (auto& [client, entry] : m_forwarded)
        {
            m_timers.Cancel(entry.timerC);
        }
    }

    ProxyStub(const ProxyStub&) = delete;
    ProxyStub& operator=(const ProxyStub&) = delete;

    /**
     * Timer C (RFC 3261 16.6 step 11: "MUST be larger than 3 minutes"): a forwarded INVITE
     * with no final response this long after the last provisional is cancelled (16.8), or
     * answered 408 when nothing came back at all. Without it an INVITE whose callee rang and
     * then went silent kept the proxy's client and server transactions alive forever.
     */
    static constexpr Duration kTimerC = std::chrono::seconds(181);

    /// Requires digest authentication of REGISTER with these users' passwords.
    void RequireRegisterAuth(std::map<std::string, std::string> passwords)
    {
        m_passwords = std::move(passwords);
        m_digest.emplace(m_domain, "proxy-stub-secret");
    }

    /// A static location: requests for user@domain go to that peer.
    void AddLocation(const std::string& user, const Peer& contact) { m_locations[user] = contact; }

    /**
     * Requests for the domain with no binding here go to this next hop unchanged (a proxy in
     * front of the domain's registrar).
     */
    void SetNextHop(const Peer& next) { m_nextHop = next; }

    /// Where user@domain is bound, if anywhere.
    std::optional<Peer> FindLocation(const std::string& user) const
    {
        auto it = m_locations.find(user);
        if (it == m_locations.end())
        {
            return std::nullopt;
        }
        return it->second;
    }

    uint32_t GetChallengesSent() const { return m_challenges; }

    uint32_t GetRegistrations() const { return m_registrations; }

    // --- TransactionUser -----------------------------------------------------------------------
    void OnRequest(TransactionId id, const Message& request, const Peer& from) override
    {
        (void) from;
        if (request.GetMethod() == Method::Register)
        {
            Register(id, request);
            return;
        }
        if (request.GetMethod() == Method::Cancel)
        {
            Respond(id, request, 200);
            for (auto& [client, entry] : m_forwarded)
            {
                if (entry.server == CancelTarget(request))
                {
                    entry.cancelled = true;
                    if (entry.provisional)
                    {
                        m_layer.SendCancel(client);
                    }
                }
            }
            return;
        }
        Message out = request;
        std::optional<Peer> next = Route(&out);
        if (!next)
        {
            Respond(id, request, 404);
            return;
        }
        if (out.GetMaxForwards() == 0)
        {
            Respond(id, request, 483);
            return;
        }
        out.SetHeader(HeaderId::MaxForwards,
                      std::to_string(out.GetMaxForwards() < 0 ? 70 : out.GetMaxForwards() - 1));
        if (request.GetMethod() == Method::Invite)
        {
            out.PrependHeader(HeaderId::RecordRoute, "<sip:" + FormatIpv4(m_self.address) + ":"
                                                         + std::to_string(m_self.port) + ";lr>");
            m_inviteServers[ServerKey(request)] = id;
        }
        const TransactionId client = m_layer.SendRequest(std::move(out), *next);
        m_forwarded[client] = Forwarded{id, false, false};
        if (request.GetMethod() == Method::Invite)
        {
            StartTimerC(client);
        }
    }

    void OnAck(const Message& ack, const Peer& from) override
    {
        (void) from;
        Message out = ack;
        std::optional<Peer> next = Route(&out);
        if (next && out.GetMaxForwards() != 0)
        {
            out.SetHeader(HeaderId::MaxForwards, std::to_string(out.GetMaxForwards() - 1));
            m_layer.SendAck(std::move(out), *next);
        }
    }

    void OnResponse(TransactionId id, const Message& response) override
    {
        auto it = m_forwarded.find(id);
        if (it == m_forwarded.end())
        {
            return;
        }
        const uint16_t code = response.GetStatusCode();
        if (code < 200)
        {
            // Any provisional, 100 included, lets the CANCEL go (9.1) and makes Timer C cancel
            // (16.8). (Counting only 101-199 here left an INVITE answered with just a 100 in
            // Proceeding forever: a CANCEL from upstream was never forwarded, and Timer C
            // answered 408 upstream without cancelling it.)
            it->second.provisional = true;
            if (code > 100 && it->second.timerC != 0)
            {
                StartTimerC(id); // 16.7 step 2: a 101-199 resets Timer C
            }
            if (it->second.cancelled)
            {
                m_layer.SendCancel(id);
            }
            if (code == 100)
            {
                return; // 16.7 bullet 3: a 100 (Trying) is not forwarded
            }
        }
        else
        {
            m_timers.Cancel(it->second.timerC);
            it->second.timerC = 0;
        }
        Message out = response;
        out.RemoveFirstValue(HeaderId::Via);
        m_layer.SendResponse(it->second.server, std::move(out));
    }

    void OnStrayResponse(const Message& response, const Peer& from) override
    {
        (void) from;
        Message out = response;
        out.RemoveFirstValue(HeaderId::Via);
        if (const Via* via = out.GetTopVia())
        {
            m_layer.SendStatelessResponse(out, ResponseDestination(*via, Peer{}));
        }
    }

    void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) override
    {
        auto it = m_forwarded.find(id);
        if (it == m_forwarded.end() || kind == TransactionKind::InviteServer
            || kind == TransactionKind::NonInviteServer)
        {
            return;
        }
        const Message* request = m_layer.GetRequest(it->second.server);
        if (request)
        {
            Respond(it->second.server, *request,
                    failure == TransactionFailure::Timeout ? 408 : 503);
        }
    }

    void OnTerminated(TransactionId id, TransactionKind kind) override
    {
        (void) kind;
        if (const auto it = m_forwarded.find(id); it != m_forwarded.end())
        {
            m_timers.Cancel(it->second.timerC);
            m_forwarded.erase(it);
        }
    }

  private:
    struct Forwarded
    {
        TransactionId server = 0;
        bool provisional = false;
        bool cancelled = false;
        TimerId timerC = 0; ///< INVITEs only (16.6 step 11)
    };

    /// (Re)starts Timer C of a forwarded INVITE.
    void StartTimerC(TransactionId client)
    {
        Forwarded& entry = m_forwarded[client];
        m_timers.Cancel(entry.timerC);
        entry.timerC = m_timers.Schedule(kTimerC, [this, client]() { OnTimerC(client); });
    }

    /**
     * RFC 3261 16.8: Timer C fired. After a provisional response the forwarded INVITE is
     * cancelled (its transaction then ends by 9.1 if no final response follows, and
     * OnFailure answers 408 upstream); before any, the proxy acts as if a 408 had arrived.
     */
    void OnTimerC(TransactionId client)
    {
        const auto it = m_forwarded.find(client);
        if (it == m_forwarded.end())
        {
            return;
        }
        it->second.timerC = 0;
        if (it->second.provisional)
        {
            m_layer.SendCancel(client);
            return;
        }
        if (const Message* request = m_layer.GetRequest(it->second.server))
        {
            Respond(it->second.server, *request, 408);
        }
    }

    static std::string ServerKey(const Message& request)
    {
        const Via* via = request.GetTopVia();
        return via ? std::string(via->branch) : std::string();
    }

    /// The INVITE server transaction a CANCEL targets (same branch, 9.2).
    TransactionId CancelTarget(const Message& cancel) const
    {
        auto it = m_inviteServers.find(ServerKey(cancel));
        return it == m_inviteServers.end() ? 0 : it->second;
    }

    /// Removes a Route naming this proxy and finds the next hop (RFC 3261 16.4, 16.5, 16.6).
    std::optional<Peer> Route(Message* request) const
    {
        const std::vector<NameAddr> routes = request->GetRoutes();
        if (!routes.empty() && ParseIpv4(routes.front().uri.host) == m_self.address
            && (routes.front().uri.port < 0 || routes.front().uri.port == m_self.port))
        {
            request->RemoveFirstValue(HeaderId::Route);
        }
        const std::vector<NameAddr> rest = request->GetRoutes();
        const Uri& target = rest.empty() ? request->GetRequestUri() : rest.front().uri;
        if (text::EqualsNoCase(target.host, m_domain))
        {
            auto it = m_locations.find(std::string(target.user));
            if (it == m_locations.end())
            {
                return m_nextHop;
            }
            request->SetRequestUri("sip:" + std::string(target.user) + "@"
                                   + FormatIpv4(it->second.address) + ":"
                                   + std::to_string(it->second.port));
            return it->second;
        }
        std::optional<Ipv4> address = ParseIpv4(target.host);
        if (!address)
        {
            return std::nullopt;
        }
        return Peer{TransportProtocol::Udp, *address,
                    static_cast<uint16_t>(target.port < 0 ? 5060 : target.port)};
    }

    void Respond(TransactionId id, const Message& request, uint16_t code,
                 const std::string& extraName = {}, const std::string& extraValue = {})
    {
        Message response = Message::MakeResponse(code);
        for (std::string_view via : request.GetHeaderValues(HeaderId::Via))
        {
            response.AddHeader(HeaderId::Via, via);
        }
        response.AddHeader(HeaderId::From, *request.FindHeader(HeaderId::From));
        std::string to(*request.FindHeader(HeaderId::To));
        if (request.GetTo() && request.GetTo()->Tag().empty())
        {
            to += ";tag=proxy" + std::to_string(++m_tags);
        }
        response.AddHeader(HeaderId::To, to);
        response.AddHeader(HeaderId::CallId, request.GetCallId());
        response.AddHeader(HeaderId::CSeq, *request.FindHeader(HeaderId::CSeq));
        if (!extraName.empty())
        {
            response.AddHeader(extraName, extraValue);
        }
        response.SetBody("", "");
        m_layer.SendResponse(id, std::move(response));
    }

    double NowSeconds() const { return std::chrono::duration<double>(m_timers.Now()).count(); }

    void Register(TransactionId id, const Message& request)
    {
        const NameAddr* to = request.GetTo();
        if (!to || !text::EqualsNoCase(to->uri.host, m_domain))
        {
            Respond(id, request, 404);
            return;
        }
        const std::string user(to->uri.user);
        if (m_digest)
        {
            const std::vector<Credentials> creds = request.GetCredentials(HeaderId::Authorization);
            auto pw = m_passwords.find(user);
            VerifyResult result = VerifyResult::MissingParameter;
            if (!creds.empty() && pw != m_passwords.end())
            {
                result = m_digest->Verify(creds.front(), "REGISTER", pw->second, NowSeconds());
            }
            if (result != VerifyResult::Ok)
            {
                ++m_challenges;
                Respond(id, request, 401, "WWW-Authenticate",
                        m_digest->MakeChallenge(NowSeconds(), result == VerifyResult::Stale)
                            .ToString());
                return;
            }
        }
        uint32_t expires = request.GetExpires().value_or(3600);
        std::string contactValue;
        for (const NameAddr& contact : request.GetContacts())
        {
            uint32_t e = expires;
            if (contact.expires)
            {
                ParseDeltaSeconds(*contact.expires, &e);
            }
            std::optional<Ipv4> address = ParseIpv4(contact.uri.host);
            if (!address)
            {
                continue;
            }
            if (e == 0)
            {
                m_locations.erase(user);
                continue;
            }
            m_locations[user]
                = Peer{TransportProtocol::Udp, *address,
                       static_cast<uint16_t>(contact.uri.port < 0 ? 5060 : contact.uri.port)};
            contactValue = "<" + contact.uri.ToString() + ">;expires=" + std::to_string(e);
        }
        ++m_registrations;
        Respond(id, request, 200, contactValue.empty() ? "" : "Contact", contactValue);
    }

    TransactionLayer& m_layer;
    TimerService& m_timers;
    Peer m_self;
    std::string m_domain;
    std::map<std::string, Peer> m_locations;
    std::map<std::string, std::string> m_passwords;
    std::optional<DigestServer> m_digest;
    std::optional<Peer> m_nextHop;
    std::unordered_map<TransactionId, Forwarded> m_forwarded;
    std::unordered_map<std::string, TransactionId> m_inviteServers;
    uint32_t m_tags = 0;
    uint32_t m_challenges = 0;
    uint32_t m_registrations = 0;
};

} // namespace sipsim::test

#endif // SIPSIM_TESTS_PROXY_STUB_H
