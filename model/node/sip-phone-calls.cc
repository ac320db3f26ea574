/*
 * SipPhone, calls: placing, answering, ringing and refusing calls, and the profile's receipt
 * rows applied to the responses the users get (RFC 3261 13, 15; the vendor tables).
 */
#include "node/node-config.h"
#include "node/sip-endpoint.h"
#include "node/sip-phone.h"
#include "sdp/sdp.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <ns3/simulator.h>

namespace sipsim {

sdp::SdpParams
SipPhone::SdpParams(uint32_t index) const
{
    sdp::SdpParams params;
    params.sessionId = index + 1;
    params.sessionVersion = 1;
    params.address = FormatIpv4(m_endpoint->GetHost().GetLocalPeer(TransportProtocol::Udp).address);
    params.port = static_cast<uint16_t>(m_rtpPortBase + 2 * (index % 20000));
    params.codecs = m_codecs;
    return params;
}

std::string
SipPhone::SdpOffer(uint32_t index) const
{
    return sdp::BuildSdp(SdpParams(index));
}

bool
SipPhone::Call(uint32_t index, const std::string& targetUri)
{
    if (index >= m_users.size() || m_users[index].ua == nullptr || m_users[index].call)
    {
        return false;
    }
    User& user = m_users[index];
    const CallHandle call
        = user.ua->MakeCall(targetUri, m_delayedOffer ? std::string() : SdpOffer(index));
    if (!call)
    {
        return false;
    }
    user.call = call;
    user.caller = true;
    user.retries = 0;
    user.ringback = false;
    user.noMedia = false;
    ++m_counters.callsPlaced;
    Fire(user, DeviceEventKind::CallPlaced, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, targetUri);
    if (m_cancelAfter.IsStrictlyPositive())
    {
        // Until the answer, hangupEvent is the caller giving up (CANCEL).
        user.hangupEvent = ns3::Simulator::Schedule(m_cancelAfter, &SipPhone::HangupNow, this,
                                                    index, call.value);
    }
    return true;
}

bool
SipPhone::Hangup(uint32_t index)
{
    if (index >= m_users.size() || !m_users[index].call)
    {
        return false;
    }
    User& user = m_users[index];
    ns3::Simulator::Cancel(user.answerEvent);
    ns3::Simulator::Cancel(user.hangupEvent);
    const CallHandle call = user.call;
    const bool wasOffered = !user.caller && user.ua->GetCallState(call)
                            && (*user.ua->GetCallState(call) == CallState::Offered
                                || *user.ua->GetCallState(call) == CallState::Ringing);
    if (!user.ua->Hangup(call))
    {
        return false;
    }
    if (wasOffered)
    {
        // Declining ends the call at once, without a UA event (UserAgent::Hangup).
        Fire(user, DeviceEventKind::Rejected, 603);
        Fire(user, DeviceEventKind::Cleared, 603);
        EndCall(user);
    }
    return true;
}

void
SipPhone::SetDoNotDisturb(uint32_t index, bool on)
{
    if (index < m_users.size())
    {
        m_users[index].dnd = on;
    }
}

bool
SipPhone::IsInCall(uint32_t index) const
{
    return index < m_users.size() && m_users[index].call.IsValid();
}

SipPhone::User*
SipPhone::FindUser(UserAgent& ua, uint32_t* index)
{
    // The phone tags each of its UAs with the user's index (CreateUa).
    const uint32_t tag = ua.GetTag();
    if (tag >= m_users.size() || m_users[tag].ua != &ua)
    {
        return nullptr;
    }
    if (index != nullptr)
    {
        *index = tag;
    }
    return &m_users[tag];
}

void
SipPhone::Fire(const User& user, DeviceEventKind kind, uint16_t status, profile::Tone tone,
               profile::ReceiptAction action, const std::string& text)
{
    if (m_deviceEvent.IsEmpty())
    {
        return;
    }
    DeviceEvent event;
    event.node = GetNode() ? GetNode()->GetId() : 0;
    event.user = user.ua != nullptr ? user.ua->GetConfig().aor : user.pending->aor;
    event.call = user.call.value;
    event.kind = kind;
    event.status = status;
    event.tone = tone;
    event.action = action;
    event.text = text;
    m_deviceEvent(event);
}

void
SipPhone::EndCall(User& user)
{
    ns3::Simulator::Cancel(user.answerEvent);
    ns3::Simulator::Cancel(user.hangupEvent);
    user.call = CallHandle{};
    user.caller = false;
    user.ringback = false;
    user.answerSdp.clear();
    user.retries = 0;
    user.redirects = 0;
    user.redirectTargets.reset();
}

void
SipPhone::ApplyReceipt(const User& user, const profile::Receipt& receipt, uint16_t status,
                       std::string_view reason)
{
    if (receipt.notify_user())
    {
        Fire(user, DeviceEventKind::Notification, status, profile::TONE_UNSPECIFIED,
             receipt.action(), std::to_string(status) + " " + std::string(reason));
    }
    if (receipt.tone() != profile::TONE_UNSPECIFIED)
    {
        Fire(user, DeviceEventKind::Tone, status, receipt.tone(), receipt.action());
    }
}

// --- callee side ------------------------------------------------------------------------------

void
SipPhone::OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite)
{
    uint32_t index = 0;
    User* user = FindUser(ua, &index);
    if (user == nullptr)
    {
        ua.Reject(call, 480);
        return;
    }
    ++m_counters.callsOffered;
    const auto reject = [&](profile::GenerateCondition condition, uint16_t fallback,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
        uint32_t code = profile::CodeFor(*m_profile, condition);
        code = code != 0 ? code : fallback;
        const std::string reason = profile::ReasonFor(*m_profile, code);
        ++m_counters.callsRejected;
        ua.Reject(call, static_cast<uint16_t>(code), reason, headers);
        CallHandle saved = user->call;
        user->call = call;
        Fire(*user, DeviceEventKind::Rejected, static_cast<uint16_t>(code),
             profile::TONE_UNSPECIFIED, profile::RECEIPT_ACTION_UNSPECIFIED,
             std::string(profile::ConditionText(condition)));
        user->call = saved;
    };
    // The user is on another call (no call waiting) or has do-not-disturb on.
    if (user->call || user->dnd || m_dndAll)
    {
        reject(profile::USER_BUSY, 486, {});
        return;
    }
    // The offer: an SDP body that does not parse makes the request erroneous (400 row); one
    // with no codec in common is an SDP mismatch (488, or what the profile says).
    const std::string_view body = invite.GetBody();
    if (!body.empty())
    {
        std::string error;
        const auto offer = sdp::ParseSdp(body, &error);
        if (!offer)
        {
            reject(profile::MALFORMED_REQUEST, 400, {});
            return;
        }
        // RFC 3264 6.1: the codecs common to the offer and the profile, in the offer's order.
        std::optional<std::string> answer = sdp::BuildAnswer(*offer, m_codecs, SdpParams(index));
        if (!answer)
        {
            reject(profile::SDP_MISMATCH, 488, {{"Accept", "application/sdp"}});
            return;
        }
        user->answerSdp = std::move(*answer);
    }
    else
    {
        // No offer in the INVITE: ours goes in the 200 (RFC 3261 13.2.1).
        user->answerSdp = SdpOffer(index);
    }
    user->call = call;
    user->caller = false;
    ua.Ring(call);
    Fire(*user, DeviceEventKind::Ringing);
    // The draw decides only when it can: a uniform draw on [0, 1) is always below 1 and never
    // below 0, so those probabilities need no draw (and no variable for it).
    const bool answers = m_answerProbability >= 1.0
                         || (m_answerProbability > 0.0
                             && Draw(*user, UserVariable::AnswerDraw) < m_answerProbability);
    // One event per offered call: the answer, or the ring timeout when it comes first.
    const bool timesOut = m_ringTimeout.IsStrictlyPositive();
    if (answers)
    {
        const double delay = std::max(0.0, Draw(*user, UserVariable::AnswerDelay));
        if (!timesOut || ns3::Seconds(delay) < m_ringTimeout)
        {
            user->answerEvent = ns3::Simulator::Schedule(ns3::Seconds(delay), &SipPhone::AnswerNow,
                                                         this, index, call.value);
            return;
        }
    }
    if (timesOut)
    {
        user->answerEvent = ns3::Simulator::Schedule(m_ringTimeout, &SipPhone::RingTimeoutNow, this,
                                                     index, call.value);
    }
}

void
SipPhone::RingTimeoutNow(uint32_t index, uint32_t callValue)
{
    User& user = m_users[index];
    if (user.call.value != callValue || user.caller)
    {
        return;
    }
    std::string reason = profile::ReasonFor(*m_profile, 480);
    if (reason.empty())
    {
        reason = "Temporarily Unavailable";
    }
    if (!user.ua->Reject(user.call, 480, reason))
    {
        return;
    }
    ++m_counters.callsUnanswered;
    Fire(user, DeviceEventKind::Rejected, 480, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, "ring timeout");
    Fire(user, DeviceEventKind::Cleared, 480);
    EndCall(user);
}

void
SipPhone::AnswerNow(uint32_t index, uint32_t callValue)
{
    User& user = m_users[index];
    if (user.call.value != callValue || user.caller)
    {
        return;
    }
    user.ua->Answer(user.call, user.answerSdp);
    user.answerSdp.clear();
}

// --- caller side ------------------------------------------------------------------------------

void
SipPhone::OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    // Ringback starts with the first 180/183; forked branches ringing too change nothing.
    if ((code == 180 || code == 183) && !user->ringback)
    {
        user->ringback = true;
        Fire(*user, DeviceEventKind::Tone, code, profile::RINGBACK);
    }
}

void
SipPhone::OnCallAnswered(UserAgent& ua, CallHandle call)
{
    uint32_t index = 0;
    User* user = FindUser(ua, &index);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    ++m_counters.callsConnected;
    Fire(*user, DeviceEventKind::Answered);
    if (user->caller && user->noMedia)
    {
        // The 2xx's offer had no codec in common (delayed offer): no session to hold.
        ns3::Simulator::Cancel(user->hangupEvent);
        user->hangupEvent
            = ns3::Simulator::ScheduleNow(&SipPhone::HangupNow, this, index, call.value);
    }
    else if (user->caller)
    {
        ns3::Simulator::Cancel(user->hangupEvent); // the CancelAfter timer
        const double holding = std::max(0.0, Draw(*user, UserVariable::HoldingTime));
        user->hangupEvent = ns3::Simulator::Schedule(ns3::Seconds(holding), &SipPhone::HangupNow,
                                                     this, index, call.value);
    }
    else if (m_answeredHolding)
    {
        // The called user hangs up after their own holding time unless the caller does first.
        const double holding = std::max(0.0, m_answeredHolding->GetValue());
        ns3::Simulator::Cancel(user->hangupEvent);
        user->hangupEvent = ns3::Simulator::Schedule(ns3::Seconds(holding), &SipPhone::HangupNow,
                                                     this, index, call.value);
    }
}

std::string
SipPhone::OnOfferInAnswer(UserAgent& ua, CallHandle call, const Message& response)
{
    uint32_t index = 0;
    User* user = FindUser(ua, &index);
    if (user == nullptr || user->call != call)
    {
        return {};
    }
    // RFC 3264 6.1: the codecs common to the offer and the profile, in the offer's order.
    const auto offer = sdp::ParseSdp(response.GetBody());
    std::optional<std::string> answer
        = offer ? sdp::BuildAnswer(*offer, m_codecs, SdpParams(index)) : std::nullopt;
    if (!answer)
    {
        user->noMedia = true;
        return {};
    }
    return std::move(*answer);
}

void
SipPhone::HangupNow(uint32_t index, uint32_t callValue)
{
    User& user = m_users[index];
    if (user.call.value == callValue)
    {
        user.ua->Hangup(user.call);
    }
}

std::optional<Duration>
SipPhone::OnInviteRejected(UserAgent& ua, CallHandle call, const Message& response)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return std::nullopt;
    }
    const uint16_t status = response.GetStatusCode();
    if (m_followRedirects)
    {
        if (const auto wait = FollowRedirect(*user, call, response))
        {
            return wait;
        }
    }
    const profile::Receipt receipt = profile::ReceiptFor(*m_profile, status);
    if (user->retries >= m_maxRetries)
    {
        return std::nullopt;
    }
    if (receipt.action() == profile::RESEND_WITH_CONTENT_LENGTH)
    {
        ++user->retries;
        ++m_counters.retries;
        Fire(*user, DeviceEventKind::Retry, status, profile::TONE_UNSPECIFIED, receipt.action());
        return Duration(0);
    }
    if (receipt.action() == profile::RETRY_AFTER)
    {
        const auto after = RetryAfterSeconds(response);
        if (!after)
        {
            return std::nullopt;
        }
        ++user->retries;
        ++m_counters.retries;
        Fire(*user, DeviceEventKind::Retry, status, profile::TONE_UNSPECIFIED, receipt.action(),
             "after " + std::to_string(*after) + " s");
        return std::chrono::seconds(*after);
    }
    return std::nullopt;
}

std::optional<Duration>
SipPhone::FollowRedirect(User& user, CallHandle call, const Message& response)
{
    // RFC 3261 8.1.3.4: the Contacts of a 3xx are tried in turn, the highest q first; a
    // rejection of a redirected INVITE moves on to the next. 305 (Use Proxy) is not followed.
    const uint16_t status = response.GetStatusCode();
    if (status >= 300 && status < 400 && status != 305 && user.redirects < kMaxRedirects)
    {
        std::vector<std::pair<uint16_t, std::string>> targets;
        for (const NameAddr& contact : response.GetContacts())
        {
            uint16_t q = 1000;
            if (contact.q && !ParseQValue(*contact.q, &q))
            {
                continue;
            }
            targets.emplace_back(q, std::string(contact.uri.text));
        }
        std::stable_sort(targets.begin(), targets.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        user.redirectTargets = std::make_unique<std::vector<std::string>>();
        for (auto it = targets.rbegin(); it != targets.rend(); ++it)
        {
            user.redirectTargets->push_back(std::move(it->second)); // the best at the back
        }
        ++user.redirects;
    }
    while (user.redirectTargets && !user.redirectTargets->empty())
    {
        const std::string target = std::move(user.redirectTargets->back());
        user.redirectTargets->pop_back();
        if (user.ua->Redirect(call, target))
        {
            ++m_counters.redirectsFollowed;
            Fire(user, DeviceEventKind::Retry, status, profile::TONE_UNSPECIFIED,
                 profile::RECEIPT_ACTION_UNSPECIFIED, "to " + target);
            return Duration(0);
        }
    }
    return std::nullopt;
}

void
SipPhone::OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status, std::string_view reason)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    if (!user->caller)
    {
        // Callee: the caller cancelled (487), or the INVITE expired ringing: the fail-safe
        // (the profile's INVITE_EXPIRED code, or RFC 3261 13.3.1's 487 without one).
        if (reason == kInviteExpiredReason)
        {
            ++m_counters.callsUnanswered;
            Fire(*user, DeviceEventKind::Rejected, status, profile::TONE_UNSPECIFIED,
                 profile::RECEIPT_ACTION_UNSPECIFIED,
                 std::string(profile::ConditionText(profile::INVITE_EXPIRED)));
        }
        Fire(*user, DeviceEventKind::Cleared, status);
        EndCall(*user);
        return;
    }
    ++m_counters.callsFailed;
    profile::Receipt receipt = profile::ReceiptFor(*m_profile, status);
    // A retry action that was not (or no longer) possible: what the profile says otherwise.
    const auto action = receipt.action();
    if ((action == profile::RETRY_WITH_CREDENTIALS || action == profile::RETRY_AFTER
         || action == profile::RESEND_WITH_CONTENT_LENGTH)
        && receipt.has_otherwise())
    {
        receipt = profile::Receipt(receipt.otherwise());
    }
    ApplyReceipt(*user, receipt, status, reason);
    Fire(*user, DeviceEventKind::Cleared, status, profile::TONE_UNSPECIFIED, receipt.action());
    EndCall(*user);
}

void
SipPhone::OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    Fire(*user, DeviceEventKind::Cleared, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, byRemote ? "remote hung up" : "hung up");
    EndCall(*user);
}

} // namespace sipsim
