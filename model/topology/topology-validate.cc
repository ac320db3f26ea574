#include "topology/topology-validate.h"

#include "topology/topology-paths.h"

#include <boost/graph/connected_components.hpp>
#include <map>
#include <set>
#include <sstream>

namespace sipsim::topology {

namespace {

std::string
NameList(const std::vector<std::string>& names)
{
    std::string out;
    for (const std::string& n : names)
    {
        out += (out.empty() ? "'" : ", '") + n + "'";
    }
    return out;
}

std::string
FormatNumber(double value)
{
    std::ostringstream s;
    s.imbue(std::locale::classic());
    s << value;
    return s.str();
}

} // namespace

std::vector<std::string>
Validate(const Topology& topology)
{
    std::vector<std::string> messages;
    for (const Problem& p : ValidateWithSubjects(topology))
    {
        messages.push_back(p.message);
    }
    return messages;
}

std::vector<Problem>
ValidateWithSubjects(const Topology& topology)
{
    const Graph& g = topology.GetGraph();
    std::vector<Problem> errors;

    // Names and domains.
    std::set<std::string> seen;
    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        const NodeProps& n = g[v];
        if (n.name.empty())
        {
            errors.push_back({"", "node #" + std::to_string(v) + " has no name"});
        }
        else if (!seen.insert(n.name).second)
        {
            errors.push_back({n.name, "duplicate node name '" + n.name + "'"});
        }
        if (n.role != Role::Router && n.domain.empty())
        {
            errors.push_back(
                {n.name, std::string(RoleName(n.role)) + " node '" + n.name + "' has no domain"});
        }
    }

    // One proxy per domain that has phones or gateways, and per domain of a proxy.
    std::map<std::string, std::vector<std::string>> proxies;
    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        if (g[v].role == Role::Proxy && !g[v].domain.empty())
        {
            proxies[g[v].domain].push_back(g[v].name);
        }
    }
    std::set<std::string> reportedMissing;
    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        const NodeProps& n = g[v];
        // Phones of a domain without a proxy call each other directly (RFC 3665 3.1); a
        // gateway needs its domain's proxy.
        if (n.role == Role::Gateway && !n.domain.empty() && proxies.count(n.domain) == 0
            && reportedMissing.insert(n.domain).second)
        {
            errors.push_back({n.name, "domain " + n.domain + " (of " + std::string(RoleName(n.role))
                                          + " node '" + n.name + "') has no proxy"});
        }
    }
    for (const auto& [domain, names] : proxies)
    {
        if (names.size() > 1)
        {
            errors.push_back({names[1], "domain " + domain + " has " + std::to_string(names.size())
                                            + " proxies: " + NameList(names)});
        }
    }

    // Links.
    std::set<std::pair<Vertex, Vertex>> pairs;
    for (const Edge e : boost::make_iterator_range(boost::edges(g)))
    {
        const LinkProps& l = g[e];
        const std::string subject = topology.LinkName(e);
        const std::string name = "link " + subject;
        const Vertex a = boost::source(e, g);
        const Vertex b = boost::target(e, g);
        if (a == b)
        {
            errors.push_back({subject, name + " is a self-loop"});
        }
        else if (!pairs.insert(std::minmax(a, b)).second)
        {
            errors.push_back({subject, "duplicate " + name});
        }
        if (l.delay.empty())
        {
            errors.push_back({subject, name + " has no delay"});
        }
        else if (const auto d = ParseDelaySeconds(l.delay); !d)
        {
            errors.push_back({subject, name + ": delay '" + l.delay
                                           + "' does not parse (e.g. 5ms, 1.5s, 200us)"});
        }
        else if (*d == 0)
        {
            errors.push_back({subject, name + " has no delay (delay " + l.delay + ")"});
        }
        if (const auto r = ParseRateBps(l.rate); !r)
        {
            errors.push_back({subject, name + ": rate '" + l.rate
                                           + "' does not parse (e.g. 100Mbps, 1Gbps, 64kbps)"});
        }
        else if (*r == 0)
        {
            errors.push_back({subject, name + " has rate 0"});
        }
        if (!(l.loss >= 0 && l.loss <= 1))
        {
            errors.push_back(
                {subject, name + ": loss " + FormatNumber(l.loss) + " is not in [0, 1]"});
        }
        if (l.queuePackets == 0)
        {
            errors.push_back({subject, name + " has a queue of 0 packets"});
        }
    }

    // Connectivity.
    const size_t n = boost::num_vertices(g);
    if (n > 1)
    {
        std::vector<int> component(n);
        const int count = boost::connected_components(
            g, boost::make_iterator_property_map(component.begin(),
                                                 boost::get(boost::vertex_index, g)));
        if (count > 1)
        {
            std::vector<std::string> unreachable;
            for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
            {
                if (component[v] != component[0])
                {
                    unreachable.push_back(g[v].name);
                }
            }
            errors.push_back(
                {unreachable.front(), "the topology is not connected: " + NameList(unreachable)
                                          + " cannot be reached from '" + g[0].name + "'"});
        }
    }

    // Phones and gateways reach their proxy through proxies and routers.
    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        const NodeProps& node = g[v];
        if ((node.role != Role::Phones && node.role != Role::Gateway) || node.domain.empty()
            || proxies.count(node.domain) == 0)
        {
            continue;
        }
        const detail::ShortestPaths paths = detail::DelayPaths(topology, v);
        bool reached = false;
        for (const std::string& proxy : proxies[node.domain])
        {
            const auto p = topology.Find(proxy);
            reached = reached || (p && paths.Reaches(*p));
        }
        if (!reached)
        {
            errors.push_back({node.name, std::string(RoleName(node.role)) + " node '" + node.name
                                             + "' (domain " + node.domain
                                             + ") has no path to a proxy of its domain"});
        }
    }
    return errors;
}

std::vector<std::string>
Warnings(const Topology& topology)
{
    const Graph& g = topology.GetGraph();
    std::vector<std::string> warnings;
    for (const Edge e : boost::make_iterator_range(boost::edges(g)))
    {
        const LinkProps& l = g[e];
        const std::optional<double> delay = ParseDelaySeconds(l.delay);
        if (l.lan && delay && *delay > kLanDelayWarningSeconds)
        {
            std::ostringstream w;
            w << "link " << topology.LinkName(e) << ": a LAN link's channel is busy for its "
              << "delay after every frame, so delay " << l.delay << " carries at most about "
              << static_cast<long>(1.0 / *delay) << " frames a second in both directions "
              << "together; a LAN's delay is microseconds (an access line with a longer delay is "
              << "a point-to-point link)";
            warnings.push_back(w.str());
        }
    }
    return warnings;
}

} // namespace sipsim::topology
