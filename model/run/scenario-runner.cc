/*
 * The engine of `sipsim run`: scenario -> topology -> devices -> traffic and faults -> trace,
 * summary and expectations.
 */
#include "run/scenario-runner.h"

#include "node/call-generator.h"
#include "node/processing-queue.h"
#include "node/sip-gateway-helper.h"
#include "node/sip-gateway.h"
#include "node/sip-phone-helper.h"
#include "node/sip-phone.h"
#include "node/sip-proxy-helper.h"
#include "node/sip-proxy.h"
#include "scenario/scenario-loader.h"
#include "topology/network-builder.h"
#include "topology/topology-dot.h"
#include "topology/topology-validate.h"
#include "trace/signal-stop.h"
#include "trace/trace-recorder.h"
#include "trace/trace-summary.h"
#include "transport/sip-stack-helper.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <google/protobuf/text_format.h>
#include <iomanip>
#include <map>
#include <ns3/core-module.h>
#include <ns3/csma-helper.h>
#include <ns3/point-to-point-helper.h>
#include <ostream>
#include <sstream>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// gperftools' C interface (malloc_extension_c.h), declared weak: non-null only when the
/// program links tcmalloc (SIPSIM_ALLOCATOR), whose heap glibc's mallinfo2 does not see.
extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value)
    __attribute__((weak));

#ifndef SIPSIM_VERSION
#define SIPSIM_VERSION "unknown"
#endif

namespace sipsim::run {

namespace {

namespace sc = sipsim::scenario;

/// An ns-3 random variable for a scenario Distribution; `fallback` when unset.
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

topology::Role
RoleOf(sc::Role role)
{
    switch (role)
    {
        case sc::PHONES:
            return topology::Role::Phones;
        case sc::PROXY:
            return topology::Role::Proxy;
        case sc::GATEWAY:
            return topology::Role::Gateway;
        default:
            return topology::Role::Router;
    }
}

/// "a-b" -> (a, b) using the topology's node names (names may contain '-').
bool
SplitLink(const topology::Topology& topo, const std::string& link, std::string* a, std::string* b)
{
    for (size_t dash = link.find('-'); dash != std::string::npos; dash = link.find('-', dash + 1))
    {
        const std::string x = link.substr(0, dash);
        const std::string y = link.substr(dash + 1);
        if (topo.FindLink(x, y))
        {
            *a = x;
            *b = y;
            return true;
        }
    }
    return false;
}

/// The record's time (ns) for the warm-up filter; -1 for records that always count
/// (registrations happen at the start, in the warm-up, and are counted all the same).
int64_t
RecordTime(const trace::Record& r)
{
    switch (r.record_case())
    {
        case trace::Record::kMessage:
            return r.message().time_ns();
        case trace::Record::kCall:
            return r.call().invite_ns();
        case trace::Record::kTransaction:
            return r.transaction().time_ns();
        case trace::Record::kSample:
            return r.sample().time_ns();
        case trace::Record::kUserEvent:
            return r.user_event().time_ns();
        default:
            return -1;
    }
}

std::string
OpText(sc::Comparison op)
{
    switch (op)
    {
        case sc::LT:
            return "<";
        case sc::LE:
            return "<=";
        case sc::EQ:
            return "==";
        case sc::GE:
            return ">=";
        case sc::GT:
            return ">";
        default:
            return "?";
    }
}

bool
Holds(double actual, sc::Comparison op, double value)
{
    switch (op)
    {
        case sc::LT:
            return actual < value;
        case sc::LE:
            return actual <= value;
        case sc::EQ:
            return std::fabs(actual - value) <= 1e-9 * std::max(1.0, std::fabs(value));
        case sc::GE:
            return actual >= value;
        case sc::GT:
            return actual > value;
        default:
            return false;
    }
}

std::string
XmlEscape(const std::string& text)
{
    std::string out;
    for (const char c : text)
    {
        switch (c)
        {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

/// One run: what the builder made, by node name.
struct World
{
    topology::Topology topo;
    topology::NetworkBuilder network;
    std::map<std::string, ns3::Ptr<SipStack>> stacks;
    std::map<std::string, ns3::Ptr<SipPhone>> phones;
    std::map<std::string, std::vector<std::string>> phoneAors; ///< node -> AORs
    std::map<std::string, ns3::Ptr<SipProxy>> proxies;
    std::map<std::string, ns3::Ptr<ProcessingQueue>> queues;
    std::map<std::string, ns3::Ptr<SipGateway>> gateways;
    std::map<uint32_t, std::string> nameOfNode; ///< ns-3 node id -> topology name
    ns3::Ptr<CallGenerator> generator;
};

void
ConfigureQueue(const ns3::Ptr<ProcessingQueue>& queue, const sc::Capacity& c)
{
    queue->SetAttribute("Workers", ns3::UintegerValue(c.workers()));
    queue->SetAttribute("QueueLimit",
                        ns3::UintegerValue(c.queue_limit() == 0 ? 1000000 : c.queue_limit()));
    queue->SetAttribute(
        "InviteTime", ns3::StringValue(VariableOf(c.invite_time(),
                                                  "ns3::ConstantRandomVariable[Constant=0.002]")));
    queue->SetAttribute(
        "RequestTime", ns3::StringValue(VariableOf(c.request_time(),
                                                   "ns3::ConstantRandomVariable[Constant=0.001]")));
    queue->SetAttribute("ResponseTime",
                        ns3::StringValue(VariableOf(
                            c.response_time(), "ns3::ConstantRandomVariable[Constant=0.0005]")));
    queue->SetAttribute("OverloadPolicy",
                        ns3::StringValue(c.policy() == sc::REJECT_503 ? "Reject503" : "None"));
    if (c.reject_threshold() > 0)
    {
        queue->SetAttribute("RejectThreshold", ns3::UintegerValue(c.reject_threshold()));
    }
    queue->SetAttribute("RetryAfter", ns3::UintegerValue(c.retry_after_s()));
}

std::string
DomainProxy(const World& w, const std::string& domain)
{
    const auto proxies = w.topo.ProxiesOf(domain);
    return proxies.empty() ? std::string() : proxies.front();
}

/// Installs the devices of every node group.
bool
InstallGroups(const sc::Scenario& s, World& w, std::string* error)
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
    for (const auto& n : s.topology().nodes())
    {
        if (n.role() == sc::ROUTER)
        {
            continue;
        }
        w.stacks[n.name()] = stacks.Install(w.network.NodeOf(n.name()));
        w.nameOfNode[w.network.NodeOf(n.name())->GetId()] = n.name();
    }
    // Phone users' passwords, for proxies that authenticate without a user table of their own.
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
            const std::string prefix = p.user_prefix().empty() ? "user" : p.user_prefix();
            for (uint32_t i = 0; i < p.count(); ++i)
            {
                passwords[node.domain][prefix + std::to_string(p.first_user() + i)] = p.password();
            }
        }
    }
    for (const auto& g : s.groups())
    {
        const auto& node = w.topo.Node(*w.topo.Find(g.node()));
        const auto ns3Node = w.network.NodeOf(g.node());
        if (g.has_proxy())
        {
            const auto& p = g.proxy();
            SipProxyHelper helper;
            helper.SetAttribute(
                "Profile", ns3::StringValue(node.profile.empty() ? "cisco-sps" : node.profile));
            helper.SetAttribute("Domains", ns3::StringValue(node.domain));
            helper.SetAttribute("Redirect", ns3::BooleanValue(p.redirect()));
            helper.SetAttribute("SequentialForking", ns3::BooleanValue(p.sequential_forking()));
            helper.SetAttribute("RegistrarAuthentication", ns3::BooleanValue(p.registrar_auth()));
            helper.SetAttribute("ProxyAuthentication", ns3::BooleanValue(p.proxy_auth()));
            if (t.timer_c_s() > 0)
            {
                helper.SetAttribute("TimerC", ns3::TimeValue(ns3::Seconds(t.timer_c_s())));
            }
            // The domain's phone users, then the group's own table (which wins for a user in
            // both: a proxy whose table disagrees with a phone's password).
            std::map<std::string, std::string> users = passwords[node.domain];
            for (const auto& [user, password] : p.users())
            {
                users[user] = password;
            }
            std::string table;
            for (const auto& [user, password] : users)
            {
                table += (table.empty() ? "" : ",") + user + ":" + password;
            }
            helper.SetAttribute("Users", ns3::StringValue(table));
            std::string routes;
            if (p.routes_size() > 0)
            {
                for (const auto& r : p.routes())
                {
                    std::ostringstream os;
                    os << r.domain() << "=" << w.network.AddressOf(r.next_hop_node()) << ":5060";
                    routes += (routes.empty() ? "" : ",") + os.str();
                }
            }
            else
            {
                routes = w.network.ProxyRoutesAttribute(g.node());
            }
            helper.SetAttribute("Routes", ns3::StringValue(routes));
            for (const auto& [name, value] : g.attributes())
            {
                helper.SetAttribute(name, ns3::StringValue(value));
            }
            auto proxy = ns3::DynamicCast<SipProxy>(helper.Install(ns3Node).Get(0));
            w.proxies[g.node()] = proxy;
            if (p.has_capacity() && p.capacity().workers() > 0)
            {
                auto queue = ns3::CreateObject<ProcessingQueue>();
                ConfigureQueue(queue, p.capacity());
                queue->Install(w.stacks[g.node()]);
                w.queues[g.node()] = queue;
            }
        }
        if (g.has_gateway())
        {
            const auto& gw = g.gateway();
            SipGatewayHelper helper;
            helper.SetAttribute("Profile", ns3::StringValue(node.profile.empty() ? "cpe-sip-gateway"
                                                                                 : node.profile));
            std::ostringstream aor;
            aor << "sip:gw@" << w.network.AddressOf(g.node());
            helper.SetAttribute("Aor", ns3::StringValue(aor.str()));
            helper.SetAttribute("Channels", ns3::UintegerValue(gw.channels()));
            if (gw.full_status() != 0)
            {
                helper.SetAttribute("FullStatus", ns3::UintegerValue(gw.full_status()));
            }
            helper.SetAttribute("NumberPrefix", ns3::StringValue(gw.number_prefix()));
            helper.SetAttribute("PstnAnswerProbability",
                                ns3::DoubleValue(gw.pstn_answer_probability()));
            helper.SetAttribute("PstnBusyProbability",
                                ns3::DoubleValue(gw.pstn_busy_probability()));
            helper.SetAttribute(
                "HoldingTime", ns3::StringValue(VariableOf(
                                   gw.pstn_holding(), "ns3::ExponentialRandomVariable[Mean=120]")));
            helper.SetAttribute("PstnCallRate", ns3::DoubleValue(gw.pstn_call_rate()));
            const std::string proxy = DomainProxy(w, node.domain);
            if (!proxy.empty())
            {
                helper.SetAttribute("OutboundProxy",
                                    ns3::Ipv4AddressValue(w.network.AddressOf(proxy)));
            }
            for (const auto& [name, value] : g.attributes())
            {
                helper.SetAttribute(name, ns3::StringValue(value));
            }
            w.gateways[g.node()] = ns3::DynamicCast<SipGateway>(helper.Install(ns3Node).Get(0));
        }
        if (g.has_phones())
        {
            const auto& p = g.phones();
            const auto& user = p.user();
            SipPhoneHelper helper;
            helper.SetAttribute("Profile", ns3::StringValue(node.profile.empty() ? "cisco-sip-phone"
                                                                                 : node.profile));
            helper.SetAttribute(
                "AnswerProbability",
                ns3::DoubleValue(user.answer_probability() == 0 ? 1.0 : user.answer_probability()));
            helper.SetAttribute("AnswerDelay", ns3::StringValue(VariableOf(
                                                   user.answer_delay(),
                                                   "ns3::ConstantRandomVariable[Constant=0]")));
            const sc::Distribution& holding
                = user.has_holding() ? user.holding() : s.traffic().holding();
            helper.SetAttribute(
                "HoldingTime",
                ns3::StringValue(VariableOf(holding, "ns3::ExponentialRandomVariable[Mean=120]")));
            helper.SetAttribute("DoNotDisturb", ns3::BooleanValue(user.do_not_disturb()));
            helper.SetAttribute("CancelAfter", ns3::TimeValue(ns3::Seconds(user.cancel_after_s())));
            helper.SetAttribute("RegisterOnStart", ns3::BooleanValue(p.register_()));
            helper.SetAttribute(
                "RegisterExpires",
                ns3::UintegerValue(p.register_expires_s() == 0 ? 3600 : p.register_expires_s()));
            if (t.invite_expires_s() > 0)
            {
                helper.SetAttribute("InviteExpires",
                                    ns3::TimeValue(ns3::Seconds(t.invite_expires_s())));
            }
            for (const auto& [name, value] : g.attributes())
            {
                helper.SetAttribute(name, ns3::StringValue(value));
            }
            auto phone = ns3::DynamicCast<SipPhone>(helper.Install(ns3Node).Get(0));
            const std::string proxy = DomainProxy(w, node.domain);
            const std::string prefix = p.user_prefix().empty() ? "user" : p.user_prefix();
            for (uint32_t i = 0; i < p.count(); ++i)
            {
                PhoneUser u;
                u.aor = "sip:" + prefix + std::to_string(p.first_user() + i) + "@" + node.domain;
                u.password = p.password();
                if (!proxy.empty())
                {
                    Peer peer;
                    peer.address = w.network.AddressOf(proxy).Get();
                    peer.port = 5060;
                    u.outboundProxy = peer;
                    u.registrar = peer;
                }
                phone->AddUser(u);
                w.phoneAors[g.node()].push_back(u.aor);
            }
            w.phones[g.node()] = phone;
        }
    }
    return true;
}

/// The callers and callees of the traffic section.
void
InstallTraffic(const sc::Scenario& s, World& w)
{
    const auto& t = s.traffic();
    if (t.calls_per_second() <= 0 && t.bhca_per_user() <= 0)
    {
        return;
    }
    w.generator = ns3::CreateObject<CallGenerator>();
    w.generator->SetAttribute("Rate", ns3::DoubleValue(t.calls_per_second()));
    w.generator->SetAttribute("BhcaPerUser", ns3::DoubleValue(t.bhca_per_user()));
    const auto& c = t.callees();
    w.generator->SetAttribute("UnknownFraction", ns3::DoubleValue(c.unknown_fraction()));
    w.generator->SetAttribute("PstnFraction", ns3::DoubleValue(c.pstn_fraction()));
    if (!c.pstn_gateway().empty())
    {
        std::ostringstream host;
        host << w.network.AddressOf(c.pstn_gateway());
        w.generator->SetAttribute("PstnHost", ns3::StringValue(host.str()));
        for (const auto& g : s.groups())
        {
            if (g.node() == c.pstn_gateway() && g.has_gateway())
            {
                w.generator->SetAttribute("PstnPrefix",
                                          ns3::StringValue(g.gateway().number_prefix()));
            }
        }
    }
    std::vector<std::string> callerNodes(t.caller_groups().begin(), t.caller_groups().end());
    if (callerNodes.empty())
    {
        for (const auto& [node, phone] : w.phones)
        {
            callerNodes.push_back(node);
        }
    }
    for (const auto& node : callerNodes)
    {
        if (w.phones.count(node))
        {
            w.generator->AddCallers(w.phones[node]);
        }
    }
    // Callees by the selection mode.
    for (const auto& [node, aors] : w.phoneAors)
    {
        const auto& props = w.topo.Node(*w.topo.Find(node));
        bool take = false;
        switch (c.mode())
        {
            case sc::CalleeSelection::SAME_GROUP:
                take = std::find(callerNodes.begin(), callerNodes.end(), node) != callerNodes.end();
                break;
            case sc::CalleeSelection::GROUP:
                take = node == c.group();
                break;
            case sc::CalleeSelection::DOMAIN:
                take = props.domain == c.domain();
                break;
            default:
                take = true;
        }
        if (take)
        {
            for (const auto& aor : aors)
            {
                w.generator->AddCallee(aor);
            }
        }
    }
    ns3::Ptr<ns3::Node> host
        = w.network.NodeOf(callerNodes.empty() ? w.phones.begin()->first : callerNodes.front());
    host->AddApplication(w.generator);
    w.generator->SetStartTime(ns3::Seconds(t.start_s()));
    w.generator->SetStopTime(ns3::Seconds(t.stop_s() > 0 ? t.stop_s() : s.duration_s()));
}

/// Schedules the faults; each one is recorded in the trace when it happens.
void
ScheduleFaults(const sc::Scenario& s, World& w, trace::TraceRecorder& recorder)
{
    for (const auto& f : s.faults())
    {
        const ns3::Time at = ns3::Seconds(f.at_s());
        switch (f.kind_case())
        {
            case sc::Fault::kLinkLoss:
            {
                std::string a;
                std::string b;
                if (!SplitLink(w.topo, f.link_loss().link(), &a, &b))
                {
                    break;
                }
                if (f.link_loss().has_gilbert_elliott())
                {
                    // Gilbert-Elliott bursts, time-based: the link alternates between a good and a
                    // bad state whose sojourns are exponential with means 1/p seconds (p as the
                    // per-second transition rates), each state with its own loss rate.
                    const auto ge = f.link_loss().gilbert_elliott();
                    auto sojourn = ns3::CreateObject<ns3::ExponentialRandomVariable>();
                    sojourn->SetStream(900000 + static_cast<int64_t>(&f - &s.faults()[0]));
                    auto toggle = std::make_shared<std::function<void(bool)>>();
                    *toggle = [&w, &recorder, a, b, ge, sojourn, toggle](bool bad) {
                        w.network.SetLinkLoss(a, b, bad ? ge.loss_bad() : ge.loss_good());
                        const double rate = bad ? ge.p_bad_to_good() : ge.p_good_to_bad();
                        if (rate > 0)
                        {
                            const double stay = sojourn->GetValue(1.0 / rate, 0);
                            ns3::Simulator::Schedule(ns3::Seconds(stay),
                                                     [toggle, bad]() { (*toggle)(!bad); });
                        }
                        (void) recorder;
                    };
                    ns3::Simulator::Schedule(at, [toggle, &recorder, a, b]() {
                        recorder.RecordFault("link " + a + "-" + b
                                                 + ": Gilbert-Elliott loss starts",
                                             trace::PACKET_LOSS);
                        (*toggle)(false);
                    });
                }
                else
                {
                    const double rate = f.link_loss().rate();
                    ns3::Simulator::Schedule(at, [&w, &recorder, a, b, rate]() {
                        w.network.SetLinkLoss(a, b, rate);
                        recorder.RecordFault("link " + a + "-" + b + ": loss "
                                                 + std::to_string(rate),
                                             trace::PACKET_LOSS);
                    });
                }
                break;
            }
            case sc::Fault::kLinkState:
            {
                std::string a;
                std::string b;
                if (!SplitLink(w.topo, f.link_state().link(), &a, &b))
                {
                    break;
                }
                const bool up = f.link_state().up();
                ns3::Simulator::Schedule(at, [&w, &recorder, a, b, up]() {
                    if (up)
                    {
                        w.network.LinkUp(a, b);
                    }
                    else
                    {
                        w.network.LinkDown(a, b);
                    }
                    recorder.RecordFault("link " + a + "-" + b + (up ? " up" : " down"),
                                         up ? trace::LINK_UP : trace::LINK_DOWN);
                });
                break;
            }
            case sc::Fault::kNodeCrash:
            {
                const std::string node = f.node_crash().node();
                const auto stack = w.stacks.count(node) ? w.stacks[node] : nullptr;
                if (!stack)
                {
                    break;
                }
                const uint32_t id = w.network.NodeOf(node)->GetId();
                ns3::Simulator::Schedule(at, [&recorder, stack, node, id]() {
                    stack->Stop();
                    recorder.RecordFault("node " + node + " crashed", trace::NODE_DOWN, id);
                });
                if (f.node_crash().restart_after_s() > 0)
                {
                    auto proxy = w.proxies.count(node) ? w.proxies[node] : nullptr;
                    ns3::Simulator::Schedule(at + ns3::Seconds(f.node_crash().restart_after_s()),
                                             [&recorder, stack, proxy, node, id]() {
                                                 stack->Start();
                                                 if (proxy)
                                                 {
                                                     proxy->Restart(); // state lost
                                                 }
                                                 recorder.RecordFault("node " + node + " restarted",
                                                                      trace::NODE_UP, id);
                                             });
                }
                break;
            }
            case sc::Fault::kCapacity:
            {
                const std::string node = f.capacity().node();
                const auto capacity = f.capacity().capacity();
                ns3::Simulator::Schedule(at, [&w, &recorder, node, capacity]() {
                    auto it = w.queues.find(node);
                    if (it != w.queues.end())
                    {
                        ConfigureQueue(it->second, capacity);
                    }
                    recorder.RecordFault("proxy " + node + " capacity: "
                                             + std::to_string(capacity.workers()) + " workers",
                                         trace::OTHER);
                });
                break;
            }
            default:
                break;
        }
    }
}

/// The value of an expectation's metric in the summary; nullopt for an unknown metric.
std::optional<double>
MetricValue(const sc::Expectation& e, const trace::Summary& sum, const World& w)
{
    const std::string& m = e.metric();
    if (m == "attempted")
    {
        return static_cast<double>(sum.callsAttempted);
    }
    if (m == "completed")
    {
        return static_cast<double>(sum.callsCompleted);
    }
    if (m == "failed")
    {
        return static_cast<double>(sum.callsFailed);
    }
    if (m == "completed_ratio")
    {
        return sum.callsAttempted == 0
                   ? 0.0
                   : static_cast<double>(sum.callsCompleted + sum.callsRunEndedInCall)
                         / static_cast<double>(sum.callsAttempted - sum.callsRunEndedSetup);
    }
    if (m == "status_count")
    {
        const auto it = sum.failedByStatus.find(e.status());
        return it == sum.failedByStatus.end() ? 0.0 : static_cast<double>(it->second);
    }
    if (m == "pdd_p50_s")
    {
        return sum.postDialDelay.p50;
    }
    if (m == "pdd_p95_s")
    {
        return sum.postDialDelay.p95;
    }
    if (m == "registrations_failed")
    {
        return static_cast<double>(sum.registrationsFailed);
    }
    if (m == "retransmissions")
    {
        if (!e.node().empty())
        {
            for (const auto& [id, name] : w.nameOfNode)
            {
                if (name == e.node())
                {
                    const auto it = sum.messagesByNode.find(id);
                    return it == sum.messagesByNode.end()
                               ? 0.0
                               : static_cast<double>(it->second.retransmissions);
                }
            }
        }
        return static_cast<double>(sum.retransmissions);
    }
    if (m == "proxy_peak_queue")
    {
        double peak = 0;
        for (const auto& [name, load] : sum.proxies)
        {
            if (e.node().empty() || name == e.node())
            {
                peak = std::max(peak, static_cast<double>(load.peakQueue));
            }
        }
        return peak;
    }
    return std::nullopt;
}

void
PrintSummary(std::ostream& out, const trace::Summary& sum, const World& w, double warmup)
{
    out << "\nCalls (placed after the " << warmup << " s warm-up):\n";
    out << "  attempted " << sum.callsAttempted << ", completed " << sum.callsCompleted
        << ", failed " << sum.callsFailed << ", blocked " << sum.callsBlocked
        << ", still up at the end " << sum.callsRunEndedInCall << ", still in set-up at the end "
        << sum.callsRunEndedSetup << "\n";
    if (!sum.failedByStatus.empty())
    {
        out << "  failed by status:";
        for (const auto& [status, n] : sum.failedByStatus)
        {
            out << " " << status << " x" << n;
        }
        out << "\n";
    }
    out << std::fixed << std::setprecision(3);
    out << "  post-dial delay (s): p50 " << sum.postDialDelay.p50 << ", p95 "
        << sum.postDialDelay.p95 << ", p99 " << sum.postDialDelay.p99 << ", max "
        << sum.postDialDelay.max << " (" << sum.postDialDelay.count << " calls)\n";
    out << "Registrations: " << sum.registrationsOk << " ok, " << sum.registrationsFailed
        << " failed\n";
    const auto row = [&out](const std::string& name, uint64_t sent, uint64_t received,
                            uint64_t retransmissions) {
        out << "  " << std::left << std::setw(16) << name << std::right << std::setw(9) << sent
            << " / " << std::setw(9) << received << " / " << std::setw(7) << retransmissions
            << "\n";
    };
    if (!sum.messagesByNode.empty())
    {
        out << "Messages per node (sent / received / retransmissions):\n";
        for (const auto& [id, m] : sum.messagesByNode)
        {
            row(w.nameOfNode.count(id) ? w.nameOfNode.at(id) : std::to_string(id), m.sent,
                m.received, m.retransmissions);
        }
    }
    else
    {
        // No message records (outputs.messages off, as in large runs): the stacks' own
        // counters, over the whole run (warm-up included).
        out << "Messages per node, whole run, from the stacks' counters (sent / received / "
               "retransmissions):\n";
        for (const auto& [name, stack] : w.stacks)
        {
            const SipStackCounters& c = stack->GetCounters();
            row(name, c.udpMessagesSent + c.tcpMessagesSent,
                c.udpMessagesReceived + c.tcpMessagesReceived,
                stack->GetTransactionLayer().GetCounters().retransmissionsSent);
        }
    }
    for (const auto& [name, load] : sum.proxies)
    {
        if (w.queues.count(name) == 0)
        {
            // No capacity block in the scenario: messages take no processing time.
            out << "Proxy " << name << ": no capacity model (infinitely fast: no queue)\n";
            continue;
        }
        out << "Proxy " << name << ": peak queue " << load.peakQueue << ", mean utilization "
            << load.meanUtilization << ", peak utilization " << load.peakUtilization << "\n";
    }
    out << std::defaultfloat;
}

/// The process's memory when the simulation stops (before anything is torn down): the heap the
/// allocator has handed out and not had back (the live state of every model, transaction, timer
/// and packet: tcmalloc's current allocated bytes when it is the allocator, glibc's mallinfo2
/// otherwise), and the peak resident set size of the whole run (VmHWM). Zero where they cannot
/// be read (another C library, or a sanitizer's allocator).
struct MemoryUse
{
    uint64_t heapInUse = 0;
    uint64_t peakRss = 0;
};

MemoryUse
MeasureMemory()
{
    MemoryUse m;
    size_t allocated = 0;
    if (MallocExtension_GetNumericProperty != nullptr
        && MallocExtension_GetNumericProperty("generic.current_allocated_bytes", &allocated) != 0)
    {
        m.heapInUse = allocated;
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    else
    {
        const struct mallinfo2 info = ::mallinfo2();
        m.heapInUse = info.uordblks + info.hblkhd;
    }
#endif
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind("VmHWM:", 0) == 0)
        {
            m.peakRss = std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
        }
    }
    return m;
}

void
PrintMemory(std::ostream& out, const MemoryUse& m)
{
    if (m.heapInUse == 0 && m.peakRss == 0)
    {
        return;
    }
    out << "Memory: heap in use when the run stopped " << m.heapInUse << " bytes, peak RSS "
        << m.peakRss << " bytes\n";
}

} // namespace

bool
BuildScenarioTopology(const scenario::Scenario& s, const std::string& scenarioFile,
                      topology::Topology* topo, std::string* error)
{
    if (!s.topology().dot_file().empty())
    {
        const auto path
            = std::filesystem::path(scenarioFile).parent_path() / s.topology().dot_file();
        std::ifstream in(path);
        if (!in)
        {
            *error = path.string() + ": cannot read the topology";
            return false;
        }
        if (!topology::ReadDot(in, path.string(), topo, error))
        {
            return false;
        }
    }
    for (const auto& n : s.topology().nodes())
    {
        topology::NodeProps props;
        props.name = n.name();
        props.role = RoleOf(n.role());
        props.domain = n.domain();
        props.profile = n.profile();
        if (!topo->AddNode(props, error))
        {
            return false;
        }
    }
    for (const auto& l : s.topology().links())
    {
        topology::LinkProps props;
        if (!l.delay().empty())
        {
            props.delay = l.delay();
        }
        if (!l.rate().empty())
        {
            props.rate = l.rate();
        }
        props.loss = l.loss();
        if (l.queue_packets() > 0)
        {
            props.queuePackets = l.queue_packets();
        }
        props.lan = l.lan();
        if (!topo->AddLink(l.a(), l.b(), props, error))
        {
            return false;
        }
    }
    const auto problems = topology::Validate(*topo);
    if (!problems.empty())
    {
        std::string all;
        for (const auto& p : problems)
        {
            all += scenarioFile + ": topology: " + p + "\n";
        }
        all.pop_back();
        *error = all;
        return false;
    }
    return true;
}

int
RunScenario(const RunOptions& options, std::ostream& out, std::ostream& err)
{
    // --- the scenario ----------------------------------------------------------------------
    std::string error;
    const auto text = scenario::ReadScenarioText(options.scenarioFile, &error);
    if (!text)
    {
        err << error << "\n";
        return kBadInput;
    }
    auto loaded = scenario::ParseScenario(*text, options.scenarioFile,
                                          scenario::IsJsonFile(options.scenarioFile), &error);
    if (!loaded)
    {
        err << error << "\n";
        return kBadInput;
    }
    sc::Scenario s = *loaded;
    for (const auto& assignment : options.overrides)
    {
        if (!scenario::ApplyOverride(&s, assignment, &error))
        {
            err << error << "\n";
            return kBadInput;
        }
    }
    if (options.seed)
    {
        s.set_seed(*options.seed);
    }
    if (options.run)
    {
        s.set_run(*options.run);
    }
    const auto diagnostics = scenario::ValidateScenario(s, *text, options.scenarioFile);
    if (!diagnostics.empty())
    {
        for (const auto& d : diagnostics)
        {
            err << d.ToString() << "\n";
        }
        return kBadInput;
    }
    World w;
    if (!BuildScenarioTopology(s, options.scenarioFile, &w.topo, &error))
    {
        err << error << "\n";
        return kBadInput;
    }
    for (const auto& warning : topology::Warnings(w.topo))
    {
        err << options.scenarioFile << ": warning: topology: " << warning << "\n";
    }
    if (options.checkOnly)
    {
        out << options.scenarioFile << ": ok (" << w.topo.NodeCount() << " nodes, "
            << w.topo.LinkCount() << " links)\n";
        return kOk;
    }

    // --- the network and the devices --------------------------------------------------------
    ns3::RngSeedManager::SetSeed(s.seed() == 0 ? 1 : s.seed());
    ns3::RngSeedManager::SetRun(s.run() == 0 ? 1 : s.run());
    if (!w.network.Build(w.topo, &error))
    {
        err << options.scenarioFile << ": topology: " << error << "\n";
        return kBadInput;
    }
    if (!InstallGroups(s, w, &error))
    {
        err << options.scenarioFile << ": " << error << "\n";
        return kBadInput;
    }
    InstallTraffic(s, w);
    // Random streams in a fixed order, so a seed and run give the same trace.
    int64_t stream = 1;
    stream += w.network.AssignStreams(stream);
    for (auto& [node, phone] : w.phones)
    {
        stream += phone->AssignStreams(stream);
    }
    for (auto& [node, gateway] : w.gateways)
    {
        stream += gateway->AssignStreams(stream);
    }
    for (auto& [node, queue] : w.queues)
    {
        stream += queue->AssignStreams(stream);
    }
    if (w.generator)
    {
        stream += w.generator->AssignStreams(stream);
    }
    w.network.AssignStackStreams();

    // --- outputs ------------------------------------------------------------------------------
    std::error_code created;
    std::filesystem::create_directories(options.outDir, created);
    const bool gzip = s.outputs().gzip();
    const std::string tracePath = options.outDir + (gzip ? "/trace.pb.gz" : "/trace.pb");
    if (options.pcap || s.outputs().pcap())
    {
        ns3::PointToPointHelper p2p;
        p2p.EnablePcapAll(options.outDir + "/pcap");
        ns3::CsmaHelper csma;
        csma.EnablePcapAll(options.outDir + "/pcap-lan");
    }
    trace::TraceRecorder recorder;
    trace::RecorderConfig config;
    config.messages = s.outputs().messages();
    config.sampleInterval = ns3::Seconds(s.outputs().sample_interval_s());
    recorder.SetConfig(config);
    trace::Header header;
    header.set_program_version(SIPSIM_VERSION);
    header.set_scenario_name(s.name());
    header.set_scenario_text(*text);
    for (const auto& assignment : options.overrides)
    {
        header.add_overrides(assignment);
    }
    std::string effective;
    google::protobuf::TextFormat::PrintToString(s, &effective);
    header.set_effective_scenario_text(effective);
    header.set_seed(s.seed());
    header.set_run(s.run());
    if (!recorder.Open(tracePath, header, gzip))
    {
        err << tracePath << ": " << recorder.GetError() << "\n";
        return kIoError;
    }
    // The summary leaves out what happened in the warm-up.
    const int64_t warmupNs = static_cast<int64_t>(s.warmup_s() * 1e9);
    trace::SummaryBuilder measured;
    recorder.SetSink([&measured, warmupNs](const trace::Record& r) {
        const int64_t t = RecordTime(r);
        if (t < 0 || t >= warmupNs)
        {
            measured.Add(r);
        }
    });
    for (const auto& [name, stack] : w.stacks)
    {
        recorder.Attach(stack, name);
    }
    for (const auto& [name, phone] : w.phones)
    {
        recorder.AttachPhone(phone, name);
    }
    for (const auto& [name, gateway] : w.gateways)
    {
        recorder.AttachGateway(gateway, name);
    }
    for (const auto& [name, proxy] : w.proxies)
    {
        recorder.AttachProxy(proxy, w.queues.count(name) ? w.queues[name] : nullptr, name);
    }
    const ns3::Time end = ns3::Seconds(s.duration_s());
    recorder.Start(end);
    ScheduleFaults(s, w, recorder);

    // --- run ------------------------------------------------------------------------------------
    trace::InstallStopSignalHandlers();
    trace::PollStopSignal(ns3::MilliSeconds(100), end);
    const bool tty = options.progress && isatty(STDERR_FILENO);
    if (options.progress)
    {
        const int steps = tty ? 100 : 10;
        for (int i = 1; i <= steps; ++i)
        {
            const ns3::Time at = ns3::Seconds(s.duration_s() * i / steps);
            ns3::Simulator::Schedule(at, [&err, &w, &recorder, i, steps, tty, at]() {
                const uint64_t calls = w.generator ? w.generator->GetCounters().placed : 0;
                if (tty)
                {
                    const int filled = i * 30 / steps;
                    err << "\r[" << std::string(filled, '#') << std::string(30 - filled, '.')
                        << "] " << std::fixed << std::setprecision(0) << at.GetSeconds()
                        << " s simulated, " << calls << " calls, " << recorder.GetOpenCalls()
                        << " in progress" << std::defaultfloat << std::flush;
                    if (i == steps)
                    {
                        err << "\n";
                    }
                }
                else
                {
                    err << "progress: " << at.GetSeconds() << " s simulated, " << calls
                        << " calls placed, " << recorder.GetOpenCalls() << " in progress\n";
                }
            });
        }
    }
    ns3::Simulator::Stop(end);
    ns3::Simulator::Run();
    const MemoryUse memory = MeasureMemory();
    const int signal = trace::StopSignalReceived();
    const std::string signalName = trace::StopSignalName();
    trace::RestoreStopSignalHandlers();
    const bool complete = signal == 0;
    const bool written = recorder.Finish(complete, complete ? "end" : signalName);
    const trace::Summary sum = measured.Get();

    // --- summary, expectations ----------------------------------------------------------------
    std::ofstream summaryFile(options.outDir + "/summary.json", std::ios::trunc);
    summaryFile << sum.ToJson();
    summaryFile.close();
    PrintSummary(out, sum, w, s.warmup_s());
    PrintMemory(out, memory);
    ns3::Simulator::Destroy();
    if (!written || !summaryFile)
    {
        err << options.outDir << ": cannot write the outputs (" << recorder.GetError() << ")\n";
        return kIoError;
    }
    if (!complete)
    {
        err << "stopped by " << signalName << ": " << tracePath
            << " is valid and marked incomplete\n";
        return kInterrupted;
    }
    std::vector<std::pair<std::string, std::string>> results; // name, failure ("" = pass)
    for (const auto& e : s.expectations())
    {
        std::ostringstream name;
        name << e.metric();
        if (e.metric() == "status_count")
        {
            name << "[" << e.status() << "]";
        }
        if (!e.node().empty())
        {
            name << "{" << e.node() << "}";
        }
        name << " " << OpText(e.op()) << " " << e.value();
        const auto actual = MetricValue(e, sum, w);
        std::string failure;
        if (!actual)
        {
            failure = "unknown metric";
        }
        else if (!Holds(*actual, e.op(), e.value()))
        {
            std::ostringstream f;
            f << "is " << *actual;
            failure = f.str();
        }
        results.emplace_back(name.str(), failure);
    }
    size_t violated = 0;
    out << "Expectations:\n";
    for (const auto& [name, failure] : results)
    {
        out << "  " << (failure.empty() ? "ok       " : "VIOLATED ") << name
            << (failure.empty() ? "" : " (" + failure + ")") << "\n";
        violated += failure.empty() ? 0 : 1;
    }
    if (!options.junitFile.empty())
    {
        std::ofstream junit(options.junitFile, std::ios::trunc);
        junit << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              << "<testsuite name=\"" << XmlEscape(s.name()) << "\" tests=\"" << results.size()
              << "\" failures=\"" << violated << "\">\n";
        for (const auto& [name, failure] : results)
        {
            junit << "  <testcase classname=\"" << XmlEscape(s.name()) << "\" name=\""
                  << XmlEscape(name) << "\"";
            if (failure.empty())
            {
                junit << "/>\n";
            }
            else
            {
                junit << ">\n    <failure message=\"" << XmlEscape(failure)
                      << "\"/>\n  </testcase>\n";
            }
        }
        junit << "</testsuite>\n";
        if (!junit)
        {
            err << options.junitFile << ": cannot write\n";
            return kIoError;
        }
    }
    return violated == 0 ? kOk : kExpectations;
}

} // namespace sipsim::run
