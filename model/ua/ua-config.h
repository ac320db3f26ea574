/*
 * What a user agent is configured with, the handle of its calls, and the events it reports
 * (RFC 3261 8, 10, 13, 15, 22).
 */
#ifndef SIPSIM_UA_CONFIG_H
#define SIPSIM_UA_CONFIG_H

#include "message/sip-message.h"
#include "transaction/peer.h"
#include "transaction/timer-service.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

class UserAgent;

/// The reason OnCallFailed reports (callee side) when an incoming INVITE expired unanswered
/// (RFC 3261 13.3.1), whatever status was sent: tells it from a CANCEL when both are 487.
inline constexpr std::string_view kInviteExpiredReason = "INVITE expired";

/**
 * One user agent's identity and servers.
 *
 * Only aor is required; every other field has a default, resolved when the UA is added to a
 * UaHost (see the field comments).
 */
struct UaConfig
{
    /// Address of record, a sip or sips URI with a user part: "sip:alice@example.com".
    std::string aor;
    /// Display name in From (and in the To of REGISTER); none when empty.
    std::string displayName;

    /// Digest user name (RFC 3261 22.2); default: the user part of the AOR.
    std::string username;
    /// Digest password; without one, challenges fail the request with their status.
    std::string password;
    /// Realm the credentials are for; empty: answer a challenge from any realm (22.1).
    std::string realm;
    /**
     * Answer a 401/407 whose challenges are all Basic (RFC 7617) with Basic credentials, when
     * a password is set. RFC 3261 22.1 forbids Basic ("MUST NOT"); some gateways' profiles
     * allow it. A Digest challenge is always preferred: Basic is used only when the response
     * carries no Digest challenge at all. Retried like Digest (once per kind).
     */
    bool allowBasicAuth = false;

    /// User part of the Contact URI, also the key incoming requests are dispatched by;
    /// default: the user part of the AOR. Unique within a UaHost.
    std::string contactUser;
    /// Host of the Contact URI; default: TransactionTransport::GetLocalPeer(transport) address.
    std::string contactHost;
    /// Port of the Contact URI; 0: the local peer's port.
    uint16_t contactPort = 0;
    /// Transport put in Contact (";transport=tcp") and used for targets that name none.
    TransportProtocol transport = TransportProtocol::Udp;

    /**
     * Outbound proxy (RFC 3261 8.1.2): every out-of-dialog request is sent there. Without one,
     * a request goes to the host and port of its Request-URI, when the host is an IPv4 address.
     */
    std::optional<Peer> outboundProxy;
    /**
     * Backup outbound proxies, in order (RFC 3263 4.3, RFC 3665 3.4): when an out-of-dialog
     * INVITE to the outbound proxy times out (Timer B) or fails in transport before any
     * response, or is answered 503, it is sent to the next of these: the same request (same
     * CSeq) in a new transaction. Only INVITEs fail over; other requests use outboundProxy.
     */
    std::vector<Peer> backupProxies;

    /// Request-URI of REGISTER (RFC 3261 10.2); default: "sip:" + the AOR's host part.
    std::string registrarUri;
    /// Where REGISTER is sent; default: the outbound proxy, else the registrar URI's host.
    std::optional<Peer> registrar;
    /// Expiry asked for in REGISTER (RFC 3261 10.2.1.1), in seconds.
    uint32_t registerExpires = 3600;
    /// q of the Contact in REGISTER, in thousandths (RFC 3261 10.2.1.2: the binding's
    /// preference among the AOR's contacts, which a forking proxy tries in q order, 16.6);
    /// none: no q parameter (the registrar's default, 1).
    std::optional<uint16_t> contactQ;
    /// A refresh (any REGISTER after the first) carries credentials for the last challenges
    /// answered, at their next nonce-count, before being challenged (RFC 3261 22.1): no 401
    /// round trip while the nonce is valid. False: every REGISTER is challenged afresh.
    bool reuseCredentials = false;
    /**
     * A binding granted for E seconds is refreshed at max(E - registerRefreshMargin, E / 2)
     * seconds after the 200 (OK) arrived (RFC 3261 10.2.4 leaves the time to the UA): late
     * enough not to waste messages, early enough for a refresh to time out (64*T1 = 32 s) and
     * be retried before the binding expires; the E / 2 floor covers short grants.
     */
    Duration registerRefreshMargin = std::chrono::seconds(32);

    /// User-Agent header of requests and Server header of responses; none when empty.
    std::string userAgent;

    /**
     * Callee: how long an incoming INVITE without an Expires header may stay unanswered
     * (RFC 3261 13.3.1); 0: no limit. An Expires header in the INVITE takes precedence (its
     * value in seconds, 0 included: the offer then expires at once, from a zero-delay timer
     * after OnCallOffered). When the time runs out while the call is Offered or Ringing, the
     * session sends inviteExpiredStatus and the listener gets OnCallFailed with it.
     */
    Duration inviteExpires{0};
    /**
     * The final status sent when an incoming INVITE expires: 487 (Request Terminated) per
     * RFC 3261 13.3.1; some phones send 408 (Request Timeout) instead. Outside 300-699: 487.
     */
    uint16_t inviteExpiredStatus = 487;
    /// Caller: when nonzero, outgoing INVITEs carry "Expires: N" (RFC 3261 13.2.1, 20.19).
    uint32_t inviteExpiresHeader = 0;
};

/**
 * Names one call of one UserAgent: unique within that UA for its lifetime (never reused);
 * 0 is "no call".
 */
struct CallHandle
{
    uint32_t value = 0;

    bool IsValid() const { return value != 0; }

    explicit operator bool() const { return IsValid(); }

    bool operator==(const CallHandle& o) const { return value == o.value; }

    bool operator!=(const CallHandle& o) const { return value != o.value; }
};

/**
 * Events of one user agent. Every method has an empty default. A listener may call the UA
 * back from inside an event (Ring and Answer from OnCallOffered, for instance), but must not
 * destroy or remove the UA there.
 *
 * A call ends with exactly one of OnCallFailed (it was never established) and OnCallEnded
 * (it was), after which its handle is dead, except when the application ended it itself with
 * Reject: that takes effect at once and reports nothing.
 */
class UaListener
{
  public:
    virtual ~UaListener() = default;

    /// A new INVITE arrived for the UA (RFC 3261 13.3.1). Answer with Ring, Answer or Reject.
    virtual void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite)
    {
        (void) ua, (void) call, (void) invite;
    }

    /// Caller side: a provisional response other than 100 (180 Ringing, 183, ...).
    virtual void OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code)
    {
        (void) ua, (void) call, (void) code;
    }

    /**
     * Caller side: a final 3xx-6xx response to the INVITE that the core does not handle
     * itself (RFC 3261 13.2.2.3). The core's own 401/407 retries with credentials (22.2,
     * 22.3) come first; a challenge the core gives up on is offered here too. Not called for
     * the final response of a cancelled INVITE.
     *
     *
eturn nullopt (the default): the call fails with OnCallFailed(status, reason).
     *         A duration d: the call stays alive, and d later (0: from a zero-delay timer,
     *         never from inside this call) the INVITE is sent again in a new transaction,
     *         with the same Call-ID, From tag, Request-URI, To, body and credentials, the
     *         next CSeq and a Content-Length header: for a 411 (Length Required), or a 413 or
     *         503 with Retry-After (see RetryAfterSeconds in ua/ua-messages.h). The state
     *         stays what it was until the new INVITE is sent, then is Calling. Meanwhile
     *         Cancel or Hangup ends the call with OnCallFailed(487). The application is asked
     *         again for every rejection, so it bounds the retries itself.
     */
    virtual std::optional<Duration> OnInviteRejected(UserAgent& ua, CallHandle call,
                                                     const Message& response)
    {
        (void) ua, (void) call, (void) response;
        return std::nullopt;
    }

    /**
     * Caller side, an INVITE sent without a session offer (MakeCall with no SDP, RFC 3261
     * 13.2.1): the 2xx carries the offer, and the answer goes in the ACK (RFC 3264 4).
     * \return the SDP answer the ACK carries; empty: the ACK has no body (the default).
     */
    virtual std::string OnOfferInAnswer(UserAgent& ua, CallHandle call, const Message& response)
    {
        (void) ua, (void) call, (void) response;
        return {};
    }

    /**
     * The call is established. Caller side: the 2xx arrived (and was ACKed, RFC 3261
     * 13.2.2.4). Callee side: the ACK for the 2xx arrived (13.3.1.4).
     */
    virtual void OnCallAnswered(UserAgent& ua, CallHandle call) { (void) ua, (void) call; }

    /**
     * The call ended before it was established. Caller side: the final non-2xx status
     * (after Cancel: 487), 408 when the INVITE timed out, 503 on a transport error (RFC 3261
     * 8.1.3.1). Callee side: 487 when the caller cancelled (RFC 3261 9.2); the status the
     * session sent (UaConfig::inviteExpiredStatus, 487 by default) when the INVITE expired
     * unanswered (RFC 3261 13.3.1, see UaConfig::inviteExpires), with the reason
     * kInviteExpiredReason.
     */
    virtual void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                              std::string_view reason)
    {
        (void) ua, (void) call, (void) status, (void) reason;
    }

    /**
     * An established call ended: byRemote when the peer's BYE arrived, otherwise when the
     * BYE this UA sent (Hangup, a 2xx that crossed a CANCEL, no ACK for its 2xx) got its
     * final response or timed out (RFC 3261 15.1.1).
     */
    virtual void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote)
    {
        (void) ua, (void) call, (void) byRemote;
    }

    /// A REGISTER succeeded; expires is the granted binding lifetime in seconds.
    virtual void OnRegistered(UserAgent& ua, uint32_t expires) { (void) ua, (void) expires; }

    /// A REGISTER (or un-REGISTER) failed: its final status, 408 on timeout, 503 transport.
    virtual void OnRegistrationFailed(UserAgent& ua, uint16_t status) { (void) ua, (void) status; }

    /// The binding was removed (200 to REGISTER with Expires: 0).
    virtual void OnUnregistered(UserAgent& ua) { (void) ua; }

    /// The registrar's answer to a query (UserAgent::QueryBindings): the AOR's contacts.
    virtual void OnBindingsQueried(UserAgent& ua, size_t contacts) { (void) ua, (void) contacts; }

    /// The final response to an OPTIONS sent with UserAgent::SendOptions (408/503 as above).
    virtual void OnOptionsResponse(UserAgent& ua, uint16_t status) { (void) ua, (void) status; }
};

} // namespace sipsim

#endif // SIPSIM_UA_CONFIG_H
