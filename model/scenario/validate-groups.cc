/*
 * Checks of the groups section: phones, proxies, gateways and responders on their nodes.
 */
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace sipsim {
namespace scenario {

void
Validator::CheckGroups()
{
    std::map<std::string, int> seen;
    for (int i = 0; i < m_s.groups_size(); ++i)
    {
        const auto& g = m_s.groups(i);
        const std::string path = At("groups", i);
        CheckNodeRef(path + ".node", g.node(), ROLE_UNSPECIFIED);
        if (!g.node().empty() && !seen.emplace(g.node(), i).second)
        {
            Error(path + ".node",
                  "node '" + g.node() + "' already has a group (groups["
                      + std::to_string(seen[g.node()]) + "])",
                  g.node());
        }
        const int parts = (g.has_phones() ? 1 : 0) + (g.has_proxy() ? 1 : 0)
                          + (g.has_gateway() ? 1 : 0) + (g.has_responder() ? 1 : 0);
        const auto* node = Node(g.node());
        if (parts != 1)
        {
            Error(path, "set exactly one of phones, proxy, gateway and responder");
        }
        else if (node != nullptr)
        {
            const Role want = g.has_phones()    ? PHONES
                              : g.has_proxy()   ? PROXY
                              : g.has_gateway() ? GATEWAY
                                                : RESPONDER;
            if (node->role() != want)
            {
                const char* part = g.has_phones()    ? "phones"
                                   : g.has_proxy()   ? "proxy"
                                   : g.has_gateway() ? "gateway"
                                                     : "responder";
                Error(path + "." + part, "node '" + g.node() + "' is " + RoleName(node->role())
                                             + ": " + part + " needs a " + RoleName(want)
                                             + " node");
            }
        }
        if (g.has_phones())
        {
            CheckPhones(path + ".phones", g.phones(), node);
        }
        if (g.has_proxy())
        {
            CheckProxy(path + ".proxy", g.proxy());
        }
        if (g.has_gateway())
        {
            CheckGateway(path + ".gateway", g.gateway());
        }
        // The statuses and the Contact are checked by SipResponder::CheckConfiguration (the
        // run's check, which also sees the attributes); here what the model cannot.
        if (g.has_responder())
        {
            CheckSeconds(path + ".responder.final_delay_s", g.responder().final_delay_s());
        }
        for (const auto& [name, value] : g.attributes())
        {
            if (name.empty())
            {
                Error(path + ".attributes", "an attribute needs a name");
            }
            (void) value;
        }
    }
}

void
Validator::CheckPhones(const std::string& path, const PhoneGroup& p, const TopologyNode* node)
{
    if (p.count() == 0)
    {
        Error(path + ".count", "a phone group needs count > 0");
    }
    m_phones += p.count();
    if (p.count() > 0 && p.first_user() > UINT32_MAX - (p.count() - 1))
    {
        Error(path + ".first_user", "first_user + count - 1 passes 4294967295: user numbers "
                                    "would wrap");
    }
    if (p.count() > 0 && m_phones > kMaxPhones && m_phones - p.count() <= kMaxPhones)
    {
        Error(path + ".count", "the scenario's phones add up to more than "
                                   + std::to_string(kMaxPhones)
                                   + ", more than one machine's memory holds (about 3 kB "
                                     "each)");
    }
    std::set<std::string> outbound;
    for (int i = 0; i < p.outbound_proxies_size(); ++i)
    {
        const std::string& name = p.outbound_proxies(i);
        CheckNodeRef(At(path + ".outbound_proxies", i), name, PROXY, "outbound proxy");
        if (!name.empty() && !outbound.insert(name).second)
        {
            Error(At(path + ".outbound_proxies", i),
                  "outbound proxy '" + name + "' is listed twice", name);
        }
    }
    CheckSeconds(path + ".register_expires_s", p.register_expires_s());
    CheckSeconds(path + ".options_interval_s", p.options_interval_s());
    CheckSeconds(path + ".register_retry_s", p.register_retry_s());
    if (!Transport_IsValid(p.transport()))
    {
        Error(path + ".transport",
              "unknown transport " + std::to_string(p.transport()) + " (UDP or TCP)");
    }
    if (p.has_contact_q()
        && (!IsProbability(p.contact_q())
            || std::fabs(p.contact_q() * 1000 - std::round(p.contact_q() * 1000)) > 1e-6))
    {
        Error(path + ".contact_q",
              "a q-value is in [0, 1] with at most three decimals (RFC 3261 25.1), not "
                  + Number(p.contact_q()));
    }
    if (p.register_() && node != nullptr && !m_dotTopology)
    {
        bool registrar = false;
        for (const auto& [name, n] : m_nodes)
        {
            registrar = registrar || (n->role() == PROXY && n->domain() == node->domain());
        }
        if (!registrar)
        {
            Error(path + ".register",
                  "no PROXY node in domain '" + node->domain() + "' to register with");
        }
    }
    const auto& u = p.user();
    CheckProbability(path + ".user.answer_probability", u.answer_probability());
    CheckDistribution(path + ".user.answer_delay", u.answer_delay(), false, u.has_answer_delay());
    CheckDistribution(path + ".user.holding", u.holding(), false, u.has_holding());
    CheckSeconds(path + ".user.cancel_after_s", u.cancel_after_s());
    CheckSeconds(path + ".user.ring_timeout_s", u.ring_timeout_s());
}

void
Validator::CheckProxy(const std::string& path, const ProxyGroup& p)
{
    if (p.redirect() && p.sequential_forking())
    {
        Error(path + ".sequential_forking", "a redirect server does not fork");
    }
    for (int r = 0; r < p.routes_size(); ++r)
    {
        const auto& route = p.routes(r);
        const std::string rp = At(path + ".routes", r);
        if (route.domain().empty())
        {
            Error(rp + ".domain", "a route needs a domain (or \"*\")");
        }
        CheckNodeRef(rp + ".next_hop_node", route.next_hop_node(), ROLE_UNSPECIFIED,
                     "next_hop_node");
        const auto* hop = Node(route.next_hop_node());
        if (hop != nullptr && (hop->role() == PHONES || hop->role() == ROUTER))
        {
            Error(rp + ".next_hop_node",
                  "node '" + hop->name() + "' is " + RoleName(hop->role())
                      + ": a next hop is a PROXY or GATEWAY",
                  hop->name());
        }
    }
    for (const auto& [user, password] : p.users())
    {
        if (user.empty())
        {
            Error(path + ".users", "a user needs a name");
        }
        (void) password;
    }
    std::set<int> algorithms;
    for (int i = 0; i < p.digest_algorithms_size(); ++i)
    {
        const int a = p.digest_algorithms(i);
        if (!DigestAlgorithm_IsValid(a))
        {
            Error(At(path + ".digest_algorithms", i),
                  "unknown digest algorithm " + std::to_string(a) + " (MD5 or SHA_256)");
        }
        else if (!algorithms.insert(a).second)
        {
            Error(At(path + ".digest_algorithms", i),
                  DigestAlgorithm_Name(static_cast<DigestAlgorithm>(a)) + " is listed twice");
        }
    }
    if (p.has_capacity())
    {
        CheckCapacity(path + ".capacity", p.capacity());
    }
}

void
Validator::CheckGateway(const std::string& path, const GatewayGroup& g)
{
    if (g.channels() == 0)
    {
        Error(path + ".channels", "a gateway needs channels > 0");
    }
    if (g.full_status() != 0 && g.full_status() != 503 && g.full_status() != 486)
    {
        Error(path + ".full_status",
              "is the response to a call when every channel is busy: 503 or 486");
    }
    CheckProbability(path + ".pstn_answer_probability", g.pstn_answer_probability());
    CheckProbability(path + ".pstn_busy_probability", g.pstn_busy_probability());
    if (IsProbability(g.pstn_answer_probability()) && IsProbability(g.pstn_busy_probability())
        && g.pstn_answer_probability() + g.pstn_busy_probability() > 1.0)
    {
        Error(path + ".pstn_busy_probability",
              "pstn_answer_probability + pstn_busy_probability exceed 1");
    }
    CheckDistribution(path + ".pstn_holding", g.pstn_holding(), false, g.has_pstn_holding());
    CheckRate(path + ".pstn_call_rate", g.pstn_call_rate());
    if (g.pstn_call_rate() > 0.0 && !g.has_pstn_holding() && !m_s.traffic().has_holding())
    {
        Error(path + ".pstn_holding",
              "calls from the PSTN need a holding time (pstn_holding or traffic.holding)");
    }
}

bool
Validator::HasPhoneGroup(const std::string& node) const
{
    for (const auto& g : m_s.groups())
    {
        if (g.node() == node && g.has_phones())
        {
            return true;
        }
    }
    return false;
}

} // namespace scenario
} // namespace sipsim
