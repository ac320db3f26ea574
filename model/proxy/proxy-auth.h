/*
 * Proxy authentication (RFC 3261 22.3): 407 challenges with Proxy-Authenticate, verified
 * Proxy-Authorization credentials, and the Cisco SPS pre-authentication check (480).
 */
#ifndef SIPSIM_PROXY_AUTH_H
#define SIPSIM_PROXY_AUTH_H

#include "auth/digest.h"
#include "message/sip-message.h"
#include "transaction/timer-service.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sipsim {

/// Who a proxy lets through and how it challenges.
struct ProxyAuthConfig
{
    /// Digest realm of the Proxy-Authenticate challenges.
    std::string realm;
    /// Digest user name -> password.
    std::map<std::string, std::string> users;
    /// Key of the stateless nonces (see DigestServer).
    std::string nonceSecret = "proxy";
    /// Age after which a nonce is stale.
    Duration nonceLifetime = std::chrono::seconds(300);
    /// Digest algorithms challenged with, the preferred first (RFC 8760: one challenge each).
    std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::Md5};
    /// Cisco SPS: an authenticated user who is not preauthorized gets 480.
    bool preauthentication = false;
    /// Who may place calls when preauthentication is on.
    std::set<std::string> preauthorizedUsers;
};

/// What Check decided, one count per call (challenged includes the stale ones).
struct ProxyAuthCounters
{
    uint64_t checked = 0;         ///< calls of Check
    uint64_t challenged = 0;      ///< 407s sent
    uint64_t stale = 0;           ///< of those, with stale=true
    uint64_t rejectedPreauth = 0; ///< 480s: authenticated but not preauthorized
    uint64_t accepted = 0;        ///< valid credentials (and preauthorized when that is on)
    uint64_t exempt = 0;          ///< ACK and CANCEL, let through unchecked (22.1)
};

/**
 * Checks Proxy-Authorization for one realm. Stateless apart from the DigestServer's
 * nonce-count table: the caller answers with the response Check returns, as the server
 * transaction's final response.
 */
class ProxyAuthenticator
{
  public:
    /**
     * \param clock simulated time, for nonces
     * \param config realm, users and the pre-authentication policy
     */
    ProxyAuthenticator(TimerService& clock, ProxyAuthConfig config);

    /**
     * RFC 3261 22.3: nullopt when the request carries valid Proxy-Authorization credentials
     * for this realm (sets *user), else the response to send: 407 with Proxy-Authenticate
     * (stale=true when the nonce only expired), or 480 (Temporarily Unavailable) when
     * preauthentication is on and the authenticated user is not preauthorized. ACK and CANCEL
     * are never challenged (22.1: they cannot be resubmitted): nullopt, *user left unchanged.
     * The credentials stay in the request; a proxy that forwards it decides whether to remove
     * the ones for its realm.
     * \param request the request to check
     * \param user if not null, receives the authenticated user name
     */
    std::optional<Message> Check(const Message& request, std::string* user = nullptr);

    const ProxyAuthCounters& GetCounters() const { return m_counters; }

    const ProxyAuthConfig& GetConfig() const { return m_config; }

  private:
    /// 407 with a fresh challenge.
    Message Challenge407(const Message& request, bool stale);

    TimerService& m_clock;
    ProxyAuthConfig m_config;
    DigestServerSet m_digest;
    ProxyAuthCounters m_counters;
    uint64_t m_tagSerial = 0;
};

} // namespace sipsim

#endif // SIPSIM_PROXY_AUTH_H
