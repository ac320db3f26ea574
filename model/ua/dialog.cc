/*
 * A SIP dialog (RFC 3261 12).
 */
#include "ua/dialog.h"

#include "message/sip-text.h"

namespace sipsim {

namespace {

/// "<uri>" or "<uri>;tag=t" as a To/From value.
std::string
FormatTagged(std::string_view uri, std::string_view tag)
{
    std::string out;
    out.reserve(uri.size() + tag.size() + 7);
    out += '<';
    out += uri;
    out += '>';
    if (!tag.empty())
    {
        out += ";tag=";
        out += tag;
    }
    return out;
}

std::string
Bracketed(std::string_view uri)
{
    std::string out;
    out.reserve(uri.size() + 2);
    out += '<';
    out += uri;
    out += '>';
    return out;
}

bool
IsTargetRefresh(std::string_view method)
{
    // RFC 3261 12.2: re-INVITE is the target refresh request it defines; UPDATE (RFC 3311)
    // refreshes the target the same way.
    return method == "INVITE" || method == "UPDATE";
}

bool
HasLr(std::string_view uriText)
{
    Uri uri;
    return ParseUri(uriText, &uri) == nullptr && uri.params.Has("lr");
}

} // namespace

std::string_view
DialogStateName(DialogState state)
{
    switch (state)
    {
        case DialogState::Early:
            return "Early";
        case DialogState::Confirmed:
            return "Confirmed";
        case DialogState::Terminated:
            return "Terminated";
    }
    return "Terminated";
}

std::string
StripForRequestUri(std::string_view text)
{
    Uri uri;
    if (ParseUri(text, &uri) != nullptr || !uri.IsSipOrSips())
    {
        return std::string(text);
    }
    // The text before the parameters (or before the headers, or all of it).
    size_t end = text.size();
    if (!uri.params.Empty())
    {
        end = static_cast<size_t>(uri.params.Raw().data() - text.data()) - 1;
    }
    else if (!uri.headers.empty())
    {
        end = static_cast<size_t>(uri.headers.data() - text.data()) - 1;
    }
    std::string out(text.substr(0, end));
    uri.params.ForEach([&out](std::string_view name, std::string_view value, bool hasValue) {
        if (!text::EqualsNoCase(name, "method"))
        {
            out += ';';
            out += name;
            if (hasValue)
            {
                out += '=';
                out += value;
            }
        }
        return true;
    });
    return out;
}

std::optional<Dialog>
Dialog::CreateAsUac(const Message& request, const Message& response, bool secureTransport)
{
    const uint16_t code = response.GetStatusCode();
    const NameAddr* from = request.GetFrom();
    const NameAddr* to = request.GetTo();
    const NameAddr* responseTo = response.GetTo();
    const CSeq* cseq = request.GetCSeq();
    if (!response.IsResponse() || code <= 100 || code >= 300 || from == nullptr || to == nullptr
        || responseTo == nullptr || cseq == nullptr || request.GetCallId().empty())
    {
        return std::nullopt;
    }
    // 12.1: a provisional response without a To tag creates no dialog. A 2xx without one
    // comes from an RFC 2543 UAS; its dialog has an empty remote tag (12.1.2).
    if (code < 200 && responseTo->Tag().empty())
    {
        return std::nullopt;
    }
    Dialog d;
    d.m_id.callId = std::string(request.GetCallId());
    d.m_id.localTag = std::string(from->Tag());
    d.m_id.remoteTag = std::string(responseTo->Tag());
    d.m_localUri = std::string(from->uri.text);
    d.m_remoteUri = std::string(to->uri.text);
    d.m_localSeq = cseq->number;
    d.m_hasLocalSeq = true;
    if (request.GetMethod() == Method::Invite)
    {
        d.m_lastInviteSeq = cseq->number;
        d.m_hasLastInvite = true;
    }
    d.m_secure = secureTransport && request.GetRequestUri().scheme == UriScheme::Sips;
    d.SetRouteSet(response, true);
    d.SetRemoteTarget(response, request.GetRequestUriText());
    d.m_state = code < 200 ? DialogState::Early : DialogState::Confirmed;
    return d;
}

std::optional<Dialog>
Dialog::CreateAsUas(const Message& request, std::string_view localTag, DialogState state,
                    bool secureTransport)
{
    const NameAddr* from = request.GetFrom();
    const NameAddr* to = request.GetTo();
    const CSeq* cseq = request.GetCSeq();
    if (!request.IsRequest() || from == nullptr || to == nullptr || cseq == nullptr
        || request.GetCallId().empty() || localTag.empty())
    {
        return std::nullopt;
    }
    Dialog d;
    d.m_id.callId = std::string(request.GetCallId());
    d.m_id.localTag = std::string(localTag);
    d.m_id.remoteTag = std::string(from->Tag());
    d.m_localUri = std::string(to->uri.text);
    d.m_remoteUri = std::string(from->uri.text);
    d.m_remoteSeq = cseq->number;
    d.m_hasRemoteSeq = true;
    d.m_secure = secureTransport && request.GetRequestUri().scheme == UriScheme::Sips;
    d.SetRouteSet(request, false);
    d.SetRemoteTarget(request, from->uri.text);
    d.m_state = state == DialogState::Confirmed ? DialogState::Confirmed : DialogState::Early;
    return d;
}

void
Dialog::SetRouteSet(const Message& message, bool reverse)
{
    m_routeSet.clear();
    for (const NameAddr& rr : message.GetRecordRoutes())
    {
        m_routeSet.emplace_back(rr.uri.text);
    }
    if (reverse)
    {
        std::vector<std::string> reversed(m_routeSet.rbegin(), m_routeSet.rend());
        m_routeSet.swap(reversed);
    }
}

void
Dialog::SetRemoteTarget(const Message& message, std::string_view fallback)
{
    const std::vector<NameAddr> contacts = message.GetContacts();
    m_remoteTarget = contacts.empty() ? std::string(fallback) : std::string(contacts[0].uri.text);
}

std::optional<uint32_t>
Dialog::GetLocalSeq() const
{
    return m_hasLocalSeq ? std::optional<uint32_t>(m_localSeq) : std::nullopt;
}

std::optional<uint32_t>
Dialog::GetRemoteSeq() const
{
    return m_hasRemoteSeq ? std::optional<uint32_t>(m_remoteSeq) : std::nullopt;
}

std::optional<uint32_t>
Dialog::GetLastInviteSeq() const
{
    return m_hasLastInvite ? std::optional<uint32_t>(m_lastInviteSeq) : std::nullopt;
}

bool
Dialog::FirstRouteIsStrict() const
{
    return !m_routeSet.empty() && !HasLr(m_routeSet.front());
}

const std::string&
Dialog::NextHopUri() const
{
    return m_routeSet.empty() ? m_remoteTarget : m_routeSet.front();
}

Message
Dialog::CreateRequest(std::string_view method)
{
    const bool strict = FirstRouteIsStrict();
    Message request = Message::MakeRequest(method, strict ? StripForRequestUri(m_routeSet.front())
                                                          : m_remoteTarget);
    request.AddHeader(HeaderId::MaxForwards, "70");
    // Route: loose routing puts the whole route set; strict routing the rest of it and then
    // the remote target (12.2.1.1).
    for (size_t i = strict ? 1 : 0; i < m_routeSet.size(); ++i)
    {
        request.AddHeader(HeaderId::Route, Bracketed(m_routeSet[i]));
    }
    if (strict)
    {
        request.AddHeader(HeaderId::Route, Bracketed(m_remoteTarget));
    }
    request.AddHeader(HeaderId::To, FormatTagged(m_remoteUri, m_id.remoteTag));
    request.AddHeader(HeaderId::From, FormatTagged(m_localUri, m_id.localTag));
    request.AddHeader(HeaderId::CallId, m_id.callId);
    uint32_t number = 0;
    if (method == "ACK" || method == "CANCEL")
    {
        number = m_hasLastInvite ? m_lastInviteSeq : m_localSeq;
    }
    else
    {
        // 8.1.1.5: the first value only has to be below 2**31; 1 keeps runs reproducible.
        m_localSeq = m_hasLocalSeq ? m_localSeq + 1 : 1;
        m_hasLocalSeq = true;
        number = m_localSeq;
        if (method == "INVITE")
        {
            m_lastInviteSeq = number;
            m_hasLastInvite = true;
        }
    }
    std::string cseq = std::to_string(number);
    cseq += ' ';
    cseq += method;
    request.AddHeader(HeaderId::CSeq, cseq);
    return request;
}

uint16_t
Dialog::ReceiveRequest(const Message& request)
{
    if (m_state == DialogState::Terminated)
    {
        return 481;
    }
    const Method method = request.GetMethod();
    if (method == Method::Ack || method == Method::Cancel)
    {
        return 0;
    }
    const CSeq* cseq = request.GetCSeq();
    if (cseq == nullptr)
    {
        return 400;
    }
    if (m_hasRemoteSeq && cseq->number < m_remoteSeq)
    {
        return 500;
    }
    m_remoteSeq = cseq->number;
    m_hasRemoteSeq = true;
    if (IsTargetRefresh(request.GetMethodName()))
    {
        const std::vector<NameAddr> contacts = request.GetContacts();
        if (!contacts.empty())
        {
            m_remoteTarget = std::string(contacts[0].uri.text);
        }
    }
    return 0;
}

bool
Dialog::ReceiveResponse(const Message& response)
{
    if (!MatchesResponse(response) || m_state == DialogState::Terminated)
    {
        return false;
    }
    const uint16_t code = response.GetStatusCode();
    const CSeq* cseq = response.GetCSeq();
    const std::string_view method = cseq != nullptr ? cseq->method : std::string_view();
    if (code >= 200 && code < 300)
    {
        if (m_state == DialogState::Early)
        {
            // 13.2.2.4: the 2xx confirms the early dialog; its route set is recomputed.
            m_state = DialogState::Confirmed;
            SetRouteSet(response, true);
            SetRemoteTarget(response, m_remoteTarget);
        }
        else if (IsTargetRefresh(method))
        {
            SetRemoteTarget(response, m_remoteTarget);
        }
        return true;
    }
    if (m_state == DialogState::Confirmed && (code == 481 || code == 408))
    {
        m_state = DialogState::Terminated;
    }
    else if (m_state == DialogState::Early && code >= 300 && method == "INVITE" && cseq != nullptr
             && m_hasLastInvite && cseq->number == m_lastInviteSeq)
    {
        m_state = DialogState::Terminated;
    }
    return true;
}

void
Dialog::Confirm()
{
    if (m_state == DialogState::Early)
    {
        m_state = DialogState::Confirmed;
    }
}

bool
Dialog::MatchesRequest(const Message& request) const
{
    const NameAddr* from = request.GetFrom();
    const NameAddr* to = request.GetTo();
    return from != nullptr && to != nullptr && request.GetCallId() == m_id.callId
           && to->Tag() == m_id.localTag && from->Tag() == m_id.remoteTag;
}

bool
Dialog::MatchesResponse(const Message& response) const
{
    const NameAddr* from = response.GetFrom();
    const NameAddr* to = response.GetTo();
    return from != nullptr && to != nullptr && response.GetCallId() == m_id.callId
           && from->Tag() == m_id.localTag && to->Tag() == m_id.remoteTag;
}

} // namespace sipsim
