/*
 * The user-agent core of one SIP endpoint: dispatch from the transaction layer to the UAs.
 */
#include "ua/ua-host.h"

#include "message/sip-text.h"
#include "ua/dialog.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace sipsim {

UaHost::UaHost(TransactionLayer& layer, TimerService& timers, TransactionTransport& transport)
    : m_layer(layer)
    , m_timers(timers)
    , m_transport(transport)
{
    m_layer.SetUser(this);
}

UaHost::~UaHost()
{
    // The UAs' sessions unregister their dialogs from the maps below: destroy them first.
    m_agents.clear();
    m_layer.SetUser(nullptr);
}

Peer
UaHost::GetLocalPeer(TransportProtocol transport) const
{
    return m_transport.GetLocalPeer(transport);
}

UserAgent*
UaHost::AddUserAgent(UaConfig config, UaListener* listener)
{
    Uri aor;
    if (ParseUri(config.aor, &aor) != nullptr || !aor.IsSipOrSips() || !aor.hasUser
        || aor.user.empty())
    {
        return nullptr;
    }
    const std::string user(aor.user);
    if (config.username.empty())
    {
        config.username = user;
    }
    if (config.contactUser.empty())
    {
        config.contactUser = user;
    }
    const Peer local = m_transport.GetLocalPeer(config.transport);
    if (config.contactHost.empty())
    {
        config.contactHost = FormatIpv4(local.address);
    }
    if (config.contactPort == 0)
    {
        config.contactPort = local.port;
    }
    if (config.registrarUri.empty())
    {
        config.registrarUri = aor.scheme == UriScheme::Sips ? "sips:" : "sip:";
        config.registrarUri += aor.host;
        if (aor.port >= 0)
        {
            config.registrarUri += ':';
            config.registrarUri += std::to_string(aor.port);
        }
    }
    if (m_byContactUser.count(config.contactUser) != 0)
    {
        return nullptr;
    }
    const std::string aorKey = AorKey(aor);
    std::unique_ptr<UserAgent> ua(new UserAgent(*this, std::move(config), listener));
    UserAgent* raw = ua.get();
    m_byContactUser.emplace(raw->GetConfig().contactUser, raw);
    m_byAor.emplace(aorKey, raw); // the first UA of an AOR receives requests addressed to it
    m_agents.push_back(std::move(ua));
    return raw;
}

bool
UaHost::RemoveUserAgent(UserAgent* ua)
{
    return RemoveUserAgents({ua}) == 1;
}

size_t
UaHost::RemoveUserAgents(const std::vector<UserAgent*>& uas)
{
    std::unordered_set<const UserAgent*> doomed;
    {
        const std::unordered_set<const UserAgent*> asked(uas.begin(), uas.end());
        for (const auto& agent : m_agents)
        {
            if (asked.count(agent.get()) != 0)
            {
                doomed.insert(agent.get());
            }
        }
    }
    if (doomed.empty())
    {
        return 0;
    }
    if (doomed.count(m_fallback) != 0)
    {
        m_fallback = nullptr;
    }
    // An INVITE transaction in Proceeding has no timer that ends it (RFC 3261 17.1.1.2,
    // 17.2.1): a server one waits for the TU's final response, a client one for the peer's.
    // With the UA gone nobody would end them, and they would live as long as the layer; the
    // host, UA core of the layer, ends them now. An INVITE the UA had not answered gets 480
    // (the UAS core owes every INVITE a final response; with the To tag of its early dialog,
    // if any). An INVITE it sent with a provisional answer is cancelled (9.1; the layer gives
    // it up 64*T1 later without a final response); one still in Calling may not be cancelled
    // yet (9.1) and may still reach Proceeding: it stays filed as an orphan (no UA) and is
    // cancelled on its first provisional response (OnResponse).
    struct Ending
    {
        std::vector<std::pair<TransactionId, uint32_t>> unanswered; // (transaction, call)
        std::vector<TransactionId> pending;
    };
    std::unordered_map<const UserAgent*, Ending> endings;
    for (const auto& [id, owner] : m_inviteServers)
    {
        if (doomed.count(owner.ua) != 0 && m_layer.GetStateName(id) == "Proceeding")
        {
            endings[owner.ua].unanswered.emplace_back(id, owner.call);
        }
    }
    for (auto& [id, owner] : m_clients)
    {
        if (owner.purpose == RequestPurpose::Invite && doomed.count(owner.ua) != 0)
        {
            const std::string_view state = m_layer.GetStateName(id);
            if (state == "Proceeding")
            {
                endings[owner.ua].pending.push_back(id);
            }
            else if (state == "Calling")
            {
                owner = Owner{nullptr, 0, RequestPurpose::Invite};
            }
        }
    }
    std::unordered_set<const UserAgent*> ended; // a UA given twice is ended once
    for (UserAgent* ua : uas)
    {
        const auto it = endings.find(ua);
        if (it == endings.end() || !ended.insert(ua).second)
        {
            continue;
        }
        Ending& e = it->second;
        std::sort(e.unanswered.begin(), e.unanswered.end()); // deterministic order
        std::sort(e.pending.begin(), e.pending.end());
        for (const auto& [id, call] : e.unanswered)
        {
            const InviteSession* session = ua->FindSession(call);
            const Dialog* dialog = session != nullptr ? session->GetDialog() : nullptr;
            if (const Message* invite = m_layer.GetRequest(id))
            {
                Respond(id, *invite, 480, {},
                        dialog != nullptr ? dialog->GetLocalTag() : "h" + ToHex(NextSerial()));
            }
        }
        for (const TransactionId id : e.pending)
        {
            m_layer.SendCancel(id);
        }
    }
    // The UAs' sessions unregister their dialogs when destroyed; the rest is scrubbed here.
    std::vector<std::unique_ptr<UserAgent>> removed;
    removed.reserve(doomed.size());
    auto keep = m_agents.begin();
    for (auto& agent : m_agents)
    {
        if (doomed.count(agent.get()) != 0)
        {
            m_byContactUser.erase(agent->GetConfig().contactUser);
            removed.push_back(std::move(agent));
        }
        else
        {
            *keep++ = std::move(agent);
        }
    }
    m_agents.erase(keep, m_agents.end());
    for (auto i = m_byAor.begin(); i != m_byAor.end();)
    {
        i = doomed.count(i->second) != 0 ? m_byAor.erase(i) : std::next(i);
    }
    for (auto i = m_clients.begin(); i != m_clients.end();)
    {
        i = doomed.count(i->second.ua) != 0 ? m_clients.erase(i) : std::next(i);
    }
    for (auto i = m_inviteServers.begin(); i != m_inviteServers.end();)
    {
        i = doomed.count(i->second.ua) != 0 ? m_inviteServers.erase(i) : std::next(i);
    }
    removed.clear(); // destroyed in the order they were hosted
    return doomed.size();
}

void
UaHost::SetFallbackUserAgent(UserAgent* ua)
{
    m_fallback = ua;
}

UserAgent*
UaHost::FindUserAgent(std::string_view contactUser) const
{
    const auto it = m_byContactUser.find(std::string(contactUser));
    return it == m_byContactUser.end() ? nullptr : it->second;
}

// --- keys ---------------------------------------------------------------------------------------

const std::string&
UaHost::DialogKey(std::string_view callId, std::string_view localTag, std::string_view remoteTag)
{
    m_key.clear();
    m_key.append(callId).append(1, '\n').append(localTag).append(1, '\n').append(remoteTag);
    return m_key;
}

const std::string&
UaHost::AorKey(const Uri& uri) const
{
    m_lookup.assign(uri.user);
    m_lookup += '@';
    for (char c : uri.host)
    {
        m_lookup += text::ToLower(c);
    }
    return m_lookup;
}

// --- registrations by the UAs -------------------------------------------------------------------

TransactionId
UaHost::SendRequest(const Owner& owner, Message request, const Peer& to)
{
    const TransactionId id = m_layer.SendRequest(std::move(request), to);
    if (id != 0)
    {
        m_clients[id] = owner;
    }
    return id;
}

TransactionId
UaHost::SendCancel(const Owner& owner, TransactionId invite)
{
    const TransactionId id = m_layer.SendCancel(invite);
    if (id != 0)
    {
        m_clients[id] = owner;
    }
    return id;
}

void
UaHost::Respond(TransactionId id, const Message& request, uint16_t code, std::string_view reason,
                std::string_view toTag)
{
    m_layer.SendResponse(id, BuildResponse(request, code, reason, toTag));
}

void
UaHost::AddDialog(const DialogId& id, UserAgent* ua, uint32_t call)
{
    m_dialogs[DialogKey(id.callId, id.localTag, id.remoteTag)] = Owner{ua, call};
}

void
UaHost::RemoveDialog(const DialogId& id)
{
    m_dialogs.erase(DialogKey(id.callId, id.localTag, id.remoteTag));
}

void
UaHost::AddInviteServer(TransactionId id, UserAgent* ua, uint32_t call)
{
    m_inviteServers[id] = Owner{ua, call};
}

// --- dispatch -----------------------------------------------------------------------------------

UserAgent*
UaHost::FindTarget(const Message& request) const
{
    const Uri& uri = request.GetRequestUri();
    if (uri.IsSipOrSips() && uri.hasUser)
    {
        m_lookup.assign(uri.user);
        const auto it = m_byContactUser.find(m_lookup);
        if (it != m_byContactUser.end())
        {
            return it->second;
        }
        const auto byAor = m_byAor.find(AorKey(uri));
        if (byAor != m_byAor.end())
        {
            return byAor->second;
        }
    }
    const NameAddr* to = request.GetTo();
    if (to != nullptr && to->uri.IsSipOrSips() && to->uri.hasUser)
    {
        const auto it = m_byAor.find(AorKey(to->uri));
        if (it != m_byAor.end())
        {
            return it->second;
        }
    }
    // A gateway takes every number: the application decides which ones it serves.
    if (m_fallback != nullptr && request.GetMethod() != Method::Options)
    {
        return m_fallback;
    }
    return nullptr;
}

void
UaHost::OnRequest(TransactionId id, const Message& request, const Peer& from)
{
    if (request.GetMethod() == Method::Cancel)
    {
        HandleCancel(id, request);
        return;
    }
    const NameAddr* to = request.GetTo();
    const NameAddr* fromHeader = request.GetFrom();
    if (to != nullptr && !to->Tag().empty())
    {
        // A request inside a dialog (RFC 3261 12.2.2).
        const auto it = m_dialogs.find(DialogKey(request.GetCallId(), to->Tag(),
                                                 fromHeader != nullptr ? fromHeader->Tag() : ""));
        if (it != m_dialogs.end())
        {
            const Owner owner = it->second;
            if (InviteSession* session = owner.ua->FindSession(owner.call))
            {
                session->OnRequest(id, request);
                return;
            }
        }
        ++m_counters.noDialog;
        Respond(id, request, 481);
        return;
    }
    UserAgent* ua = FindTarget(request);
    if (ua == nullptr)
    {
        const Uri& uri = request.GetRequestUri();
        const std::string tag = "h" + ToHex(NextSerial());
        if (request.GetMethod() == Method::Options && !uri.hasUser)
        {
            // OPTIONS to the host itself (RFC 3261 11.2).
            Message response = BuildResponse(request, 200, {}, tag);
            AddCapabilities(&response);
            m_layer.SendResponse(id, std::move(response));
            return;
        }
        ++m_counters.unknownUser;
        Respond(id, request, 404, {}, tag);
        return;
    }
    ua->OnRequest(id, request, from);
}

void
UaHost::HandleCancel(TransactionId id, const Message& cancel)
{
    // RFC 3261 9.2: the INVITE server transaction the CANCEL matches (by 17.2.3, the method
    // aside), if it is one of a call's.
    const auto it = m_inviteServers.find(m_layer.FindInviteServer(cancel));
    if (it == m_inviteServers.end())
    {
        // RFC 3261 9.2: no matching transaction.
        ++m_counters.noCancelTarget;
        Respond(id, cancel, 481, {}, "h" + ToHex(NextSerial()));
        return;
    }
    const Owner owner = it->second;
    if (InviteSession* session = owner.ua->FindSession(owner.call))
    {
        session->OnCancel(id, cancel);
        return;
    }
    // The call is gone but its INVITE transaction is not: the CANCEL has no effect (9.2).
    Respond(id, cancel, 200, {}, "h" + ToHex(NextSerial()));
}

void
UaHost::OnAck(const Message& ack, const Peer& from)
{
    (void) from;
    const NameAddr* to = ack.GetTo();
    const NameAddr* fromHeader = ack.GetFrom();
    if (to == nullptr || fromHeader == nullptr || to->Tag().empty())
    {
        return;
    }
    const auto it = m_dialogs.find(DialogKey(ack.GetCallId(), to->Tag(), fromHeader->Tag()));
    if (it == m_dialogs.end())
    {
        return;
    }
    const Owner owner = it->second;
    if (InviteSession* session = owner.ua->FindSession(owner.call))
    {
        session->OnAck(ack);
    }
}

void
UaHost::OnResponse(TransactionId id, const Message& response)
{
    const auto it = m_clients.find(id);
    if (it == m_clients.end())
    {
        ++m_counters.unmatchedResponses;
        return;
    }
    const Owner owner = it->second;
    if (owner.ua == nullptr)
    {
        // An INVITE of a removed UA (RemoveUserAgent): cancelled as soon as 9.1 allows.
        if (response.GetStatusCode() < 200)
        {
            m_layer.SendCancel(id);
        }
        return;
    }
    owner.ua->OnResponse(id, owner, response);
}

void
UaHost::OnStrayResponse(const Message& response, const Peer& from)
{
    (void) from;
    const NameAddr* to = response.GetTo();
    const NameAddr* fromHeader = response.GetFrom();
    const CSeq* cseq = response.GetCSeq();
    if (to == nullptr || fromHeader == nullptr || cseq == nullptr || cseq->method != "INVITE"
        || response.GetStatusCode() < 200 || response.GetStatusCode() >= 300)
    {
        ++m_counters.strayIgnored;
        return;
    }
    const auto it = m_dialogs.find(DialogKey(response.GetCallId(), fromHeader->Tag(), to->Tag()));
    if (it == m_dialogs.end())
    {
        ++m_counters.strayIgnored;
        return;
    }
    const Owner owner = it->second;
    if (InviteSession* session = owner.ua->FindSession(owner.call))
    {
        ++m_counters.strayAcked;
        session->OnStray2xx(response);
    }
}

void
UaHost::OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure)
{
    if (kind != TransactionKind::InviteClient && kind != TransactionKind::NonInviteClient)
    {
        // Server side: Timer H (no ACK for a 3xx-6xx) or a response that could not be sent;
        // the calls concerned have already ended or end on their own timers.
        return;
    }
    const auto it = m_clients.find(id);
    if (it == m_clients.end())
    {
        return;
    }
    const Owner owner = it->second;
    if (owner.ua != nullptr) // nullptr: an INVITE of a removed UA
    {
        owner.ua->OnFailure(id, owner, failure);
    }
}

void
UaHost::OnTerminated(TransactionId id, TransactionKind kind)
{
    if (kind == TransactionKind::InviteClient || kind == TransactionKind::NonInviteClient)
    {
        m_clients.erase(id);
        return;
    }
    if (kind == TransactionKind::InviteServer)
    {
        m_inviteServers.erase(id);
    }
}

} // namespace sipsim
