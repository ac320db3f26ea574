/*
 * Static SIP routes between the proxies of a topology (Boost.Graph, no ns-3).
 */
#ifndef SIPSIM_TOPOLOGY_TOPOLOGY_ROUTES_H
#define SIPSIM_TOPOLOGY_TOPOLOGY_ROUTES_H

#include "topology/topology.h"

#include <map>
#include <string>

namespace sipsim::topology {

/// proxy name -> (domain -> next-hop proxy name)
using ProxyRoutes = std::map<std::string, std::map<std::string, std::string>>;

/**
 * The next SIP hop of every proxy for every other domain.
 *
 * Rule: for proxy P and each domain D that has a proxy and is not P's domain, take the
 * shortest path from P to D's proxy by link delay (Dijkstra, weight = delay in seconds),
 * transiting only proxies and routers (phones and gateways are end hosts). The next hop is the
 * first proxy on that path after P: D's proxy itself when only routers lie between, else an
 * intermediate proxy of another domain, which routes the request on by its own table (a
 * subpath of a shortest path is a shortest path, so the hops agree). Equal-delay paths are
 * broken by Boost's Dijkstra on vertex order (the order nodes were added), deterministically.
 * Domains that P cannot reach get no entry; when a domain has several proxies (Validate
 * refuses that) the nearest is used.
 */
ProxyRoutes ComputeProxyRoutes(const Topology& topology);

/// Seconds of delay on the shortest proxy-and-router path between two nodes, or a negative
/// value when there is none (the weight ComputeProxyRoutes minimises).
double ShortestDelaySeconds(const Topology& topology, const std::string& from,
                            const std::string& to);

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_TOPOLOGY_ROUTES_H
