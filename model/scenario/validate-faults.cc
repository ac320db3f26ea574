/*
 * Checks of the faults section: what fails, where and when.
 */
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace sipsim {
namespace scenario {

namespace {

/// An absolute URI as RFC 3986 3.1 starts one ("scheme:rest"), that fits between < and > in a
/// Contact: no spaces, quotes, angle brackets or control characters.
bool
IsContactUri(const std::string& uri)
{
    const size_t colon = uri.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == uri.size()
        || !std::isalpha(static_cast<unsigned char>(uri[0])))
    {
        return false;
    }
    for (size_t i = 0; i < colon; ++i)
    {
        const auto c = static_cast<unsigned char>(uri[i]);
        if (!std::isalnum(c) && c != '+' && c != '-' && c != '.')
        {
            return false;
        }
    }
    return std::none_of(uri.begin(), uri.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"';
    });
}

} // namespace

void
Validator::CheckAddedContact(const std::string& path, const RegistrationAction& r)
{
    if (r.kind() == RegistrationAction::ADD_CONTACT)
    {
        if (r.contact().empty())
        {
            Error(path + ".kind", "ADD_CONTACT needs the contact to add (contact)");
        }
        else if (!IsContactUri(r.contact()))
        {
            Error(path + ".contact",
                  "'" + r.contact()
                      + "' is not a URI (scheme:rest, without spaces, quotes or angle brackets)",
                  r.contact());
        }
    }
    else if (!r.contact().empty())
    {
        Error(path + ".contact", "a contact is for kind ADD_CONTACT", r.contact());
    }
}

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
                                                       "REMOVE_ALL, QUERY or ADD_CONTACT)");
                }
                CheckAddedContact(path + ".registration", f.registration());
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
