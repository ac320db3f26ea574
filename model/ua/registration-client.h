/*
 * The registration client of a user agent (RFC 3261 10.2): binds the UA's Contact to its
 * address of record at the registrar, refreshes the binding, and removes it.
 */
#ifndef SIPSIM_REGISTRATION_CLIENT_H
#define SIPSIM_REGISTRATION_CLIENT_H

#include "message/auth-header.h"
#include "transaction/transaction-layer.h"
#include "ua/ua-host.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipsim {

class UserAgent;

/**
 * One UA's registration. REGISTER requests share one Call-ID and count CSeq up (10.2.4);
 * one is in flight at a time (10.2: a new one waits for the final response to the previous).
 *
 * - 200: the granted expiry is the expires parameter of the Contact matching ours, else the
 *   Expires header, else what was asked; the refresh is scheduled per
 *   UaConfig::registerRefreshMargin.
 * - 401/407: answered once with credentials (new CSeq, new transaction); a second challenge
 *   that is not stale=true fails the registration with its status (22.2, 22.3).
 * - 423: asked again with the Min-Expires value (10.2.8), once per larger value.
 * - anything else, a timeout (408) or a transport error (503): failure; no retry.
 */
class RegistrationClient
{
  public:
    enum class State : uint8_t
    {
        Unregistered,
        Registering,   ///< REGISTER with expires > 0 in flight
        Registered,    ///< binding granted; refresh timer running
        Unregistering, ///< REGISTER with expires 0 in flight
    };

    explicit RegistrationClient(UserAgent& ua);
    ~RegistrationClient();
    RegistrationClient(const RegistrationClient&) = delete;
    RegistrationClient& operator=(const RegistrationClient&) = delete;

    /// Registers (or refreshes); queued while another REGISTER is in flight.
    bool Register();
    /// Removes the binding (Expires: 0); queued while another REGISTER is in flight.
    bool Unregister();

    /// REGISTER with "Contact: *" and Expires: 0 (RFC 3261 10.2.2); false while one is in
    /// flight.
    bool UnregisterAll();

    /// REGISTER without Contact: the registrar lists the bindings (RFC 3261 10.2.3); false
    /// while one is in flight.
    bool Query();

    /**
     * REGISTER with another Contact, `uri` (any URI: "mailto:bob@biloxi.example"), for the
     * expiry of our own binding (the configured one when not registered): the registrar adds
     * it to the AOR's bindings (RFC 3261 10.2.1, RFC 3665 2.2) and lists them all in its 200.
     * The client does not refresh it, and its own binding is left as it was. False while a
     * REGISTER is in flight.
     */
    bool AddContact(const std::string& uri);

    State GetState() const { return m_state; }

    /// The expiry granted by the last 200, in seconds (0 when not registered).
    uint32_t GetGrantedExpires() const { return m_granted; }

    /// When the refresh is due (absolute simulated time); Duration::max() when none.
    Duration GetRefreshTime() const { return m_refreshAt; }

    void OnResponse(TransactionId id, const Message& response);
    void OnFailure(TransactionId id, TransactionFailure failure);

  private:
    /// What the REGISTER in flight asks for.
    enum class Kind : uint8_t
    {
        Bindings, ///< our Contact with m_asked (0: remove it)
        Wildcard, ///< "Contact: *", Expires: 0: every binding of the AOR (10.2.2)
        Query,    ///< no Contact: the bindings are listed (10.2.3)
        Added,    ///< m_addedContact: another contact of the AOR (RFC 3665 2.2)
    };

    /// Whether the REGISTER in flight leaves our own binding as it is (a query, an added
    /// contact): its answer or failure changes neither state nor refresh.
    bool LeavesOwnBinding() const { return m_kind == Kind::Query || m_kind == Kind::Added; }

    /// Starts a REGISTER operation for m_wanted (a registration or a refresh): a fresh round of
    /// authentication, with credentials sent before a challenge when reuseCredentials is set.
    bool SendRegister();

    /**
     * Sends the first REGISTER of an operation (register, refresh, un-register, wildcard
     * removal, query) asking for expires seconds: a fresh round of authentication, with
     * credentials for the last challenges sent before a challenge when reuseCredentials is
     * set (RFC 3261 22.1). The operation's kind is set by the caller.
     */
    bool SendFirst(uint32_t expires);

    /// Sends a REGISTER asking for expires seconds, with credentials when given (and a
    /// Proxy-Authorization of its own: the preemptive answer to an earlier 407).
    bool Send(uint32_t expires, const std::string& authHeaderValue, bool proxyAuth,
              const std::string& proxyAuthorization = {});
    void OnSuccess(const Message& response);
    void Fail(uint16_t status);
    /// Starts the queued operation, if any, once nothing is in flight.
    void RunQueued();
    void ScheduleRefresh();

    UserAgent& m_ua;
    std::string m_callId;
    std::string m_fromTag;
    uint32_t m_cseq = 0;
    uint32_t m_asked = 0; ///< expires of the REGISTER in flight
    Kind m_kind = Kind::Bindings;
    std::string m_addedContact;  ///< the URI of Kind::Added
    uint32_t m_addedExpires = 0; ///< and its expiry
    uint32_t m_wanted = 0;       ///< expires to ask for (raised by 423)
    uint32_t m_granted = 0;
    TransactionId m_txn = 0;
    TimerId m_refreshTimer = 0;
    Duration m_refreshAt = Duration::max();
    State m_state = State::Unregistered;
    uint8_t m_authTried = 0;   ///< of the current operation: bit 1 = 401, bit 2 = 407
    uint8_t m_authRetries = 0; ///< authenticated retries of the current operation
    /// The last 401 [0] and 407 [1] answered, and how many REGISTERs answered their nonce
    /// (RFC 2617 3.2.2 nonce-count): an authenticated retry answers both (RFC 3261 22.3).
    std::vector<Challenge> m_challenges[2]; ///< parsed; empty: none
    uint32_t m_nonceCounts[2] = {0, 0};
    enum class Queued : uint8_t
    {
        None,
        Register,
        Unregister,
    } m_queued = Queued::None;
};

} // namespace sipsim

#endif // SIPSIM_REGISTRATION_CLIENT_H
