/*
 * A scripted far end: a user agent server that answers every INVITE with the responses it is
 * configured with. It stands for equipment a scenario does not model (another operator's
 * network, an application server, a SIPp "uas" that refuses), so that the codes no modelled
 * device generates (181, 410, 484, 604, ...) reach proxies, phones and gateways, whose device
 * profiles say what they do on receipt. It follows RFC 3261 alone and has no device profile.
 */
#ifndef SIPSIM_SIP_RESPONDER_H
#define SIPSIM_SIP_RESPONDER_H

#include "auth/digest.h"
#include "node/sip-endpoint.h"
#include "ua/user-agent.h"

#include <cstdint>
#include <map>
#include <memory>
#include <ns3/application.h>
#include <ns3/event-id.h>
#include <ns3/nstime.h>
#include <ns3/ptr.h>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sipsim {

/// What a SipResponder did, for tests.
struct SipResponderCounters
{
    uint64_t invitesOffered = 0;  ///< new INVITEs (calls) that reached it
    uint64_t provisionalSent = 0; ///< provisional responses sent (each code of each call)
    uint64_t finalSent = 0;       ///< final responses sent (FinalStatus)
    uint64_t cancelled = 0;       ///< calls the caller cancelled before the final response
    uint64_t challenged = 0;      ///< INVITEs answered 401 (SetUsers)
};

/**
 * A scripted user agent server (an ns3::Application). The node needs a SipStack
 * (SipStackHelper) first. At start it adds one UserAgent with the Aor to the node's UaHost and
 * makes it the host's fallback, so an INVITE for any user at the node's address reaches it.
 *
 * For every new INVITE (RFC 3261 13.3.1): the Provisional codes at once, in order (the first
 * creates the early dialog, 13.3.1.1), then FinalDelay later the FinalStatus, with the header
 * fields RFC 3261 21 asks of it: Contact for a 3xx (Contact, when set), Allow for 405
 * (21.4.6), Accept for 415 (21.4.13), and Retry-After when RetryAfter is set (20.33). A CANCEL
 * before the final response gets 200 and the INVITE 487 (9.2); the core answers OPTIONS and
 * in-dialog requests for no dialog (481) as any user agent.
 *
 * Statuses whose mandatory header it has nothing to put in (401 and 407 need a challenge, 420
 * an Unsupported list, 423 a Min-Expires; 2xx would need a session) are refused by
 * CheckConfiguration, and at start.
 *
 * With users (SetUsers), it authenticates as a UAS may (RFC 3261 22.2): an INVITE without
 * valid digest credentials of one of them, for the Realm, is answered 401 with a
 * WWW-Authenticate challenge (stale=true for an expired nonce); one with valid credentials
 * gets the responses above.
 */
class SipResponder
    : public ns3::Application
    , public UaListener
{
  public:
    static ns3::TypeId GetTypeId();
    SipResponder();
    ~SipResponder() override;

    /**
     * Checks the attributes: (attribute, problem), with an empty problem when they are
     * usable. `sipsim validate` reports it, as `run` would abort at start.
     */
    std::pair<std::string, std::string> CheckConfiguration() const;

    const SipResponderCounters& GetCounters() const { return m_counters; }

    /// The users (name -> password) whose credentials it accepts; empty: no authentication.
    void SetUsers(std::map<std::string, std::string> users) { m_users = std::move(users); }

    // UaListener
    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override;
    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override;

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    /// The final response of one call.
    void SendFinal(uint32_t call);
    /// With users: true when the INVITE carries valid credentials; otherwise the call is
    /// answered 401 with a challenge and false returned.
    bool Authenticated(CallHandle call, const Message& invite);

    // Attributes (defaults in GetTypeId).
    std::string m_aor;
    uint32_t m_finalStatus;
    std::string m_provisional;
    ns3::Time m_finalDelay;
    uint32_t m_retryAfter;
    std::string m_contact;
    std::string m_realm;
    std::map<std::string, std::string> m_users;
    std::unique_ptr<DigestServer> m_digest;

    std::vector<uint16_t> m_provisionalCodes;
    ns3::Ptr<SipEndpoint> m_endpoint;
    UserAgent* m_ua = nullptr;
    std::unordered_map<uint32_t, ns3::EventId> m_pending; ///< call -> its final response
    SipResponderCounters m_counters;
};

} // namespace sipsim

#endif // SIPSIM_SIP_RESPONDER_H
