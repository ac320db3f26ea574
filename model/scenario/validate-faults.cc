/*
 * Checks of the faults section: what fails, where and when.
 */
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sipsim {
namespace scenario {

void
Validator::CheckFaults()
{
    for (int i = 0; i < m_s.faults_size(); ++i)
    {
        const auto& f = m_s.faults(i);
        const std::string path = At("faults", i);
        if (!(f.at_s() >= 0.0) || (m_s.duration_s() > 0.0 && f.at_s() >= m_s.duration_s()))
        {
            Error(path + ".at_s",
                  "must be within the run [0, duration_s), not " + Number(f.at_s()));
        }
        switch (f.kind_case())
        {
            case Fault::kLinkLoss:
            {
                const auto& l = f.link_loss();
                CheckLinkRef(path + ".link_loss.link", l.link());
                CheckProbability(path + ".link_loss.rate", l.rate());
                if (l.has_gilbert_elliott())
                {
                    const auto& ge = l.gilbert_elliott();
                    const std::string gp = path + ".link_loss.gilbert_elliott";
                    CheckProbability(gp + ".p_good_to_bad", ge.p_good_to_bad());
                    CheckProbability(gp + ".p_bad_to_good", ge.p_bad_to_good());
                    CheckProbability(gp + ".loss_good", ge.loss_good());
                    CheckProbability(gp + ".loss_bad", ge.loss_bad());
                    if (!(ge.p_good_to_bad() > 0.0))
                    {
                        Error(gp + ".p_good_to_bad",
                              "must be > 0 (the chain never enters the bad state)");
                    }
                    if (!(ge.p_bad_to_good() > 0.0))
                    {
                        Error(gp + ".p_bad_to_good",
                              "must be > 0 (the chain never leaves the bad state)");
                    }
                    if (ge.loss_bad() < ge.loss_good())
                    {
                        Error(gp + ".loss_bad", "the bad state must lose at least as much "
                                                "as the good one");
                    }
                }
                break;
            }
            case Fault::kLinkState:
                CheckLinkRef(path + ".link_state.link", f.link_state().link());
                break;
            case Fault::kNodeCrash:
                CheckNodeRef(path + ".node_crash.node", f.node_crash().node(), ROLE_UNSPECIFIED);
                CheckSeconds(path + ".node_crash.restart_after_s",
                             f.node_crash().restart_after_s());
                break;
            case Fault::kCapacity:
                CheckNodeRef(path + ".capacity.node", f.capacity().node(), PROXY);
                CheckCapacity(path + ".capacity.capacity", f.capacity().capacity());
                break;
            case Fault::kRegistration:
                CheckNodeRef(path + ".registration.node", f.registration().node(), PHONES);
                if (!RegistrationAction::Kind_IsValid(f.registration().kind()))
                {
                    Error(path + ".registration.kind", "unknown kind (REGISTER, UNREGISTER, "
                                                       "REMOVE_ALL or QUERY)");
                }
                break;
            default:
                Error(path, "a fault needs a kind: link_loss, link_state, node_crash, "
                            "capacity or registration");
                break;
        }
    }
}

/// Resolves "a-b" to an existing link (node names may contain '-').
void
Validator::CheckLinkRef(const std::string& path, const std::string& link)
{
    if (link.empty())
    {
        Error(path, "no link given (write \"a-b\")");
        return;
    }
    if (m_dotTopology)
    {
        return;
    }
    bool nodesFound = false;
    for (size_t dash = link.find('-'); dash != std::string::npos; dash = link.find('-', dash + 1))
    {
        const auto a = link.substr(0, dash);
        const auto b = link.substr(dash + 1);
        if (Node(a) != nullptr && Node(b) != nullptr)
        {
            nodesFound = true;
            if (m_links.count(LinkKey(a, b)) != 0)
            {
                return;
            }
        }
    }
    Error(path,
          nodesFound ? "no link between the nodes of '" + link + "'"
                     : "'" + link + "' does not name a link \"a-b\" between topology nodes",
          link);
}

} // namespace scenario
} // namespace sipsim
