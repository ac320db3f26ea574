/*
 * The registrar: RFC 3261 10.3 on the location service.
 */
#include "proxy/registrar.h"

#include "message/sip-headers.h"
#include "message/sip-text.h"
#include "proxy/proxy-messages.h"

#include <cstdio>
#include <limits>
#include <utility>

namespace sipsim {

namespace {

/**
 * delta-seconds of an Expires header or a Contact expires parameter (RFC 3261 20.19, 20.10):
 * 1*DIGIT; a value beyond 2**32-1 counts as 2**32-1. False when not a number.
 */
bool
ParseExpiresValue(std::string_view text, uint32_t* out)
{
    const std::string_view v = text::Trim(text);
    if (v.empty())
    {
        return false;
    }
    uint64_t n = 0;
    for (const char c : v)
    {
        if (c < '0' || c > '9')
        {
            return false;
        }
        n = n * 10 + static_cast<uint64_t>(c - '0');
        if (n > std::numeric_limits<uint32_t>::max())
        {
            n = std::numeric_limits<uint32_t>::max();
        }
    }
    *out = static_cast<uint32_t>(n);
    return true;
}

/// The configuration with the realm defaulted to the first domain.
RegistrarConfig
WithDefaultRealm(RegistrarConfig config)
{
    if (config.realm.empty() && !config.domains.empty())
    {
        config.realm = config.domains.front();
    }
    return config;
}

} // namespace

Registrar::Registrar(LocationService& locations, TimerService& clock, RegistrarConfig config)
    : m_locations(locations)
    , m_clock(clock)
    , m_config(WithDefaultRealm(std::move(config)))
    , m_digest(m_config.realm, m_config.nonceSecret, m_config.algorithms, true,
               std::chrono::duration<double>(m_config.nonceLifetime).count())
{}

bool
Registrar::IsDomain(std::string_view host) const
{
    for (const std::string& domain : m_config.domains)
    {
        if (text::EqualsNoCase(domain, host))
        {
            return true;
        }
    }
    return false;
}

double
Registrar::NowSeconds() const
{
    return std::chrono::duration<double>(m_clock.Now()).count();
}

Message
Registrar::Respond(const Message& request, uint16_t code, std::string_view reason)
{
    switch (code)
    {
        case 200:
            ++m_counters.accepted;
            break;
        case 401:
            ++m_counters.challenged;
            break;
        case 403:
            ++m_counters.forbidden;
            break;
        case 404:
            ++m_counters.notFound;
            break;
        case 423:
            ++m_counters.tooBrief;
            break;
        case 500:
            ++m_counters.outOfOrder;
            break;
        default:
            ++m_counters.badRequest;
            break;
    }
    return MakeResponseTo(request, code, reason, MakeLocalTag(m_config.nonceSecret, ++m_tagSerial));
}

Message
Registrar::Challenge401(const Message& request, bool stale)
{
    if (stale)
    {
        ++m_counters.staleNonces;
    }
    Message response = Respond(request, 401);
    for (const Challenge& challenge : m_digest.MakeChallenges(NowSeconds(), stale))
    {
        response.AddHeader(HeaderId::WwwAuthenticate, challenge.ToString());
    }
    return response;
}

Message
Registrar::Accept(const Message& request, const std::string& aor)
{
    Message response = Respond(request, 200);
    const Duration now = m_clock.Now();
    for (const Binding& binding : m_locations.Lookup(aor, now))
    {
        // Whole seconds left, rounded up: a binding still present never shows expires=0.
        const auto left = binding.expiresAt - now;
        const auto seconds
            = (left + std::chrono::seconds(1) - Duration(1)) / std::chrono::seconds(1);
        std::string value = "<" + binding.contact + ">;expires=" + std::to_string(seconds);
        if (binding.q < 1000)
        {
            value += ";q=" + FormatQValue(binding.q);
        }
        response.AddHeader(HeaderId::Contact, value);
    }
    return response;
}

Message
Registrar::HandleRegister(const Message& request)
{
    ++m_counters.registers;
    if (!request.IsRequest() || request.GetMethod() != Method::Register)
    {
        Message response = Respond(request, 405);
        response.AddHeader(HeaderId::Allow, "REGISTER");
        return response;
    }
    if (request.GetTo() == nullptr || request.GetFrom() == nullptr || request.GetCSeq() == nullptr
        || request.GetCallId().empty())
    {
        return Respond(request, 400, "Missing To, From, Call-ID or CSeq");
    }

    // Step 1: a registrar for the domain in the Request-URI.
    const Uri& requestUri = request.GetRequestUri();
    if (!requestUri.IsSipOrSips())
    {
        Message response = Respond(request, 416);
        return response;
    }
    if (!IsDomain(requestUri.host))
    {
        return Respond(request, 404);
    }

    // Step 2: no extension is supported (8.2.2.3).
    const auto required = request.GetTokens(HeaderId::Require);
    if (!required.empty())
    {
        Message response = Respond(request, 420);
        for (const std::string_view tag : required)
        {
            response.AddHeader(HeaderId::Unsupported, tag);
        }
        return response;
    }

    // Step 3: authentication (22.2, 22.4), with credentials for this realm only.
    std::string user;
    if (m_config.authenticate)
    {
        const Credentials* mine = nullptr;
        const auto credentials = request.GetCredentials(HeaderId::Authorization);
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
            return Challenge401(request, false);
        }
        const auto password = m_config.users.find(mine->GetUsername());
        if (password == m_config.users.end())
        {
            return Challenge401(request, false);
        }
        const VerifyResult result = m_digest.Verify(
            *mine, request.GetMethodName(), password->second, NowSeconds(), request.GetBody());
        if (result != VerifyResult::Ok)
        {
            return Challenge401(request, result == VerifyResult::Stale);
        }
        user = mine->GetUsername();
    }

    // Step 4: authorization. The default policy: a user registers its own AOR only.
    const Uri& toUri = request.GetTo()->uri;
    if (m_config.authenticate && (!toUri.hasUser || toUri.UserUnescaped() != user))
    {
        return Respond(request, 403);
    }

    // Step 5: the To URI must be an address of record of one of our domains.
    const std::string aor = LocationService::AorKey(toUri);
    if (!toUri.IsSipOrSips() || aor.empty() || !IsDomain(toUri.host))
    {
        return Respond(request, 404);
    }

    // Steps 6 and 7: read every Contact before changing anything.
    uint32_t headerExpires = 0;
    const auto expiresHeader = request.FindHeader(HeaderId::Expires);
    if (expiresHeader && !ParseExpiresValue(*expiresHeader, &headerExpires))
    {
        return Respond(request, 400, "Bad Expires");
    }
    bool star = false;
    bool badContact = false;
    std::vector<NameAddr> contacts;
    for (const HeaderField& field : request.GetHeaders())
    {
        if (field.id != HeaderId::Contact)
        {
            continue;
        }
        const bool noEmpty = ForEachListElement(field.value, [&](std::string_view element) {
            if (element == "*")
            {
                star = true;
                return true;
            }
            NameAddr contact;
            if (ParseNameAddr(element, &contact) != nullptr || contact.uri.text.empty())
            {
                badContact = true;
                return false;
            }
            contacts.push_back(contact);
            return true;
        });
        badContact = badContact || !noEmpty;
    }
    if (badContact)
    {
        return Respond(request, 400, "Bad Contact");
    }
    const Duration now = m_clock.Now();
    const std::string_view callId = request.GetCallId();
    const uint32_t cseq = request.GetCSeq()->number;

    // Step 6: Contact: * alone with Expires: 0 removes every binding.
    if (star)
    {
        if (!contacts.empty() || !expiresHeader || headerExpires != 0)
        {
            return Respond(request, 400, "Contact * Needs Expires 0 And No Other Contact");
        }
        for (const Binding& binding : m_locations.Lookup(aor, now))
        {
            if (binding.callId == callId && cseq <= binding.cseq)
            {
                return Respond(request, 500);
            }
        }
        m_locations.RemoveAll(aor);
        return Accept(request, aor);
    }

    // Step 7: the expiration and q of each contact.
    std::vector<ContactUpdate> updates;
    updates.reserve(contacts.size());
    for (const NameAddr& contact : contacts)
    {
        ContactUpdate update;
        update.uri = std::string(contact.uri.text);
        if (contact.expires)
        {
            if (!ParseExpiresValue(*contact.expires, &update.expires))
            {
                return Respond(request, 400, "Bad Contact expires");
            }
        }
        else
        {
            update.expires = expiresHeader ? headerExpires : m_config.defaultExpires;
        }
        if (contact.q && !ParseQValue(*contact.q, &update.q))
        {
            return Respond(request, 400, "Bad Contact q");
        }
        updates.push_back(std::move(update));
    }
    for (ContactUpdate& update : updates)
    {
        if (update.expires != 0 && update.expires < m_config.minExpires)
        {
            Message response = Respond(request, 423);
            response.AddHeader(HeaderId::MinExpires, std::to_string(m_config.minExpires));
            return response;
        }
        if (update.expires > m_config.maxExpires)
        {
            update.expires = m_config.maxExpires;
        }
        const Binding* existing = m_locations.Find(aor, update.uri);
        if (existing != nullptr && existing->expiresAt > now && existing->callId == callId
            && cseq <= existing->cseq)
        {
            return Respond(request, 500);
        }
    }

    // Every contact passed: commit.
    for (const ContactUpdate& update : updates)
    {
        if (update.expires == 0)
        {
            m_locations.Remove(aor, update.uri);
            continue;
        }
        Binding binding;
        binding.contact = update.uri;
        binding.q = update.q;
        binding.expiresAt = now + std::chrono::seconds(update.expires);
        binding.callId = std::string(callId);
        binding.cseq = cseq;
        m_locations.Update(aor, std::move(binding));
    }
    return Accept(request, aor);
}

} // namespace sipsim
