#include "topology/topology-dot.h"

#include <boost/graph/graphviz.hpp>
#include <boost/property_map/dynamic_property_map.hpp>
#include <charconv>
#include <sstream>

namespace sipsim::topology {

namespace {

/// The attributes of a node as written, before they are checked.
struct DotNode
{
    std::string name;
    std::string role;
    std::string domain;
    std::string profile;
};

/// The attributes of an edge as written; absent ones stay empty.
struct DotEdge
{
    std::string delay;
    std::string rate;
    std::string loss;
    std::string queue;
    std::string lan;
};

using DotGraph
    = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, DotNode, DotEdge>;

bool
Fail(std::string* error, const std::string& message)
{
    if (error != nullptr)
    {
        *error = message;
    }
    return false;
}

std::optional<bool>
ParseBool(const std::string& text)
{
    if (text == "true" || text == "1" || text == "yes")
    {
        return true;
    }
    if (text == "false" || text == "0" || text == "no")
    {
        return false;
    }
    return std::nullopt;
}

/// A DOT ID: bare when it is a plain identifier or number, else quoted with escapes.
std::string
Quote(const std::string& text)
{
    std::string out = "\"";
    for (char c : text)
    {
        if (c == '"' || c == '\\')
        {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

std::string
FormatDouble(double value)
{
    std::ostringstream s;
    s.imbue(std::locale::classic());
    s.precision(17);
    s << value;
    return s.str();
}

} // namespace

bool
ReadDot(std::istream& in, const std::string& fileName, Topology* out, std::string* error)
{
    DotGraph dot;
    boost::dynamic_properties dp(boost::ignore_other_properties);
    dp.property("node_id", boost::get(&DotNode::name, dot));
    dp.property("role", boost::get(&DotNode::role, dot));
    dp.property("domain", boost::get(&DotNode::domain, dot));
    dp.property("profile", boost::get(&DotNode::profile, dot));
    dp.property("delay", boost::get(&DotEdge::delay, dot));
    dp.property("rate", boost::get(&DotEdge::rate, dot));
    dp.property("loss", boost::get(&DotEdge::loss, dot));
    dp.property("queue", boost::get(&DotEdge::queue, dot));
    dp.property("lan", boost::get(&DotEdge::lan, dot));
    try
    {
        if (!boost::read_graphviz(in, dot, dp, "node_id"))
        {
            return Fail(error, fileName + ": not a DOT graph");
        }
    }
    catch (const boost::directed_graph_error&)
    {
        return Fail(error, fileName + ": a topology is an undirected 'graph', not a 'digraph'");
    }
    catch (const boost::graph_exception& e)
    {
        return Fail(error, fileName + ": " + e.what());
    }
    catch (const std::exception& e)
    {
        return Fail(error, fileName + ": " + e.what());
    }

    for (const auto v : boost::make_iterator_range(boost::vertices(dot)))
    {
        const DotNode& n = dot[v];
        if (n.role.empty() && n.domain.empty() && n.profile.empty() && out->Find(n.name))
        {
            continue; // an edge's end that names a node defined before (in the scenario)
        }
        const std::string where = fileName + ": node '" + n.name + "': ";
        NodeProps props;
        props.name = n.name;
        if (n.role.empty())
        {
            return Fail(error, where + "no role (phones, proxy, gateway or router)");
        }
        const auto role = ParseRole(n.role);
        if (!role)
        {
            return Fail(error,
                        where + "unknown role '" + n.role + "' (phones, proxy, gateway or router)");
        }
        props.role = *role;
        props.domain = n.domain;
        props.profile = n.profile;
        std::string message;
        if (!out->AddNode(std::move(props), &message))
        {
            return Fail(error, fileName + ": " + message);
        }
    }
    for (const auto e : boost::make_iterator_range(boost::edges(dot)))
    {
        const DotEdge& d = dot[e];
        const std::string a = dot[boost::source(e, dot)].name;
        const std::string b = dot[boost::target(e, dot)].name;
        const std::string where = fileName + ": link " + a + "-" + b + ": ";
        LinkProps props;
        props.delay = d.delay; // absent: empty, which Validate reports
        if (!d.rate.empty())
        {
            props.rate = d.rate;
        }
        if (!d.loss.empty())
        {
            const char* end = d.loss.data() + d.loss.size();
            const auto [ptr, ec] = std::from_chars(d.loss.data(), end, props.loss);
            if (ec != std::errc() || ptr != end)
            {
                return Fail(error, where + "loss '" + d.loss + "' is not a number");
            }
        }
        if (!d.queue.empty())
        {
            const char* end = d.queue.data() + d.queue.size();
            const auto [ptr, ec] = std::from_chars(d.queue.data(), end, props.queuePackets);
            if (ec != std::errc() || ptr != end)
            {
                return Fail(error, where + "queue '" + d.queue + "' is not a number of packets");
            }
        }
        if (!d.lan.empty())
        {
            const auto lan = ParseBool(d.lan);
            if (!lan)
            {
                return Fail(error, where + "lan '" + d.lan + "' is not true or false");
            }
            props.lan = *lan;
        }
        std::string message;
        if (!out->AddLink(a, b, std::move(props), &message))
        {
            return Fail(error, fileName + ": " + message);
        }
    }
    return true;
}

void
WriteDot(std::ostream& out, const Topology& topology, const std::string& graphName)
{
    const Graph& g = topology.GetGraph();
    out << "graph " << Quote(graphName) << " {\n";
    for (const Vertex v : boost::make_iterator_range(boost::vertices(g)))
    {
        const NodeProps& n = g[v];
        out << "  " << Quote(n.name) << " [role=" << RoleName(n.role);
        if (!n.domain.empty())
        {
            out << ", domain=" << Quote(n.domain);
        }
        if (!n.profile.empty())
        {
            out << ", profile=" << Quote(n.profile);
        }
        // Drawing hints only: ReadDot ignores them.
        switch (n.role)
        {
            case Role::Phones:
                out << ", shape=box";
                break;
            case Role::Proxy:
                out << ", shape=doublecircle";
                break;
            case Role::Gateway:
                out << ", shape=hexagon";
                break;
            case Role::Router:
                out << ", shape=circle";
                break;
            case Role::Responder:
                out << ", shape=octagon";
                break;
        }
        out << "];\n";
    }
    for (const Edge e : boost::make_iterator_range(boost::edges(g)))
    {
        const LinkProps& l = g[e];
        out << "  " << Quote(g[boost::source(e, g)].name) << " -- "
            << Quote(g[boost::target(e, g)].name) << " [delay=" << Quote(l.delay)
            << ", rate=" << Quote(l.rate) << ", loss=" << FormatDouble(l.loss)
            << ", queue=" << l.queuePackets << ", lan=" << (l.lan ? "true" : "false")
            << ", label=" << Quote(l.delay + " " + l.rate) << "];\n";
    }
    out << "}\n";
}

} // namespace sipsim::topology
