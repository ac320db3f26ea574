/*
 * A SIP user agent (RFC 3261 8): one address of record with its Contact, calls (13, 15),
 * registration (10) and OPTIONS (11), hosted with many others by a UaHost.
 */
#ifndef SIPSIM_USER_AGENT_H
#define SIPSIM_USER_AGENT_H

#include "ua/invite-session.h"
#include "ua/registration-client.h"
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

/**
 * One user agent. Created by UaHost::AddUserAgent. The call methods return false (or an
 * invalid handle) when the call does not exist or is not in a state where the action applies;
 * they never fire events from inside themselves (events come from received messages and
 * timers).
 *
 * Identifiers are deterministic: Call-IDs, tags and cnonces combine a per-host counter with a
 * hash of the AOR, so a simulation run twice produces the same messages.
 */
class UserAgent
{
  public:
    ~UserAgent();
    UserAgent(const UserAgent&) = delete;
    UserAgent& operator=(const UserAgent&) = delete;

    const UaConfig& GetConfig() const { return m_config; }

    /**
     * A number of the application's own for this UA (0 until set): a node model hosting many
     * users keeps its user's index here, so a listener callback finds the user without a map.
     */
    uint32_t GetTag() const { return m_tag; }

    void SetTag(uint32_t tag) { m_tag = tag; }

    UaHost& GetHost() { return m_host; }

    /// The clock of the UA's host (shared by every UA of the host).
    TimerService& GetTimers() { return m_host.GetTimers(); }

    /// The Contact URI: "sip:<contactUser>@<contactHost>:<contactPort>[;transport=tcp]".
    const std::string& GetContactUri() const { return m_contact; }

    void SetListener(UaListener* listener) { m_listener = listener; }

    UaListener* GetListener() const { return m_listener; }

    // --- calls --------------------------------------------------------------------------------
    /**
     * Calls targetUri (RFC 3261 13.2.1): an INVITE with a new Call-ID and From tag, Contact,
     * Max-Forwards 70 and the SDP offer (when not empty), to the outbound proxy or the
     * target's host.
     * \return the call's handle; invalid when targetUri is not a sip/sips URI or there is
     *         nowhere to send it
     */
    CallHandle MakeCall(std::string_view targetUri, std::string_view sdp = {});

    /// Callee: sends 180 Ringing (creates the early dialog).
    bool Ring(CallHandle call);

    /**
     * Callee: sends a provisional response 180-199 (RFC 3261 21.1: 181 Call Is Being
     * Forwarded, 182 Queued, 183 Session Progress, ...), while the call is unanswered; the
     * first creates the early dialog, as Ring does. False for another code.
     */
    bool Progress(CallHandle call, uint16_t code);

    /// Callee: sends 200 OK with Contact and the SDP answer, retransmitted until the ACK.
    bool Answer(CallHandle call, std::string_view sdp = {});

    /// Callee: rejects an unanswered call with a 3xx-6xx status; the call ends at once.
    bool Reject(CallHandle call, uint16_t code = 486, std::string_view reason = {});

    /**
     * Callee: as Reject above, with extra header fields (name, value) in the final response:
     * {{"Retry-After", "30"}} in a 503 (RFC 3261 21.5.4, 20.33), {{"Accept",
     * "application/sdp"}} in a 415 (21.4.13). Pairs with an empty name are skipped; the
     * headers are added as given, so they should not repeat the ones the core writes (Via,
     * From, To, Call-ID, CSeq, Content-Length).
     */
    bool Reject(CallHandle call, uint16_t code, std::string_view reason,
                const std::vector<std::pair<std::string, std::string>>& headers);

    /// Caller: cancels an unanswered call (RFC 3261 9.1); OnCallFailed(487) follows.
    bool Cancel(CallHandle call);

    /**
     * Caller, from inside OnInviteRejected (before returning a delay): the INVITE is sent
     * again to this Request-URI, a Contact of the 3xx (RFC 3261 8.1.3.4).
     */
    bool Redirect(CallHandle call, std::string_view requestUri);

    /**
     * Ends a call whatever its state: BYE when established (RFC 3261 15.1.1; the callee waits
     * for the ACK first), CANCEL when the caller has no answer yet, 603 Decline when the
     * callee has not answered (which, as with Reject, ends the call at once without an event).
     */
    bool Hangup(CallHandle call);

    /// The call's state; nullopt when the call does not exist (ended or never existed).
    std::optional<CallState> GetCallState(CallHandle call) const;

    /// The call's dialog; nullptr when it has none or does not exist.
    const Dialog* GetDialog(CallHandle call) const;

    size_t GetCallCount() const { return m_sessions.size(); }

    // --- registration -------------------------------------------------------------------------
    /// Registers the Contact (RFC 3261 10.2) and keeps the binding refreshed.
    bool Register();

    /// Removes the binding (Expires: 0) and stops refreshing.
    bool Unregister();

    /// Removes every binding of the AOR, other devices' too: REGISTER with "Contact: *" and
    /// Expires: 0 (RFC 3261 10.2.2, RFC 3665 2.4); OnUnregistered follows.
    bool UnregisterAll();

    /// Asks the registrar for the AOR's bindings: REGISTER without Contact (RFC 3261 10.2.3,
    /// RFC 3665 2.3); OnBindingsQueried reports them. False while a REGISTER is in flight.
    bool QueryBindings();

    /// Adds another contact (any URI) to the AOR's bindings: REGISTER with that Contact alone
    /// (RFC 3665 2.2); OnBindingsQueried reports the bindings the 200 lists. Not refreshed.
    /// False while a REGISTER is in flight.
    bool AddContact(const std::string& uri);

    bool IsRegistered() const;

    /// The registration client; nullptr before the first Register.
    const RegistrationClient* GetRegistration() const { return m_registration.get(); }

    // --- OPTIONS ------------------------------------------------------------------------------
    /// Sends an OPTIONS out of dialog (RFC 3261 11.1); OnOptionsResponse reports the status.
    bool SendOptions(std::string_view targetUri);

  private:
    friend class UaHost;
    friend class InviteSession;
    friend class RegistrationClient;

    UserAgent(UaHost& host, UaConfig config, UaListener* listener);

    // --- from the host ------------------------------------------------------------------------
    void OnRequest(TransactionId id, const Message& request, const Peer& from);
    void OnResponse(TransactionId id, const UaHost::Owner& owner, const Message& response);
    void OnFailure(TransactionId id, const UaHost::Owner& owner, TransactionFailure failure);

    // --- for sessions and the registration client ---------------------------------------------
    /// How a call's end is reported.
    enum class EndEvent : uint8_t
    {
        None,   ///< ended by the application itself (Reject)
        Failed, ///< OnCallFailed
        Ended,  ///< OnCallEnded
    };

    InviteSession* FindSession(uint32_t handle) const;
    /// The session of that handle by binary search; end() when none.
    std::vector<std::unique_ptr<InviteSession>>::const_iterator LocateSession(
        uint32_t handle) const;
    /**
     * Destroys the session, then reports the end of the call. The session is gone when this
     * returns: a session calling it must return at once.
     */
    void EndSession(uint32_t handle, EndEvent event, bool byRemote, uint16_t status,
                    std::string_view reason);
    uint32_t NextCallHandle();
    /**
     * An out-of-dialog request (RFC 3261 8.1.1): Request-URI, To (no tag), From with the
     * display name, AOR and fromTag, Call-ID, CSeq, Max-Forwards 70.
     */
    Message NewRequest(std::string_view method, std::string_view requestUri, std::string_view toUri,
                       std::string_view callId, std::string_view fromTag, uint32_t cseq) const;
    /// Adds User-Agent and, when absent, Content-Length 0.
    void Finish(Message* request) const;
    /// Adds the Server header.
    void FinishResponse(Message* response) const;
    /// Sends a response in server transaction id, with the Server header added.
    void SendResponse(TransactionId id, Message response) const;
    /**
     * Answers request with BuildResponse (a new To tag when the request has none and toTag is
     * empty); 405 gets Allow, a 200 to OPTIONS the capabilities (RFC 3261 8.2.1, 11.2).
     */
    void Reply(TransactionId id, const Message& request, uint16_t code,
               std::string_view reason = {}, std::string_view toTag = {});
    /// "<contact>" (with ;expires=N when expires is given).
    std::string ContactValue(std::optional<uint32_t> expires = std::nullopt) const;
    /// Where an out-of-dialog request for that URI goes (RFC 3261 8.1.2).
    std::optional<Peer> OutOfDialogPeer(std::string_view requestUri) const;
    /// Where a request in a dialog goes: its next-hop URI, else the outbound proxy.
    std::optional<Peer> InDialogPeer(const Dialog& dialog) const;
    /**
     * Credentials answering the challenges of a 401 (WWW-Authenticate) or 407
     * (Proxy-Authenticate) response (RFC 3261 22.2, 22.3; ChallengesOf), for a request with
     * that method, Request-URI and body. Empty when no challenge can be answered. Digest only,
     * unless UaConfig::allowBasicAuth: then Basic credentials (RFC 7617) answer challenges that
     * include a Basic one and no Digest one. RegistrationClient and InviteSession keep the
     * parsed challenges, not the whole response, to answer them again.
     * \param stale set to true when the answered challenge said stale=true
     * \param nonceCount the nc of the credentials: 1 for a new challenge, the next count when
     *        a challenge whose nonce was already used is answered again (RFC 2617 3.2.2)
     */
    std::string AnswerChallenge(const std::vector<Challenge>& challenges, std::string_view method,
                                std::string_view requestUri, std::string_view body, bool* stale,
                                uint32_t nonceCount = 1);
    /// The challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) response.
    static std::vector<Challenge> ChallengesOf(const Message& response);
    std::string NewTag();
    std::string NewCallId();

    UaHost& m_host;
    UaConfig m_config;
    UaListener* m_listener;
    std::string m_contact;
    /// Hash of the AOR and the contact host: the prefix of this user agent's tags, Call-IDs
    /// and cnonces. Two devices of one user (one AOR on two nodes) differ by their hosts, so
    /// the To tags of their answers to one forked INVITE differ (RFC 3261 19.3: tags unique).
    uint32_t m_uaHash;
    uint32_t m_lastCall = 0;
    uint32_t m_tag = 0;
    std::vector<std::unique_ptr<InviteSession>> m_sessions;
    std::unique_ptr<RegistrationClient> m_registration;
};

} // namespace sipsim

#endif // SIPSIM_USER_AGENT_H
