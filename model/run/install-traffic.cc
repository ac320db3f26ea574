#include "run/install-traffic.h"

#include <algorithm>
#include <ns3/core-module.h>
#include <sstream>

namespace sipsim::run {

namespace sc = sipsim::scenario;

namespace {

/// traffic.hostile: a HostileSender on the named (or first caller) PHONES node.
void
InstallHostile(const sc::Scenario& s, World& w)
{
    const auto& h = s.traffic().hostile();
    const double rates[]
        = {h.missing_call_id_per_s(), h.unsupported_proxy_require_per_s(),
           h.unmatched_cancel_per_s(), h.unknown_method_per_s(), h.unsupported_version_per_s()};
    if (std::none_of(std::begin(rates), std::end(rates), [](double r) { return r > 0; }))
    {
        return;
    }
    std::string node = h.node();
    if (node.empty())
    {
        node = s.traffic().caller_groups_size() > 0 ? s.traffic().caller_groups(0)
               : w.phones.empty()                   ? std::string()
                                                    : w.phones.begin()->first;
    }
    const auto vertex = w.topo.Find(node);
    if (!vertex || w.stacks.count(node) == 0)
    {
        return;
    }
    const std::string& domain = w.topo.Node(*vertex).domain;
    const auto proxies = w.topo.ProxiesOf(domain);
    if (proxies.empty())
    {
        return;
    }
    Peer target;
    target.address = w.network.AddressOf(proxies.front()).Get();
    target.port = 5060;
    w.hostile = ns3::CreateObject<HostileSender>();
    w.hostile->SetAttribute("MissingCallIdRate", ns3::DoubleValue(rates[0]));
    w.hostile->SetAttribute("UnsupportedProxyRequireRate", ns3::DoubleValue(rates[1]));
    w.hostile->SetAttribute("UnmatchedCancelRate", ns3::DoubleValue(rates[2]));
    w.hostile->SetAttribute("UnknownMethodRate", ns3::DoubleValue(rates[3]));
    w.hostile->SetAttribute("UnsupportedVersionRate", ns3::DoubleValue(rates[4]));
    w.hostile->Setup(w.stacks[node], target, domain);
    w.network.NodeOf(node)->AddApplication(w.hostile);
    w.hostile->SetStartTime(ns3::Seconds(s.traffic().start_s()));
    w.hostile->SetStopTime(
        ns3::Seconds(s.traffic().stop_s() > 0 ? s.traffic().stop_s() : s.duration_s()));
}

} // namespace

void
InstallTraffic(const sc::Scenario& s, World& w)
{
    InstallHostile(s, w);
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
    // A RESPONDER node named by GROUP, or in the DOMAIN: its one callee.
    for (const auto& [node, aor] : w.responderAors)
    {
        if ((c.mode() == sc::CalleeSelection::GROUP && node == c.group())
            || (c.mode() == sc::CalleeSelection::DOMAIN
                && w.topo.Node(*w.topo.Find(node)).domain == c.domain()))
        {
            w.generator->AddCallee(aor);
        }
    }
    ns3::Ptr<ns3::Node> host
        = w.network.NodeOf(callerNodes.empty() ? w.phones.begin()->first : callerNodes.front());
    host->AddApplication(w.generator);
    w.generator->SetStartTime(ns3::Seconds(t.start_s()));
    w.generator->SetStopTime(ns3::Seconds(t.stop_s() > 0 ? t.stop_s() : s.duration_s()));
}

} // namespace sipsim::run
