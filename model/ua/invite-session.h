/*
 * One call of a user agent: the INVITE session of RFC 3261 13 (with CANCEL, 9, and BYE, 15),
 * on the caller (UAC) or the callee (UAS) side, and the dialog it creates (12).
 */
#ifndef SIPSIM_INVITE_SESSION_H
#define SIPSIM_INVITE_SESSION_H

#include "message/auth-header.h"
#include "transaction/transaction-layer.h"
#include "ua/dialog.h"
#include "ua/ua-config.h"
#include "ua/ua-host.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sipsim {

/// Where a call stands.
enum class CallState : uint8_t
{
    Calling,     ///< caller: INVITE sent, no provisional response yet
    Proceeding,  ///< caller: a provisional response arrived
    Offered,     ///< callee: INVITE received, not answered yet
    Ringing,     ///< callee: 180 sent (early dialog)
    WaitingAck,  ///< callee: 2xx sent and retransmitted until the ACK (13.3.1.4)
    Confirmed,   ///< the session is up
    Terminating, ///< BYE sent, waiting for its response
};

std::string_view CallStateName(CallState state);

class UserAgent;

/**
 * The INVITE session of one call. Created and owned by its UserAgent; the application uses
 * the UserAgent's call methods.
 */
class InviteSession
{
  public:
    enum class Role : uint8_t
    {
        Uac,
        Uas,
    };

    InviteSession(UserAgent& ua, uint32_t handle, Role role);
    ~InviteSession();
    InviteSession(const InviteSession&) = delete;
    InviteSession& operator=(const InviteSession&) = delete;

    uint32_t GetHandle() const { return m_handle; }

    Role GetRole() const { return m_role; }

    CallState GetState() const { return m_state; }

    /// The early or confirmed dialog; nullptr before one exists.
    const Dialog* GetDialog() const { return m_dialog ? &*m_dialog : nullptr; }

    // --- caller side --------------------------------------------------------------------------
    /// Sends the INVITE (RFC 3261 13.2.1). False when there is nowhere to send it.
    bool Start(std::string_view target, std::string_view sdp);
    /**
     * CANCEL now if a provisional response arrived, else once one does (RFC 3261 9.1). While
     * a rejected INVITE waits to be sent again (UaListener::OnInviteRejected), ends the call
     * with OnCallFailed(487) instead.
     */
    bool Cancel();

    /**
     * While a rejected INVITE waits to be sent again (from inside OnInviteRejected): the new
     * INVITE goes to this Request-URI, a Contact of a 3xx (RFC 3261 8.1.3.4: the same Call-ID,
     * From and To, the next CSeq, a new transaction). False when no retry is pending or the URI
     * is not a SIP URI.
     */
    bool Retarget(std::string_view requestUri);

    // --- callee side --------------------------------------------------------------------------
    /// Takes the INVITE of a new incoming call (RFC 3261 13.3.1).
    void Offer(TransactionId id, const Message& invite);
    bool Ring();
    /// Sends a provisional response 180-199 (RFC 3261 21.1) from Offered or Ringing.
    bool Progress(uint16_t code);
    bool Answer(std::string_view sdp);
    /// Sends a 3xx-6xx final response, with the extra (name, value) header fields; the
    /// session ends at once (no event).
    bool Reject(uint16_t code, std::string_view reason,
                const std::vector<std::pair<std::string, std::string>>& headers = {});

    // --- both ---------------------------------------------------------------------------------
    bool Hangup();

    // --- from the host ------------------------------------------------------------------------
    void OnResponse(TransactionId id, RequestPurpose purpose, const Message& response);
    void OnFailure(TransactionId id, RequestPurpose purpose, TransactionFailure failure);
    void OnRequest(TransactionId id, const Message& request);
    void OnAck(const Message& ack);
    void OnCancel(TransactionId id, const Message& cancel);
    void OnStray2xx(const Message& response);

  private:
    void OnInviteResponse(const Message& response);
    void OnInvite2xx(const Message& response);
    /// Answers a challenge once per kind (RFC 3261 22.2, 22.3); false when it cannot.
    bool RetryWithCredentials(const Message& response);
    /// Offers a final 3xx-6xx to UaListener::OnInviteRejected; true when a retry is scheduled.
    bool OfferRejection(const Message& response);
    /// Caller: the INVITE goes to the next backup proxy (UaConfig::backupProxies); false when
    /// none is left.
    bool FailOver();
    /// Caller: where the out-of-dialog INVITE goes: the outbound proxy (or the target), or
    /// the backup proxy failed over to.
    std::optional<Peer> InvitePeer() const;
    /// Sends the INVITE again after a rejection the application retries: next CSeq, new
    /// transaction, the credentials answered again with the next nonce-count.
    void ResendInvite();
    /// Callee: starts the expiry of the offered INVITE (RFC 3261 13.3.1), when it has one.
    void StartExpiry(const Message& invite);
    /// Callee: the INVITE expired unanswered: the configured final status, OnCallFailed.
    void OnExpired();
    /// ACK and BYE a 2xx from another fork (RFC 3261 13.2.2.4).
    void DropFork(const Message& response);
    void SendCancelNow();
    /// The ACK of the 2xx, with `sdp` as its body when not empty (an answer, 13.2.1).
    void SendAck(const std::string& sdp = {});
    void SendBye();
    /// Sends a request inside the dialog to its next hop; 0 when it cannot be sent.
    TransactionId SendInDialog(Message request, RequestPurpose purpose);
    /// 2xx to request (the INVITE or a re-INVITE) in server transaction id, retransmitted.
    void SendSuccess(TransactionId id, const Message& request, bool reinvite);
    void Retransmit2xx();
    void AckTimeout();
    void HandleReinvite(TransactionId id, const Message& request);
    Message BuildUasResponse(const Message& request, uint16_t code, std::string_view reason,
                             bool withContact);
    void SetDialog(Dialog dialog);
    void ClearDialog();
    void StopTimers();
    /// Ends the session soon (from a zero-delay timer) with OnCallFailed or OnCallEnded.
    void EndLater(bool established, uint16_t status, std::string_view reason);

    UserAgent& m_ua;
    uint32_t m_handle;
    Role m_role;
    CallState m_state;
    bool m_cancelRequested = false;
    bool m_cancelSent = false;
    bool m_finalSent = false;     ///< callee: a final response to the INVITE was sent
    bool m_hangupPending = false; ///< callee: BYE waits for the ACK (RFC 3261 15)
    bool m_reinvite = false;      ///< the 2xx awaiting its ACK answers a re-INVITE
    bool m_retryPending = false;  ///< caller: a rejected INVITE is to be sent again
    uint8_t m_authRetries = 0;    ///< authenticated retries sent (stale ones included)
    uint8_t m_proxyIndex = 0;     ///< caller: 0, or 1 + the backup proxy failed over to
    /// A challenge answered: a 401 or a 407 of one realm (each proxy on the path has its own,
    /// RFC 3665 3.3), its response's challenges, and how many INVITEs answered its nonce
    /// (RFC 2617 3.2.2 nonce-count). Every later INVITE answers all of them again (RFC 3261
    /// 22.3: the credentials for each proxy, in order).
    struct AnsweredChallenge
    {
        bool proxy; ///< a 407 (Proxy-Authorization); else a 401 (Authorization)
        std::string realm;
        std::vector<Challenge> challenges;
        uint32_t nonceCount = 1;
    };
    std::vector<AnsweredChallenge> m_answered;

    /// Writes the credentials of every answered challenge into m_invite, each for the next
    /// nonce-count but `fresh` (answered now, nc=1, with `freshCredentials`).
    void WriteCredentials(const AnsweredChallenge* fresh, const std::string& freshCredentials);
    TransactionId m_inviteTxn = 0;
    TransactionId m_byeTxn = 0;
    TransactionId m_ackTxn = 0; ///< server transaction whose 2xx awaits the ACK
    uint32_t m_ackSeq = 0;      ///< CSeq of the INVITE whose 2xx awaits the ACK
    std::string m_localTag;
    std::string m_localSdp;
    Message m_invite; ///< caller: last INVITE sent (no Via); callee: the INVITE
    std::optional<Dialog> m_dialog;
    std::unique_ptr<Message> m_ack; ///< caller: the ACK of the 2xx, kept for 64*T1
    Peer m_ackPeer;
    std::unique_ptr<Message> m_success; ///< callee: the 2xx retransmitted until the ACK
    Duration m_interval{0};
    TimerId m_retransmitTimer = 0;
    TimerId m_guardTimer = 0;
    TimerId m_retryTimer = 0;  ///< caller: sends the INVITE again (OnInviteRejected)
    TimerId m_expiryTimer = 0; ///< callee: the INVITE's expiry (RFC 3261 13.3.1)
};

} // namespace sipsim

#endif // SIPSIM_INVITE_SESSION_H
