/*
 * A SIP user agent (RFC 3261 8): out-of-dialog requests and responses, and the calls API.
 */
#include "ua/user-agent.h"

#include "auth/basic.h"
#include "auth/digest.h"
#include "ua/ua-messages.h"

#include <algorithm>

namespace sipsim {

UserAgent::UserAgent(UaHost& host, UaConfig config, UaListener* listener)
    : m_host(host)
    , m_config(std::move(config))
    , m_listener(listener)
    , m_uaHash(Fnv1a32(m_config.aor + "|" + m_config.contactHost))
{
    Uri aor;
    const bool sips = ParseUri(m_config.aor, &aor) == nullptr && aor.scheme == UriScheme::Sips;
    m_contact = sips ? "sips:" : "sip:";
    m_contact += EscapeUser(m_config.contactUser);
    m_contact += '@';
    m_contact += m_config.contactHost;
    m_contact += ':';
    m_contact += std::to_string(m_config.contactPort);
    if (m_config.transport == TransportProtocol::Tcp)
    {
        m_contact += ";transport=tcp";
    }
}

UserAgent::~UserAgent()
{
    // Sessions cancel their timers and unregister their dialogs from the host.
    m_sessions.clear();
    m_registration.reset();
}

// --- identifiers and message building -----------------------------------------------------------

std::string
UserAgent::NewTag()
{
    std::string tag = ToHex(m_uaHash);
    tag += '-';
    tag += ToHex(m_host.NextSerial());
    return tag;
}

std::string
UserAgent::NewCallId()
{
    std::string id = ToHex(m_host.NextSerial());
    id += '-';
    id += ToHex(m_uaHash);
    id += '@';
    id += m_config.contactHost;
    return id;
}

Message
UserAgent::NewRequest(std::string_view method, std::string_view requestUri, std::string_view toUri,
                      std::string_view callId, std::string_view fromTag, uint32_t cseq) const
{
    Message request = Message::MakeRequest(method, requestUri);
    request.AddHeader(HeaderId::MaxForwards, "70");
    std::string value;
    value.reserve(toUri.size() + 2);
    value += '<';
    value += toUri;
    value += '>';
    request.AddHeader(HeaderId::To, value);
    value.clear();
    if (!m_config.displayName.empty())
    {
        value += QuoteDisplayName(m_config.displayName);
        value += ' ';
    }
    value += '<';
    value += m_config.aor;
    value += ">;tag=";
    value += fromTag;
    request.AddHeader(HeaderId::From, value);
    request.AddHeader(HeaderId::CallId, callId);
    value = std::to_string(cseq);
    value += ' ';
    value += method;
    request.AddHeader(HeaderId::CSeq, value);
    return request;
}

void
UserAgent::Finish(Message* request) const
{
    if (!m_config.userAgent.empty())
    {
        request->AddHeader(HeaderId::UserAgent, m_config.userAgent);
    }
    if (!request->HasHeader(HeaderId::ContentLength))
    {
        request->AddHeader(HeaderId::ContentLength, "0");
    }
}

void
UserAgent::FinishResponse(Message* response) const
{
    if (!m_config.userAgent.empty())
    {
        response->AddHeader(HeaderId::Server, m_config.userAgent);
    }
}

void
UserAgent::SendResponse(TransactionId id, Message response) const
{
    FinishResponse(&response);
    m_host.m_layer.SendResponse(id, std::move(response));
}

void
UserAgent::Reply(TransactionId id, const Message& request, uint16_t code, std::string_view reason,
                 std::string_view toTag)
{
    const bool needsTag = code > 100 && toTag.empty() && request.GetTo() != nullptr
                          && request.GetTo()->Tag().empty();
    Message response = BuildResponse(request, code, reason, needsTag ? NewTag() : toTag);
    if (code == 405 || code == 200)
    {
        // 405 must carry Allow (RFC 3261 8.2.1); 200 to OPTIONS the capabilities (11.2).
        if (request.GetMethod() == Method::Options)
        {
            AddCapabilities(&response);
        }
        else if (code == 405)
        {
            response.AddHeader(HeaderId::Allow, kUaAllow);
        }
    }
    SendResponse(id, std::move(response));
}

std::string
UserAgent::ContactValue(std::optional<uint32_t> expires) const
{
    std::string value;
    value.reserve(m_contact.size() + 16);
    value += '<';
    value += m_contact;
    value += '>';
    if (expires)
    {
        value += ";expires=";
        value += std::to_string(*expires);
    }
    return value;
}

std::optional<Peer>
UserAgent::OutOfDialogPeer(std::string_view requestUri) const
{
    if (m_config.outboundProxy)
    {
        return m_config.outboundProxy;
    }
    return ResolveUri(requestUri, m_config.transport);
}

std::optional<Peer>
UserAgent::InDialogPeer(const Dialog& dialog) const
{
    if (auto peer = ResolveUri(dialog.NextHopUri(), m_config.transport))
    {
        return peer;
    }
    return m_config.outboundProxy;
}

std::vector<Challenge>
UserAgent::ChallengesOf(const Message& response)
{
    return response.GetChallenges(response.GetStatusCode() == 407 ? HeaderId::ProxyAuthenticate
                                                                  : HeaderId::WwwAuthenticate);
}

std::string
UserAgent::AnswerChallenge(const std::vector<Challenge>& challenges, std::string_view method,
                           std::string_view requestUri, std::string_view body, bool* stale,
                           uint32_t nonceCount)
{
    *stale = false;
    if (m_config.password.empty())
    {
        return {};
    }
    const bool anyDigest = std::any_of(challenges.begin(), challenges.end(),
                                       [](const Challenge& c) { return c.IsDigest(); });
    if (!anyDigest && m_config.allowBasicAuth)
    {
        // RFC 3261 22.1 forbids Basic; a profile that allows it answers "according to the
        // scheme received" (RFC 7617 2), only when no Digest challenge was offered.
        for (const Challenge& challenge : challenges)
        {
            if (IsBasic(challenge)
                && (m_config.realm.empty() || challenge.GetRealm() == m_config.realm))
            {
                return BasicCredentials(m_config.username, m_config.password);
            }
        }
        return {};
    }
    for (const Challenge& challenge : challenges)
    {
        if (!challenge.IsDigest()
            || (!m_config.realm.empty() && challenge.GetRealm() != m_config.realm))
        {
            continue;
        }
        DigestClientInput input;
        input.username = m_config.username;
        input.password = m_config.password;
        input.method = std::string(method);
        input.digestUri = std::string(requestUri);
        input.cnonce = ToHex(m_uaHash) + ToHex(m_host.NextSerial());
        input.nonceCount = nonceCount;
        input.body = std::string(body);
        Credentials credentials;
        if (MakeDigestCredentials(challenge, input, &credentials, nullptr))
        {
            *stale = challenge.GetStale();
            return credentials.ToString();
        }
    }
    return {};
}

// --- sessions -----------------------------------------------------------------------------------

std::vector<std::unique_ptr<InviteSession>>::const_iterator
UserAgent::LocateSession(uint32_t handle) const
{
    // Handles only grow and sessions are appended, so the vector is sorted by handle (a
    // wrap of the 32-bit counter aside, after 4 billion calls of one UA).
    const auto it = std::lower_bound(
        m_sessions.begin(), m_sessions.end(), handle,
        [](const std::unique_ptr<InviteSession>& s, uint32_t h) { return s->GetHandle() < h; });
    return it != m_sessions.end() && (*it)->GetHandle() == handle ? it : m_sessions.end();
}

InviteSession*
UserAgent::FindSession(uint32_t handle) const
{
    const auto it = LocateSession(handle);
    return it == m_sessions.end() ? nullptr : it->get();
}

void
UserAgent::EndSession(uint32_t handle, EndEvent event, bool byRemote, uint16_t status,
                      std::string_view reason)
{
    const auto it = LocateSession(handle);
    if (it == m_sessions.end())
    {
        return;
    }
    const std::string reasonCopy(reason);
    {
        // Destroy first (timers cancelled, dialog unregistered), so that the listener sees the
        // call gone and may start new ones. Erasing keeps the order by handle.
        std::unique_ptr<InviteSession> doomed = std::move(m_sessions[it - m_sessions.begin()]);
        m_sessions.erase(it);
    }
    if (m_listener == nullptr)
    {
        return;
    }
    switch (event)
    {
        case EndEvent::None:
            break;
        case EndEvent::Failed:
            m_listener->OnCallFailed(*this, CallHandle{handle}, status, reasonCopy);
            break;
        case EndEvent::Ended:
            m_listener->OnCallEnded(*this, CallHandle{handle}, byRemote);
            break;
    }
}

uint32_t
UserAgent::NextCallHandle()
{
    ++m_lastCall;
    if (m_lastCall == 0)
    {
        ++m_lastCall;
    }
    return m_lastCall;
}

CallHandle
UserAgent::MakeCall(std::string_view targetUri, std::string_view sdp)
{
    Uri target;
    if (ParseUri(targetUri, &target) != nullptr || !target.IsSipOrSips()
        || !OutOfDialogPeer(targetUri))
    {
        return CallHandle{};
    }
    const uint32_t handle = NextCallHandle();
    auto session = std::make_unique<InviteSession>(*this, handle, InviteSession::Role::Uac);
    if (!session->Start(targetUri, sdp))
    {
        return CallHandle{};
    }
    m_sessions.push_back(std::move(session));
    return CallHandle{handle};
}

bool
UserAgent::Ring(CallHandle call)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Ring();
}

bool
UserAgent::Progress(CallHandle call, uint16_t code)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Progress(code);
}

bool
UserAgent::Answer(CallHandle call, std::string_view sdp)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Answer(sdp);
}

bool
UserAgent::Reject(CallHandle call, uint16_t code, std::string_view reason)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Reject(code, reason);
}

bool
UserAgent::Reject(CallHandle call, uint16_t code, std::string_view reason,
                  const std::vector<std::pair<std::string, std::string>>& headers)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Reject(code, reason, headers);
}

bool
UserAgent::Cancel(CallHandle call)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Cancel();
}

bool
UserAgent::Redirect(CallHandle call, std::string_view requestUri)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Retarget(requestUri);
}

bool
UserAgent::Hangup(CallHandle call)
{
    InviteSession* session = FindSession(call.value);
    return session != nullptr && session->Hangup();
}

std::optional<CallState>
UserAgent::GetCallState(CallHandle call) const
{
    const InviteSession* session = FindSession(call.value);
    return session != nullptr ? std::optional<CallState>(session->GetState()) : std::nullopt;
}

const Dialog*
UserAgent::GetDialog(CallHandle call) const
{
    const InviteSession* session = FindSession(call.value);
    return session != nullptr ? session->GetDialog() : nullptr;
}

// --- registration and OPTIONS -------------------------------------------------------------------

bool
UserAgent::Register()
{
    if (!m_registration)
    {
        m_registration = std::make_unique<RegistrationClient>(*this);
    }
    return m_registration->Register();
}

bool
UserAgent::Unregister()
{
    return m_registration != nullptr && m_registration->Unregister();
}

bool
UserAgent::UnregisterAll()
{
    if (!m_registration)
    {
        m_registration = std::make_unique<RegistrationClient>(*this);
    }
    return m_registration->UnregisterAll();
}

bool
UserAgent::QueryBindings()
{
    if (!m_registration)
    {
        m_registration = std::make_unique<RegistrationClient>(*this);
    }
    return m_registration->Query();
}

bool
UserAgent::AddContact(const std::string& uri)
{
    if (!m_registration)
    {
        m_registration = std::make_unique<RegistrationClient>(*this);
    }
    return m_registration->AddContact(uri);
}

bool
UserAgent::IsRegistered() const
{
    return m_registration != nullptr && m_registration->GetGrantedExpires() > 0;
}

bool
UserAgent::SendOptions(std::string_view targetUri)
{
    Uri target;
    if (ParseUri(targetUri, &target) != nullptr || !target.IsSipOrSips())
    {
        return false;
    }
    const auto peer = OutOfDialogPeer(targetUri);
    if (!peer)
    {
        return false;
    }
    Message request = NewRequest("OPTIONS", targetUri, targetUri, NewCallId(), NewTag(), 1);
    request.AddHeader(HeaderId::Accept, kUaAccept);
    Finish(&request);
    return m_host.SendRequest(UaHost::Owner{this, 0, RequestPurpose::Options}, std::move(request),
                              *peer)
           != 0;
}

// --- from the host ------------------------------------------------------------------------------

void
UserAgent::OnRequest(TransactionId id, const Message& request, const Peer& /* from */)
{
    switch (request.GetMethod())
    {
        case Method::Invite:
        {
            // RFC 3261 8.2.2.3: no extension is supported, so any Require fails with 420.
            const std::vector<std::string_view> required = request.GetTokens(HeaderId::Require);
            if (!required.empty())
            {
                Message response = BuildResponse(request, 420, {}, NewTag());
                std::string unsupported;
                for (std::string_view tag : required)
                {
                    unsupported += unsupported.empty() ? "" : ", ";
                    unsupported += tag;
                }
                response.AddHeader(HeaderId::Unsupported, unsupported);
                SendResponse(id, std::move(response));
                return;
            }
            if (m_listener == nullptr)
            {
                // Nobody to offer the call to.
                Reply(id, request, 480);
                return;
            }
            const uint32_t handle = NextCallHandle();
            auto session = std::make_unique<InviteSession>(*this, handle, InviteSession::Role::Uas);
            session->Offer(id, request);
            m_sessions.push_back(std::move(session));
            m_listener->OnCallOffered(*this, CallHandle{handle}, request);
            return;
        }
        case Method::Options:
            Reply(id, request, 200);
            return;
        case Method::Bye:
            // RFC 3261 15.1.2: a BYE matching no dialog.
            Reply(id, request, 481);
            return;
        case Method::Extension:
            Reply(id, request, 501);
            return;
        default:
            Reply(id, request, 405);
            return;
    }
}

void
UserAgent::OnResponse(TransactionId id, const UaHost::Owner& owner, const Message& response)
{
    switch (owner.purpose)
    {
        case RequestPurpose::Register:
            if (m_registration)
            {
                m_registration->OnResponse(id, response);
            }
            return;
        case RequestPurpose::Options:
            if (response.GetStatusCode() >= 200 && m_listener != nullptr)
            {
                m_listener->OnOptionsResponse(*this, response.GetStatusCode());
            }
            return;
        default:
            if (InviteSession* session = FindSession(owner.call))
            {
                session->OnResponse(id, owner.purpose, response);
            }
            return;
    }
}

void
UserAgent::OnFailure(TransactionId id, const UaHost::Owner& owner, TransactionFailure failure)
{
    switch (owner.purpose)
    {
        case RequestPurpose::Register:
            if (m_registration)
            {
                m_registration->OnFailure(id, failure);
            }
            return;
        case RequestPurpose::Options:
            if (m_listener != nullptr)
            {
                m_listener->OnOptionsResponse(
                    *this, failure == TransactionFailure::Timeout ? uint16_t{408} : uint16_t{503});
            }
            return;
        default:
            if (InviteSession* session = FindSession(owner.call))
            {
                session->OnFailure(id, owner.purpose, failure);
            }
            return;
    }
}

} // namespace sipsim
