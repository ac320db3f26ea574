/*
 * The shared checks of a scenario (distributions, seconds, rates, node references) and the
 * position of a diagnostic in the file; the entry points ValidateScenario and DiagnosticAt.
 */
#include "scenario/validator.h"

#include "scenario/positions.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sipsim {
namespace scenario {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

Validator::Validator(const Scenario& s, const std::string& text, const std::string& fileName)
    : m_s(s)
    , m_text(text)
    , m_file(fileName)
    , m_json(IsJsonFile(fileName))
{
    if (!m_json)
    {
        Scenario reparsed;
        TextFormat::Parser parser;
        parser.WriteLocationsTo(&m_tree);
        m_treeOk = parser.ParseFromString(text, &reparsed);
    }
}

std::vector<Diagnostic>
Validator::Run()
{
    CheckTop();
    CheckTopology();
    CheckGroups();
    CheckTraffic();
    CheckFaults();
    CheckExpectations();
    std::stable_sort(m_out.begin(), m_out.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.line != b.line ? a.line < b.line : a.col < b.col;
    });
    return m_out;
}

/// One diagnostic at the field at path (what Error would report).
Diagnostic
Validator::At(const std::string& path, const std::string& message, const std::string& quoted)
{
    Error(path, message, quoted);
    Diagnostic d = m_out.back();
    m_out.pop_back();
    return d;
}

std::string
Validator::At(const std::string& path, int index)
{
    return path + "[" + std::to_string(index) + "]";
}

/// Reports a problem with the field at path; quoted: the value to point at (a reference).
void
Validator::Error(const std::string& path, const std::string& message, const std::string& quoted)
{
    Diagnostic d;
    d.file = m_file;
    d.path = path;
    d.message = (path.empty() ? "" : path + ": ") + message;
    size_t offset = 0;
    const bool found = Locate(path, quoted, &offset);
    int line = 0;
    int column = 0;
    LineColOf(m_text, offset, &line, &column);
    (void) found;
    d.line = line + 1;
    d.col = column + 1;
    m_out.push_back(d);
}

/**
 * Offset of the field at path in the file (of the quoted value after it when given); when
 * the field is not in the file (a default, or set by --set), the nearest enclosing field
 * that is, or the start of the file.
 */
bool
Validator::Locate(const std::string& path, const std::string& quoted, size_t* offset) const
{
    std::vector<PathPart> parts;
    if (path.empty() || !SplitPath(path, &parts))
    {
        return false;
    }
    bool complete = false;
    if (m_json)
    {
        complete = LocateJson(m_text, parts, offset);
    }
    else
    {
        if (!m_treeOk)
        {
            return false;
        }
        const TextFormat::ParseInfoTree* tree = &m_tree;
        const Descriptor* d = Scenario::descriptor();
        size_t i = 0;
        for (; i < parts.size() && tree != nullptr && d != nullptr; ++i)
        {
            const auto& part = parts[i];
            const auto* field = FindField(d, part.name);
            if (field == nullptr)
            {
                break;
            }
            int index = field->is_repeated() ? 0 : -1;
            const bool mapKey = field->is_map() && part.hasIndex;
            if (part.hasIndex && !mapKey && !ParseIndex(part.index, &index))
            {
                break;
            }
            const auto loc = tree->GetLocation(field, index);
            if (loc.line < 0)
            {
                break;
            }
            *offset = OffsetOf(m_text, loc.line, loc.column);
            if (mapKey)
            {
                const auto k = m_text.find("\"" + part.index + "\"", *offset);
                if (k == std::string::npos)
                {
                    break;
                }
                *offset = k;
                ++i;
                break; // map values here are strings
            }
            if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
            {
                tree = tree->GetTreeForNested(field, index);
                d = field->message_type();
            }
        }
        complete = i == parts.size();
    }
    if (complete && !quoted.empty())
    {
        const auto at = m_text.find("\"" + quoted + "\"", *offset);
        if (at != std::string::npos)
        {
            *offset = at;
        }
    }
    return complete;
}

const TopologyNode*
Validator::Node(const std::string& name) const
{
    const auto it = m_nodes.find(name);
    return it == m_nodes.end() ? nullptr : it->second;
}

/// Checks a reference to a node; role ROLE_UNSPECIFIED accepts any role.
void
Validator::CheckNodeRef(const std::string& path, const std::string& name, Role role,
                        const std::string& what)
{
    if (name.empty())
    {
        Error(path, "no " + what + " given");
        return;
    }
    const auto* node = Node(name);
    if (node == nullptr)
    {
        if (!m_dotTopology)
        {
            Error(path, "unknown node '" + name + "' (not in topology.nodes)", name);
        }
        return;
    }
    if (role != ROLE_UNSPECIFIED && node->role() != role)
    {
        Error(path, "node '" + name + "' is " + RoleName(node->role()) + ", not " + RoleName(role),
              name);
    }
}

void
Validator::CheckProbability(const std::string& path, double p)
{
    if (!IsProbability(p))
    {
        Error(path, "must be a probability in [0, 1], not " + Number(p));
    }
}

void
Validator::CheckNonNegative(const std::string& path, double v)
{
    if (!(v >= 0.0) || !std::isfinite(v))
    {
        Error(path, "must be >= 0, not " + Number(v));
    }
}

std::string
Validator::Number(double v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

/// A distribution: set when required, parameters sound when set.
void
Validator::CheckDistribution(const std::string& path, const Distribution& d, bool required,
                             bool present)
{
    if (!present || d.kind_case() == Distribution::KIND_NOT_SET)
    {
        if (required)
        {
            Error(path, "required: set constant, exponential_mean, lognormal or uniform");
        }
        return;
    }
    switch (d.kind_case())
    {
        case Distribution::kConstant:
            CheckSeconds(path + ".constant", d.constant());
            break;
        case Distribution::kExponentialMean:
            if (!(d.exponential_mean() > 0.0))
            {
                Error(path + ".exponential_mean",
                      "must be > 0, not " + Number(d.exponential_mean()));
            }
            else
            {
                CheckSeconds(path + ".exponential_mean", d.exponential_mean());
            }
            break;
        case Distribution::kLognormal:
            if (!(d.lognormal().sigma() > 0.0))
            {
                Error(path + ".lognormal.sigma",
                      "must be > 0, not " + Number(d.lognormal().sigma()));
            }
            break;
        case Distribution::kUniform:
            CheckSeconds(path + ".uniform.min", d.uniform().min());
            CheckSeconds(path + ".uniform.max", d.uniform().max());
            if (d.uniform().max() < d.uniform().min())
            {
                Error(path + ".uniform.max", "must be >= min (" + Number(d.uniform().min())
                                                 + "), not " + Number(d.uniform().max()));
            }
            break;
        default:
            break;
    }
}

void
Validator::CheckCapacity(const std::string& path, const Capacity& c)
{
    CheckDistribution(path + ".invite_time", c.invite_time(), false, c.has_invite_time());
    CheckDistribution(path + ".request_time", c.request_time(), false, c.has_request_time());
    CheckDistribution(path + ".response_time", c.response_time(), false, c.has_response_time());
    CheckDistribution(path + ".reject_time", c.reject_time(), false, c.has_reject_time());
    CheckDistribution(path + ".retransmission_time", c.retransmission_time(), false,
                      c.has_retransmission_time());
    CheckDistribution(path + ".auth_time", c.auth_time(), false, c.has_auth_time());
    if (c.policy() == REJECT_503 && c.reject_threshold() == 0)
    {
        Error(path + ".reject_threshold", "REJECT_503 needs a reject_threshold > 0");
    }
    if (c.queue_limit() != 0 && c.reject_threshold() > c.queue_limit())
    {
        Error(path + ".reject_threshold", "is above queue_limit (" + std::to_string(c.queue_limit())
                                              + "): 503 would never be sent");
    }
}

/// A time in seconds: >= 0 and at most kMaxScenarioSeconds.
void
Validator::CheckSeconds(const std::string& path, double v)
{
    if (!(v >= 0.0) || !std::isfinite(v))
    {
        Error(path, "must be >= 0, not " + Number(v));
    }
    else if (v > kMaxScenarioSeconds)
    {
        Error(path, "must be at most " + Number(kMaxScenarioSeconds)
                        + " s (about 115 days of simulated time), not " + Number(v));
    }
}

/// A rate per second: >= 0 and at most kMaxRatePerSecond.
void
Validator::CheckRate(const std::string& path, double v)
{
    CheckNonNegative(path, v);
    if (v > kMaxRatePerSecond)
    {
        Error(path,
              "must be at most " + Number(kMaxRatePerSecond) + " per second, not " + Number(v));
    }
}

std::vector<Diagnostic>
ValidateScenario(const Scenario& scenario, const std::string& fileText, const std::string& fileName)
{
    return Validator(scenario, fileText, fileName).Run();
}

Diagnostic
DiagnosticAt(const std::string& fileText, const std::string& fileName, const std::string& path,
             const std::string& message, const std::string& quoted)
{
    const Scenario empty;
    return Validator(empty, fileText, fileName).At(path, message, quoted);
}

} // namespace scenario
} // namespace sipsim
