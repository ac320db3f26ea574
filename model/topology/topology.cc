#include "topology/topology.h"

#include <charconv>
#include <cmath>

namespace sipsim::topology {

namespace {

bool
EqualsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
        {
            return false;
        }
    }
    return true;
}

/// Splits "1.5ms" into the number 1.5 and the unit "ms"; nullopt without a number.
std::optional<std::pair<double, std::string_view>>
SplitQuantity(std::string_view text)
{
    double value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::fixed);
    if (ec != std::errc() || ptr == begin || !std::isfinite(value) || value < 0)
    {
        return std::nullopt;
    }
    return std::make_pair(value, text.substr(static_cast<size_t>(ptr - begin)));
}

} // namespace

std::string_view
RoleName(Role role)
{
    switch (role)
    {
        case Role::Phones:
            return "phones";
        case Role::Proxy:
            return "proxy";
        case Role::Gateway:
            return "gateway";
        case Role::Router:
            return "router";
        case Role::Responder:
            return "responder";
    }
    return "router";
}

std::optional<Role>
ParseRole(std::string_view name)
{
    for (Role r : {Role::Phones, Role::Proxy, Role::Gateway, Role::Router, Role::Responder})
    {
        if (EqualsNoCase(name, RoleName(r)))
        {
            return r;
        }
    }
    return std::nullopt;
}

bool
Topology::AddNode(NodeProps props, std::string* error)
{
    if (m_index.count(props.name) != 0)
    {
        if (error != nullptr)
        {
            *error = "duplicate node name '" + props.name + "'";
        }
        return false;
    }
    const std::string name = props.name;
    const Vertex v = boost::add_vertex(std::move(props), m_graph);
    m_index.emplace(name, v);
    return true;
}

bool
Topology::AddLink(const std::string& a, const std::string& b, LinkProps props, std::string* error)
{
    const auto va = Find(a);
    const auto vb = Find(b);
    if (!va || !vb)
    {
        if (error != nullptr)
        {
            *error = "link " + a + "-" + b + ": unknown node '" + (va ? b : a) + "'";
        }
        return false;
    }
    if (FindLink(a, b))
    {
        if (error != nullptr)
        {
            *error = "duplicate link " + a + "-" + b;
        }
        return false;
    }
    boost::add_edge(*va, *vb, std::move(props), m_graph);
    return true;
}

std::optional<Vertex>
Topology::Find(const std::string& name) const
{
    const auto it = m_index.find(name);
    if (it == m_index.end())
    {
        return std::nullopt;
    }
    return it->second;
}

std::optional<Edge>
Topology::FindLink(const std::string& a, const std::string& b) const
{
    const auto va = Find(a);
    const auto vb = Find(b);
    if (!va || !vb)
    {
        return std::nullopt;
    }
    // From the edge list, not boost::edge(), so the descriptor keeps the order the link was
    // added in (LinkName).
    for (const Edge e : boost::make_iterator_range(boost::edges(m_graph)))
    {
        const Vertex s = boost::source(e, m_graph);
        const Vertex t = boost::target(e, m_graph);
        if ((s == *va && t == *vb) || (s == *vb && t == *va))
        {
            return e;
        }
    }
    return std::nullopt;
}

std::string
Topology::LinkName(Edge e) const
{
    return m_graph[boost::source(e, m_graph)].name + "-" + m_graph[boost::target(e, m_graph)].name;
}

void
Topology::Reindex()
{
    m_index.clear();
    for (Vertex v : boost::make_iterator_range(boost::vertices(m_graph)))
    {
        m_index.emplace(m_graph[v].name, v);
    }
}

std::vector<std::string>
Topology::NodesWithRole(Role role) const
{
    std::vector<std::string> out;
    for (Vertex v : boost::make_iterator_range(boost::vertices(m_graph)))
    {
        if (m_graph[v].role == role)
        {
            out.push_back(m_graph[v].name);
        }
    }
    return out;
}

std::vector<std::string>
Topology::ProxiesOf(const std::string& domain) const
{
    std::vector<std::string> out;
    for (Vertex v : boost::make_iterator_range(boost::vertices(m_graph)))
    {
        if (m_graph[v].role == Role::Proxy && m_graph[v].domain == domain)
        {
            out.push_back(m_graph[v].name);
        }
    }
    return out;
}

std::optional<double>
ParseDelaySeconds(std::string_view text)
{
    const auto q = SplitQuantity(text);
    if (!q)
    {
        return std::nullopt;
    }
    const auto [value, unit] = *q;
    if (unit == "s")
    {
        return value;
    }
    if (unit == "ms")
    {
        return value / 1e3;
    }
    if (unit == "us")
    {
        return value / 1e6;
    }
    if (unit == "ns")
    {
        return value / 1e9;
    }
    return std::nullopt;
}

std::optional<int64_t>
ParseDelayNanoseconds(std::string_view text)
{
    const auto q = SplitQuantity(text);
    if (!q || !ParseDelaySeconds(text))
    {
        return std::nullopt;
    }
    // Scale from the written unit, so "5ms" is 5 * 1e6 and not 0.005 * 1e9.
    const auto [value, unit] = *q;
    const double factor = unit == "s" ? 1e9 : unit == "ms" ? 1e6 : unit == "us" ? 1e3 : 1.0;
    return static_cast<int64_t>(std::llround(value * factor));
}

std::optional<uint64_t>
ParseRateBps(std::string_view text)
{
    const auto q = SplitQuantity(text);
    if (!q)
    {
        return std::nullopt;
    }
    const auto [value, unit] = *q;
    double factor = 0;
    if (unit == "bps" || unit == "b/s")
    {
        factor = 1;
    }
    else if (EqualsNoCase(unit, "kbps") || EqualsNoCase(unit, "kb/s"))
    {
        factor = 1e3;
    }
    else if (unit == "Mbps" || unit == "Mb/s")
    {
        factor = 1e6;
    }
    else if (unit == "Gbps" || unit == "Gb/s")
    {
        factor = 1e9;
    }
    else
    {
        return std::nullopt;
    }
    const double bps = value * factor;
    if (bps >= 9e18)
    {
        return std::nullopt;
    }
    return static_cast<uint64_t>(std::llround(bps));
}

} // namespace sipsim::topology
