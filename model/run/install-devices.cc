#include "run/install-devices.h"

#include "node/sip-gateway-helper.h"
#include "node/sip-phone-helper.h"
#include "node/sip-proxy-helper.h"
#include "node/sip-responder.h"
#include "transport/sip-stack-helper.h"

#include <cmath>
#include <iomanip>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <sstream>

namespace sipsim::run {

namespace sc = sipsim::scenario;

std::string
VariableOf(const sc::Distribution& d, const std::string& fallback)
{
    std::ostringstream os;
    os << std::setprecision(12);
    switch (d.kind_case())
    {
        case sc::Distribution::kConstant:
            os << "ns3::ConstantRandomVariable[Constant=" << d.constant() << "]";
            break;
        case sc::Distribution::kExponentialMean:
            os << "ns3::ExponentialRandomVariable[Mean=" << d.exponential_mean() << "]";
            break;
        case sc::Distribution::kLognormal:
            os << "ns3::LogNormalRandomVariable[Mu=" << d.lognormal().mu()
               << "|Sigma=" << d.lognormal().sigma() << "]";
            break;
        case sc::Distribution::kUniform:
            os << "ns3::UniformRandomVariable[Min=" << d.uniform().min()
               << "|Max=" << d.uniform().max() << "]";
            break;
        default:
            return fallback;
    }
    return os.str();
}

namespace {

/**
 * Sets a random-variable attribute of an object already made: the scenario's distribution when
 * it has one, else the attribute's TypeId default (a capacity fault replaces the whole
 * capacity, so an unset field goes back to the model's default, which lives only there).
 */
void
SetVariableOrDefault(ns3::ObjectBase& object, const std::string& name, bool present,
                     const sc::Distribution& d)
{
    if (present && d.kind_case() != sc::Distribution::KIND_NOT_SET)
    {
        object.SetAttribute(name, ns3::StringValue(VariableOf(d, "")));
        return;
    }
    ns3::TypeId::AttributeInformation info;
    if (object.GetInstanceTypeId().LookupAttributeByName(name, &info))
    {
        object.SetAttribute(name, *info.initialValue);
    }
}

} // namespace

void
ConfigureQueue(const ns3::Ptr<ProcessingQueue>& queue, const sc::Capacity& c)
{
    queue->SetAttribute("Workers", ns3::UintegerValue(c.workers()));
    // 0 is a value here, not a default: no limit.
    queue->SetAttribute("QueueLimit",
                        ns3::UintegerValue(c.queue_limit() == 0 ? 1000000 : c.queue_limit()));
    SetVariableOrDefault(*queue, "InviteTime", c.has_invite_time(), c.invite_time());
    SetVariableOrDefault(*queue, "RequestTime", c.has_request_time(), c.request_time());
    SetVariableOrDefault(*queue, "ResponseTime", c.has_response_time(), c.response_time());
    SetVariableOrDefault(*queue, "RejectTime", c.has_reject_time(), c.reject_time());
    SetVariableOrDefault(*queue, "RetransmissionTime", c.has_retransmission_time(),
                         c.retransmission_time());
    SetVariableOrDefault(*queue, "AuthTime", c.has_auth_time(), c.auth_time());
    queue->SetAttribute("OverloadPolicy",
                        ns3::StringValue(c.policy() == sc::REJECT_503 ? "Reject503" : "None"));
    if (c.reject_threshold() > 0)
    {
        queue->SetAttribute("RejectThreshold", ns3::UintegerValue(c.reject_threshold()));
    }
    queue->SetAttribute("RetryAfter", ns3::UintegerValue(c.retry_after_s()));
}

namespace {

std::string
DomainProxy(const World& w, const std::string& domain)
{
    const auto proxies = w.topo.ProxiesOf(domain);
    return proxies.empty() ? std::string() : proxies.front();
}

std::string
UserPrefix(const sc::PhoneGroup& p)
{
    return p.user_prefix().empty() ? "user" : p.user_prefix();
}

template<typename Helper>
void
SetAttributes(Helper& helper, const sc::NodeGroup& g)
{
    for (const auto& [name, value] : g.attributes())
    {
        helper.SetAttribute(name, ns3::StringValue(value));
    }
}

void
InstallProxy(const sc::Scenario& s, const sc::NodeGroup& g, const topology::NodeProps& node,
             const std::map<std::string, std::string>& domainPasswords, World& w)
{
    const auto& p = g.proxy();
    const auto& t = s.timers();
    SipProxyHelper helper;
    if (!node.profile.empty())
    {
        helper.SetAttribute("Profile", ns3::StringValue(node.profile));
    }
    helper.SetAttribute("Domains", ns3::StringValue(node.domain));
    helper.SetAttribute("Redirect", ns3::BooleanValue(p.redirect()));
    helper.SetAttribute("SequentialForking", ns3::BooleanValue(p.sequential_forking()));
    helper.SetAttribute("RegistrarAuthentication", ns3::BooleanValue(p.registrar_auth()));
    helper.SetAttribute("ProxyAuthentication", ns3::BooleanValue(p.proxy_auth()));
    if (p.digest_algorithms_size() > 0)
    {
        std::string algorithms;
        for (const int a : p.digest_algorithms())
        {
            algorithms += (algorithms.empty() ? "" : ",")
                          + std::string(a == sc::SHA_256 ? "SHA-256" : "MD5");
        }
        helper.SetAttribute("DigestAlgorithms", ns3::StringValue(algorithms));
    }
    if (t.timer_c_s() > 0)
    {
        helper.SetAttribute("TimerC", ns3::TimeValue(ns3::Seconds(t.timer_c_s())));
    }
    // The domain's phone users, then the group's own table (which wins for a user in both: a
    // proxy whose table disagrees with a phone's password).
    std::map<std::string, std::string> users = domainPasswords;
    for (const auto& [user, password] : p.users())
    {
        users[user] = password;
    }
    // Static routes, or the topology's (the first proxy on the least-delay path per domain).
    std::map<std::string, Peer> routes;
    const auto hop = [](ns3::Ipv4Address address, sc::Transport transport) {
        Peer peer;
        peer.address = address.Get();
        peer.port = 5060;
        peer.transport = transport == sc::TCP ? TransportProtocol::Tcp : TransportProtocol::Udp;
        return peer;
    };
    for (const auto& r : p.routes())
    {
        routes[r.domain()] = hop(w.network.AddressOf(r.next_hop_node()), r.transport());
    }
    if (p.routes_size() == 0)
    {
        for (const auto& [domain, address] : w.network.ProxyRoutes(g.node()))
        {
            routes[domain] = hop(address, p.route_transport());
        }
    }
    SetAttributes(helper, g);
    auto proxy = ns3::DynamicCast<SipProxy>(helper.Install(w.network.NodeOf(g.node())).Get(0));
    proxy->SetUsers(std::move(users));
    proxy->SetRoutes(std::move(routes));
    w.proxies[g.node()] = proxy;
    if (p.has_capacity() && p.capacity().workers() > 0)
    {
        auto queue = ns3::CreateObject<ProcessingQueue>();
        ConfigureQueue(queue, p.capacity());
        queue->Install(w.stacks[g.node()]);
        w.queues[g.node()] = queue;
    }
}

void
InstallGateway(const sc::Scenario& s, const sc::NodeGroup& g, const topology::NodeProps& node,
               World& w)
{
    const auto& gw = g.gateway();
    SipGatewayHelper helper;
    if (!node.profile.empty())
    {
        helper.SetAttribute("Profile", ns3::StringValue(node.profile));
    }
    std::ostringstream aor;
    aor << "sip:gw@" << w.network.AddressOf(g.node());
    helper.SetAttribute("Aor", ns3::StringValue(aor.str()));
    helper.SetAttribute("Channels", ns3::UintegerValue(gw.channels()));
    if (gw.full_status() != 0)
    {
        helper.SetAttribute("FullStatus", ns3::UintegerValue(gw.full_status()));
    }
    helper.SetAttribute("NumberPrefix", ns3::StringValue(gw.number_prefix()));
    helper.SetAttribute("PstnAnswerProbability", ns3::DoubleValue(gw.pstn_answer_probability()));
    helper.SetAttribute("PstnBusyProbability", ns3::DoubleValue(gw.pstn_busy_probability()));
    if (gw.has_pstn_holding() || s.traffic().has_holding())
    {
        const sc::Distribution& holding
            = gw.has_pstn_holding() ? gw.pstn_holding() : s.traffic().holding();
        helper.SetAttribute("HoldingTime", ns3::StringValue(VariableOf(holding, "")));
    }
    helper.SetAttribute("PstnCallRate", ns3::DoubleValue(gw.pstn_call_rate()));
    if (gw.pstn_call_rate() > 0)
    {
        // Calls from the PSTN go to the phone users (and responders) of the gateway's domain
        // (every phone user when the domain has neither), through the domain's proxy.
        std::string targets;
        std::string all;
        for (const auto& [name, aors] : w.phoneAors)
        {
            const bool same = w.topo.Node(*w.topo.Find(name)).domain == node.domain;
            for (const auto& a : aors)
            {
                (same ? targets : all) += ((same ? targets : all).empty() ? "" : ",") + a;
            }
        }
        // A responder of the gateway's domain is called too (its receipt rows).
        for (const auto& [name, far] : w.responderAors)
        {
            if (w.topo.Node(*w.topo.Find(name)).domain == node.domain)
            {
                targets += (targets.empty() ? "" : ",") + far;
            }
        }
        helper.SetAttribute("PstnTargets", ns3::StringValue(targets.empty() ? all : targets));
    }
    const std::string proxy = DomainProxy(w, node.domain);
    if (!proxy.empty())
    {
        helper.SetAttribute("OutboundProxy", ns3::Ipv4AddressValue(w.network.AddressOf(proxy)));
    }
    SetAttributes(helper, g);
    w.gateways[g.node()]
        = ns3::DynamicCast<SipGateway>(helper.Install(w.network.NodeOf(g.node())).Get(0));
}

void
InstallResponder(const sc::NodeGroup& g, const topology::NodeProps& node, World& w)
{
    const auto& r = g.responder();
    ns3::ObjectFactory factory;
    factory.SetTypeId(SipResponder::GetTypeId());
    factory.Set("Aor", ns3::StringValue(w.responderAors[g.node()]));
    // A field the scenario leaves unset keeps the model's default (`sipsim attributes
    // responder`).
    if (r.final_status() != 0)
    {
        factory.Set("FinalStatus", ns3::UintegerValue(r.final_status()));
    }
    std::string provisional;
    for (const uint32_t code : r.provisional())
    {
        provisional += (provisional.empty() ? "" : ",") + std::to_string(code);
    }
    factory.Set("Provisional", ns3::StringValue(provisional));
    factory.Set("FinalDelay", ns3::TimeValue(ns3::Seconds(r.final_delay_s())));
    factory.Set("RetryAfter", ns3::UintegerValue(r.retry_after_s()));
    factory.Set("Contact", ns3::StringValue(r.contact()));
    factory.Set("Realm", ns3::StringValue(node.domain));
    for (const auto& [name, value] : g.attributes())
    {
        factory.Set(name, ns3::StringValue(value));
    }
    auto responder = factory.Create<SipResponder>();
    responder->SetUsers(std::map<std::string, std::string>(r.users().begin(), r.users().end()));
    w.network.NodeOf(g.node())->AddApplication(responder);
    w.responders[g.node()] = responder;
}

void
InstallPhones(const sc::Scenario& s, const sc::NodeGroup& g, const topology::NodeProps& node,
              World& w)
{
    const auto& p = g.phones();
    const auto& user = p.user();
    const auto& t = s.timers();
    SipPhoneHelper helper;
    if (!node.profile.empty())
    {
        helper.SetAttribute("Profile", ns3::StringValue(node.profile));
    }
    // A field the scenario leaves unset keeps the model's default (its TypeId: `sipsim
    // attributes phone`).
    if (user.answer_probability() > 0)
    {
        helper.SetAttribute("AnswerProbability", ns3::DoubleValue(user.answer_probability()));
    }
    // answer_delay unset means "answers at once" (scenario.proto), not the phone's 2 s.
    helper.SetAttribute("AnswerDelay",
                        ns3::StringValue(VariableOf(user.answer_delay(),
                                                    "ns3::ConstantRandomVariable[Constant=0]")));
    // Callers hang up after traffic.holding; called users after their own user.holding.
    if (s.traffic().has_holding())
    {
        helper.SetAttribute("HoldingTime", ns3::StringValue(VariableOf(s.traffic().holding(), "")));
    }
    if (user.has_holding())
    {
        helper.SetAttribute("AnsweredHoldingTime",
                            ns3::StringValue(VariableOf(user.holding(), "")));
    }
    if (p.reuse_credentials())
    {
        helper.SetAttribute("ReuseCredentials", ns3::BooleanValue(true));
    }
    if (p.follow_redirects())
    {
        helper.SetAttribute("FollowRedirects", ns3::BooleanValue(true));
    }
    if (p.delayed_offer())
    {
        helper.SetAttribute("DelayedOffer", ns3::BooleanValue(true));
    }
    if (p.register_retry_s() > 0)
    {
        helper.SetAttribute("RegisterRetryInterval",
                            ns3::TimeValue(ns3::Seconds(p.register_retry_s())));
    }
    if (p.options_interval_s() > 0)
    {
        helper.SetAttribute("OptionsInterval",
                            ns3::TimeValue(ns3::Seconds(p.options_interval_s())));
    }
    helper.SetAttribute("DoNotDisturb", ns3::BooleanValue(user.do_not_disturb()));
    if (user.cancel_after_s() > 0)
    {
        helper.SetAttribute("CancelAfter", ns3::TimeValue(ns3::Seconds(user.cancel_after_s())));
    }
    if (user.ring_timeout_s() > 0)
    {
        helper.SetAttribute("RingTimeout", ns3::TimeValue(ns3::Seconds(user.ring_timeout_s())));
    }
    helper.SetAttribute("RegisterOnStart", ns3::BooleanValue(p.register_()));
    if (p.register_expires_s() > 0)
    {
        helper.SetAttribute("RegisterExpires", ns3::UintegerValue(p.register_expires_s()));
    }
    if (t.invite_expires_s() > 0)
    {
        helper.SetAttribute("InviteExpires", ns3::TimeValue(ns3::Seconds(t.invite_expires_s())));
    }
    SetAttributes(helper, g);
    auto phone = ns3::DynamicCast<SipPhone>(helper.Install(w.network.NodeOf(g.node())).Get(0));
    const std::string proxy = DomainProxy(w, node.domain);
    for (const auto& aor : w.phoneAors[g.node()])
    {
        PhoneUser u;
        u.aor = aor;
        u.password = p.password();
        if (p.has_contact_q())
        {
            u.contactQ = static_cast<uint16_t>(std::lround(p.contact_q() * 1000));
        }
        if (p.transport() == sc::TCP)
        {
            u.transport = TransportProtocol::Tcp;
        }
        const auto peerOf = [&](const std::string& name) {
            Peer peer;
            peer.transport = u.transport;
            peer.address = w.network.AddressOf(name).Get();
            peer.port = 5060;
            return peer;
        };
        if (!proxy.empty())
        {
            u.outboundProxy = peerOf(proxy);
            u.registrar = u.outboundProxy;
        }
        for (int i = 0; i < p.outbound_proxies_size(); ++i)
        {
            if (i == 0)
            {
                u.outboundProxy = peerOf(p.outbound_proxies(0));
            }
            else
            {
                u.backupProxies.push_back(peerOf(p.outbound_proxies(i)));
            }
        }
        phone->AddUser(u);
    }
    w.phones[g.node()] = phone;
}

} // namespace

bool
InstallDevices(const sc::Scenario& s, World& w, std::string* error)
{
    SipStackHelper stacks;
    const auto& t = s.timers();
    if (t.t1_s() > 0)
    {
        stacks.SetAttribute("T1", ns3::TimeValue(ns3::Seconds(t.t1_s())));
    }
    if (t.t2_s() > 0)
    {
        stacks.SetAttribute("T2", ns3::TimeValue(ns3::Seconds(t.t2_s())));
    }
    if (t.t4_s() > 0)
    {
        stacks.SetAttribute("T4", ns3::TimeValue(ns3::Seconds(t.t4_s())));
    }
    // A stack on every node that runs SIP, inline or from the DOT file.
    const auto& graph = w.topo.GetGraph();
    for (const auto v : boost::make_iterator_range(boost::vertices(graph)))
    {
        const auto& n = graph[v];
        if (n.role == topology::Role::Router)
        {
            continue;
        }
        const auto ns3Node = w.network.NodeOf(n.name);
        w.stacks[n.name] = stacks.Install(ns3Node);
        w.nameOfNode[ns3Node->GetId()] = n.name;
    }
    // Phone users (AORs) and their passwords by domain, for the proxies' user tables and the
    // gateways' PSTN targets.
    std::map<std::string, std::map<std::string, std::string>> passwords; // domain -> user -> pw
    for (const auto& g : s.groups())
    {
        const auto vertex = w.topo.Find(g.node());
        if (!vertex)
        {
            *error = "group for unknown node '" + g.node() + "'";
            return false;
        }
        const auto& node = w.topo.Node(*vertex);
        if (g.has_phones())
        {
            const auto& p = g.phones();
            auto& aors = w.phoneAors[g.node()];
            aors.reserve(p.count());
            for (uint32_t i = 0; i < p.count(); ++i)
            {
                const std::string user = UserPrefix(p) + std::to_string(p.first_user() + i);
                passwords[node.domain][user] = p.password();
                // Without a proxy in the domain the users are reached at their node's address
                // (direct calls, RFC 3665 3.1).
                std::ostringstream host;
                if (DomainProxy(w, node.domain).empty())
                {
                    host << w.network.AddressOf(g.node());
                }
                else
                {
                    host << node.domain;
                }
                aors.push_back("sip:" + user + "@" + host.str());
            }
        }
        if (g.has_responder())
        {
            // Any user at its address reaches it; callers call this one.
            std::ostringstream aor;
            aor << "sip:responder@" << w.network.AddressOf(g.node());
            w.responderAors[g.node()] = aor.str();
        }
    }
    for (const auto& g : s.groups())
    {
        const auto& node = w.topo.Node(*w.topo.Find(g.node()));
        if (g.has_proxy())
        {
            InstallProxy(s, g, node, passwords[node.domain], w);
        }
        else if (g.has_gateway())
        {
            InstallGateway(s, g, node, w);
        }
        else if (g.has_phones())
        {
            InstallPhones(s, g, node, w);
        }
        else if (g.has_responder())
        {
            InstallResponder(g, node, w);
        }
    }
    return true;
}

} // namespace sipsim::run
