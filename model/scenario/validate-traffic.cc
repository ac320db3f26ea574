/*
 * Checks of the traffic section: call, registration, PSTN and hostile load.
 */
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sipsim {
namespace scenario {

void
Validator::CheckTraffic()
{
    const auto& t = m_s.traffic();
    CheckRate("traffic.calls_per_second", t.calls_per_second());
    CheckRate("traffic.bhca_per_user",
              t.bhca_per_user() / 3600.0 * std::max(1.0, static_cast<double>(m_phones)));
    if (t.calls_per_second() > 0.0 && t.bhca_per_user() > 0.0)
    {
        Error("traffic.bhca_per_user", "set calls_per_second or bhca_per_user, not both");
    }
    const bool calls = t.calls_per_second() > 0.0 || t.bhca_per_user() > 0.0;
    CheckDistribution("traffic.holding", t.holding(), calls, t.has_holding());
    for (int i = 0; i < t.caller_groups_size(); ++i)
    {
        const auto& name = t.caller_groups(i);
        const std::string path = At("traffic.caller_groups", i);
        CheckNodeRef(path, name, PHONES, "caller group");
        if (Node(name) != nullptr && Node(name)->role() == PHONES && !HasPhoneGroup(name))
        {
            Error(path, "node '" + name + "' has no phones group", name);
        }
    }
    if (calls && !m_dotTopology)
    {
        bool anyPhones = false;
        for (const auto& g : m_s.groups())
        {
            anyPhones = anyPhones || g.has_phones();
        }
        if (!anyPhones)
        {
            Error("traffic", "calls are offered but no group has phones");
        }
    }
    const auto& c = t.callees();
    switch (c.mode())
    {
        case CalleeSelection::GROUP:
            // A PHONES node, or a RESPONDER (its one callee).
            if (const auto* n = Node(c.group()); n != nullptr && n->role() == RESPONDER)
            {
                break;
            }
            CheckNodeRef("traffic.callees.group", c.group(), PHONES, "callee group");
            break;
        case CalleeSelection::DOMAIN:
            if (c.domain().empty())
            {
                Error("traffic.callees.domain", "mode DOMAIN needs a domain");
            }
            else if (!m_dotTopology)
            {
                bool known = false;
                for (const auto& [name, n] : m_nodes)
                {
                    known = known
                            || ((n->role() == PHONES || n->role() == RESPONDER)
                                && n->domain() == c.domain());
                }
                if (!known)
                {
                    Error("traffic.callees.domain",
                          "no PHONES or RESPONDER node in domain '" + c.domain() + "'", c.domain());
                }
            }
            break;
        default:
            break;
    }
    CheckProbability("traffic.callees.unknown_fraction", c.unknown_fraction());
    CheckProbability("traffic.callees.pstn_fraction", c.pstn_fraction());
    if (IsProbability(c.unknown_fraction()) && IsProbability(c.pstn_fraction())
        && c.unknown_fraction() + c.pstn_fraction() > 1.0)
    {
        Error("traffic.callees.pstn_fraction", "unknown_fraction + pstn_fraction exceed 1");
    }
    if (c.pstn_fraction() > 0.0 || !c.pstn_gateway().empty())
    {
        CheckNodeRef("traffic.callees.pstn_gateway", c.pstn_gateway(), GATEWAY, "pstn_gateway");
    }
    const auto& h = t.hostile();
    CheckRate("traffic.hostile.missing_call_id_per_s", h.missing_call_id_per_s());
    CheckRate("traffic.hostile.unsupported_proxy_require_per_s",
              h.unsupported_proxy_require_per_s());
    CheckRate("traffic.hostile.unmatched_cancel_per_s", h.unmatched_cancel_per_s());
    CheckRate("traffic.hostile.unknown_method_per_s", h.unknown_method_per_s());
    CheckRate("traffic.hostile.unsupported_version_per_s", h.unsupported_version_per_s());
    if (!h.node().empty())
    {
        CheckNodeRef("traffic.hostile.node", h.node(), PHONES, "hostile node");
    }
    CheckSeconds("traffic.start_s", t.start_s());
    CheckSeconds("traffic.stop_s", t.stop_s());
    if (m_s.duration_s() > 0.0 && t.start_s() >= m_s.duration_s() && calls)
    {
        Error("traffic.start_s",
              "calls would start after the run ends (duration_s " + Number(m_s.duration_s()) + ")");
    }
    if (t.stop_s() > 0.0 && t.stop_s() <= t.start_s())
    {
        Error("traffic.stop_s", "must be after start_s (" + Number(t.start_s()) + ")");
    }
}

} // namespace scenario
} // namespace sipsim
