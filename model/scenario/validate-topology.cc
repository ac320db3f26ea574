/*
 * Checks of the topology section: nodes, links, device profiles, a DOT file.
 */
#include "profile/device-profile.h"
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace sipsim {
namespace scenario {

void
Validator::CheckTopology()
{
    const auto& topo = m_s.topology();
    m_dotTopology = !topo.dot_file().empty();
    if (m_dotTopology)
    {
        const auto slash = m_file.rfind('/');
        const std::string dir = slash == std::string::npos ? "" : m_file.substr(0, slash + 1);
        const std::string dot = topo.dot_file()[0] == '/' ? topo.dot_file() : dir + topo.dot_file();
        if (!std::ifstream(dot).good())
        {
            Error("topology.dot_file", "cannot read '" + dot + "'", topo.dot_file());
        }
    }
    else if (topo.nodes_size() == 0)
    {
        Error("topology", "no nodes (write topology.nodes or topology.dot_file)");
    }
    for (int i = 0; i < topo.nodes_size(); ++i)
    {
        const auto& n = topo.nodes(i);
        const std::string path = At("topology.nodes", i);
        if (n.name().empty())
        {
            Error(path + ".name", "a node needs a name");
            continue;
        }
        if (!m_nodes.emplace(n.name(), &n).second)
        {
            Error(path + ".name", "node '" + n.name() + "' is defined twice", n.name());
        }
        if (!Role_IsValid(n.role()))
        {
            Error(path + ".role", "unknown role " + std::to_string(n.role())
                                      + " (PHONES, PROXY, GATEWAY, ROUTER or RESPONDER)");
        }
        else if (n.role() == ROLE_UNSPECIFIED)
        {
            Error(path + ".role",
                  "node '" + n.name()
                      + "' needs a role (PHONES, PROXY, GATEWAY, ROUTER or RESPONDER)");
        }
        if ((n.role() == PHONES || n.role() == PROXY || n.role() == RESPONDER)
            && n.domain().empty())
        {
            Error(path + ".domain", "a " + RoleName(n.role()) + " node needs a SIP domain");
        }
        if (!n.profile().empty())
        {
            CheckProfile(path + ".profile", n);
        }
    }
    for (int i = 0; i < topo.links_size(); ++i)
    {
        const auto& l = topo.links(i);
        const std::string path = At("topology.links", i);
        CheckNodeRef(path + ".a", l.a(), ROLE_UNSPECIFIED, "endpoint a");
        CheckNodeRef(path + ".b", l.b(), ROLE_UNSPECIFIED, "endpoint b");
        if (!l.a().empty() && l.a() == l.b())
        {
            Error(path + ".b", "a link cannot connect node '" + l.a() + "' to itself", l.b());
        }
        double v = 0;
        if (!l.delay().empty() && !ParseDelay(l.delay(), &v))
        {
            Error(path + ".delay",
                  "'" + l.delay() + "' is not a delay (write \"5ms\", \"100us\", \"1s\")",
                  l.delay());
        }
        if (!l.rate().empty() && !ParseRate(l.rate(), &v))
        {
            Error(path + ".rate",
                  "'" + l.rate() + "' is not a data rate (write \"100Mbps\", \"1Gbps\")", l.rate());
        }
        CheckProbability(path + ".loss", l.loss());
        m_links.insert(LinkKey(l.a(), l.b()));
    }
}

void
Validator::CheckProfile(const std::string& path, const TopologyNode& n)
{
    if (n.role() == ROUTER)
    {
        Error(path, "a ROUTER runs no SIP: it has no profile", n.profile());
        return;
    }
    if (n.role() == RESPONDER)
    {
        Error(path, "a RESPONDER follows RFC 3261 alone: it has no profile", n.profile());
        return;
    }
    if (profile::FindProfileFile(n.profile()).empty())
    {
        Error(path,
              "profile '" + n.profile()
                  + "' not found (looked in $SIPSIM_PROFILE_PATH and the profiles folders)",
              n.profile());
        return;
    }
    std::string error;
    const auto loaded = profile::LoadProfileByName(n.profile(), &error);
    if (!loaded)
    {
        Error(path, "profile '" + n.profile() + "' does not load: " + error, n.profile());
        return;
    }
    const profile::DeviceKind want = n.role() == PHONES    ? profile::PHONE
                                     : n.role() == GATEWAY ? profile::GATEWAY
                                     : n.role() == PROXY   ? profile::PROXY
                                                           : profile::DEVICE_KIND_UNSPECIFIED;
    if (want != profile::DEVICE_KIND_UNSPECIFIED && loaded->kind() != want)
    {
        Error(path,
              "profile '" + n.profile() + "' is a " + profile::DeviceKind_Name(loaded->kind())
                  + " profile; node '" + n.name() + "' is " + RoleName(n.role()),
              n.profile());
    }
}

std::pair<std::string, std::string>
Validator::LinkKey(const std::string& a, const std::string& b)
{
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

} // namespace scenario
} // namespace sipsim
