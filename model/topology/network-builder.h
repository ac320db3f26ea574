/*
 * A validated topology as ns-3: one node per topology node, point-to-point (or CSMA for `lan`)
 * links with the topology's rate, delay, queue and loss, IPv4 addresses and global routing.
 * Faults act on it during a run: LinkDown/LinkUp, SetLinkLoss.
 */
#ifndef SIPSIM_TOPOLOGY_NETWORK_BUILDER_H
#define SIPSIM_TOPOLOGY_NETWORK_BUILDER_H

#include "topology/topology.h"

#include <map>
#include <ns3/error-model.h>
#include <ns3/ipv4-address.h>
#include <ns3/net-device-container.h>
#include <ns3/node-container.h>
#include <ns3/node.h>
#include <ns3/ptr.h>
#include <string>
#include <utility>
#include <vector>

namespace sipsim::topology {

/**
 * Builds the ns-3 network of a topology.
 *
 * - Nodes: one ns3::Node per topology node, in the topology's order, with the internet stack.
 * - Links, in the topology's order: link i (from 0) gets the network 10.(1 + i / 255).(1 + i %
 *   255).0/24, its first end (as written) .1 and its second .2. Point-to-point links have the
 *   link's DataRate and Delay and a DropTail queue of `queuePackets` on each device; `lan`
 *   links are a CSMA channel of their own two nodes (same attributes; CSMA adds ARP and
 *   Ethernet framing). A link with loss > 0 gets a per-packet RateErrorModel on each device's
 *   receive side, so a packet is lost with that probability in either direction.
 * - Routing: Ipv4GlobalRouting; each interface's metric is the link delay in units of 100 us
 *   (at least 1, at most 65535), so IP packets take the least-delay path that
 *   ComputeProxyRoutes assumes. Phones and gateways are not excluded from IP transit: give
 *   them one link each (their access link) and none will be on a shortest path.
 * - AddressOf(name) is the address of the node's first interface (its first link in topology
 *   order): SipStack's LocalAddress.
 */
class NetworkBuilder
{
  public:
    /// Validates and builds. False, with the validation errors joined by "; " in `*error`,
    /// when the topology is not valid; nothing is created then. Call once.
    bool Build(const Topology& topology, std::string* error = nullptr);

    const Topology& GetTopology() const { return m_topology; }

    /// The ns-3 node of a topology node (null for an unknown name).
    ns3::Ptr<ns3::Node> NodeOf(const std::string& name) const;

    /// Every node, in topology order.
    ns3::NodeContainer Nodes() const { return m_all; }

    /// The address of the node's first interface; 0.0.0.0 for an unknown or unlinked node.
    ns3::Ipv4Address AddressOf(const std::string& name) const;

    /// The address of `name` on its link to `peer`; 0.0.0.0 when there is no such link.
    ns3::Ipv4Address AddressOn(const std::string& name, const std::string& peer) const;

    /// The two devices of link a-b (a's first), empty when there is no such link.
    ns3::NetDeviceContainer DevicesOf(const std::string& a, const std::string& b) const;

    /**
     * Sets the per-packet loss rate of link a-b in both directions (installing error models
     * when the link had none). False for an unknown link or a rate outside [0, 1].
     */
    bool SetLinkLoss(const std::string& a, const std::string& b, double rate);

    /**
     * Puts one error model on the receive side of both ends of link a-b (Gilbert-Elliott
     * bursts: one chain for the link). It stays until the next SetLinkLoss or
     * SetLinkErrorModel on the link replaces it. False for an unknown link.
     */
    bool SetLinkErrorModel(const std::string& a, const std::string& b,
                           ns3::Ptr<ns3::ErrorModel> model);

    /// Takes link a-b down: both ends' IPv4 interfaces go down and the global routes are
    /// recomputed. False for an unknown link.
    bool LinkDown(const std::string& a, const std::string& b);

    /// Brings link a-b back up and recomputes the global routes. False for an unknown link.
    bool LinkUp(const std::string& a, const std::string& b);

    /// True when link a-b exists and is up.
    bool IsLinkUp(const std::string& a, const std::string& b) const;

    /**
     * The SipProxy "Routes" attribute of a proxy: "b.example=10.1.2.2:5060,..." with, for
     * every other domain, the address of the next-hop proxy that ComputeProxyRoutes chooses
     * (sorted by domain). Empty for an unknown proxy or one without routes.
     */
    std::string ProxyRoutesAttribute(const std::string& proxyName, uint16_t port = 5060) const;

    /**
     * The same routes, typed: for every other domain, the IPv4 address of the next-hop proxy
     * that ComputeProxyRoutes chooses. Empty for an unknown proxy or one without routes.
     */
    std::map<std::string, ns3::Ipv4Address> ProxyRoutes(const std::string& proxyName) const;

    /// Fixes the random streams of the error models installed so far (ns-3 AssignStreams);
    /// returns the number of streams used.
    int64_t AssignStreams(int64_t stream);

    /**
     * Fixes the random streams of the network's own protocols: the internet stack of every
     * node (ARP request jitter, ...) and the CSMA devices (backoff), from kStackStreamBase on.
     * Apart from the scenario's ordered streams (AssignStreams and the devices'), so that what
     * they draw depends on the seed, the run and the network alone: a replay of a run's
     * messages over the same network (run::ReplayNetwork) draws what the run drew.
     * Returns the number of streams used.
     */
    int64_t AssignStackStreams();

    /// The first stream of AssignStackStreams: far above the streams a scenario numbers from 1.
    static constexpr int64_t kStackStreamBase = int64_t(1) << 40;

  private:
    struct Link
    {
        std::string a;
        std::string b;
        ns3::Ptr<ns3::NetDevice> deviceA;
        ns3::Ptr<ns3::NetDevice> deviceB;
        uint32_t interfaceA = 0;
        uint32_t interfaceB = 0;
        ns3::Ipv4Address addressA;
        ns3::Ipv4Address addressB;
        ns3::Ptr<ns3::RateErrorModel> errorA;
        ns3::Ptr<ns3::RateErrorModel> errorB;
        bool up = true;
    };

    Link* FindLink(const std::string& a, const std::string& b);
    const Link* FindLink(const std::string& a, const std::string& b) const;
    bool SetLinkState(const std::string& a, const std::string& b, bool up);

    Topology m_topology;
    ns3::NodeContainer m_all;
    std::map<std::string, ns3::Ptr<ns3::Node>> m_nodes;
    std::vector<Link> m_links;
    bool m_built = false;
};

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_NETWORK_BUILDER_H
