/*
 * The user-agent core of one SIP endpoint (RFC 3261 8, 12, 13, 15): the transaction user of
 * one TransactionLayer, hosting any number of UserAgents and dispatching what the layer hands
 * up to the one it belongs to.
 */
#ifndef SIPSIM_UA_HOST_H
#define SIPSIM_UA_HOST_H

#include "transaction/transaction-layer.h"
#include "ua/ua-config.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipsim {

class Dialog;
struct DialogId;

/// What a client transaction of a UA was started for (routes its responses back).
enum class RequestPurpose : uint8_t
{
    Invite,   ///< the INVITE of a call (and its authenticated retries)
    Cancel,   ///< CANCEL of that INVITE
    Bye,      ///< BYE of a call
    ForkBye,  ///< BYE of an extra dialog created by a forked 2xx (RFC 3261 13.2.2.4)
    Register, ///< REGISTER of the registration client
    Options,  ///< OPTIONS sent with UserAgent::SendOptions
};

/// What the host answered on its own, for traces and tests.
struct UaHostCounters
{
    uint64_t unknownUser = 0;        ///< 404 to an out-of-dialog request for no hosted UA
    uint64_t noDialog = 0;           ///< 481 to a request with a To tag matching no dialog
    uint64_t noCancelTarget = 0;     ///< 481 to a CANCEL matching no INVITE
    uint64_t outOfOrder = 0;         ///< 500 to an in-dialog request with a lower CSeq
    uint64_t strayAcked = 0;         ///< stray 2xx retransmissions re-ACKed
    uint64_t strayIgnored = 0;       ///< stray 2xx matching no dialog
    uint64_t unmatchedResponses = 0; ///< responses of transactions no UA waits for
};

/**
 * The transaction user of one TransactionLayer (layer.SetUser(&host) is done by the
 * constructor). Hosts many UserAgents and dispatches to them with hash lookups:
 *
 * - responses and transaction failures: by transaction id, to the UA (and call) that sent the
 *   request;
 * - requests with a To tag: by dialog id (Call-ID, To tag, From tag); none matches -> 481
 *   (RFC 3261 12.2.2);
 * - CANCEL: to the INVITE server transaction it matches by top Via (RFC 3261 9.2: 200 to the
 *   CANCEL, 487 to the INVITE); none matches -> 481;
 * - other requests: by the Request-URI user part (the UAs' Contact users), then by address
 *   of record (Request-URI, then To); none matches -> 404, except an OPTIONS to the host
 *   itself (no user part), answered 200 with the capabilities (11.2);
 * - ACKs for 2xx: by dialog id; stray 2xx retransmissions of an INVITE: re-ACKed when they
 *   match a dialog (RFC 3261 13.2.2.4).
 */
class UaHost : public TransactionUser
{
  public:
    /**
     * \param layer the transaction layer; the host becomes its user
     * \param timers the clock the layer runs on, shared by every UA
     * \param transport the layer's transport, for the default Contact address
     */
    UaHost(TransactionLayer& layer, TimerService& timers, TransactionTransport& transport);
    ~UaHost() override;
    UaHost(const UaHost&) = delete;
    UaHost& operator=(const UaHost&) = delete;

    /**
     * Creates a user agent. Fills the config defaults (see UaConfig).
     * \return the UA, owned by the host; nullptr when the AOR is not a sip/sips URI with a
     *         user part, or when another UA already has the same Contact user
     */
    UserAgent* AddUserAgent(UaConfig config, UaListener* listener = nullptr);

    /**
     * Destroys a user agent: its calls and registration vanish without signalling (no BYE,
     * no un-REGISTER) and without events. Must not be called from inside one of its events.
     * Its pending INVITE transactions, which no timer ends, are ended by the host: an INVITE
     * it received and had not answered gets 480, one it sent is cancelled (RFC 3261 9.1: now
     * if a provisional response arrived, else when one does).
     */
    bool RemoveUserAgent(UserAgent* ua);

    /**
     * RemoveUserAgent for many at once, in one pass over the host's tables (removing the
     * users of a node one by one is quadratic). Their INVITEs are ended as above, user agent
     * by user agent in the order given. Pointers that are not hosted UAs are ignored.
     * \return how many were removed
     */
    size_t RemoveUserAgents(const std::vector<UserAgent*>& uas);

    /// The UA whose Contact user this is; nullptr when none.
    UserAgent* FindUserAgent(std::string_view contactUser) const;

    /**
     * Out-of-dialog requests other than OPTIONS that match no hosted UA go to ua instead of
     * being answered 404: a gateway serves a range of numbers with one UA and answers 404
     * itself for the ones it cannot route. nullptr (the default) restores the 404. Cleared
     * when ua is removed.
     */
    void SetFallbackUserAgent(UserAgent* ua);

    UserAgent* GetFallbackUserAgent() const { return m_fallback; }

    size_t GetUserAgentCount() const { return m_agents.size(); }

    TransactionLayer& GetLayer() { return m_layer; }

    TimerService& GetTimers() { return m_timers; }

    const TimerConfig& GetTimerConfig() const { return m_layer.GetTimerConfig(); }

    Peer GetLocalPeer(TransportProtocol transport) const;

    /// Number of dialogs (early or confirmed) registered for dispatch.
    size_t GetDialogCount() const { return m_dialogs.size(); }

    const UaHostCounters& GetCounters() const { return m_counters; }

    // --- TransactionUser ----------------------------------------------------------------------
    void OnRequest(TransactionId id, const Message& request, const Peer& from) override;
    void OnAck(const Message& ack, const Peer& from) override;
    void OnResponse(TransactionId id, const Message& response) override;
    void OnStrayResponse(const Message& response, const Peer& from) override;
    void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) override;
    void OnTerminated(TransactionId id, TransactionKind kind) override;

  private:
    friend class UserAgent;
    friend class InviteSession;
    friend class RegistrationClient;

    /// Where a dialog, a client transaction or an INVITE server transaction belongs.
    struct Owner
    {
        /// nullptr: the INVITE of a removed UA, to be cancelled (RemoveUserAgent)
        UserAgent* ua = nullptr;
        uint32_t call = 0; ///< CallHandle value; 0 for the registration client and OPTIONS
        RequestPurpose purpose = RequestPurpose::Invite;
    };

    /// Sends a request in a client transaction and remembers who gets its responses.
    TransactionId SendRequest(const Owner& owner, Message request, const Peer& to);
    /// Sends the CANCEL of an INVITE client transaction (RFC 3261 9.1).
    TransactionId SendCancel(const Owner& owner, TransactionId invite);
    /// Answers a request with a response built by BuildResponse (and the Server header).
    void Respond(TransactionId id, const Message& request, uint16_t code,
                 std::string_view reason = {}, std::string_view toTag = {});

    void AddDialog(const DialogId& id, UserAgent* ua, uint32_t call);
    void RemoveDialog(const DialogId& id);
    /// Registers an INVITE server transaction for CANCEL matching (until it terminates).
    void AddInviteServer(TransactionId id, UserAgent* ua, uint32_t call);

    /// Key of a dialog, built in m_key (no allocation once it has grown).
    const std::string& DialogKey(std::string_view callId, std::string_view localTag,
                                 std::string_view remoteTag);
    /// "user@host" with the host lower-cased, built in m_lookup.
    const std::string& AorKey(const Uri& uri) const;

    UserAgent* FindTarget(const Message& request) const;
    void HandleCancel(TransactionId id, const Message& cancel);

    /// Next value of the host's serial counter (Call-IDs, tags, cnonces).
    uint64_t NextSerial() { return ++m_serial; }

    TransactionLayer& m_layer;
    TimerService& m_timers;
    TransactionTransport& m_transport;
    std::vector<std::unique_ptr<UserAgent>> m_agents;
    std::unordered_map<std::string, UserAgent*> m_byContactUser;
    std::unordered_map<std::string, UserAgent*> m_byAor;
    std::unordered_map<std::string, Owner> m_dialogs;
    std::unordered_map<TransactionId, Owner> m_clients;
    /// The INVITE server transactions of calls, until they terminate: the owner a CANCEL
    /// reaches (the layer finds the INVITE a CANCEL is for, FindInviteServer).
    std::unordered_map<TransactionId, Owner> m_inviteServers;
    std::string m_key;
    mutable std::string m_lookup; ///< key buffer of the const lookups
    uint64_t m_serial = 0;
    UaHostCounters m_counters;
    UserAgent* m_fallback = nullptr;
};

} // namespace sipsim

#endif // SIPSIM_UA_HOST_H
