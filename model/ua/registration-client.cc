/*
 * The registration client of a user agent (RFC 3261 10.2).
 */
#include "ua/registration-client.h"

#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <algorithm>

namespace sipsim {

namespace {

/// At most this many authenticated retries of one operation (stale nonces included).
constexpr int kMaxAuthRetries = 3;

} // namespace

RegistrationClient::RegistrationClient(UserAgent& ua)
    : m_ua(ua)
    , m_callId(ua.NewCallId())
    , m_fromTag(ua.NewTag())
    , m_wanted(ua.GetConfig().registerExpires)
{}

RegistrationClient::~RegistrationClient()
{
    m_ua.m_host.m_timers.Cancel(m_refreshTimer);
}

bool
RegistrationClient::Register()
{
    if (m_txn != 0)
    {
        // RFC 3261 10.2: one REGISTER at a time.
        m_queued = Queued::Register;
        return true;
    }
    return SendRegister();
}

bool
RegistrationClient::SendRegister()
{
    return SendFirst(m_wanted);
}

bool
RegistrationClient::SendFirst(uint32_t expires)
{
    m_authTried = 0;
    m_authRetries = 0;
    if (m_ua.GetConfig().reuseCredentials)
    {
        // RFC 3261 22.1: credentials for a realm may be sent before a challenge; the nonce of
        // the last 401 (and 407) answered, at its next nonce-count (RFC 2617 3.2.2). A stale
        // or unknown nonce is challenged again as usual.
        const UaConfig& config = m_ua.GetConfig();
        std::string preemptive[2];
        for (int k = 0; k < 2; ++k)
        {
            if (!m_challenges[k].empty())
            {
                bool ignored = false;
                preemptive[k]
                    = m_ua.AnswerChallenge(m_challenges[k], "REGISTER", config.registrarUri, {},
                                           &ignored, ++m_nonceCounts[k]);
            }
        }
        if (!preemptive[0].empty() || !preemptive[1].empty())
        {
            return Send(expires, preemptive[0], false, preemptive[1]);
        }
    }
    return Send(expires, {}, false);
}

bool
RegistrationClient::UnregisterAll()
{
    if (m_txn != 0)
    {
        return false;
    }
    m_ua.m_host.m_timers.Cancel(m_refreshTimer);
    m_refreshTimer = 0;
    m_refreshAt = Duration::max();
    m_kind = Kind::Wildcard;
    if (!SendFirst(0))
    {
        m_kind = Kind::Bindings;
        return false;
    }
    return true;
}

bool
RegistrationClient::Query()
{
    if (m_txn != 0)
    {
        return false;
    }
    m_kind = Kind::Query;
    if (!SendFirst(m_asked))
    {
        m_kind = Kind::Bindings;
        return false;
    }
    return true;
}

bool
RegistrationClient::AddContact(const std::string& uri)
{
    if (m_txn != 0 || uri.empty())
    {
        return false;
    }
    m_kind = Kind::Added;
    m_addedContact = uri;
    m_addedExpires = m_asked > 0 ? m_asked : m_ua.GetConfig().registerExpires;
    if (!SendFirst(m_addedExpires))
    {
        m_kind = Kind::Bindings;
        return false;
    }
    return true;
}

bool
RegistrationClient::Unregister()
{
    // Refreshing stops now, also when the un-REGISTER has to wait for the REGISTER in flight:
    // a refresh timer firing meanwhile queued a REGISTER over the queued un-REGISTER, and the
    // binding was kept (and refreshed) for ever.
    m_ua.m_host.m_timers.Cancel(m_refreshTimer);
    m_refreshTimer = 0;
    m_refreshAt = Duration::max();
    if (m_txn != 0)
    {
        m_queued = Queued::Unregister;
        return true;
    }
    return SendFirst(0);
}

bool
RegistrationClient::Send(uint32_t expires, const std::string& authHeaderValue, bool proxyAuth,
                         const std::string& proxyAuthorization)
{
    const UaConfig& config = m_ua.GetConfig();
    std::optional<Peer> peer = config.registrar;
    if (!peer)
    {
        peer = config.outboundProxy ? config.outboundProxy
                                    : ResolveUri(config.registrarUri, config.transport);
    }
    if (!peer)
    {
        return false;
    }
    // RFC 3261 10.2: To and From are the AOR; the Call-ID stays and CSeq counts up (10.2.4);
    // the Contact carries the expiry asked for, as does Expires (10.2.1.1).
    ++m_cseq;
    Message request
        = m_ua.NewRequest("REGISTER", config.registrarUri, config.aor, m_callId, m_fromTag, m_cseq);
    if (m_kind == Kind::Wildcard)
    {
        m_asked = 0;
        request.AddHeader(HeaderId::Contact, "*");
        request.AddHeader(HeaderId::Expires, "0");
    }
    else if (m_kind == Kind::Bindings)
    {
        m_asked = expires;
        std::string contact = m_ua.ContactValue(expires);
        if (m_ua.GetConfig().contactQ)
        {
            contact += ";q=" + FormatQValue(*m_ua.GetConfig().contactQ);
        }
        request.AddHeader(HeaderId::Contact, contact);
        request.AddHeader(HeaderId::Expires, std::to_string(expires));
    }
    else if (m_kind == Kind::Added)
    {
        // RFC 3665 2.2 F1: the new contact alone; the registrar keeps the others.
        request.AddHeader(HeaderId::Contact, "<" + m_addedContact + ">");
        request.AddHeader(HeaderId::Expires, std::to_string(m_addedExpires));
    }
    if (!authHeaderValue.empty())
    {
        request.AddHeader(proxyAuth ? HeaderId::ProxyAuthorization : HeaderId::Authorization,
                          authHeaderValue);
        // The other kind, answered earlier in this operation (a proxy's 407, then the
        // registrar's 401), is answered again (RFC 3261 22.3) with the next nonce-count for
        // its nonce (RFC 2617 3.2.2: the same credentials again are a replay).
        const int other = proxyAuth ? 0 : 1;
        if ((m_authTried & (other + 1)) != 0 && !m_challenges[other].empty())
        {
            bool ignored = false;
            const std::string again
                = m_ua.AnswerChallenge(m_challenges[other], "REGISTER", config.registrarUri, {},
                                       &ignored, ++m_nonceCounts[other]);
            if (!again.empty())
            {
                request.AddHeader(
                    other == 1 ? HeaderId::ProxyAuthorization : HeaderId::Authorization, again);
            }
        }
    }
    if (!proxyAuthorization.empty())
    {
        request.AddHeader(HeaderId::ProxyAuthorization, proxyAuthorization);
    }
    m_ua.Finish(&request);
    m_txn = m_ua.m_host.SendRequest(UaHost::Owner{&m_ua, 0, RequestPurpose::Register},
                                    std::move(request), *peer);
    if (m_txn == 0)
    {
        return false;
    }
    if (!LeavesOwnBinding())
    {
        m_state
            = expires > 0 && m_kind == Kind::Bindings ? State::Registering : State::Unregistering;
    }
    return true;
}

void
RegistrationClient::OnResponse(TransactionId id, const Message& response)
{
    const uint16_t code = response.GetStatusCode();
    if (id != m_txn || code < 200)
    {
        return;
    }
    m_txn = 0;
    if (code < 300)
    {
        OnSuccess(response);
        return;
    }
    if (code == 401 || code == 407)
    {
        // RFC 3261 22.2, 22.3: answer the challenge once (again only for a stale nonce).
        const uint8_t kind = code == 407 ? 2 : 1;
        bool stale = false;
        std::vector<Challenge> challenges = UserAgent::ChallengesOf(response);
        const std::string credentials = m_ua.AnswerChallenge(
            challenges, "REGISTER", m_ua.GetConfig().registrarUri, {}, &stale);
        if (!credentials.empty() && ((m_authTried & kind) == 0 || stale)
            && m_authRetries < kMaxAuthRetries)
        {
            m_authTried |= kind;
            ++m_authRetries;
            m_challenges[kind - 1] = std::move(challenges);
            m_nonceCounts[kind - 1] = 1;
            if (Send(m_asked, credentials, code == 407))
            {
                return;
            }
        }
    }
    else if (code == 423)
    {
        // RFC 3261 10.2.8: ask again with at least Min-Expires.
        uint32_t minimum = 0;
        const auto value = response.FindHeader(HeaderId::MinExpires);
        if (value && ParseDeltaSeconds(*value, &minimum) == nullptr && minimum > m_asked
            && m_asked > 0)
        {
            // A new request: its challenge starts a new round of authentication.
            m_wanted = minimum;
            m_authTried = 0;
            m_authRetries = 0;
            if (Send(minimum, {}, false))
            {
                return;
            }
        }
    }
    Fail(code);
}

void
RegistrationClient::OnFailure(TransactionId id, TransactionFailure failure)
{
    if (id != m_txn)
    {
        return;
    }
    m_txn = 0;
    Fail(failure == TransactionFailure::Timeout ? 408 : 503);
}

void
RegistrationClient::OnSuccess(const Message& response)
{
    UserAgent& ua = m_ua;
    const Kind kind = m_kind;
    m_kind = Kind::Bindings;
    if (kind == Kind::Query || kind == Kind::Added)
    {
        RunQueued();
        if (ua.m_listener != nullptr)
        {
            ua.m_listener->OnBindingsQueried(ua, response.GetContacts().size());
        }
        return;
    }
    if (m_asked == 0)
    {
        m_granted = 0;
        m_state = State::Unregistered;
        RunQueued();
        if (ua.m_listener != nullptr)
        {
            ua.m_listener->OnUnregistered(ua);
        }
        return;
    }
    // RFC 3261 10.2.4: the expiry of our binding is the expires parameter of our Contact in
    // the 200, else the Expires header, else what we asked for.
    uint32_t granted = m_asked;
    bool found = false;
    Uri mine;
    if (ParseUri(ua.GetContactUri(), &mine) == nullptr)
    {
        for (const NameAddr& contact : response.GetContacts())
        {
            uint32_t value = 0;
            if (SameContactUri(contact.uri, mine) && contact.expires
                && ParseDeltaSeconds(*contact.expires, &value) == nullptr)
            {
                granted = value;
                found = true;
                break;
            }
        }
    }
    if (!found)
    {
        if (const auto expires = response.GetExpires())
        {
            granted = *expires;
        }
    }
    m_granted = granted;
    m_state = granted > 0 ? State::Registered : State::Unregistered;
    ScheduleRefresh();
    RunQueued();
    if (ua.m_listener != nullptr)
    {
        ua.m_listener->OnRegistered(ua, granted);
    }
}

void
RegistrationClient::ScheduleRefresh()
{
    TimerService& timers = m_ua.m_host.m_timers;
    timers.Cancel(m_refreshTimer);
    m_refreshTimer = 0;
    m_refreshAt = Duration::max();
    if (m_granted == 0)
    {
        return;
    }
    // Refresh at max(E - margin, E / 2) (see UaConfig::registerRefreshMargin).
    const Duration granted = std::chrono::seconds(m_granted);
    const Duration delay = std::max(granted - m_ua.GetConfig().registerRefreshMargin, granted / 2);
    m_refreshAt = timers.Now() + delay;
    m_refreshTimer = timers.Schedule(delay, [this]() {
        m_refreshTimer = 0;
        m_refreshAt = Duration::max();
        if (m_txn != 0)
        {
            m_queued = Queued::Register;
            return;
        }
        if (!SendRegister())
        {
            Fail(503);
        }
    });
}

void
RegistrationClient::Fail(uint16_t status)
{
    UserAgent& ua = m_ua;
    // A failed query or added contact leaves the binding (and its refresh) as it was; any
    // other failed REGISTER ends it.
    if (!LeavesOwnBinding())
    {
        m_ua.m_host.m_timers.Cancel(m_refreshTimer);
        m_refreshTimer = 0;
        m_refreshAt = Duration::max();
        m_granted = 0;
        m_state = State::Unregistered;
    }
    m_kind = Kind::Bindings;
    RunQueued();
    if (ua.m_listener != nullptr)
    {
        ua.m_listener->OnRegistrationFailed(ua, status);
    }
}

void
RegistrationClient::RunQueued()
{
    const Queued queued = m_queued;
    m_queued = Queued::None;
    if (queued == Queued::Register)
    {
        Register();
    }
    else if (queued == Queued::Unregister)
    {
        Unregister();
    }
}

} // namespace sipsim
