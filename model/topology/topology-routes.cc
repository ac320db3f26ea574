#include "topology/topology-routes.h"

#include "topology/topology-paths.h"

#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/property_map/function_property_map.hpp>
#include <limits>
#include <set>

namespace sipsim::topology {

namespace detail {

namespace {

/// Links whose delay parses (Validate reports the others).
struct UsableLink
{
    const Graph* graph = nullptr;

    bool operator()(const Edge& e) const
    {
        return ParseDelaySeconds((*graph)[e].delay).has_value();
    }
};

/// Vertices a path may pass: proxies and routers, plus the path's own ends.
struct TransitVertex
{
    const Graph* graph = nullptr;
    Vertex source = 0;
    Vertex endpoint = 0;
    bool hasEndpoint = false;

    bool operator()(const Vertex& v) const
    {
        return v == source || (hasEndpoint && v == endpoint) || IsTransit((*graph)[v].role);
    }
};

} // namespace

bool
ShortestPaths::Reaches(Vertex v) const
{
    return v < seconds.size() && seconds[v] != std::numeric_limits<double>::infinity();
}

ShortestPaths
DelayPaths(const Topology& topology, Vertex source, const Vertex* endpoint)
{
    const Graph& g = topology.GetGraph();
    const size_t n = boost::num_vertices(g);
    ShortestPaths out;
    out.seconds.assign(n, std::numeric_limits<double>::infinity());
    out.predecessor.resize(n);
    for (size_t i = 0; i < n; ++i)
    {
        out.predecessor[i] = i;
    }
    TransitVertex vertexFilter{&g, source, endpoint != nullptr ? *endpoint : 0,
                               endpoint != nullptr};
    boost::filtered_graph<Graph, UsableLink, TransitVertex> fg(g, UsableLink{&g}, vertexFilter);
    auto weight = boost::make_function_property_map<Edge, double>(
        [&g](const Edge& e) { return ParseDelaySeconds(g[e].delay).value_or(0.0); });
    boost::dijkstra_shortest_paths(
        fg, source,
        boost::predecessor_map(boost::make_iterator_property_map(
                                   out.predecessor.begin(), boost::get(boost::vertex_index, g)))
            .distance_map(boost::make_iterator_property_map(out.seconds.begin(),
                                                            boost::get(boost::vertex_index, g)))
            .weight_map(weight)
            .distance_inf(std::numeric_limits<double>::infinity()));
    return out;
}

} // namespace detail

ProxyRoutes
ComputeProxyRoutes(const Topology& topology)
{
    const Graph& g = topology.GetGraph();
    std::set<std::string> domains;
    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        if (g[v].role == Role::Proxy && !g[v].domain.empty())
        {
            domains.insert(g[v].domain);
        }
    }
    ProxyRoutes routes;
    for (const Vertex p : boost::make_iterator_range(boost::vertices(g)))
    {
        if (g[p].role != Role::Proxy)
        {
            continue;
        }
        auto& table = routes[g[p].name];
        const detail::ShortestPaths paths = detail::DelayPaths(topology, p);
        for (const std::string& domain : domains)
        {
            if (domain == g[p].domain)
            {
                continue;
            }
            // The nearest proxy of the domain (there is one in a valid topology).
            std::optional<Vertex> target;
            for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
            {
                if (g[v].role == Role::Proxy && g[v].domain == domain && paths.Reaches(v)
                    && (!target || paths.seconds[v] < paths.seconds[*target]))
                {
                    target = v;
                }
            }
            if (!target)
            {
                continue;
            }
            // Walk back from the target; the last proxy seen before reaching P is the first
            // proxy after P on the path.
            Vertex hop = *target;
            for (Vertex v = *target; v != p && paths.predecessor[v] != v; v = paths.predecessor[v])
            {
                if (g[v].role == Role::Proxy)
                {
                    hop = v;
                }
            }
            table[domain] = g[hop].name;
        }
    }
    return routes;
}

double
ShortestDelaySeconds(const Topology& topology, const std::string& from, const std::string& to)
{
    const auto a = topology.Find(from);
    const auto b = topology.Find(to);
    if (!a || !b)
    {
        return -1;
    }
    const detail::ShortestPaths paths = detail::DelayPaths(topology, *a, &*b);
    return paths.Reaches(*b) ? paths.seconds[*b] : -1;
}

} // namespace sipsim::topology
