/*
 * Proxy authentication (RFC 3261 22.3).
 */
#include "proxy/proxy-auth.h"

#include "proxy/proxy-messages.h"

#include <utility>

namespace sipsim {

ProxyAuthenticator::ProxyAuthenticator(TimerService& clock, ProxyAuthConfig config)
    : m_clock(clock)
    , m_config(std::move(config))
    , m_digest(m_config.realm, m_config.nonceSecret, m_config.algorithms, true,
               std::chrono::duration<double>(m_config.nonceLifetime).count())
{}

Message
ProxyAuthenticator::Challenge407(const Message& request, bool stale)
{
    ++m_counters.challenged;
    if (stale)
    {
        ++m_counters.stale;
    }
    Message response
        = MakeResponseTo(request, 407, {}, MakeLocalTag(m_config.nonceSecret, ++m_tagSerial));
    const double now = std::chrono::duration<double>(m_clock.Now()).count();
    for (const Challenge& challenge : m_digest.MakeChallenges(now, stale))
    {
        response.AddHeader(HeaderId::ProxyAuthenticate, challenge.ToString());
    }
    return response;
}

std::optional<Message>
ProxyAuthenticator::Check(const Message& request, std::string* user)
{
    ++m_counters.checked;
    if (request.GetMethod() == Method::Ack || request.GetMethod() == Method::Cancel)
    {
        ++m_counters.exempt;
        return std::nullopt;
    }

    // 22.3: the credentials for this proxy's realm; others belong to proxies further on.
    const auto credentials = request.GetCredentials(HeaderId::ProxyAuthorization);
    const Credentials* mine = nullptr;
    for (const Credentials& c : credentials)
    {
        if (c.IsDigest() && c.GetRealm() == m_config.realm)
        {
            mine = &c;
            break;
        }
    }
    if (mine == nullptr)
    {
        return Challenge407(request, false);
    }
    const std::string name = mine->GetUsername();
    const auto password = m_config.users.find(name);
    if (password == m_config.users.end())
    {
        return Challenge407(request, false);
    }
    const double now = std::chrono::duration<double>(m_clock.Now()).count();
    const VerifyResult result
        = m_digest.Verify(*mine, request.GetMethodName(), password->second, now, request.GetBody());
    if (result != VerifyResult::Ok)
    {
        return Challenge407(request, result == VerifyResult::Stale);
    }

    if (m_config.preauthentication && m_config.preauthorizedUsers.count(name) == 0)
    {
        ++m_counters.rejectedPreauth;
        return MakeResponseTo(request, 480, {}, MakeLocalTag(m_config.nonceSecret, ++m_tagSerial));
    }
    ++m_counters.accepted;
    if (user != nullptr)
    {
        *user = name;
    }
    return std::nullopt;
}

} // namespace sipsim
