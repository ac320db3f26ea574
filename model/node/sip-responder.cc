#include "node/sip-responder.h"

#include "message/sip-uri.h"
#include "node/node-config.h"
#include "ua/ua-messages.h"

#include <algorithm>
#include <ns3/abort.h>
#include <ns3/log.h>
#include <ns3/nstime.h>
#include <ns3/simulator.h>
#include <ns3/string.h>
#include <ns3/uinteger.h>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("SipResponder");
NS_OBJECT_ENSURE_REGISTERED(SipResponder);

namespace {

/// Provisional codes from "181,183"; false with a message on a bad entry.
bool
ParseProvisional(const std::string& list, std::vector<uint16_t>* codes, std::string* problem)
{
    codes->clear();
    for (const std::string& item : SplitCommaList(list))
    {
        uint32_t code = 0;
        const bool digits
            = !item.empty() && item.size() <= 3
              && std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits)
        {
            code = static_cast<uint32_t>(std::stoul(item));
        }
        // RFC 3261 21.1: 100 is hop by hop (the INVITE server transaction's own); a user agent
        // sends 180-199 to the caller.
        if (!digits || code < 180 || code > 199)
        {
            *problem = "'" + item + "' is not a provisional status in 180-199";
            return false;
        }
        codes->push_back(static_cast<uint16_t>(code));
    }
    return true;
}

} // namespace

ns3::TypeId
SipResponder::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::SipResponder")
              .SetParent<ns3::Application>()
              .SetGroupName("Sipsim")
              .AddConstructor<SipResponder>()
              .AddAttribute("Aor",
                            "Address of record of its user agent (\"sip:far@10.1.1.9\"); the "
                            "host's fallback UA, it takes an INVITE for any user.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipResponder::m_aor),
                            ns3::MakeStringChecker())
              .AddAttribute("FinalStatus",
                            "Final status of every INVITE: 300-699 but 401, 407, 420 and 423 "
                            "(their mandatory header fields need state the responder has not).",
                            ns3::UintegerValue(480),
                            ns3::MakeUintegerAccessor(&SipResponder::m_finalStatus),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("Provisional",
                            "Provisional statuses sent first, in order, comma-separated, each "
                            "180-199 (\"181,182,183\"); empty: none.",
                            ns3::StringValue(""),
                            ns3::MakeStringAccessor(&SipResponder::m_provisional),
                            ns3::MakeStringChecker())
              .AddAttribute("FinalDelay",
                            "Time from the INVITE to the final status (the provisional ones go "
                            "at once).",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipResponder::m_finalDelay),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("RetryAfter",
                            "Retry-After of the final status, in whole seconds (RFC 3261 "
                            "20.33); 0: none.",
                            ns3::UintegerValue(0),
                            ns3::MakeUintegerAccessor(&SipResponder::m_retryAfter),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("Realm",
                            "Digest realm of its 401 challenges (with users, SetUsers); empty: "
                            "the host part of the Aor.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipResponder::m_realm),
                            ns3::MakeStringChecker())
              .AddAttribute("Contact",
                            "Contact of a 3xx final status (a SIP URI: where the caller should "
                            "try, RFC 3261 21.3); empty: none. A 305 needs one (21.3.5).",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipResponder::m_contact),
                            ns3::MakeStringChecker());
    return tid;
}

SipResponder::SipResponder()
    : m_finalStatus(480)
    , m_retryAfter(0)
{}

SipResponder::~SipResponder() = default;

std::pair<std::string, std::string>
SipResponder::CheckConfiguration() const
{
    const uint32_t s = m_finalStatus;
    if (s < 300 || s > 699)
    {
        return {"FinalStatus", std::to_string(s) + " is not a final failure status (300-699)"};
    }
    if (s == 401 || s == 407 || s == 420 || s == 423)
    {
        return {"FinalStatus",
                std::to_string(s)
                    + " needs a header field the responder has no content for (401 and 407 a "
                      "challenge, 420 Unsupported, 423 Min-Expires: RFC 3261 21.4)"};
    }
    std::vector<uint16_t> codes;
    std::string problem;
    if (!ParseProvisional(m_provisional, &codes, &problem))
    {
        return {"Provisional", problem};
    }
    if (!m_contact.empty())
    {
        Uri uri;
        if (ParseUri(m_contact, &uri) != nullptr)
        {
            return {"Contact", "'" + m_contact + "' is not a SIP URI"};
        }
        if (s >= 400)
        {
            return {"Contact", "a Contact is for a 3xx FinalStatus, not " + std::to_string(s)};
        }
    }
    else if (s == 305)
    {
        return {"Contact", "305 Use Proxy needs the proxy's URI in Contact (RFC 3261 21.3.5)"};
    }
    return {};
}

void
SipResponder::DoDispose()
{
    for (auto& [call, event] : m_pending)
    {
        (void) call;
        event.Cancel();
    }
    m_pending.clear();
    if (m_ua != nullptr && m_endpoint && m_endpoint->GetStack())
    {
        m_ua->SetListener(nullptr);
    }
    m_ua = nullptr;
    m_endpoint = nullptr;
    m_digest.reset();
    ns3::Application::DoDispose();
}

void
SipResponder::StartApplication()
{
    const auto [attribute, problem] = CheckConfiguration();
    NS_ABORT_MSG_IF(!problem.empty(), "SipResponder " << attribute << ": " << problem);
    std::string unused;
    ParseProvisional(m_provisional, &m_provisionalCodes, &unused);
    if (m_ua == nullptr)
    {
        m_endpoint = SipEndpoint::Get(GetNode());
        UaConfig config;
        config.aor = m_aor;
        UaHost& host = m_endpoint->GetHost();
        m_ua = host.AddUserAgent(config, this);
        NS_ABORT_MSG_IF(m_ua == nullptr, "SipResponder: cannot add a user agent for Aor \""
                                             << m_aor << "\" (a sip URI with a user part)");
        host.SetFallbackUserAgent(m_ua);
    }
    if (!m_users.empty() && !m_digest)
    {
        Uri aor;
        const std::string realm = !m_realm.empty() || ParseUri(m_aor, &aor) != nullptr
                                      ? m_realm
                                      : std::string(aor.host);
        // The nonce key only has to be unknown to the clients; the AOR makes it differ per
        // responder.
        m_digest = std::make_unique<DigestServer>(realm, "responder:" + m_aor);
    }
}

bool
SipResponder::Authenticated(CallHandle call, const Message& invite)
{
    const double now = ns3::Simulator::Now().GetSeconds();
    bool stale = false;
    for (const Credentials& c : invite.GetCredentials(HeaderId::Authorization))
    {
        const auto user = m_users.find(c.GetUsername());
        if (c.GetRealm() != m_digest->GetRealm() || user == m_users.end())
        {
            continue;
        }
        const VerifyResult verdict = m_digest->Verify(c, "INVITE", user->second, now);
        if (verdict == VerifyResult::Ok)
        {
            return true;
        }
        stale = stale || verdict == VerifyResult::Stale;
    }
    // RFC 3261 22.2 (8.2.5 for a UAS): 401 with a WWW-Authenticate challenge.
    ++m_counters.challenged;
    m_ua->Reject(call, 401, {},
                 {{"WWW-Authenticate", m_digest->MakeChallenge(now, stale).ToString()}});
    return false;
}

void
SipResponder::StopApplication()
{
    for (auto& [call, event] : m_pending)
    {
        (void) call;
        event.Cancel();
    }
    m_pending.clear();
}

void
SipResponder::OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite)
{
    ++m_counters.invitesOffered;
    if (m_digest && !Authenticated(call, invite))
    {
        return;
    }
    for (const uint16_t code : m_provisionalCodes)
    {
        if (ua.Progress(call, code))
        {
            ++m_counters.provisionalSent;
        }
    }
    m_pending[call.value]
        = ns3::Simulator::Schedule(m_finalDelay, &SipResponder::SendFinal, this, call.value);
}

void
SipResponder::SendFinal(uint32_t call)
{
    m_pending.erase(call);
    std::vector<std::pair<std::string, std::string>> headers;
    const uint32_t s = m_finalStatus;
    if (s < 400 && !m_contact.empty())
    {
        headers.emplace_back("Contact", "<" + m_contact + ">");
    }
    if (s == 405)
    {
        // 21.4.6: the methods valid for this address: not INVITE.
        headers.emplace_back("Allow", "OPTIONS");
    }
    if (s == 415)
    {
        headers.emplace_back("Accept", std::string(kUaAccept));
    }
    if (m_retryAfter > 0)
    {
        headers.emplace_back("Retry-After", std::to_string(m_retryAfter));
    }
    if (m_ua != nullptr && m_ua->Reject(CallHandle{call}, static_cast<uint16_t>(s), {}, headers))
    {
        ++m_counters.finalSent;
    }
}

void
SipResponder::OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status, std::string_view reason)
{
    (void) ua, (void) status, (void) reason;
    // Callee side: the caller cancelled (487) or the INVITE expired before the final status.
    if (const auto it = m_pending.find(call.value); it != m_pending.end())
    {
        it->second.Cancel();
        m_pending.erase(it);
        ++m_counters.cancelled;
    }
}

} // namespace sipsim
