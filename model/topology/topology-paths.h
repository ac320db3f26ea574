/*
 * Internal: shortest paths of a topology through proxies and routers (Boost.Graph).
 */
#ifndef SIPSIM_TOPOLOGY_TOPOLOGY_PATHS_H
#define SIPSIM_TOPOLOGY_TOPOLOGY_PATHS_H

#include "topology/topology.h"

#include <vector>

namespace sipsim::topology::detail {

/// The result of Dijkstra from one node: distance in seconds (infinity when unreachable) and
/// predecessor of each vertex, by vertex index.
struct ShortestPaths
{
    std::vector<double> seconds;
    std::vector<Vertex> predecessor;

    bool Reaches(Vertex v) const;
};

/**
 * Dijkstra from `source` with weight = link delay in seconds, over links whose delay parses,
 * through vertices that forward IP (proxies and routers); `source` and `endpoint` (when not
 * null) may be end hosts too.
 */
ShortestPaths DelayPaths(const Topology& topology, Vertex source, const Vertex* endpoint = nullptr);

} // namespace sipsim::topology::detail

#endif // SIPSIM_TOPOLOGY_TOPOLOGY_PATHS_H
