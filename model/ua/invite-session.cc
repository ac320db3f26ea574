/*
 * The INVITE session of one call (RFC 3261 9, 12, 13, 15).
 */
#include "ua/invite-session.h"

#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <algorithm>

namespace sipsim {

namespace {

/// At most this many authenticated retries of one INVITE (stale nonces included).
constexpr int kMaxAuthRetries = 3;

/// RFC 3261 13.2.2.4: "The ACK MUST contain the same credentials as the INVITE" (every ACK
/// for a 2xx: the dialog's, another fork's, a late one).
void
CopyCredentials(const Message& invite, Message* ack)
{
    for (const HeaderId id : {HeaderId::Authorization, HeaderId::ProxyAuthorization})
    {
        for (const HeaderField& field : invite.GetHeaders())
        {
            if (field.id == id)
            {
                ack->AddHeader(id, field.value);
            }
        }
    }
}

} // namespace

std::string_view
CallStateName(CallState state)
{
    switch (state)
    {
        case CallState::Calling:
            return "Calling";
        case CallState::Proceeding:
            return "Proceeding";
        case CallState::Offered:
            return "Offered";
        case CallState::Ringing:
            return "Ringing";
        case CallState::WaitingAck:
            return "WaitingAck";
        case CallState::Confirmed:
            return "Confirmed";
        case CallState::Terminating:
            return "Terminating";
    }
    return "Confirmed";
}

InviteSession::InviteSession(UserAgent& ua, uint32_t handle, Role role)
    : m_ua(ua)
    , m_handle(handle)
    , m_role(role)
    , m_state(role == Role::Uac ? CallState::Calling : CallState::Offered)
{}

InviteSession::~InviteSession()
{
    StopTimers();
    ClearDialog();
}

// --- helpers ------------------------------------------------------------------------------------

void
InviteSession::SetDialog(Dialog dialog)
{
    ClearDialog();
    m_dialog = std::move(dialog);
    m_ua.m_host.AddDialog(m_dialog->GetId(), &m_ua, m_handle);
}

void
InviteSession::ClearDialog()
{
    if (m_dialog)
    {
        m_ua.m_host.RemoveDialog(m_dialog->GetId());
        m_dialog.reset();
    }
}

void
InviteSession::StopTimers()
{
    TimerService& timers = m_ua.m_host.m_timers;
    timers.Cancel(m_retransmitTimer);
    timers.Cancel(m_guardTimer);
    timers.Cancel(m_retryTimer);
    timers.Cancel(m_expiryTimer);
    m_retransmitTimer = 0;
    m_guardTimer = 0;
    m_retryTimer = 0;
    m_expiryTimer = 0;
}

void
InviteSession::EndLater(bool established, uint16_t status, std::string_view reason)
{
    StopTimers();
    UserAgent* ua = &m_ua;
    const uint32_t handle = m_handle;
    m_guardTimer = m_ua.m_host.m_timers.Schedule(
        Duration(0), [ua, handle, established, status, text = std::string(reason)]() {
            ua->EndSession(handle,
                           established ? UserAgent::EndEvent::Ended : UserAgent::EndEvent::Failed,
                           false, status, text);
        });
}

Message
InviteSession::BuildUasResponse(const Message& request, uint16_t code, std::string_view reason,
                                bool withContact)
{
    Message response = BuildResponse(request, code, reason, m_localTag);
    if (withContact)
    {
        // RFC 3261 12.1.1: a dialog-creating response copies the Record-Route values and has
        // a Contact.
        for (const HeaderField& field : request.GetHeaders())
        {
            if (field.id == HeaderId::RecordRoute)
            {
                response.AddHeader(HeaderId::RecordRoute, field.value);
            }
        }
        response.AddHeader(HeaderId::Contact, m_ua.ContactValue());
    }
    m_ua.FinishResponse(&response);
    return response;
}

TransactionId
InviteSession::SendInDialog(Message request, RequestPurpose purpose)
{
    m_ua.Finish(&request);
    const auto peer = m_ua.InDialogPeer(*m_dialog);
    if (!peer)
    {
        return 0;
    }
    return m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, m_handle, purpose}, std::move(request),
                                   *peer);
}

// --- caller side --------------------------------------------------------------------------------

bool
InviteSession::Start(std::string_view target, std::string_view sdp)
{
    const auto peer = m_ua.OutOfDialogPeer(target);
    if (!peer)
    {
        return false;
    }
    // RFC 3261 8.1.1 and 13.2.1: a new Call-ID and From tag, CSeq 1, Contact, Allow.
    m_localTag = m_ua.NewTag();
    m_invite = m_ua.NewRequest("INVITE", target, target, m_ua.NewCallId(), m_localTag, 1);
    m_invite.AddHeader(HeaderId::Contact, m_ua.ContactValue());
    m_invite.AddHeader(HeaderId::Allow, kUaAllow);
    if (m_ua.m_config.inviteExpiresHeader != 0)
    {
        // RFC 3261 13.2.1: the UAC may limit the validity of the invitation (20.19).
        m_invite.AddHeader(HeaderId::Expires, std::to_string(m_ua.m_config.inviteExpiresHeader));
    }
    if (!sdp.empty())
    {
        m_localSdp = std::string(sdp);
        m_invite.SetBody("application/sdp", sdp);
    }
    m_ua.Finish(&m_invite);
    m_inviteTxn = m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, m_handle, RequestPurpose::Invite},
                                          m_invite, *peer);
    if (m_inviteTxn == 0)
    {
        // RFC 3261 8.1.3.1: a transport error is reported as a 503.
        EndLater(false, 503, "Service Unavailable");
    }
    return true;
}

bool
InviteSession::Retarget(std::string_view requestUri)
{
    Uri uri;
    if (!m_retryPending || m_role != Role::Uac || ParseUri(requestUri, &uri) != nullptr
        || !uri.IsSipOrSips())
    {
        return false;
    }
    m_invite.SetRequestUri(requestUri);
    return true;
}

bool
InviteSession::Cancel()
{
    if (m_role != Role::Uac || m_cancelRequested
        || (m_state != CallState::Calling && m_state != CallState::Proceeding))
    {
        return false;
    }
    m_cancelRequested = true;
    if (m_retryPending)
    {
        // The rejected INVITE is complete and the next one not sent: there is nothing to
        // CANCEL (RFC 3261 9.1), the call just ends as a cancelled one would.
        m_retryPending = false;
        EndLater(false, 487, "Request Terminated");
        return true;
    }
    // RFC 3261 9.1: no CANCEL before a provisional response has arrived.
    if (m_state == CallState::Proceeding)
    {
        SendCancelNow();
    }
    return true;
}

void
InviteSession::SendCancelNow()
{
    m_cancelSent = true;
    m_ua.m_host.SendCancel(UaHost::Owner{&m_ua, m_handle, RequestPurpose::Cancel}, m_inviteTxn);
    // RFC 3261 9.1: with no final response 64*T1 after the CANCEL, the INVITE is given up.
    TimerService& timers = m_ua.m_host.m_timers;
    timers.Cancel(m_guardTimer);
    m_guardTimer = timers.Schedule(64 * m_ua.m_host.GetTimerConfig().t1, [this]() {
        m_guardTimer = 0;
        if (m_state == CallState::Calling || m_state == CallState::Proceeding)
        {
            m_ua.EndSession(m_handle, UserAgent::EndEvent::Failed, false, 408, "Request Timeout");
        }
    });
}

void
InviteSession::OnInviteResponse(const Message& response)
{
    const uint16_t code = response.GetStatusCode();
    if (code >= 200 && code < 300)
    {
        OnInvite2xx(response);
        return;
    }
    if (m_state != CallState::Calling && m_state != CallState::Proceeding)
    {
        return; // a late provisional or failure after the call was answered
    }
    if (code < 200)
    {
        // RFC 3261 13.2.2.1: a provisional response with a To tag creates an early dialog.
        if (code > 100 && !m_dialog)
        {
            if (auto dialog = Dialog::CreateAsUac(m_invite, response))
            {
                SetDialog(std::move(*dialog));
            }
        }
        m_state = CallState::Proceeding;
        if (m_cancelRequested)
        {
            if (!m_cancelSent)
            {
                SendCancelNow();
            }
            return;
        }
        if (code > 100 && m_ua.m_listener != nullptr)
        {
            m_ua.m_listener->OnCallProgress(m_ua, CallHandle{m_handle}, code);
        }
        return;
    }
    // A 503 from the outbound proxy: the next backup proxy (RFC 3263 4.3, RFC 3261 21.5.4).
    if (code == 503 && FailOver())
    {
        return;
    }
    // 3xx-6xx (RFC 3261 13.2.2.3); 401/407 answered once (22.2, 22.3).
    if ((code == 401 || code == 407) && !m_cancelRequested && RetryWithCredentials(response))
    {
        return;
    }
    // Then the application may have the INVITE sent again (a 411, a 413 or 503 with
    // Retry-After).
    if (!m_cancelRequested && OfferRejection(response))
    {
        return;
    }
    m_ua.EndSession(m_handle, UserAgent::EndEvent::Failed, false, code, response.GetReasonPhrase());
}

void
InviteSession::OnInvite2xx(const Message& response)
{
    if (m_dialog && m_dialog->IsConfirmed())
    {
        if (m_dialog->MatchesResponse(response))
        {
            // RFC 3261 13.2.2.4: a retransmission of the 2xx is ACKed again.
            if (m_ack)
            {
                m_ua.m_host.m_layer.SendAck(*m_ack, m_ackPeer);
            }
            return;
        }
        DropFork(response);
        return;
    }
    if (m_state != CallState::Calling && m_state != CallState::Proceeding)
    {
        return;
    }
    if (m_dialog && m_dialog->MatchesResponse(response))
    {
        m_dialog->ReceiveResponse(response); // confirms, recomputes the route set
    }
    else if (auto dialog = Dialog::CreateAsUac(m_invite, response))
    {
        SetDialog(std::move(*dialog));
    }
    else
    {
        return;
    }
    m_state = CallState::Confirmed;
    // RFC 3261 13.2.1, RFC 3264 4: an INVITE without an offer gets it in the 2xx, and the
    // answer goes in the ACK.
    std::string answer;
    if (m_localSdp.empty() && !response.GetBody().empty() && m_ua.m_listener != nullptr)
    {
        answer = m_ua.m_listener->OnOfferInAnswer(m_ua, CallHandle{m_handle}, response);
    }
    SendAck(answer);
    // RFC 3261 13.2.2.4: the INVITE is complete 64*T1 after the first 2xx; until then
    // retransmissions of the 2xx are ACKed with the kept ACK.
    TimerService& timers = m_ua.m_host.m_timers;
    timers.Cancel(m_guardTimer);
    m_guardTimer = timers.Schedule(64 * m_ua.m_host.GetTimerConfig().t1, [this]() {
        m_guardTimer = 0;
        m_ack.reset();
    });
    if (m_cancelRequested)
    {
        // The 2xx crossed the CANCEL: the call is ended with a BYE (RFC 3261 9.1, 15).
        SendBye();
        return;
    }
    if (m_ua.m_listener != nullptr)
    {
        m_ua.m_listener->OnCallAnswered(m_ua, CallHandle{m_handle});
    }
}

void
InviteSession::SendAck(const std::string& sdp)
{
    // RFC 3261 13.2.2.4: the ACK is built like a request in the dialog, with the INVITE's
    // CSeq number and credentials (and the SDP answer to an offer in the 2xx, 13.2.1).
    Message ack = m_dialog->CreateRequest("ACK");
    CopyCredentials(m_invite, &ack);
    if (!sdp.empty())
    {
        m_localSdp = sdp;
        ack.SetBody("application/sdp", sdp);
    }
    m_ua.Finish(&ack);
    const auto peer = m_ua.InDialogPeer(*m_dialog);
    if (!peer)
    {
        return;
    }
    m_ack = std::make_unique<Message>(ack);
    m_ackPeer = *peer;
    m_ua.m_host.m_layer.SendAck(std::move(ack), *peer);
}

void
InviteSession::DropFork(const Message& response)
{
    // RFC 3261 13.2.2.4: a 2xx from another fork is ACKed, and that dialog ended with a BYE.
    auto dialog = Dialog::CreateAsUac(m_invite, response);
    if (!dialog)
    {
        return;
    }
    const auto peer = m_ua.InDialogPeer(*dialog);
    if (!peer)
    {
        return;
    }
    Message ack = dialog->CreateRequest("ACK");
    CopyCredentials(m_invite, &ack); // was missing: the fork's ACK had no credentials
    m_ua.Finish(&ack);
    m_ua.m_host.m_layer.SendAck(std::move(ack), *peer);
    Message bye = dialog->CreateRequest("BYE");
    m_ua.Finish(&bye);
    m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, m_handle, RequestPurpose::ForkBye}, std::move(bye),
                            *peer);
}

void
InviteSession::WriteCredentials(const AnsweredChallenge* fresh, const std::string& freshCredentials)
{
    // Credentials already sent answered again with the next nonce-count (the ones sent with
    // nc=1 again would be a replay to a server that checks them), in the order answered.
    m_invite.RemoveHeader(HeaderId::Authorization);
    m_invite.RemoveHeader(HeaderId::ProxyAuthorization);
    for (AnsweredChallenge& a : m_answered)
    {
        const HeaderId id = a.proxy ? HeaderId::ProxyAuthorization : HeaderId::Authorization;
        if (&a == fresh)
        {
            m_invite.AddHeader(id, freshCredentials);
            continue;
        }
        bool ignored = false;
        const std::string again
            = m_ua.AnswerChallenge(a.challenges, "INVITE", m_invite.GetRequestUriText(),
                                   m_invite.GetBody(), &ignored, ++a.nonceCount);
        if (!again.empty())
        {
            m_invite.AddHeader(id, again);
        }
    }
}

bool
InviteSession::RetryWithCredentials(const Message& response)
{
    const uint16_t code = response.GetStatusCode();
    bool stale = false;
    std::vector<Challenge> challenges = UserAgent::ChallengesOf(response);
    const std::string credentials = m_ua.AnswerChallenge(
        challenges, "INVITE", m_invite.GetRequestUriText(), m_invite.GetBody(), &stale);
    if (credentials.empty() || m_authRetries >= kMaxAuthRetries)
    {
        return false;
    }
    Credentials parsed; // Basic credentials name no realm: ""
    const std::string realm
        = Credentials::Parse(credentials, &parsed, nullptr) ? parsed.GetRealm() : std::string();
    // A realm answered before and not stale: the credentials were refused (a wrong password).
    // A new realm is the next proxy on the path (RFC 3665 3.3).
    const bool proxy = code == 407;
    auto answered = std::find_if(m_answered.begin(), m_answered.end(), [&](const auto& a) {
        return a.proxy == proxy && a.realm == realm;
    });
    if (answered != m_answered.end() && !stale)
    {
        return false;
    }
    const auto peer = InvitePeer();
    const CSeq* cseq = m_invite.GetCSeq();
    if (!peer || cseq == nullptr)
    {
        return false;
    }
    ++m_authRetries;
    if (answered == m_answered.end())
    {
        answered = m_answered.insert(m_answered.end(), AnsweredChallenge{proxy, realm, {}, 1});
    }
    answered->challenges = std::move(challenges);
    answered->nonceCount = 1;
    // Same Call-ID, From tag and To; the next CSeq; a new transaction (so a new branch).
    ClearDialog(); // early dialogs of the challenged INVITE ended with it (12.3)
    m_invite.SetHeader(HeaderId::CSeq, std::to_string(cseq->number + 1) + " INVITE");
    WriteCredentials(&*answered, credentials);
    m_state = CallState::Calling;
    m_inviteTxn = m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, m_handle, RequestPurpose::Invite},
                                          m_invite, *peer);
    if (m_inviteTxn == 0)
    {
        EndLater(false, 503, "Service Unavailable");
    }
    return true;
}

bool
InviteSession::OfferRejection(const Message& response)
{
    UaListener* listener = m_ua.m_listener;
    if (listener == nullptr)
    {
        return false;
    }
    // Set during the hook already, so that a Cancel or Hangup from inside it ends the call
    // (from a zero-delay timer) rather than sending a CANCEL for a completed INVITE.
    m_retryPending = true;
    const std::optional<Duration> delay
        = listener->OnInviteRejected(m_ua, CallHandle{m_handle}, response);
    if (!delay)
    {
        m_retryPending = false;
        return false;
    }
    if (m_cancelRequested)
    {
        return true; // cancelled from inside the hook: the end with 487 is scheduled
    }
    // The early dialogs of the rejected INVITE ended with it (RFC 3261 12.3), and its
    // transaction no longer concerns the session.
    ClearDialog();
    m_inviteTxn = 0;
    const Duration wait = std::max(*delay, Duration(0));
    m_retryTimer = m_ua.m_host.m_timers.Schedule(wait, [this]() {
        m_retryTimer = 0;
        ResendInvite();
    });
    return true;
}

std::optional<Peer>
InviteSession::InvitePeer() const
{
    if (m_proxyIndex > 0)
    {
        return m_ua.m_config.backupProxies[m_proxyIndex - 1];
    }
    return m_ua.OutOfDialogPeer(m_invite.GetRequestUriText());
}

bool
InviteSession::FailOver()
{
    if (m_role != Role::Uac || m_cancelRequested || m_dialog.has_value()
        || m_proxyIndex >= m_ua.m_config.backupProxies.size())
    {
        return false;
    }
    // RFC 3263 4.3: "a new request, which is identical to the previous, but has a different
    // value of the Via branch ID" (a new transaction: the same CSeq), to the next server.
    ++m_proxyIndex;
    m_state = CallState::Calling;
    m_inviteTxn = m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, m_handle, RequestPurpose::Invite},
                                          m_invite, *InvitePeer());
    if (m_inviteTxn == 0)
    {
        EndLater(false, 503, "Service Unavailable");
    }
    return true;
}

void
InviteSession::ResendInvite()
{
    m_retryPending = false;
    const auto peer = InvitePeer();
    const CSeq* cseq = m_invite.GetCSeq();
    if (!peer || cseq == nullptr)
    {
        EndLater(false, 503, "Service Unavailable");
        return;
    }
    // Same Call-ID, From tag, Request-URI, To (no tag) and body; the next CSeq (RFC 3261
    // 8.1.3.5); a new transaction, so a new branch.
    const uint32_t next = cseq->number + 1;
    m_invite.SetHeader(HeaderId::CSeq, std::to_string(next) + " INVITE");
    // The same credentials, answered again for the next nonce-count of their nonces (RFC 2617
    // 3.2.2): a server checking nonce-counts takes the same nc twice for a replay.
    WriteCredentials(nullptr, {});
    // Always a Content-Length, with the body's length (the case of a 411 Length Required).
    m_invite.SetHeader(HeaderId::ContentLength, std::to_string(m_invite.GetBody().size()));
    m_state = CallState::Calling;
    m_inviteTxn = m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, m_handle, RequestPurpose::Invite},
                                          m_invite, *peer);
    if (m_inviteTxn == 0)
    {
        EndLater(false, 503, "Service Unavailable");
    }
}

// --- callee side --------------------------------------------------------------------------------

void
InviteSession::Offer(TransactionId id, const Message& invite)
{
    m_inviteTxn = id;
    m_invite = invite;
    m_localTag = m_ua.NewTag();
    m_state = CallState::Offered;
    m_ua.m_host.AddInviteServer(id, &m_ua, m_handle);
    StartExpiry(invite);
}

void
InviteSession::StartExpiry(const Message& invite)
{
    // RFC 3261 13.3.1: "If the INVITE request contained an Expires header field, the UAS core
    // sets a timer for the number of seconds indicated in the header field value"; without
    // one, the configured default (none when zero).
    Duration limit{0};
    if (const std::optional<uint32_t> expires = invite.GetExpires())
    {
        limit = std::chrono::seconds(*expires);
    }
    else if (m_ua.m_config.inviteExpires > Duration(0))
    {
        limit = m_ua.m_config.inviteExpires;
    }
    else
    {
        return;
    }
    m_expiryTimer = m_ua.m_host.m_timers.Schedule(limit, [this]() {
        m_expiryTimer = 0;
        OnExpired();
    });
}

void
InviteSession::OnExpired()
{
    if (m_role != Role::Uas || m_finalSent
        || (m_state != CallState::Offered && m_state != CallState::Ringing))
    {
        return;
    }
    // RFC 3261 13.3.1: "When the timer fires, the invitation is considered to be expired. If
    // the invitation expires before the UAS has generated a final response, a 487 (Request
    // Terminated) response SHOULD be generated." Some phones send 408 instead.
    uint16_t status = m_ua.m_config.inviteExpiredStatus;
    if (status < 300 || status > 699)
    {
        status = 487;
    }
    m_finalSent = true;
    m_ua.m_host.m_layer.SendResponse(m_inviteTxn, BuildUasResponse(m_invite, status, {}, false));
    m_ua.EndSession(m_handle, UserAgent::EndEvent::Failed, false, status, kInviteExpiredReason);
}

bool
InviteSession::Ring()
{
    return m_state == CallState::Offered && Progress(180);
}

bool
InviteSession::Progress(uint16_t code)
{
    if (m_role != Role::Uas || (m_state != CallState::Offered && m_state != CallState::Ringing)
        || code < 180 || code > 199)
    {
        return false;
    }
    // RFC 3261 13.3.1.1: a provisional response with a To tag creates the early dialog
    // (12.1.1); later ones carry the same tag.
    Message response = BuildUasResponse(m_invite, code, {}, true);
    if (!m_dialog)
    {
        if (auto dialog = Dialog::CreateAsUas(m_invite, m_localTag, DialogState::Early))
        {
            SetDialog(std::move(*dialog));
        }
    }
    m_state = CallState::Ringing;
    m_ua.m_host.m_layer.SendResponse(m_inviteTxn, std::move(response));
    return true;
}

bool
InviteSession::Answer(std::string_view sdp)
{
    if (m_role != Role::Uas || (m_state != CallState::Offered && m_state != CallState::Ringing))
    {
        return false;
    }
    if (!sdp.empty())
    {
        m_localSdp = std::string(sdp);
    }
    if (m_dialog)
    {
        m_dialog->Confirm();
    }
    else if (auto dialog = Dialog::CreateAsUas(m_invite, m_localTag, DialogState::Confirmed))
    {
        SetDialog(std::move(*dialog));
    }
    m_finalSent = true;
    SendSuccess(m_inviteTxn, m_invite, false);
    return true;
}

void
InviteSession::SendSuccess(TransactionId id, const Message& request, bool reinvite)
{
    // RFC 3261 13.3.1.4: 2xx with Contact (and Allow, Supported) and the SDP answer.
    m_success = std::make_unique<Message>(BuildUasResponse(request, 200, {}, true));
    m_success->AddHeader(HeaderId::Allow, kUaAllow);
    m_success->AddHeader(HeaderId::Supported, "");
    if (!m_localSdp.empty())
    {
        m_success->SetBody("application/sdp", m_localSdp);
    }
    const CSeq* cseq = request.GetCSeq();
    m_ackTxn = id;
    m_ackSeq = cseq != nullptr ? cseq->number : 0;
    m_reinvite = reinvite;
    m_state = CallState::WaitingAck;
    m_ua.m_host.m_layer.SendResponse(id, *m_success);
    // The core retransmits the 2xx at T1, 2*T1, ... capped at T2, until the ACK. This holds
    // on reliable transports too: the 2xx travels end to end and a later hop may be UDP
    // (RFC 3261 13.3.1.4). With no ACK after 64*T1 the session is ended.
    TimerService& timers = m_ua.m_host.m_timers;
    const TimerConfig& config = m_ua.m_host.GetTimerConfig();
    StopTimers();
    m_interval = config.t1;
    m_retransmitTimer = timers.Schedule(m_interval, [this]() { Retransmit2xx(); });
    m_guardTimer = timers.Schedule(64 * config.t1, [this]() { AckTimeout(); });
}

void
InviteSession::Retransmit2xx()
{
    m_retransmitTimer = 0;
    m_ua.m_host.m_layer.SendResponse(m_ackTxn, *m_success);
    m_interval = std::min(2 * m_interval, Duration(m_ua.m_host.GetTimerConfig().t2));
    m_retransmitTimer = m_ua.m_host.m_timers.Schedule(m_interval, [this]() { Retransmit2xx(); });
}

void
InviteSession::AckTimeout()
{
    // RFC 3261 13.3.1.4: no ACK within 64*T1: the dialog is confirmed, the session ended.
    m_guardTimer = 0;
    m_ua.m_host.m_timers.Cancel(m_retransmitTimer);
    m_retransmitTimer = 0;
    m_success.reset();
    m_hangupPending = false;
    SendBye();
}

void
InviteSession::OnAck(const Message& ack)
{
    const CSeq* cseq = ack.GetCSeq();
    if (m_state != CallState::WaitingAck || cseq == nullptr || cseq->number != m_ackSeq)
    {
        return; // a retransmitted ACK, or one for another INVITE
    }
    StopTimers();
    m_success.reset();
    m_state = CallState::Confirmed;
    if (m_hangupPending)
    {
        SendBye();
        return;
    }
    if (!m_reinvite && m_ua.m_listener != nullptr)
    {
        m_ua.m_listener->OnCallAnswered(m_ua, CallHandle{m_handle});
    }
}

bool
InviteSession::Reject(uint16_t code, std::string_view reason,
                      const std::vector<std::pair<std::string, std::string>>& headers)
{
    if (m_role != Role::Uas || (m_state != CallState::Offered && m_state != CallState::Ringing)
        || code < 300 || code > 699)
    {
        return false;
    }
    m_finalSent = true;
    Message response = BuildUasResponse(m_invite, code, reason, false);
    // Retry-After in a 503 or 486 (RFC 3261 21.5.4, 20.33), Accept in a 415 (21.4.13), ...
    for (const auto& [name, value] : headers)
    {
        if (!name.empty())
        {
            response.AddHeader(std::string_view(name), value);
        }
    }
    m_ua.m_host.m_layer.SendResponse(m_inviteTxn, std::move(response));
    m_ua.EndSession(m_handle, UserAgent::EndEvent::None, false, code, reason);
    return true;
}

void
InviteSession::OnCancel(TransactionId id, const Message& cancel)
{
    // RFC 3261 9.2: 200 to the CANCEL (same To tag as the INVITE's responses), then 487 to
    // the INVITE when it has no final response yet.
    m_ua.Reply(id, cancel, 200, {}, m_localTag);
    if (m_role != Role::Uas || m_finalSent)
    {
        return;
    }
    m_finalSent = true;
    m_ua.m_host.m_layer.SendResponse(m_inviteTxn, BuildUasResponse(m_invite, 487, {}, false));
    m_ua.EndSession(m_handle, UserAgent::EndEvent::Failed, true, 487, "Request Terminated");
}

// --- both sides ---------------------------------------------------------------------------------

bool
InviteSession::Hangup()
{
    switch (m_state)
    {
        case CallState::Calling:
        case CallState::Proceeding:
            return Cancel();
        case CallState::Offered:
        case CallState::Ringing:
            return Reject(603, "Decline");
        case CallState::WaitingAck:
            // RFC 3261 15: the callee sends no BYE before the ACK arrived or timed out.
            m_hangupPending = true;
            return true;
        case CallState::Confirmed:
            SendBye();
            return true;
        case CallState::Terminating:
            return false;
    }
    return false;
}

void
InviteSession::SendBye()
{
    m_state = CallState::Terminating;
    m_byeTxn = m_dialog ? SendInDialog(m_dialog->CreateRequest("BYE"), RequestPurpose::Bye) : 0;
    if (m_byeTxn == 0)
    {
        EndLater(true, 503, "Service Unavailable");
    }
}

void
InviteSession::OnResponse(TransactionId id, RequestPurpose purpose, const Message& response)
{
    switch (purpose)
    {
        case RequestPurpose::Invite:
            if (id == m_inviteTxn)
            {
                OnInviteResponse(response);
            }
            return;
        case RequestPurpose::Bye:
            // RFC 3261 15.1.1: whatever the final response (481 and 408 included), the call
            // is over.
            if (id == m_byeTxn && response.GetStatusCode() >= 200)
            {
                m_ua.EndSession(m_handle, UserAgent::EndEvent::Ended, false, 0, {});
            }
            return;
        default:
            return; // CANCEL: the INVITE's final response decides; forked BYE: nothing to do
    }
}

void
InviteSession::OnFailure(TransactionId id, RequestPurpose purpose, TransactionFailure failure)
{
    const uint16_t status = failure == TransactionFailure::Timeout ? 408 : 503;
    if (purpose == RequestPurpose::Invite && id == m_inviteTxn && m_state == CallState::Calling
        && FailOver())
    {
        // No response at all from the proxy (Timer B) or a transport error: the next backup
        // proxy (RFC 3263 4.3, RFC 3665 3.4).
        return;
    }
    if (purpose == RequestPurpose::Invite && id == m_inviteTxn
        && (m_state == CallState::Calling || m_state == CallState::Proceeding))
    {
        // RFC 3261 8.1.3.1: a timeout is a 408, a transport error a 503.
        m_ua.EndSession(m_handle, UserAgent::EndEvent::Failed, false, status,
                        DefaultReasonPhrase(status));
    }
    else if (purpose == RequestPurpose::Bye && id == m_byeTxn)
    {
        m_ua.EndSession(m_handle, UserAgent::EndEvent::Ended, false, status, {});
    }
}

void
InviteSession::OnRequest(TransactionId id, const Message& request)
{
    const uint16_t verdict = m_dialog ? m_dialog->ReceiveRequest(request) : uint16_t{481};
    if (verdict != 0)
    {
        if (verdict == 500)
        {
            ++m_ua.m_host.m_counters.outOfOrder;
        }
        m_ua.Reply(id, request, verdict);
        return;
    }
    switch (request.GetMethod())
    {
        case Method::Bye:
        {
            // RFC 3261 15.1.2: 200 to the BYE; a pending INVITE gets its 487.
            m_ua.Reply(id, request, 200);
            const bool established = m_state == CallState::WaitingAck
                                     || m_state == CallState::Confirmed
                                     || m_state == CallState::Terminating;
            if (m_role == Role::Uas && !m_finalSent)
            {
                m_finalSent = true;
                m_ua.m_host.m_layer.SendResponse(m_inviteTxn,
                                                 BuildUasResponse(m_invite, 487, {}, false));
            }
            if (m_role == Role::Uac && m_state == CallState::Proceeding)
            {
                // A BYE in the early dialog (the callee's 2xx was lost and it gave up waiting
                // for the ACK, 13.3.1.4): the INVITE is still pending, and an INVITE client
                // transaction in Proceeding has no timer. Ending the session without a CANCEL
                // left it alive forever; the CANCEL ends it (9.1: by its final response, or
                // 64*T1 later without one).
                m_ua.m_host.SendCancel(UaHost::Owner{&m_ua, m_handle, RequestPurpose::Cancel},
                                       m_inviteTxn);
            }
            m_ua.EndSession(m_handle,
                            established ? UserAgent::EndEvent::Ended : UserAgent::EndEvent::Failed,
                            true, 487, "Request Terminated");
            return;
        }
        case Method::Invite:
            HandleReinvite(id, request);
            return;
        case Method::Options:
            m_ua.Reply(id, request, 200);
            return;
        case Method::Extension:
            m_ua.Reply(id, request, 501);
            return;
        default:
            m_ua.Reply(id, request, 405);
            return;
    }
}

void
InviteSession::HandleReinvite(TransactionId id, const Message& request)
{
    // RFC 3261 14.2, kept minimal: a re-INVITE while another INVITE is pending on the dialog
    // (an unanswered or unacknowledged one, either way) gets 491; otherwise 200 with the
    // session's SDP. Its Contact already refreshed the remote target (12.2.2).
    if (m_state != CallState::Confirmed)
    {
        m_ua.Reply(id, request, 491);
        return;
    }
    SendSuccess(id, request, true);
}

void
InviteSession::OnStray2xx(const Message& response)
{
    // RFC 3261 13.2.2.4: a 2xx retransmission after the INVITE transaction is gone.
    if (!m_dialog || !m_dialog->MatchesResponse(response))
    {
        return;
    }
    if (m_ack)
    {
        m_ua.m_host.m_layer.SendAck(*m_ack, m_ackPeer);
        return;
    }
    const auto peer = m_ua.InDialogPeer(*m_dialog);
    if (peer)
    {
        Message ack = m_dialog->CreateRequest("ACK");
        CopyCredentials(m_invite, &ack);
        m_ua.Finish(&ack);
        m_ua.m_host.m_layer.SendAck(std::move(ack), *peer);
    }
}

} // namespace sipsim
