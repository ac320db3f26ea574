/*
 * The core of a transaction-stateful proxy, registrar and redirect server (RFC 3261 16, 10,
 * 8.3, 22.3), as the transaction user of one TransactionLayer. No ns-3: the same code runs on
 * SipStack and on the in-memory network of the unit tests.
 *
 * Per request (16.3 to 16.6): validation (Max-Forwards 483, loop detection 482, Proxy-Require
 * 420, Request-URI length 414, methods 501/405), proxy authentication (22.3, 407), REGISTER to
 * the registrar (10.3), Route processing (16.4), target determination (16.5: location service,
 * static routes, loose routing), then one client transaction per target (16.6), in parallel
 * or sequentially by q-value. Per response (16.7): 100 absorbed, other provisionals and every
 * 2xx forwarded at once, the best final response chosen when every branch is done, 6xx and
 * 2xx cancel the other branches (16.7 step 5, 16.7 step 10), Timer C (16.8), CANCEL (16.10),
 * stateless forwarding of ACK for 2xx and of stray 2xx (16.11).
 *
 * Beyond RFC 3261 (documented in proxy-core.cc): a next hop that answered 503 with Retry-After
 * is not sent requests until that time has passed (RFC 3261 21.5.4, RFC 6357 overload
 * behaviour); requests whose every target is blocked get our own 503 with Retry-After.
 */
#ifndef SIPSIM_PROXY_CORE_H
#define SIPSIM_PROXY_CORE_H

#include "message/sip-message.h"
#include "proxy/location-service.h"
#include "proxy/proxy-auth.h"
#include "proxy/registrar.h"
#include "transaction/peer.h"
#include "transaction/timer-service.h"
#include "transaction/transaction-layer.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipsim {

/// Proxy (16) or redirect server (8.3) for the targets found in the location service.
enum class ProxyMode : uint8_t
{
    Proxy,
    Redirect,
};

/// How several targets of one request are tried (16.6 step 1, 16.7).
enum class ForkMode : uint8_t
{
    Parallel,   ///< every target at once
    Sequential, ///< by q-value: the highest group first, the next when a group fails
};

struct ProxyConfig
{
    /// Our address: Record-Route, recognising our Route and Via values (loop detection).
    Peer self;
    /// Domains we are responsible for (registrar and location service), case-insensitive.
    std::vector<std::string> domains;
    ProxyMode mode = ProxyMode::Proxy;
    ForkMode forking = ForkMode::Parallel;
    /// 16.6 step 4: Record-Route <sip:self;lr> in dialog-creating requests.
    bool recordRoute = true;
    /// 16.6 step 11, 16.8: "MUST be larger than 3 minutes".
    Duration timerC = std::chrono::seconds(181);
    /// A longer Request-URI is answered 414 (Request-URI Too Long).
    size_t maxRequestUriLength = 256;
    /// Proxy-Require option tags we understand; others: 420 with Unsupported (16.3 step 5).
    std::set<std::string> supportedExtensions;
    /// A known method outside this set: 405 with Allow.
    std::set<std::string> allowedMethods
        = {"INVITE", "ACK",  "BYE",       "CANCEL", "OPTIONS", "REGISTER", "PRACK",
           "UPDATE", "INFO", "SUBSCRIBE", "NOTIFY", "REFER",   "MESSAGE",  "PUBLISH"};
    /// An extension method is answered 501 (Cisco SPS generates 501); false: forwarded.
    bool rejectUnknownMethods = true;
    /// Static next hops for other domains (host, lowercase -> proxy).
    std::map<std::string, Peer> routes;
    /// Next hop for other domains without a route (and not an IPv4 literal).
    std::optional<Peer> defaultRoute;
    /// 16.7 step 6: a chosen 503 becomes 500 unless this is set.
    bool forward503 = false;
    /// REGISTER to our domains is handled by a Registrar (its domains default to ours).
    bool registrar = true;
    RegistrarConfig registrarConfig;
    /// 22.3: 407 for requests other than REGISTER, ACK, CANCEL and in-dialog ones (To tag).
    bool authenticate = false;
    ProxyAuthConfig authConfig;
};

/// What the proxy did, for traces and tests.
struct ProxyCounters
{
    uint64_t requests = 0;           ///< requests received (ACK and CANCEL included)
    uint64_t responses = 0;          ///< responses received on client transactions
    uint64_t forwardedRequests = 0;  ///< requests sent on client transactions (branches)
    uint64_t statelessRequests = 0;  ///< ACKs forwarded statelessly (16.11)
    uint64_t forwardedResponses = 0; ///< responses forwarded upstream (stray ones included)
    uint64_t strayResponses = 0;     ///< stray 2xx forwarded statelessly by Via (16.11)
    uint64_t forks = 0;              ///< requests forwarded to more than one target
    uint64_t cancelsReceived = 0;    ///< CANCEL requests received
    uint64_t cancelsSent = 0;        ///< CANCELs sent on branches (16.10, 16.7 step 10, 16.8)
    uint64_t timerC = 0;             ///< Timer C expiries (16.8)
    uint64_t nextHopBlocked = 0;     ///< targets not tried: next hop in its Retry-After time
    std::map<uint16_t, uint64_t> generated; ///< responses the proxy generated, by status code
};

/// Events of a proxy core, for node models and traces. Every method has an empty default.
class ProxyObserver
{
  public:
    virtual ~ProxyObserver() = default;

    /// The proxy answered \p request itself with \p response (100 Trying included).
    virtual void OnGenerated(const Message& request, const Message& response)
    {
        (void) request, (void) response;
    }

    /// A downstream response forwarded upstream (our Via removed).
    virtual void OnForwardedResponse(const Message& response) { (void) response; }

    /// A request sent downstream (branch, CANCEL or stateless ACK), without our Via.
    virtual void OnForwardedRequest(const Message& request, const Peer& to)
    {
        (void) request, (void) to;
    }
};

class ProxyCore : public TransactionUser
{
  public:
    /**
     * \param layer the transaction layer of the proxy's node (the core becomes its user)
     * \param timers the clock (Timer C, Retry-After, nonces, binding expiry)
     * \param config what the proxy serves and how
     */
    ProxyCore(TransactionLayer& layer, TimerService& timers, ProxyConfig config);
    ~ProxyCore() override;
    ProxyCore(const ProxyCore&) = delete;
    ProxyCore& operator=(const ProxyCore&) = delete;

    void SetObserver(ProxyObserver* observer) { m_observer = observer; }

    LocationService& GetLocations() { return m_locations; }

    /// The registrar; nullptr when ProxyConfig::registrar is false.
    Registrar* GetRegistrar() { return m_registrar.get(); }

    const ProxyConfig& GetConfig() const { return m_config; }

    const ProxyCounters& GetCounters() const { return m_counters; }

    /// Response contexts (16.2) alive: requests proxied and not yet finished.
    size_t GetPendingCount() const { return m_contexts.size(); }

    /**
     * The loop-detection part of the branches this proxy puts in the Via of a request
     * forwarded from \p request (16.6 step 8, 16.3 step 4): 16 hex digits of a hash of the
     * To tag, From tag, Call-ID, CSeq number, Request-URI, Route, Proxy-Require and
     * Proxy-Authorization of the request as received, and of \p self. Branches are
     * "z9hG4bK" <this> "." <counter>.
     */
    static std::string LoopHash(const Message& request, const Peer& self);

    // --- TransactionUser -----------------------------------------------------------------------
    void OnRequest(TransactionId id, const Message& request, const Peer& from) override;
    void OnAck(const Message& ack, const Peer& from) override;
    void OnResponse(TransactionId id, const Message& response) override;
    void OnStrayResponse(const Message& response, const Peer& from) override;
    void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) override;
    void OnTerminated(TransactionId id, TransactionKind kind) override;

  private:
    /// One target of a request (16.5) and where it goes (16.6 step 7).
    struct Target
    {
        std::string uri; ///< the Request-URI of the forwarded request
        Peer nextHop;
        uint16_t q = 1000;
    };

    /// One client transaction of a response context.
    struct Branch
    {
        TransactionId client = 0;
        Target target;
        bool provisional = false;     ///< a 1xx arrived: CANCEL may go (9.1)
        bool cancelRequested = false; ///< CANCEL once a provisional arrives
        bool done = false;            ///< a final response (or its stand-in) is in
        TimerId timerC = 0;
        /// When Timer C expires (16.8): a 101-199 moves it on without rescheduling the timer,
        /// which re-arms for the rest when it fires early.
        Duration timerCDue{0};
    };

    /// A final response kept in a response context (16.7 step 4), upstream-ready.
    struct Final
    {
        Message response;
        bool generated = false; ///< ours (408 for a timeout or Timer C, 503 transport error)
    };

    /// The response context of one proxied request (16.2, 16.7).
    struct Context
    {
        TransactionId server = 0;
        Message request; ///< as received
        Message forward; ///< the copy targets are made from (Route processed)
        Peer from;       ///< where the request came from
        bool invite = false;
        std::vector<Branch> branches;
        std::vector<Target> pendingTargets; ///< sequential forking: targets not tried yet
        std::vector<Final> finals;          ///< 3xx-6xx received, and our stand-ins
        bool finalSent = false;             ///< a final response went upstream
        bool noNewBranches = false;         ///< 6xx, 2xx or CANCEL: 16.7 step 5, 16.10
    };

    // 16.3: request validation; each returns true when it answered the request.
    bool CheckMaxForwards(TransactionId id, const Message& request);
    bool CheckLoop(TransactionId id, const Message& request);
    bool CheckProxyRequire(TransactionId id, const Message& request);
    bool CheckRequestUri(TransactionId id, const Message& request);
    bool CheckMethod(TransactionId id, const Message& request);
    /// 22.3: the authenticator's 407 (or its other answer); true when it answered.
    bool CheckProxyAuthorization(TransactionId id, const Message& request);

    /// 16.10: CANCEL of a pending INVITE.
    void HandleCancel(TransactionId id, const Message& cancel);
    /// 16.4: removes our Route value (and undoes a strict router's Request-URI rewrite).
    void ProcessRouteInformation(Message* request) const;
    /// 16.5: targets of a request; empty when none (the caller answers 404).
    std::vector<Target> DetermineTargets(const Message& request, bool inDialog,
                                         bool* fromLocation) const;
    /// Target set of a URI outside our domains (routes, IPv4 literal, default route).
    std::optional<Peer> NextHopForHost(const Uri& uri) const;
    /// Redirect server (8.3): 302 or 300 with the contacts.
    void Redirect(TransactionId id, const Message& request, const std::vector<Target>& targets);
    /// 16.6: forwards the context's request to each target (sequential: the next q group).
    void ForwardToNextTargets(Context& context);
    /// 16.6 steps 1-10 for one target; returns the client transaction id (0: not sent).
    TransactionId ForwardRequest(Context& context, const Target& target);

    // 16.7, 16.8
    void ProcessBranchFinal(Context& context, size_t branch, const Message& response,
                            bool generated);
    void CancelPendingBranches(Context& context);
    void CancelBranch(Branch& branch);
    void StartTimerC(TransactionId client);
    void OnTimerC(TransactionId client);
    void FinishIfDone(Context& context);
    /// 16.7 step 6, 7: the best final response, with challenges aggregated.
    Final ChooseBestResponse(const Context& context);
    void ForwardResponse(Context& context, Message response, bool generated = false);
    void ReleaseIfIdle(TransactionId server);

    /// Next-hop Retry-After bookkeeping (21.5.4, RFC 6357).
    void NoteRetryAfter(const Peer& hop, const Message& response);
    /// Remaining unavailable time of a next hop; zero when available.
    Duration BlockedFor(const Peer& hop) const;

    /// Sends a response we generate on a server transaction and counts it.
    void Reply(TransactionId id, const Message& request, Message response);
    void Reply(TransactionId id, const Message& request, uint16_t code,
               std::string_view reason = {});
    Message MakeReply(const Message& request, uint16_t code, std::string_view reason = {});

    bool IsOurDomain(std::string_view host) const;
    /// A URI naming this proxy (its address and port).
    bool IsSelf(const Uri& uri) const;
    /// A Via value this proxy wrote.
    bool IsOurVia(const Via& via) const;

    Context* FindContextByClient(TransactionId client, size_t* branch);

    TransactionLayer& m_layer;
    TimerService& m_timers;
    ProxyConfig m_config;
    ProxyObserver* m_observer = nullptr;
    LocationService m_locations;
    std::unique_ptr<Registrar> m_registrar;
    std::unique_ptr<ProxyAuthenticator> m_auth;
    ProxyCounters m_counters;
    std::unordered_map<TransactionId, Context> m_contexts;             ///< by server transaction
    std::unordered_map<TransactionId, TransactionId> m_clientToServer; ///< branch -> context
    std::map<std::pair<Ipv4, uint16_t>, Duration> m_unavailableUntil;  ///< next hop -> time
    uint64_t m_tagSerial = 0;
};

} // namespace sipsim

#endif // SIPSIM_PROXY_CORE_H
