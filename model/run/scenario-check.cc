#include "run/scenario-check.h"

#include "node/sip-gateway.h"
#include "node/sip-phone.h"
#include "node/sip-proxy.h"
#include "node/sip-responder.h"
#include "run/check-attributes.h"
#include "run/install-devices.h"
#include "run/install-traffic.h"
#include "scenario/scenario-loader.h"
#include "topology/dot-syntax.h"
#include "topology/topology-dot.h"
#include "topology/topology-validate.h"

#include <filesystem>
#include <ns3/core-module.h>
#include <regex>
#include <set>
#include <sstream>

namespace sipsim::run {

namespace sc = sipsim::scenario;

namespace {

/// DOT files nest subgraphs at most this deep (Boost's reader recurses once per level).
constexpr int kMaxDotNesting = 64;

/// Prints diagnostics; one about a field an override set names the override.
class Reporter
{
  public:
    Reporter(std::ostream& err, const RunOptions& options)
        : m_err(err)
    {
        for (const auto& assignment : options.overrides)
        {
            m_overridden.insert(assignment.substr(0, assignment.find('=')));
        }
    }

    void Print(const sc::Diagnostic& d)
    {
        if (!d.path.empty() && m_overridden.count(d.path) != 0)
        {
            m_err << "--set " << d.message << "\n";
        }
        else
        {
            m_err << d.ToString() << "\n";
        }
        ++m_count;
    }

    void Line(const std::string& text)
    {
        m_err << text << "\n";
        ++m_count;
    }

    size_t Count() const { return m_count; }

  private:
    std::ostream& m_err;
    std::set<std::string> m_overridden;
    size_t m_count = 0;
};

/// "file:line:col: " of the first place `name` appears in DOT text as an ID (bare or quoted).
std::string
DotPlace(const std::string& dotText, const std::string& dotFile, const std::string& name)
{
    size_t at = std::string::npos;
    if (!name.empty())
    {
        const auto isIdChar = [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'
                   || static_cast<unsigned char>(c) >= 0x80;
        };
        for (size_t p = dotText.find(name); p != std::string::npos; p = dotText.find(name, p + 1))
        {
            const bool quoted = p > 0 && dotText[p - 1] == '"' && p + name.size() < dotText.size()
                                && dotText[p + name.size()] == '"';
            const bool bare
                = (p == 0 || !isIdChar(dotText[p - 1]))
                  && (p + name.size() >= dotText.size() || !isIdChar(dotText[p + name.size()]));
            if (quoted || bare)
            {
                at = quoted ? p - 1 : p;
                break;
            }
        }
    }
    int line = 1;
    int column = 1;
    if (at != std::string::npos)
    {
        sc::LineColumnOf(dotText, at, &line, &column);
    }
    return dotFile + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

/// The deepest '{' nesting of DOT text outside strings and comments; offset of the first
/// brace past `limit` in `*tooDeep` (npos when none).
void
DotNesting(const std::string& text, int limit, size_t* tooDeep)
{
    *tooDeep = std::string::npos;
    int depth = 0;
    for (size_t i = 0; i < text.size(); ++i)
    {
        const char c = text[i];
        if (c == '"')
        {
            for (++i; i < text.size() && text[i] != '"'; ++i)
            {
                i += text[i] == '\\' ? 1 : 0;
            }
        }
        else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*')
        {
            const auto end = text.find("*/", i + 2);
            i = end == std::string::npos ? text.size() : end + 1;
        }
        else if ((c == '/' && i + 1 < text.size() && text[i + 1] == '/') || c == '#')
        {
            const auto end = text.find('\n', i);
            i = end == std::string::npos ? text.size() : end;
        }
        else if (c == '{' && ++depth > limit)
        {
            *tooDeep = i;
            return;
        }
        else if (c == '}')
        {
            --depth;
        }
    }
}

/// The subject of a ReadDot error: the node or the first end of the link it names.
std::string
DotErrorSubject(const std::string& message)
{
    static const std::regex node("node '([^']*)'");
    static const std::regex link("(?:^|: )link ([^ :-]+)-");
    std::smatch m;
    if (std::regex_search(message, m, node))
    {
        return m[1];
    }
    if (std::regex_search(message, m, link))
    {
        return m[1];
    }
    return "";
}

struct TopologySource
{
    std::string dotFile; ///< as diagnostics name it; "" without a DOT file
    std::string dotText;
    std::set<std::string> dotNodes; ///< nodes the DOT file defines
};

/// Inline nodes, the DOT file, inline links. False (reported) on a problem.
bool
ReadTopology(const sc::Scenario& s, const std::string& file, const std::string& text,
             topology::Topology* topo, TopologySource* source, Reporter& report)
{
    std::string error;
    for (const auto& n : s.topology().nodes())
    {
        topology::NodeProps props;
        props.name = n.name();
        props.role = n.role() == sc::PHONES      ? topology::Role::Phones
                     : n.role() == sc::PROXY     ? topology::Role::Proxy
                     : n.role() == sc::GATEWAY   ? topology::Role::Gateway
                     : n.role() == sc::RESPONDER ? topology::Role::Responder
                                                 : topology::Role::Router;
        props.domain = n.domain();
        props.profile = n.profile();
        topo->AddNode(props, &error); // names were checked: unique
    }
    if (!s.topology().dot_file().empty())
    {
        const auto& dot = s.topology().dot_file();
        const auto path = dot[0] == '/' ? std::filesystem::path(dot)
                                        : std::filesystem::path(file).parent_path() / dot;
        source->dotFile = path.string();
        auto dotText = sc::ReadScenarioText(source->dotFile, &error);
        if (!dotText)
        {
            report.Print(sc::DiagnosticAt(text, file, "topology.dot_file",
                                          error.substr(error.find(": ") + 2), dot));
            return false;
        }
        source->dotText = *dotText;
        size_t bad = 0;
        if (!sc::CheckUtf8(source->dotText, &bad))
        {
            int line = 0;
            int column = 0;
            sc::LineColumnOf(source->dotText, bad, &line, &column);
            report.Line(source->dotFile + ":" + std::to_string(line) + ":" + std::to_string(column)
                        + ": not UTF-8 (a DOT file is UTF-8 text)");
            return false;
        }
        DotNesting(source->dotText, kMaxDotNesting, &bad);
        if (bad != std::string::npos)
        {
            int line = 0;
            int column = 0;
            sc::LineColumnOf(source->dotText, bad, &line, &column);
            report.Line(source->dotFile + ":" + std::to_string(line) + ":" + std::to_string(column)
                        + ": subgraphs nested more than " + std::to_string(kMaxDotNesting)
                        + " deep");
            return false;
        }
        const std::string syntax = topology::DotSyntaxProblem(source->dotText, &bad);
        if (!syntax.empty())
        {
            int line = 0;
            int column = 0;
            sc::LineColumnOf(source->dotText, bad, &line, &column);
            report.Line(source->dotFile + ":" + std::to_string(line) + ":" + std::to_string(column)
                        + ": " + syntax);
            return false;
        }
        const size_t before = topo->NodeCount();
        std::istringstream in(source->dotText);
        if (!topology::ReadDot(in, source->dotFile, topo, &error))
        {
            // "path: what" -> "path:line:col: what", placed at the node or link it names.
            const std::string what = error.rfind(source->dotFile + ": ", 0) == 0
                                         ? error.substr(source->dotFile.size() + 2)
                                         : error;
            report.Line(DotPlace(source->dotText, source->dotFile, DotErrorSubject(what)) + what);
            return false;
        }
        const auto& g = topo->GetGraph();
        for (size_t v = before; v < topo->NodeCount(); ++v)
        {
            source->dotNodes.insert(g[v].name);
        }
    }
    for (int i = 0; i < s.topology().links_size(); ++i)
    {
        const auto& l = s.topology().links(i);
        topology::LinkProps props;
        if (!l.delay().empty())
        {
            props.delay = l.delay();
        }
        if (!l.rate().empty())
        {
            props.rate = l.rate();
        }
        props.loss = l.loss();
        if (l.queue_packets() > 0)
        {
            props.queuePackets = l.queue_packets();
        }
        props.lan = l.lan();
        if (!topo->AddLink(l.a(), l.b(), props, &error))
        {
            report.Print(
                sc::DiagnosticAt(text, file, "topology.links[" + std::to_string(i) + "]", error));
            return false;
        }
    }
    return true;
}

/// The scenario with the DOT file's nodes and links written in, for the reference checks.
sc::Scenario
WithDotTopology(const sc::Scenario& s, const topology::Topology& topo, const TopologySource& source)
{
    sc::Scenario out = s;
    out.mutable_topology()->clear_dot_file();
    const auto& g = topo.GetGraph();
    for (const auto v : boost::make_iterator_range(boost::vertices(g)))
    {
        if (source.dotNodes.count(g[v].name) == 0)
        {
            continue;
        }
        auto* n = out.mutable_topology()->add_nodes();
        n->set_name(g[v].name);
        n->set_role(g[v].role == topology::Role::Phones      ? sc::PHONES
                    : g[v].role == topology::Role::Proxy     ? sc::PROXY
                    : g[v].role == topology::Role::Gateway   ? sc::GATEWAY
                    : g[v].role == topology::Role::Responder ? sc::RESPONDER
                                                             : sc::ROUTER);
        n->set_domain(g[v].domain);
        n->set_profile(g[v].profile);
    }
    std::set<std::pair<std::string, std::string>> inline_;
    for (const auto& l : s.topology().links())
    {
        inline_.insert({l.a(), l.b()});
    }
    for (const auto e : boost::make_iterator_range(boost::edges(g)))
    {
        const auto& a = g[boost::source(e, g)].name;
        const auto& b = g[boost::target(e, g)].name;
        if (inline_.count({a, b}) == 0)
        {
            auto* l = out.mutable_topology()->add_links();
            l->set_a(a);
            l->set_b(b);
            l->set_delay(g[e].delay.empty() ? "1ms" : g[e].delay); // Validate reports it
            l->set_rate(g[e].rate);
        }
    }
    return out;
}

/// Positions a topology problem: at its node or link in the scenario, or in the DOT file.
void
ReportTopologyProblem(const topology::Problem& p, const sc::Scenario& s, const std::string& file,
                      const std::string& text, const TopologySource& source, Reporter& report)
{
    const std::string message = "topology: " + p.message;
    for (int i = 0; i < s.topology().nodes_size(); ++i)
    {
        if (s.topology().nodes(i).name() == p.subject)
        {
            report.Print(sc::DiagnosticAt(
                text, file, "topology.nodes[" + std::to_string(i) + "].name", message, p.subject));
            return;
        }
    }
    for (int i = 0; i < s.topology().links_size(); ++i)
    {
        const auto& l = s.topology().links(i);
        if (l.a() + "-" + l.b() == p.subject || l.b() + "-" + l.a() == p.subject)
        {
            report.Print(
                sc::DiagnosticAt(text, file, "topology.links[" + std::to_string(i) + "]", message));
            return;
        }
    }
    if (!source.dotFile.empty())
    {
        std::string subject = p.subject;
        if (source.dotNodes.count(subject) == 0 && subject.find('-') != std::string::npos)
        {
            subject = subject.substr(0, subject.find('-')); // a link: at its first end
        }
        report.Line(DotPlace(source.dotText, source.dotFile, subject) + message);
        return;
    }
    report.Print(sc::DiagnosticAt(text, file, "topology", message));
}

/// The ns-3 attributes of every group, against its application's TypeId.
void
CheckGroupAttributes(const sc::Scenario& s, const std::string& file, const std::string& text,
                     Reporter& report)
{
    for (int i = 0; i < s.groups_size(); ++i)
    {
        const auto& g = s.groups(i);
        const ns3::TypeId tid = g.has_phones()      ? SipPhone::GetTypeId()
                                : g.has_proxy()     ? SipProxy::GetTypeId()
                                : g.has_responder() ? SipResponder::GetTypeId()
                                                    : SipGateway::GetTypeId();
        // The map's order is unspecified: check in name order for a stable report.
        std::map<std::string, std::string> sorted(g.attributes().begin(), g.attributes().end());
        for (const auto& [name, value] : sorted)
        {
            std::string why;
            if (!CheckAttribute(tid, name, value, &why))
            {
                const std::string role = g.has_phones()      ? "phone"
                                         : g.has_proxy()     ? "proxy"
                                         : g.has_responder() ? "responder"
                                                             : "gateway";
                report.Print(sc::DiagnosticAt(
                    text, file, "groups[" + std::to_string(i) + "].attributes[" + name + "]",
                    why + " (`sipsim attributes " + role + "` lists them)", name));
            }
        }
    }
}

} // namespace

std::unique_ptr<PreparedRun>
PrepareRun(const RunOptions& options, std::ostream& err)
{
    const std::string& file = options.scenarioFile;
    Reporter report(err, options);
    std::string error;
    const auto text = sc::ReadScenarioText(file, &error);
    if (!text)
    {
        report.Line(error);
        return nullptr;
    }
    auto loaded = sc::ParseScenario(*text, file, sc::IsJsonFile(file), &error);
    if (!loaded)
    {
        report.Line(error);
        return nullptr;
    }
    auto prepared = std::make_unique<PreparedRun>();
    prepared->text = *text;
    sc::Scenario& s = prepared->scenario;
    s = std::move(*loaded);
    for (const auto& assignment : options.overrides)
    {
        size_t bad = 0;
        if (!sc::CheckUtf8(assignment, &bad))
        {
            report.Line("--set " + assignment.substr(0, assignment.find('='))
                        + ": the value is not UTF-8");
            return nullptr;
        }
        if (!sc::ApplyOverride(&s, assignment, &error))
        {
            report.Line(error);
            return nullptr;
        }
    }
    if (options.seed)
    {
        s.set_seed(*options.seed);
    }
    if (options.run)
    {
        s.set_run(*options.run);
    }

    // The scenario's own checks, with the DOT file's nodes and links among the topology's.
    prepared->world = std::make_unique<World>();
    World& w = *prepared->world;
    TopologySource source;
    const auto first = sc::ValidateScenario(s, *text, file);
    const bool dotUsable = s.topology().dot_file().empty()
                           || std::none_of(first.begin(), first.end(), [](const auto& d) {
                                  return d.path == "topology.dot_file";
                              });
    std::vector<sc::Diagnostic> diagnostics = first;
    if (!s.topology().dot_file().empty() && dotUsable)
    {
        std::ostringstream dotErrors;
        Reporter dotReport(dotErrors, options);
        if (!ReadTopology(s, file, *text, &w.topo, &source, dotReport))
        {
            err << dotErrors.str();
            return nullptr;
        }
        diagnostics = sc::ValidateScenario(WithDotTopology(s, w.topo, source), *text, file);
    }
    for (const auto& d : diagnostics)
    {
        report.Print(d);
    }
    if (report.Count() > 0)
    {
        return nullptr;
    }
    if (s.topology().dot_file().empty() && !ReadTopology(s, file, *text, &w.topo, &source, report))
    {
        return nullptr;
    }
    for (const auto& p : topology::ValidateWithSubjects(w.topo))
    {
        ReportTopologyProblem(p, s, file, *text, source, report);
    }
    CheckGroupAttributes(s, file, *text, report);
    if (report.Count() > 0)
    {
        return nullptr;
    }
    for (const auto& warning : topology::Warnings(w.topo))
    {
        err << file << ": warning: topology: " << warning << "\n";
    }

    // The network and the devices, as the run will have them.
    ns3::RngSeedManager::SetSeed(s.seed() == 0 ? 1 : s.seed());
    ns3::RngSeedManager::SetRun(s.run() == 0 ? 1 : s.run());
    if (!w.network.Build(w.topo, &error))
    {
        report.Line(file + ": topology: " + error);
        return nullptr;
    }
    if (!InstallDevices(s, w, &error))
    {
        report.Line(file + ": " + error);
        return nullptr;
    }
    // The proxies' text attributes (routes, users, algorithms) and profiles, and the
    // responders' statuses, as their start would read them: a bad one is the scenario's error,
    // not an abort mid-run.
    for (int i = 0; i < s.groups_size(); ++i)
    {
        const auto& g = s.groups(i);
        std::pair<std::string, std::string> problem;
        std::string model;
        std::string section;
        if (const auto proxy = w.proxies.find(g.node()); g.has_proxy() && proxy != w.proxies.end())
        {
            problem = proxy->second->CheckConfiguration();
            model = "SipProxy";
            section = ".proxy";
        }
        else if (const auto responder = w.responders.find(g.node());
                 g.has_responder() && responder != w.responders.end())
        {
            problem = responder->second->CheckConfiguration();
            model = "SipResponder";
            // The field the attribute was set from.
            const std::map<std::string, std::string> fields{{"FinalStatus", ".final_status"},
                                                            {"Provisional", ".provisional"},
                                                            {"Contact", ".contact"}};
            const auto field = fields.find(problem.first);
            section = ".responder" + (field == fields.end() ? std::string() : field->second);
        }
        const auto& [attribute, why] = problem;
        if (!why.empty())
        {
            const bool set = g.attributes().count(attribute) > 0;
            report.Print(sc::DiagnosticAt(*text, file,
                                          "groups[" + std::to_string(i) + "]"
                                              + (set ? ".attributes[" + attribute + "]" : section),
                                          model + " " + attribute + ": " + why,
                                          set ? attribute : ""));
        }
    }
    if (report.Count() > 0)
    {
        return nullptr;
    }
    InstallTraffic(s, w);
    return prepared;
}

} // namespace sipsim::run

namespace sipsim::run {

bool
BuildScenarioTopology(const scenario::Scenario& s, const std::string& scenarioFile,
                      topology::Topology* topo, std::string* error)
{
    std::ostringstream problems;
    RunOptions options;
    Reporter report(problems, options);
    TopologySource source;
    if (ReadTopology(s, scenarioFile, "", topo, &source, report))
    {
        for (const auto& p : topology::ValidateWithSubjects(*topo))
        {
            ReportTopologyProblem(p, s, scenarioFile, "", source, report);
        }
    }
    if (report.Count() == 0)
    {
        return true;
    }
    *error = problems.str();
    if (!error->empty() && error->back() == '\n')
    {
        error->pop_back();
    }
    return false;
}

} // namespace sipsim::run
