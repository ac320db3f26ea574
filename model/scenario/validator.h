/*
 * Internal to the scenario-config library: the checks of ValidateScenario. One class holds what
 * they share (the scenario, its text for positions, the nodes and links seen); each scenario
 * section has its own file with its checks: validate-top.cc (duration, seed, outputs),
 * validate-topology.cc, validate-groups.cc (phones, proxies, gateways), validate-traffic.cc,
 * validate-faults.cc and validate-expectations.cc. validator.cc has the shared checks
 * (distributions, seconds, rates, node references) and the positioning of a diagnostic.
 */
#ifndef SIPSIM_SCENARIO_VALIDATOR_H
#define SIPSIM_SCENARIO_VALIDATOR_H

#include "scenario/scenario-loader.h"

#include <cstdint>
#include <google/protobuf/text_format.h>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sipsim {
namespace scenario {

/// Whether p is in [0, 1].
inline bool
IsProbability(double p)
{
    return p >= 0.0 && p <= 1.0;
}

/// A role's name ("PHONE"), or "role N" for a value the enum does not have.
inline std::string
RoleName(Role role)
{
    return Role_IsValid(role) ? Role_Name(role) : "role " + std::to_string(role);
}

/// The checks of ValidateScenario, with positions from the file's text.
class Validator
{
  public:
    Validator(const Scenario& s, const std::string& text, const std::string& fileName);

    /// All the checks, one per scenario section; the problems sorted by position.
    std::vector<Diagnostic> Run();

    /// One diagnostic at the field at path (what Error would report).
    Diagnostic At(const std::string& path, const std::string& message, const std::string& quoted);

  private:
    /// Reports a problem with the field at path; quoted: the value to point at (a reference).
    void Error(const std::string& path, const std::string& message, const std::string& quoted = "");

    /**
     * Offset of the field at path in the file (of the quoted value after it when given); when
     * the field is not in the file (a default, or set by --set), the nearest enclosing field
     * that is, or the start of the file.
     */
    bool Locate(const std::string& path, const std::string& quoted, size_t* offset) const;

    static std::string At(const std::string& path, int index);

    const TopologyNode* Node(const std::string& name) const;

    /// Checks a reference to a node; role ROLE_UNSPECIFIED accepts any role.
    void CheckNodeRef(const std::string& path, const std::string& name, Role role,
                      const std::string& what = "node");

    void CheckProbability(const std::string& path, double p);

    void CheckNonNegative(const std::string& path, double v);

    static std::string Number(double v);

    /// A distribution: set when required, parameters sound when set.
    void CheckDistribution(const std::string& path, const Distribution& d, bool required,
                           bool present);

    void CheckCapacity(const std::string& path, const Capacity& c);

    /// A time in seconds: >= 0 and at most kMaxScenarioSeconds.
    void CheckSeconds(const std::string& path, double v);

    /// A rate per second: >= 0 and at most kMaxRatePerSecond.
    void CheckRate(const std::string& path, double v);

    void CheckTop();

    void CheckTopology();

    void CheckProfile(const std::string& path, const TopologyNode& n);

    static std::pair<std::string, std::string> LinkKey(const std::string& a, const std::string& b);

    void CheckGroups();

    void CheckPhones(const std::string& path, const PhoneGroup& p, const TopologyNode* node);

    void CheckProxy(const std::string& path, const ProxyGroup& p);

    void CheckGateway(const std::string& path, const GatewayGroup& g);

    bool HasPhoneGroup(const std::string& node) const;

    void CheckTraffic();

    /// Resolves "a-b" to an existing link (node names may contain '-').
    void CheckLinkRef(const std::string& path, const std::string& link);

    void CheckFaults();
    /// A registration fault's contact: set for ADD_CONTACT, and only then.
    void CheckAddedContact(const std::string& path, const RegistrationAction& r);

    void CheckExpectations();

    const Scenario& m_s;
    const std::string& m_text;
    std::string m_file;
    bool m_json;
    google::protobuf::TextFormat::ParseInfoTree m_tree;
    bool m_treeOk = false;
    bool m_dotTopology = false;
    std::map<std::string, const TopologyNode*> m_nodes;
    std::set<std::pair<std::string, std::string>> m_links;
    uint64_t m_phones = 0; ///< phones of the groups checked so far
    std::vector<Diagnostic> m_out;
};

} // namespace scenario
} // namespace sipsim

#endif // SIPSIM_SCENARIO_VALIDATOR_H
