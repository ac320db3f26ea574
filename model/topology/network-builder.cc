#include "topology/network-builder.h"

#include "topology/topology-routes.h"
#include "topology/topology-validate.h"

#include <algorithm>
#include <cmath>
#include <ns3/arp-cache.h>
#include <ns3/core-module.h>
#include <ns3/csma-module.h>
#include <ns3/internet-module.h>
#include <ns3/ipv4-interface.h>
#include <ns3/ipv4-l3-protocol.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <ns3/traffic-control-helper.h>
#include <sstream>

namespace sipsim::topology {

namespace {

/// Interface metric of a link: its delay in units of 100 us, in [1, 65535].
uint16_t
MetricOf(double delaySeconds)
{
    const double units = std::round(delaySeconds * 1e4);
    return static_cast<uint16_t>(std::clamp(units, 1.0, 65535.0));
}

ns3::Ptr<ns3::RateErrorModel>
MakeLossModel(double rate)
{
    ns3::Ptr<ns3::RateErrorModel> model = ns3::CreateObject<ns3::RateErrorModel>();
    model->SetUnit(ns3::RateErrorModel::ERROR_UNIT_PACKET);
    model->SetRate(rate);
    return model;
}

} // namespace

bool
NetworkBuilder::Build(const Topology& topology, std::string* error)
{
    NS_ABORT_MSG_IF(m_built, "NetworkBuilder::Build called twice");
    const std::vector<std::string> errors = Validate(topology);
    if (!errors.empty())
    {
        if (error != nullptr)
        {
            error->clear();
            for (const std::string& e : errors)
            {
                *error += (error->empty() ? "" : "; ") + e;
            }
        }
        return false;
    }
    m_built = true;
    m_topology = topology;
    const Graph& g = m_topology.GetGraph();

    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        ns3::Ptr<ns3::Node> node = ns3::CreateObject<ns3::Node>();
        m_nodes[g[v].name] = node;
        m_all.Add(node);
    }
    ns3::InternetStackHelper internet;
    internet.Install(m_all);

    ns3::Ipv4AddressHelper addresses;
    size_t index = 0;
    for (const Edge e : boost::make_iterator_range(boost::edges(g)))
    {
        const LinkProps& props = g[e];
        Link link;
        link.a = g[boost::source(e, g)].name;
        link.b = g[boost::target(e, g)].name;
        const ns3::Ptr<ns3::Node> na = m_nodes.at(link.a);
        const ns3::Ptr<ns3::Node> nb = m_nodes.at(link.b);
        const ns3::DataRate rate(*ParseRateBps(props.rate));
        const ns3::Time delay = ns3::NanoSeconds(*ParseDelayNanoseconds(props.delay));
        const ns3::QueueSizeValue queue(
            ns3::QueueSize(ns3::QueueSizeUnit::PACKETS, props.queuePackets));

        ns3::NetDeviceContainer devices;
        if (props.lan)
        {
            ns3::CsmaHelper csma;
            csma.SetChannelAttribute("DataRate", ns3::DataRateValue(rate));
            csma.SetChannelAttribute("Delay", ns3::TimeValue(delay));
            csma.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", queue);
            devices = csma.Install(ns3::NodeContainer(na, nb));
        }
        else
        {
            ns3::PointToPointHelper p2p;
            p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(rate));
            p2p.SetChannelAttribute("Delay", ns3::TimeValue(delay));
            p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", queue);
            devices = p2p.Install(na, nb);
        }
        link.deviceA = devices.Get(0);
        link.deviceB = devices.Get(1);

        const std::string base = "10." + std::to_string(1 + index / 255) + "."
                                 + std::to_string(1 + index % 255) + ".0";
        addresses.SetBase(base.c_str(), "255.255.255.0");
        const ns3::Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
        // Assign gives each device ns-3's default root queue disc (FqCoDel, an AQM that drops
        // by sojourn time) in front of the device queue. A link here is its DropTail queue of
        // queue_packets, nothing more: no hidden AQM decides which SIP messages are lost.
        ns3::TrafficControlHelper().Uninstall(devices);
        link.interfaceA = interfaces.Get(0).second;
        link.interfaceB = interfaces.Get(1).second;
        link.addressA = interfaces.GetAddress(0);
        link.addressB = interfaces.GetAddress(1);
        const uint16_t metric = MetricOf(*ParseDelaySeconds(props.delay));
        na->GetObject<ns3::Ipv4>()->SetMetric(link.interfaceA, metric);
        nb->GetObject<ns3::Ipv4>()->SetMetric(link.interfaceB, metric);
        if (props.lan)
        {
            // ARP holds packets to a neighbour it is still resolving in a queue of 3 by
            // default: a burst to a new neighbour (every phone of a LAN registering at once)
            // would lose all but 3. Give it the link's queue size.
            for (const auto& [node, interface] :
                 {std::make_pair(na, link.interfaceA), std::make_pair(nb, link.interfaceB)})
            {
                const auto l3 = node->GetObject<ns3::Ipv4L3Protocol>();
                if (l3 && l3->GetInterface(interface)->GetArpCache())
                {
                    l3->GetInterface(interface)->GetArpCache()->SetAttribute(
                        "PendingQueueSize", ns3::UintegerValue(props.queuePackets));
                }
            }
        }
        m_links.push_back(link);
        if (props.loss > 0)
        {
            SetLinkLoss(link.a, link.b, props.loss);
        }
        ++index;
    }
    ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    return true;
}

ns3::Ptr<ns3::Node>
NetworkBuilder::NodeOf(const std::string& name) const
{
    const auto it = m_nodes.find(name);
    return it == m_nodes.end() ? nullptr : it->second;
}

ns3::Ipv4Address
NetworkBuilder::AddressOf(const std::string& name) const
{
    const ns3::Ptr<ns3::Node> node = NodeOf(name);
    if (!node)
    {
        return ns3::Ipv4Address();
    }
    const ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    if (ipv4->GetNInterfaces() < 2 || ipv4->GetNAddresses(1) == 0)
    {
        return ns3::Ipv4Address();
    }
    return ipv4->GetAddress(1, 0).GetLocal();
}

ns3::Ipv4Address
NetworkBuilder::AddressOn(const std::string& name, const std::string& peer) const
{
    const Link* link = FindLink(name, peer);
    if (link == nullptr)
    {
        return ns3::Ipv4Address();
    }
    return link->a == name ? link->addressA : link->addressB;
}

ns3::NetDeviceContainer
NetworkBuilder::DevicesOf(const std::string& a, const std::string& b) const
{
    ns3::NetDeviceContainer out;
    if (const Link* link = FindLink(a, b))
    {
        out.Add(link->a == a ? link->deviceA : link->deviceB);
        out.Add(link->a == a ? link->deviceB : link->deviceA);
    }
    return out;
}

NetworkBuilder::Link*
NetworkBuilder::FindLink(const std::string& a, const std::string& b)
{
    for (Link& link : m_links)
    {
        if ((link.a == a && link.b == b) || (link.a == b && link.b == a))
        {
            return &link;
        }
    }
    return nullptr;
}

const NetworkBuilder::Link*
NetworkBuilder::FindLink(const std::string& a, const std::string& b) const
{
    return const_cast<NetworkBuilder*>(this)->FindLink(a, b);
}

bool
NetworkBuilder::SetLinkLoss(const std::string& a, const std::string& b, double rate)
{
    Link* link = FindLink(a, b);
    if (link == nullptr || !(rate >= 0 && rate <= 1))
    {
        return false;
    }
    if (!link->errorA)
    {
        link->errorA = MakeLossModel(rate);
        link->errorB = MakeLossModel(rate);
    }
    // (Re)install the rate models: the first loss on the link, or one after a custom model.
    ns3::PointerValue current;
    link->deviceA->GetAttribute("ReceiveErrorModel", current);
    if (current.Get<ns3::ErrorModel>() != link->errorA)
    {
        link->deviceA->SetAttribute("ReceiveErrorModel", ns3::PointerValue(link->errorA));
        link->deviceB->SetAttribute("ReceiveErrorModel", ns3::PointerValue(link->errorB));
    }
    link->errorA->SetRate(rate);
    link->errorB->SetRate(rate);
    return true;
}

bool
NetworkBuilder::SetLinkErrorModel(const std::string& a, const std::string& b,
                                  ns3::Ptr<ns3::ErrorModel> model)
{
    Link* link = FindLink(a, b);
    if (link == nullptr || !model)
    {
        return false;
    }
    link->deviceA->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
    link->deviceB->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
    return true;
}

bool
NetworkBuilder::SetLinkState(const std::string& a, const std::string& b, bool up)
{
    Link* link = FindLink(a, b);
    if (link == nullptr)
    {
        return false;
    }
    const ns3::Ptr<ns3::Ipv4> ipA = m_nodes.at(link->a)->GetObject<ns3::Ipv4>();
    const ns3::Ptr<ns3::Ipv4> ipB = m_nodes.at(link->b)->GetObject<ns3::Ipv4>();
    if (up)
    {
        ipA->SetUp(link->interfaceA);
        ipB->SetUp(link->interfaceB);
    }
    else
    {
        ipA->SetDown(link->interfaceA);
        ipB->SetDown(link->interfaceB);
    }
    link->up = up;
    ns3::Ipv4GlobalRoutingHelper::RecomputeRoutingTables();
    return true;
}

bool
NetworkBuilder::LinkDown(const std::string& a, const std::string& b)
{
    return SetLinkState(a, b, false);
}

bool
NetworkBuilder::LinkUp(const std::string& a, const std::string& b)
{
    return SetLinkState(a, b, true);
}

bool
NetworkBuilder::IsLinkUp(const std::string& a, const std::string& b) const
{
    const Link* link = FindLink(a, b);
    return link != nullptr && link->up;
}

std::map<std::string, ns3::Ipv4Address>
NetworkBuilder::ProxyRoutes(const std::string& proxyName) const
{
    std::map<std::string, ns3::Ipv4Address> out;
    const auto routes = ComputeProxyRoutes(m_topology);
    if (const auto it = routes.find(proxyName); it != routes.end())
    {
        for (const auto& [domain, hop] : it->second)
        {
            out[domain] = AddressOf(hop);
        }
    }
    return out;
}

std::string
NetworkBuilder::ProxyRoutesAttribute(const std::string& proxyName, uint16_t port) const
{
    std::string out;
    for (const auto& [domain, hop] : ProxyRoutes(proxyName))
    {
        std::ostringstream address;
        address << hop;
        out += (out.empty() ? "" : ",") + domain + "=" + address.str() + ":" + std::to_string(port);
    }
    return out;
}

int64_t
NetworkBuilder::AssignStreams(int64_t stream)
{
    int64_t used = 0;
    for (Link& link : m_links)
    {
        if (link.errorA)
        {
            used += link.errorA->AssignStreams(stream + used);
            used += link.errorB->AssignStreams(stream + used);
        }
    }
    return used;
}

int64_t
NetworkBuilder::AssignStackStreams()
{
    int64_t used = ns3::InternetStackHelper().AssignStreams(m_all, kStackStreamBase);
    for (const Link& link : m_links)
    {
        for (const auto& device : {link.deviceA, link.deviceB})
        {
            if (const auto csma = ns3::DynamicCast<ns3::CsmaNetDevice>(device))
            {
                used += csma->AssignStreams(kStackStreamBase + used);
            }
        }
    }
    return used;
}

} // namespace sipsim::topology
