/*
 * SipProxy: a ProxyCore on the node's SipStack, configured from attributes and the profile.
 */
#include "node/sip-proxy.h"

#include "node/node-config.h"
#include "transport/sip-stack.h"

#include <ns3/abort.h>
#include <ns3/boolean.h>
#include <ns3/log.h>
#include <ns3/string.h>
#include <ns3/uinteger.h>
#include <sstream>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("SipProxy");
NS_OBJECT_ENSURE_REGISTERED(SipProxy);

namespace {

/// "10.1.2.2:5060" or "10.1.2.2" (port 5060), optionally ";transport=tcp" (UDP otherwise);
/// nullopt with `*why` when bad.
std::optional<Peer>
ParsePeer(const std::string& written, std::string* why)
{
    std::string text = written;
    Peer peer;
    const auto params = text.find(';');
    if (params != std::string::npos)
    {
        const std::string param = text.substr(params + 1);
        const auto transport
            = param.rfind("transport=", 0) == 0 ? LookupTransport(param.substr(10)) : std::nullopt;
        if (!transport)
        {
            *why = "'" + written + "' has a parameter other than transport=udp|tcp";
            return std::nullopt;
        }
        peer.transport = *transport;
        text = text.substr(0, params);
    }
    const auto colon = text.find(':');
    const auto address = ParseIpv4(text.substr(0, colon));
    if (!address)
    {
        *why = "'" + text + "' is not IPv4[:port]";
        return std::nullopt;
    }
    peer.address = *address;
    if (colon != std::string::npos)
    {
        const std::string digits = text.substr(colon + 1);
        const int port = digits.size() <= 5 && !digits.empty()
                                 && digits.find_first_not_of("0123456789") == std::string::npos
                             ? std::atoi(digits.c_str())
                             : 0;
        if (port <= 0 || port > 65535)
        {
            *why = "bad port in '" + text + "'";
            return std::nullopt;
        }
        peer.port = static_cast<uint16_t>(port);
    }
    return peer;
}

} // namespace

ns3::TypeId
SipProxy::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::SipProxy")
              .SetParent<ns3::Application>()
              .SetGroupName("Sipsim")
              .AddConstructor<SipProxy>()
              .AddAttribute("Profile", "Behaviour profile (name or .textproto path).",
                            ns3::StringValue("cisco-sps"),
                            ns3::MakeStringAccessor(&SipProxy::m_profileName),
                            ns3::MakeStringChecker())
              .AddAttribute("Domains",
                            "Comma-separated domains the proxy serves (registrar and location "
                            "service); the node's address is always one of them.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipProxy::m_domains),
                            ns3::MakeStringChecker())
              .AddAttribute("Redirect",
                            "Redirect server mode: 302 with the registered Contact, 300 when "
                            "several are registered (RFC 3261 8.3); false: proxy mode.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipProxy::m_redirect),
                            ns3::MakeBooleanChecker())
              .AddAttribute("SequentialForking",
                            "Fork to several contacts one q-value group at a time (RFC 3261 16.6); "
                            "false: all at once.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipProxy::m_sequential),
                            ns3::MakeBooleanChecker())
              .AddAttribute("RecordRoute", "Insert Record-Route (RFC 3261 16.6 step 4).",
                            ns3::BooleanValue(true),
                            ns3::MakeBooleanAccessor(&SipProxy::m_recordRoute),
                            ns3::MakeBooleanChecker())
              .AddAttribute("TimerC", "Timer C of INVITE branches (RFC 3261 16.8: > 3 min).",
                            ns3::TimeValue(ns3::Seconds(181)),
                            ns3::MakeTimeAccessor(&SipProxy::m_timerC), ns3::MakeTimeChecker())
              .AddAttribute("MaxRequestUriLength", "Longer Request-URIs get 414.",
                            ns3::UintegerValue(256),
                            ns3::MakeUintegerAccessor(&SipProxy::m_maxRequestUriLength),
                            ns3::MakeUintegerChecker<uint32_t>(1))
              .AddAttribute("SupportedExtensions",
                            "Comma-separated option tags the proxy supports; other Proxy-Require "
                            "tags get 420 with Unsupported.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipProxy::m_extensions),
                            ns3::MakeStringChecker())
              .AddAttribute("AllowedMethods",
                            "Comma-separated methods the proxy accepts; a known method outside "
                            "the list gets 405 with Allow. Empty: every method.",
                            ns3::StringValue(""),
                            ns3::MakeStringAccessor(&SipProxy::m_allowedMethods),
                            ns3::MakeStringChecker())
              .AddAttribute("Routes",
                            "Static routes to other domains: \"b.example=10.1.2.2:5060,...\".",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipProxy::m_routes),
                            ns3::MakeStringChecker())
              .AddAttribute("DefaultRoute", "Next hop for domains without a route (IPv4[:port]).",
                            ns3::StringValue(""),
                            ns3::MakeStringAccessor(&SipProxy::m_defaultRoute),
                            ns3::MakeStringChecker())
              .AddAttribute("Registrar", "Act as the registrar of its domains (RFC 3261 10.3).",
                            ns3::BooleanValue(true),
                            ns3::MakeBooleanAccessor(&SipProxy::m_registrar),
                            ns3::MakeBooleanChecker())
              .AddAttribute(
                  "RegistrarAuthentication", "Challenge REGISTERs with 401 (RFC 3261 10.3 step 2).",
                  ns3::BooleanValue(false), ns3::MakeBooleanAccessor(&SipProxy::m_registrarAuth),
                  ns3::MakeBooleanChecker())
              .AddAttribute("ProxyAuthentication", "Challenge requests with 407 (RFC 3261 22.3).",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipProxy::m_proxyAuth),
                            ns3::MakeBooleanChecker())
              .AddAttribute("Users", "The user table: \"alice:secret,bob:pw,...\".",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipProxy::m_users),
                            ns3::MakeStringChecker())
              .AddAttribute("Realm", "Digest realm; empty: the first domain.", ns3::StringValue(""),
                            ns3::MakeStringAccessor(&SipProxy::m_realm), ns3::MakeStringChecker())
              .AddAttribute("Preauthentication",
                            "Cisco SPS pre-authentication: an authenticated user not in "
                            "PreauthorizedUsers gets 480.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipProxy::m_preauthentication),
                            ns3::MakeBooleanChecker())
              .AddAttribute("PreauthorizedUsers", "Comma-separated users who may place calls.",
                            ns3::StringValue(""),
                            ns3::MakeStringAccessor(&SipProxy::m_preauthorized),
                            ns3::MakeStringChecker())
              .AddAttribute("DigestAlgorithms",
                            "Digest algorithms of the 401/407 challenges, the preferred first, "
                            "one challenge each (RFC 8760): \"MD5\", \"SHA-256\", "
                            "\"SHA-256,MD5\" (also MD5-sess, SHA-256-sess).",
                            ns3::StringValue("MD5"),
                            ns3::MakeStringAccessor(&SipProxy::m_digestAlgorithms),
                            ns3::MakeStringChecker())
              .AddAttribute("NonceLifetime", "Age after which a digest nonce is stale.",
                            ns3::TimeValue(ns3::Seconds(300)),
                            ns3::MakeTimeAccessor(&SipProxy::m_nonceLifetime),
                            ns3::MakeTimeChecker())
              .AddAttribute("MinExpires", "Registrar: shorter bindings get 423 (s).",
                            ns3::UintegerValue(60),
                            ns3::MakeUintegerAccessor(&SipProxy::m_minExpires),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("MaxExpires", "Registrar: longer bindings are granted this (s).",
                            ns3::UintegerValue(86400),
                            ns3::MakeUintegerAccessor(&SipProxy::m_maxExpires),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddTraceSource("Generated", "The proxy generated a response to a request.",
                              ns3::MakeTraceSourceAccessor(&SipProxy::m_generated),
                              "sipsim::SipProxy::GeneratedTracedCallback");
    return tid;
}

SipProxy::SipProxy() = default;

SipProxy::~SipProxy() = default;

void
SipProxy::DoDispose()
{
    m_core.reset();
    m_stack = nullptr;
    ns3::Application::DoDispose();
}

void
SipProxy::LoadProfile() const
{
    if (m_profile)
    {
        return;
    }
    std::string error;
    m_profile = profile::LoadProfileByName(m_profileName, &error);
    NS_ABORT_MSG_IF(!m_profile, "SipProxy: " << error);
    NS_ABORT_MSG_IF(m_profile->kind() != profile::PROXY,
                    "SipProxy: profile '" << m_profile->name() << "' is not a PROXY profile");
}

const profile::DeviceProfile&
SipProxy::GetProfile() const
{
    LoadProfile();
    return *m_profile;
}

void
SipProxy::SetUsers(std::map<std::string, std::string> users)
{
    m_userTable = std::move(users);
}

void
SipProxy::SetRoutes(std::map<std::string, Peer> routes)
{
    m_routeTable = std::move(routes);
}

std::pair<std::string, std::string>
SipProxy::CheckConfiguration() const
{
    std::string why;
    for (const auto& route : SplitCommaList(m_routes))
    {
        const auto eq = route.find('=');
        if (eq == std::string::npos)
        {
            return {"Routes", "'" + route + "' is not domain=IPv4[:port][;transport=tcp]"};
        }
        if (!ParsePeer(route.substr(eq + 1), &why))
        {
            return {"Routes", why};
        }
    }
    if (!m_defaultRoute.empty() && !ParsePeer(m_defaultRoute, &why))
    {
        return {"DefaultRoute", why};
    }
    for (const auto& entry : SplitCommaList(m_users))
    {
        if (entry.find(':') == std::string::npos)
        {
            return {"Users", "'" + entry + "' is not user:password"};
        }
    }
    for (const auto& name : SplitCommaList(m_digestAlgorithms))
    {
        if (!ParseDigestAlgorithm(name))
        {
            return {"DigestAlgorithms", "'" + name + "' is not a digest algorithm (MD5, SHA-256)"};
        }
    }
    std::string error;
    const auto profile = profile::LoadProfileByName(m_profileName, &error);
    if (!profile)
    {
        return {"Profile", error};
    }
    if (profile->kind() != profile::PROXY)
    {
        return {"Profile", "profile '" + profile->name() + "' is not a PROXY profile"};
    }
    if (m_redirect && profile::CodeFor(*profile, profile::REDIRECT_ONE) == 0)
    {
        return {"Redirect", "profile '" + profile->name() + "' never generates a redirect"};
    }
    return {};
}

ProxyConfig
SipProxy::MakeConfig() const
{
    const auto [attribute, problem] = CheckConfiguration();
    NS_ABORT_MSG_IF(!problem.empty(), "SipProxy " << attribute << ": " << problem);
    LoadProfile();
    const profile::DeviceProfile& p = *m_profile;
    ProxyConfig config;
    ns3::Ptr<SipStack> stack = GetNode() ? GetNode()->GetObject<SipStack>() : nullptr;
    if (stack)
    {
        config.self.address = stack->GetLocalAddress().Get();
        config.self.port = stack->GetPort();
        config.domains.push_back(FormatIpv4(config.self.address));
    }
    for (const auto& domain : SplitCommaList(m_domains))
    {
        config.domains.push_back(domain);
    }
    config.mode = m_redirect ? ProxyMode::Redirect : ProxyMode::Proxy;
    config.forking = m_sequential ? ForkMode::Sequential : ForkMode::Parallel;
    config.recordRoute = m_recordRoute;
    config.timerC = std::chrono::nanoseconds(m_timerC.GetNanoSeconds());
    config.maxRequestUriLength = m_maxRequestUriLength;
    for (const auto& tag : SplitCommaList(m_extensions))
    {
        config.supportedExtensions.insert(tag);
    }
    // 405 only when the profile generates it and the scenario restricts the methods.
    const auto allowed = SplitCommaList(m_allowedMethods);
    if (!allowed.empty() && profile::CodeFor(p, profile::METHOD_NOT_ALLOWED) != 0)
    {
        config.allowedMethods = std::set<std::string>(allowed.begin(), allowed.end());
    }
    config.rejectUnknownMethods = profile::CodeFor(p, profile::NOT_IMPLEMENTED) != 0;
    for (const auto& route : SplitCommaList(m_routes))
    {
        // Checked by CheckConfiguration above.
        const auto eq = route.find('=');
        std::string why;
        config.routes[route.substr(0, eq)] = *ParsePeer(route.substr(eq + 1), &why);
    }
    for (const auto& [domain, peer] : m_routeTable)
    {
        config.routes[domain] = peer;
    }
    if (!m_defaultRoute.empty())
    {
        std::string why;
        config.defaultRoute = *ParsePeer(m_defaultRoute, &why);
    }
    // RFC 3261 16.7 step 6 turns a 503 into 500 unless the profile forwards it as it is.
    const profile::Receipt on503 = profile::ReceiptFor(p, 503);
    config.forward503 = on503.action() == profile::FORWARD
                        && (on503.forward_as() == 0 || on503.forward_as() == 503);
    std::map<std::string, std::string> users;
    for (const auto& entry : SplitCommaList(m_users))
    {
        const auto colon = entry.find(':');
        users[entry.substr(0, colon)] = entry.substr(colon + 1);
    }
    for (const auto& [user, password] : m_userTable)
    {
        users[user] = password;
    }
    const std::string realm = !m_realm.empty() ? m_realm
                                               : (config.domains.size() > 1 ? config.domains[1]
                                                  : config.domains.empty()  ? std::string("sipsim")
                                                                            : config.domains[0]);
    const Duration nonceLifetime = std::chrono::nanoseconds(m_nonceLifetime.GetNanoSeconds());
    std::vector<DigestAlgorithm> algorithms;
    for (const auto& name : SplitCommaList(m_digestAlgorithms))
    {
        const auto algorithm = ParseDigestAlgorithm(name);
        algorithms.push_back(*algorithm);
    }
    config.registrarConfig.algorithms = algorithms;
    config.authConfig.algorithms = algorithms;
    config.registrar = m_registrar && profile::CodeFor(p, profile::REQUEST_ACCEPTED) != 0;
    config.registrarConfig.domains = config.domains;
    config.registrarConfig.authenticate
        = m_registrarAuth && profile::CodeFor(p, profile::REGISTRAR_CHALLENGE) != 0;
    config.registrarConfig.realm = realm;
    config.registrarConfig.users = users;
    config.registrarConfig.nonceLifetime = nonceLifetime;
    config.registrarConfig.minExpires = m_minExpires;
    config.registrarConfig.maxExpires = m_maxExpires;
    config.authenticate = m_proxyAuth && profile::CodeFor(p, profile::PROXY_CHALLENGE) != 0;
    config.authConfig.realm = realm;
    config.authConfig.users = users;
    config.authConfig.nonceLifetime = nonceLifetime;
    config.authConfig.preauthentication
        = m_preauthentication && profile::CodeFor(p, profile::PREAUTH_FAILED) != 0;
    for (const auto& user : SplitCommaList(m_preauthorized))
    {
        config.authConfig.preauthorizedUsers.insert(user);
    }
    return config;
}

void
SipProxy::StartApplication()
{
    m_stack = GetNode()->GetObject<SipStack>();
    NS_ABORT_MSG_IF(!m_stack, "SipProxy on node " << GetNode()->GetId()
                                                  << ": install a SipStack first "
                                                     "(SipStackHelper)");
    const ProxyConfig config = MakeConfig();
    // The profile says whether malformed requests get the parser's stateless answer (400).
    m_stack->SetAttribute(
        "AnswerMalformedRequests",
        ns3::BooleanValue(profile::CodeFor(*m_profile, profile::MALFORMED_REQUEST) != 0));
    m_core = std::make_unique<ProxyCore>(m_stack->GetTransactionLayer(), m_stack->GetTimerService(),
                                         config);
    m_core->SetObserver(this);
}

void
SipProxy::Restart()
{
    if (!m_stack)
    {
        return;
    }
    m_core.reset();
    m_core = std::make_unique<ProxyCore>(m_stack->GetTransactionLayer(), m_stack->GetTimerService(),
                                         MakeConfig());
    m_core->SetObserver(this);
}

void
SipProxy::StopApplication()
{
    // The core stays: transactions in flight finish; new requests still get answers.
}

void
SipProxy::OnGenerated(const Message& request, const Message& response)
{
    m_generated(request, response);
}

} // namespace sipsim
