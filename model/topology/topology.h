/*
 * The network a scenario runs on, as a graph (Boost.Graph, no ns-3): nodes are phone banks,
 * proxies, gateways and IP routers; links carry delay, rate, loss and queue size. Topologies
 * are read from and written to Graphviz DOT (topology-dot.h), checked by Validate
 * (topology-validate.h), and give each proxy its static SIP routes (topology-routes.h).
 * NetworkBuilder (network-builder.h, sipsim::topology-ns3) turns one into ns-3 nodes and links.
 */
#ifndef SIPSIM_TOPOLOGY_TOPOLOGY_H
#define SIPSIM_TOPOLOGY_TOPOLOGY_H

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim::topology {

/// What a node of the topology is.
enum class Role
{
    Phones,  ///< a bank of phones (user agents) of one domain; an end host, never transit
    Proxy,   ///< the SIP proxy and registrar of one domain; routes IP too
    Gateway, ///< a PSTN gateway of one domain; an end host, never transit
    Router,  ///< an IP router without SIP
    /// a scripted far end (SipResponder) answering every INVITE alike; an end host, never
    /// transit
    Responder,
};

/// "phones", "proxy", "gateway", "router", "responder": the names used in DOT files.
std::string_view RoleName(Role role);

/// The role of a DOT name (case-insensitive), or nullopt.
std::optional<Role> ParseRole(std::string_view name);

/// True for the roles that forward IP traffic between other nodes (proxies and routers).
inline bool
IsTransit(Role role)
{
    return role == Role::Proxy || role == Role::Router;
}

struct NodeProps
{
    std::string name; ///< unique in the topology (the DOT node id)
    Role role = Role::Router;
    std::string domain;  ///< the SIP domain (phones, proxies, gateways), e.g. "a.example"
    std::string profile; ///< the behaviour profile of the node's devices (may be empty)
};

struct LinkProps
{
    std::string delay = "5ms";    ///< one-way propagation delay: "5ms", "1.5s", "200us"
    std::string rate = "100Mbps"; ///< "100Mbps", "1Gbps", "64kbps"
    double loss = 0;              ///< per-packet loss probability in each direction, [0, 1]
    uint32_t queuePackets = 100;  ///< DropTail queue size of each end's device
    bool lan = false;             ///< CSMA (Ethernet) instead of point-to-point
};

using Graph
    = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, NodeProps, LinkProps>;
using Vertex = Graph::vertex_descriptor;
using Edge = Graph::edge_descriptor;

/**
 * A Graph with a name index. AddNode refuses a duplicate name, AddLink an unknown end or a
 * second link between the same two nodes; self-loops and bad link values are accepted here and
 * reported by Validate.
 */
class Topology
{
  public:
    /// Adds a node; false and `*error` set ("duplicate node name 'x'") when the name is taken.
    bool AddNode(NodeProps props, std::string* error = nullptr);

    /// Adds a link a-b; false and `*error` set for an unknown name or a duplicate link.
    bool AddLink(const std::string& a, const std::string& b, LinkProps props = {},
                 std::string* error = nullptr);

    std::optional<Vertex> Find(const std::string& name) const;

    /// The link between two named nodes, either way round.
    std::optional<Edge> FindLink(const std::string& a, const std::string& b) const;

    const NodeProps& Node(Vertex v) const { return m_graph[v]; }
    const LinkProps& Link(Edge e) const { return m_graph[e]; }
    LinkProps& Link(Edge e) { return m_graph[e]; }

    /// "a-b": the names of the ends of a link, in the order the link was added.
    std::string LinkName(Edge e) const;

    const Graph& GetGraph() const { return m_graph; }

    /// The graph for direct changes; renaming a vertex needs Reindex() afterwards.
    Graph& MutableGraph() { return m_graph; }

    /// Rebuilds the name index from the graph (the first vertex of a duplicated name wins).
    void Reindex();

    size_t NodeCount() const { return boost::num_vertices(m_graph); }
    size_t LinkCount() const { return boost::num_edges(m_graph); }

    /// The names of the nodes with a role, in insertion order.
    std::vector<std::string> NodesWithRole(Role role) const;

    /// The names of the proxies of a domain, in insertion order.
    std::vector<std::string> ProxiesOf(const std::string& domain) const;

  private:
    Graph m_graph;
    std::map<std::string, Vertex> m_index;
};

/// Seconds of a delay "5ms", "1.5s", "200us", "10ns" (a non-negative number and a unit), or
/// nullopt.
std::optional<double> ParseDelaySeconds(std::string_view text);

/// Nanoseconds of a delay, rounded (what NetworkBuilder gives ns-3), or nullopt.
std::optional<int64_t> ParseDelayNanoseconds(std::string_view text);

/// Bits per second of a rate "100Mbps", "1Gbps", "64kbps", "9600bps" (decimal prefixes; "Kbps"
/// and "b/s" spellings too), or nullopt.
std::optional<uint64_t> ParseRateBps(std::string_view text);

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_TOPOLOGY_H
