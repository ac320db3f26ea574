/*
 * Scenario files: text format and JSON loading with file:line:col errors, --set overrides, the
 * checks of ValidateScenario (one failing case per rule), and the shipped scenarios.
 */
#include "scenario/scenario-loader.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace sipsim {
namespace scenario {
namespace {

/// A scenario that passes every check; the rule cases break one thing each.
const char* kBase = R"(duration_s: 60
topology {
  nodes { name: "phones" role: PHONES domain: "a.example" }
  nodes { name: "proxy" role: PROXY domain: "a.example" }
  nodes { name: "gw" role: GATEWAY domain: "a.example" }
  links { a: "phones" b: "proxy" delay: "5ms" rate: "100Mbps" }
  links { a: "proxy" b: "gw" }
}
groups { node: "phones" phones { count: 10 register: true } }
groups { node: "proxy" proxy { registrar_auth: true } }
groups { node: "gw" gateway { channels: 4 } }
traffic { calls_per_second: 1 holding { exponential_mean: 60 } }
faults { at_s: 10 link_state { link: "phones-proxy" up: false } }
expectations { metric: "completed" op: GE value: 1 }
)";

/// A file in a fresh temporary folder, removed with the object.
class TempFile
{
  public:
    TempFile(const std::string& name, const std::string& text)
    {
        char dir[] = "/tmp/sipsim-scenario-XXXXXX";
        m_dir = mkdtemp(dir);
        m_path = m_dir + "/" + name;
        std::ofstream(m_path, std::ios::binary) << text;
    }

    ~TempFile()
    {
        std::remove(m_path.c_str());
        for (const auto& extra : m_extra)
        {
            std::remove(extra.c_str());
        }
        rmdir(m_dir.c_str());
    }

    void Add(const std::string& name, const std::string& text)
    {
        m_extra.push_back(m_dir + "/" + name);
        std::ofstream(m_extra.back(), std::ios::binary) << text;
    }

    const std::string& Path() const { return m_path; }

  private:
    std::string m_dir;
    std::string m_path;
    std::vector<std::string> m_extra;
};

Scenario
Parse(const std::string& text)
{
    std::string error;
    auto s = ParseScenario(text, "t.textproto", false, &error);
    EXPECT_TRUE(s.has_value()) << error;
    return s.value_or(Scenario());
}

std::string
Join(const std::vector<Diagnostic>& diagnostics)
{
    std::string all;
    for (const auto& d : diagnostics)
    {
        all += d.ToString() + "\n";
    }
    return all;
}

std::string
SourceFile(const std::string& relative)
{
    return std::string(SIPSIM_SOURCE_DIR) + "/" + relative;
}

TEST(ScenarioLoad, BaseScenarioIsValid)
{
    const auto s = Parse(kBase);
    EXPECT_EQ(Join(ValidateScenario(s, kBase, "t.textproto")), "");
}

TEST(ScenarioLoad, TextAndJsonGiveEqualMessages)
{
    const std::string text = R"(name: "eq"
duration_s: 30
timers { t1_s: 0.25 }
topology { nodes { name: "p" role: PHONES domain: "a.example" } }
groups { node: "p" phones { count: 3 register: true } attributes { key: "K" value: "V" } }
traffic { calls_per_second: 2 holding { lognormal { mu: 4 sigma: 0.5 } } }
expectations { metric: "status_count" status: 408 op: EQ value: 0 }
)";
    const std::string json = R"({
  "name": "eq",
  "durationS": 30,
  "timers": {"t1_s": 0.25},
  "topology": {"nodes": [{"name": "p", "role": "PHONES", "domain": "a.example"}]},
  "groups": [{"node": "p", "phones": {"count": 3, "register": true}, "attributes": {"K": "V"}}],
  "traffic": {"callsPerSecond": 2, "holding": {"lognormal": {"mu": 4, "sigma": 0.5}}},
  "expectations": [{"metric": "status_count", "status": 408, "op": "EQ", "value": 0}]
}
)";
    TempFile textFile("s.textproto", text);
    TempFile jsonFile("s.json", json);
    std::string error;
    const auto a = LoadScenario(textFile.Path(), &error);
    ASSERT_TRUE(a) << error;
    const auto b = LoadScenario(jsonFile.Path(), &error);
    ASSERT_TRUE(b) << error;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*a, *b))
        << a->DebugString() << "\n"
        << b->DebugString();
    EXPECT_EQ(a->groups(0).attributes().at("K"), "V");
}

TEST(ScenarioLoad, QuickstartRoundTripsThroughJson)
{
    std::string error;
    const auto text = LoadScenario(SourceFile("scenarios/quickstart.textproto"), &error);
    ASSERT_TRUE(text) << error;
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*text, &json).ok());
    TempFile jsonFile("quickstart.json", json);
    const auto fromJson = LoadScenario(jsonFile.Path(), &error);
    ASSERT_TRUE(fromJson) << error;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*text, *fromJson));
    EXPECT_EQ(Join(ValidateScenario(*fromJson, json, jsonFile.Path())), "");
}

TEST(ScenarioLoad, UnknownFieldIsPositionedOnItsName)
{
    const std::string text = "duration_s: 60\n"
                             "traffic {\n"
                             "    calls_per_secnd: 40\n"
                             "}\n";
    std::string error;
    EXPECT_FALSE(ParseScenario(text, "f.textproto", false, &error));
    EXPECT_EQ(error, "f.textproto:3:5: Message type \"sipsim.scenario.Traffic\" has no field "
                     "named \"calls_per_secnd\".");
}

TEST(ScenarioLoad, UnknownNestedMessageIsPositionedOnItsName)
{
    const std::string text = "duration_s: 60\n"
                             "timerz {\n"
                             "  t1_s: 1\n"
                             "}\n";
    std::string error;
    EXPECT_FALSE(ParseScenario(text, "f.textproto", false, &error));
    EXPECT_EQ(error.rfind("f.textproto:2:1: ", 0), 0u) << error;
    EXPECT_NE(error.find("\"timerz\""), std::string::npos) << error;
}

TEST(ScenarioLoad, BadEnumIsPositionedOnTheValue)
{
    const std::string text = "topology {\n"
                             "  nodes { name: \"x\" role: TOASTER }\n"
                             "}\n";
    std::string error;
    EXPECT_FALSE(ParseScenario(text, "f.textproto", false, &error));
    EXPECT_EQ(error.rfind("f.textproto:2:27: ", 0), 0u) << error;
    EXPECT_NE(error.find("TOASTER"), std::string::npos) << error;
}

TEST(ScenarioLoad, BadValueTypeFails)
{
    std::string error;
    EXPECT_FALSE(ParseScenario("duration_s: \"long\"\n", "f.textproto", false, &error));
    EXPECT_EQ(error.rfind("f.textproto:1:13: ", 0), 0u) << error;
}

TEST(ScenarioLoad, JsonUnknownFieldIsPositioned)
{
    const std::string json = "{\n"
                             "  \"durationS\": 60,\n"
                             "  \"traffic\": {\n"
                             "    \"calls_per_secnd\": 40\n"
                             "  }\n"
                             "}\n";
    TempFile file("f.json", json);
    std::string error;
    EXPECT_FALSE(LoadScenario(file.Path(), &error));
    EXPECT_EQ(error.rfind(file.Path() + ":4:6: ", 0), 0u) << error;
    EXPECT_NE(error.find("calls_per_secnd"), std::string::npos) << error;
}

TEST(ScenarioLoad, JsonBadEnumIsPositioned)
{
    const std::string json = "{\n"
                             "  \"topology\": {\"nodes\": [\n"
                             "    {\"name\": \"x\", \"role\": \"TOASTER\"}]}\n"
                             "}\n";
    TempFile file("f.json", json);
    std::string error;
    EXPECT_FALSE(LoadScenario(file.Path(), &error));
    EXPECT_EQ(error.rfind(file.Path() + ":", 0), 0u) << error;
    EXPECT_NE(error.find("TOASTER"), std::string::npos) << error;
}

TEST(ScenarioText, Utf8IsCheckedToTheByte)
{
    size_t bad = 99;
    EXPECT_TRUE(CheckUtf8("plain ascii", &bad));
    EXPECT_TRUE(CheckUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e", &bad)); // é € 📞
    EXPECT_FALSE(CheckUtf8("caf\xe9", &bad));                                  // Latin-1
    EXPECT_EQ(bad, 3u);
    EXPECT_FALSE(CheckUtf8("ab\xc0\xaf", &bad)); // overlong '/'
    EXPECT_EQ(bad, 2u);
    EXPECT_FALSE(CheckUtf8("\xed\xa0\x80", &bad));     // a surrogate
    EXPECT_FALSE(CheckUtf8("\xf4\x90\x80\x80", &bad)); // past U+10FFFF
    EXPECT_FALSE(CheckUtf8("x\xe2\x82", &bad));        // cut short
    EXPECT_EQ(bad, 1u);
}

TEST(ScenarioLoad, JsonDuplicateKeysAndTrailingCommasArePositioned)
{
    std::string error;
    EXPECT_FALSE(
        ParseScenario("{\n  \"name\": \"a\",\n  \"name\": \"b\"\n}", "s.json", true, &error));
    EXPECT_EQ(error, "s.json:3:3: key \"name\" appears twice in the same object");
    EXPECT_FALSE(ParseScenario("{\"groups\": [{\"node\": \"x\"},]}", "s.json", true, &error));
    EXPECT_EQ(error, "s.json:1:26: a comma before ']' (JSON allows no trailing comma)");
    // The same key in two objects is no duplicate; an escaped quote stays inside its string.
    EXPECT_TRUE(ParseScenario("{\"groups\": [{\"node\": \"x\\\"\"}, {\"node\": \"y\"}]}", "s.json",
                              true, &error))
        << error;
}

TEST(ScenarioLoad, JsonSyntaxErrorsArePositioned)
{
    std::string error;
    const auto fails = [&](const std::string& text) {
        EXPECT_FALSE(ParseScenario(text, "s.json", true, &error)) << text;
        return error;
    };
    EXPECT_EQ(fails("{\n  \"name\" \"x\"\n}"), "s.json:2:10: expected ':' after the key");
    EXPECT_EQ(fails("{\"name\": \"x\" \"run\": 1}"),
              "s.json:1:14: expected ',' or '}' after a member");
    EXPECT_EQ(fails("{\"duration_s\": -}"), "s.json:1:16: a number needs digits");
    EXPECT_EQ(fails("{\"duration_s\": 1e}"), "s.json:1:18: a number needs digits in its exponent");
    EXPECT_EQ(fails("{\"name\": \"a\\qb\"}"), "s.json:1:12: unknown escape \\q");
    EXPECT_EQ(fails("{\"name\": \"x\"} ]"), "s.json:1:15: text after the end of the JSON object");
    EXPECT_EQ(fails("{\"name\": tru}"), "s.json:1:10: expected a value (an object, array, "
                                        "string, number, true, false or null)");
    EXPECT_EQ(fails(std::string(200, '[') + std::string(200, ']')),
              "s.json:1:102: nested deeper than 100 levels");
    EXPECT_EQ(fails("  \n"), "s.json:2:1: empty: a JSON scenario is an object ({ ... })");
    // Valid JSON of every kind passes the syntax check (and reaches protobuf's parser).
    EXPECT_TRUE(ParseScenario("{\"name\": \"caf\\u00e9 \\\"q\\\" \\/\", \"duration_s\": 1.5e+2, "
                              "\"seed\": 0, \"groups\": [], \"timers\": {\"t1_s\": 0.25}}",
                              "s.json", true, &error))
        << error;
}

TEST(ScenarioLoad, NonUtf8TextIsPositioned)
{
    std::string error;
    EXPECT_FALSE(ParseScenario("name: \"x\"\n# Caf\xe9\n", "s.textproto", false, &error));
    EXPECT_EQ(error, "s.textproto:2:6: byte 0xE9 is not UTF-8 (a scenario file is UTF-8 text; "
                     "save it as UTF-8)");
}

TEST(ScenarioLoad, MissingFileIsAnError)
{
    std::string error;
    EXPECT_FALSE(LoadScenario("/nonexistent/x.textproto", &error));
    EXPECT_EQ(error,
              "/nonexistent/x.textproto: cannot read the scenario: No such file or directory");
}

TEST(ScenarioValidate, UnknownNodeReferenceIsPositionedOnTheReference)
{
    const std::string text = "duration_s: 60\n"
                             "topology {\n"
                             "  nodes { name: \"p\" role: PHONES domain: \"a\" }\n"
                             "}\n"
                             "groups {\n"
                             "  node: \"nodeX\"\n"
                             "  phones { count: 1 }\n"
                             "}\n";
    const auto d = ValidateScenario(Parse(text), text, "f.textproto");
    ASSERT_EQ(d.size(), 1u) << Join(d);
    EXPECT_EQ(d[0].ToString(),
              "f.textproto:6:9: groups[0].node: unknown node 'nodeX' (not in topology.nodes)");
    EXPECT_EQ(d[0].path, "groups[0].node");
}

TEST(ScenarioValidate, ReferenceInRepeatedElementIsPositioned)
{
    std::string text = kBase;
    text += "faults {\n  at_s: 20\n  node_crash { node: \"ghost\" }\n}\n";
    const auto d = ValidateScenario(Parse(text), text, "f.textproto");
    ASSERT_EQ(d.size(), 1u) << Join(d);
    EXPECT_EQ(d[0].ToString(), "f.textproto:17:22: faults[1].node_crash.node: unknown node "
                               "'ghost' (not in topology.nodes)");
}

TEST(ScenarioValidate, JsonReferenceIsPositioned)
{
    const std::string json = "{\n"
                             "  \"durationS\": 60,\n"
                             "  \"topology\": {\"nodes\": [{\"name\": \"p\", \"role\": "
                             "\"PHONES\", \"domain\": \"a\"}]},\n"
                             "  \"groups\": [\n"
                             "    {\"node\": \"p\", \"phones\": {\"count\": 1}},\n"
                             "    {\"node\": \"nodeX\", \"phones\": {\"count\": 1}}\n"
                             "  ]\n"
                             "}\n";
    std::string error;
    const auto s = ParseScenario(json, "f.json", true, &error);
    ASSERT_TRUE(s) << error;
    const auto d = ValidateScenario(*s, json, "f.json");
    ASSERT_EQ(d.size(), 1u) << Join(d);
    EXPECT_EQ(d[0].line, 6);
    EXPECT_EQ(d[0].col, 14);
}

TEST(ScenarioValidate, MissingFieldIsPositionedOnItsParent)
{
    const std::string text = "duration_s: 60\n"
                             "topology { nodes { name: \"p\" role: PHONES domain: \"a\" } }\n"
                             "groups {\n"
                             "  node: \"p\"\n"
                             "  phones { register: false }\n"
                             "}\n";
    const auto d = ValidateScenario(Parse(text), text, "f.textproto");
    ASSERT_EQ(d.size(), 1u) << Join(d);
    EXPECT_EQ(d[0].ToString(),
              "f.textproto:5:3: groups[0].phones.count: a phone group needs count > 0");
}

TEST(ScenarioValidate, MissingDurationIsAtTheStart)
{
    const std::string text = "name: \"x\"\n"
                             "topology { nodes { name: \"p\" role: ROUTER } }\n";
    const auto d = ValidateScenario(Parse(text), text, "f.textproto");
    ASSERT_EQ(d.size(), 1u) << Join(d);
    EXPECT_EQ(d[0].ToString(),
              "f.textproto:1:1: duration_s: the run needs a duration > 0 (seconds)");
}

TEST(ScenarioOverride, ScalarNestedIndexedEnumBoolString)
{
    auto s = Parse(kBase);
    std::string error;
    EXPECT_TRUE(ApplyOverride(&s, "duration_s=120", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "traffic.calls_per_second=40", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "timers.t1_s=1", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "groups[0].phones.count=200", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "expectations[0].op=LT", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "outputs.pcap=true", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "name=with = sign", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "seed=7", &error)) << error;
    EXPECT_EQ(s.duration_s(), 120);
    EXPECT_EQ(s.traffic().calls_per_second(), 40);
    EXPECT_EQ(s.timers().t1_s(), 1);
    EXPECT_EQ(s.groups(0).phones().count(), 200u);
    EXPECT_EQ(s.expectations(0).op(), LT);
    EXPECT_TRUE(s.outputs().pcap());
    EXPECT_EQ(s.name(), "with = sign");
    EXPECT_EQ(s.seed(), 7u);
}

TEST(ScenarioOverride, AppendMapOneofAndRepeatedScalars)
{
    auto s = Parse(kBase);
    std::string error;
    EXPECT_TRUE(ApplyOverride(&s, "expectations[1].metric=failed", &error)) << error;
    ASSERT_EQ(s.expectations_size(), 2);
    EXPECT_EQ(s.expectations(1).metric(), "failed");
    EXPECT_TRUE(ApplyOverride(&s, "groups[0].attributes[NoAnswerTimeout]=30s", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "groups[0].attributes[NoAnswerTimeout]=40s", &error)) << error;
    EXPECT_EQ(s.groups(0).attributes().size(), 1u);
    EXPECT_EQ(s.groups(0).attributes().at("NoAnswerTimeout"), "40s");
    EXPECT_TRUE(ApplyOverride(&s, "traffic.holding.constant=90", &error)) << error;
    EXPECT_EQ(s.traffic().holding().kind_case(), Distribution::kConstant);
    EXPECT_TRUE(ApplyOverride(&s, "traffic.caller_groups=a,b", &error)) << error;
    ASSERT_EQ(s.traffic().caller_groups_size(), 2);
    EXPECT_EQ(s.traffic().caller_groups(1), "b");
    EXPECT_TRUE(ApplyOverride(&s, "traffic.caller_groups[1]=c", &error)) << error;
    EXPECT_TRUE(ApplyOverride(&s, "traffic.caller_groups[2]=d", &error)) << error;
    EXPECT_EQ(s.traffic().caller_groups(1), "c");
    EXPECT_EQ(s.traffic().caller_groups(2), "d");
    EXPECT_TRUE(ApplyOverride(&s, "trafficCallees.mode=GROUP", &error) == false);
    EXPECT_TRUE(ApplyOverride(&s, "traffic.callees.mode=GROUP", &error)) << error;
    EXPECT_EQ(s.traffic().callees().mode(), CalleeSelection::GROUP);
}

TEST(ScenarioOverride, Errors)
{
    auto s = Parse(kBase);
    const auto fails = [&](const std::string& assignment) {
        std::string error;
        EXPECT_FALSE(ApplyOverride(&s, assignment, &error)) << assignment;
        return error;
    };
    EXPECT_EQ(fails("traffic.calls_per_secnd=40"),
              "--set traffic.calls_per_secnd: no field calls_per_secnd in sipsim.scenario.Traffic");
    EXPECT_EQ(fails("traffic.calls_per_second=fast"),
              "--set traffic.calls_per_second: 'fast' is not a number");
    EXPECT_EQ(fails("groups[0].phones.count=-1"),
              "--set groups[0].phones.count: '-1' is not a non-negative 32-bit integer");
    EXPECT_EQ(fails("outputs.pcap=yes"), "--set outputs.pcap: 'yes' is not true or false");
    EXPECT_EQ(fails("expectations[0].op=ABOUT"),
              "--set expectations[0].op: no value 'ABOUT' in enum sipsim.scenario.Comparison "
              "(COMPARISON_UNSPECIFIED, LT, LE, EQ, GE, GT)");
    EXPECT_EQ(fails("groups[7].node=x"),
              "--set groups[7].node: groups[7]: index out of range (3 elements; 3 appends one)");
    EXPECT_EQ(fails("groups.node=x"),
              "--set groups.node: groups is a list: give an index, groups[0]");
    EXPECT_EQ(fails("traffic=1"), "--set traffic: is a message: set one of its fields");
    EXPECT_EQ(fails("duration_s.x=1"), "--set duration_s.x: duration_s is not a message");
    EXPECT_EQ(fails("timers[0].t1_s=1"), "--set timers[0].t1_s: timers is not a list");
    EXPECT_EQ(fails("duration_s"), "--set duration_s: expected path=value");
    EXPECT_EQ(fails("a..b=1"), "--set a..b: not a field path (write traffic.calls_per_second, "
                               "groups[1].phones.count)");
    EXPECT_EQ(fails("groups[0].attributes=x"),
              "--set groups[0].attributes: attributes is a map: write attributes[KEY]=VALUE");
    EXPECT_EQ(s.groups_size(), 3);
}

/// One validation rule: overrides (or a change in C++) that break it, and the message expected.
struct RuleCase
{
    RuleCase(std::vector<std::string> o, std::string e, std::function<void(Scenario*)> c = {})
        : overrides(std::move(o))
        , expected(std::move(e))
        , change(std::move(c))
    {}

    std::vector<std::string> overrides;
    std::string expected;
    std::function<void(Scenario*)> change;
};

TEST(ScenarioValidate, EveryRuleHasAFailingCase)
{
    const std::vector<RuleCase> cases{
        {{"duration_s=0"}, "duration_s: the run needs a duration > 0"},
        {{"warmup_s=60"}, "warmup_s: the warm-up (60 s) must end before the run does"},
        {{"warmup_s=-1"}, "warmup_s: must be >= 0"},
        {{"timers.t1_s=-1"}, "timers.t1_s: must be >= 0"},
        {{"timers.t1_s=2", "timers.t2_s=1"}, "timers.t2_s: T2 must not be below T1"},
        {{"outputs.sample_interval_s=-1"}, "outputs.sample_interval_s: must be >= 0"},
        {{"topology.nodes[1].name=phones"}, "node 'phones' is defined twice"},
        {{"topology.nodes[2].name="}, "topology.nodes[2].name: a node needs a name"},
        {{"topology.nodes[2].role=ROLE_UNSPECIFIED"}, "node 'gw' needs a role"},
        {{"topology.nodes[1].domain="},
         "topology.nodes[1].domain: a PROXY node needs a SIP domain"},
        {{"topology.nodes[0].profile=no-such-profile"}, "profile 'no-such-profile' not found"},
        {{"topology.nodes[0].profile=cisco-sps"},
         "profile 'cisco-sps' is a PROXY profile; node 'phones' is PHONES"},
        {{"topology.nodes[3].name=r", "topology.nodes[3].role=ROUTER",
          "topology.nodes[3].profile=cisco-sps"},
         "a ROUTER runs no SIP"},
        {{"topology.links[0].b=nodeX"}, "topology.links[0].b: unknown node 'nodeX'"},
        {{"topology.links[0].a="}, "topology.links[0].a: no endpoint a given"},
        {{"topology.links[0].b=phones"}, "a link cannot connect node 'phones' to itself"},
        {{"topology.links[0].delay=5 parsecs"}, "'5 parsecs' is not a delay"},
        {{"topology.links[0].delay=-5ms"}, "'-5ms' is not a delay"},
        {{"topology.links[0].rate=fast"}, "'fast' is not a data rate"},
        {{"topology.links[0].loss=1.5"}, "topology.links[0].loss: must be a probability"},
        {{"topology.dot_file=missing.dot"}, "topology.dot_file: cannot read"},
        {{}, "topology: no nodes", [](Scenario* s) { s->mutable_topology()->clear_nodes(); }},
        {{"groups[0].node=nodeX"}, "groups[0].node: unknown node 'nodeX'"},
        {{"groups[0].node="}, "groups[0].node: no node given"},
        {{"groups[2].node=phones"}, "node 'phones' already has a group (groups[0])"},
        {{"groups[0].proxy.redirect=true"}, "groups[0]: set exactly one of phones, proxy"},
        {{"groups[3].node=x"},
         "groups[3]: set exactly one of phones, proxy, gateway and responder"},
        {{"groups[2].node=proxy", "groups[1].node=gw"},
         "groups[1].proxy: node 'gw' is GATEWAY: proxy needs a PROXY node"},
        {{"groups[0].phones.count=0"}, "groups[0].phones.count: a phone group needs count > 0"},
        {{"topology.nodes[1].domain=b.example"},
         "groups[0].phones.register: no PROXY node in domain 'a.example'"},
        {{"groups[0].phones.user.answer_probability=2"},
         "groups[0].phones.user.answer_probability: must be a probability in [0, 1], not 2"},
        {{"groups[0].phones.user.holding.exponential_mean=0"},
         "groups[0].phones.user.holding.exponential_mean: must be > 0"},
        {{"groups[0].phones.user.answer_delay.lognormal.sigma=0"},
         "answer_delay.lognormal.sigma: must be > 0"},
        {{"groups[0].phones.user.holding.uniform.min=5",
          "groups[0].phones.user.holding.uniform.max=1"},
         "holding.uniform.max: must be >= min (5), not 1"},
        {{"groups[0].phones.user.holding.constant=-1"}, "holding.constant: must be >= 0"},
        {{"groups[0].phones.user.cancel_after_s=-3"}, "cancel_after_s: must be >= 0"},
        {{"groups[1].proxy.routes[0].domain=b.example",
          "groups[1].proxy.routes[0].next_hop_node=nodeX"},
         "groups[1].proxy.routes[0].next_hop_node: unknown node 'nodeX'"},
        {{"groups[1].proxy.routes[0].next_hop_node=gw"},
         "groups[1].proxy.routes[0].domain: a route needs a domain"},
        {{"groups[1].proxy.routes[0].domain=*", "groups[1].proxy.routes[0].next_hop_node=phones"},
         "a next hop is a PROXY or GATEWAY"},
        {{"groups[1].proxy.redirect=true", "groups[1].proxy.sequential_forking=true"},
         "a redirect server does not fork"},
        {{"groups[1].proxy.capacity.policy=REJECT_503"},
         "groups[1].proxy.capacity.reject_threshold: REJECT_503 needs a reject_threshold > 0"},
        {{"groups[1].proxy.capacity.queue_limit=10",
          "groups[1].proxy.capacity.reject_threshold=20"},
         "is above queue_limit (10)"},
        {{"groups[1].proxy.capacity.invite_time.exponential_mean=-1"},
         "capacity.invite_time.exponential_mean: must be > 0"},
        {{"groups[2].gateway.channels=0"}, "groups[2].gateway.channels: a gateway needs channels"},
        {{"groups[2].gateway.full_status=404"},
         "groups[2].gateway.full_status: is the response to a call when every channel is busy"},
        {{"groups[2].gateway.pstn_answer_probability=0.8",
          "groups[2].gateway.pstn_busy_probability=0.5"},
         "pstn_answer_probability + pstn_busy_probability exceed 1"},
        {{"groups[2].gateway.pstn_busy_probability=-0.1"},
         "pstn_busy_probability: must be a probability"},
        {{"groups[2].gateway.pstn_call_rate=1"},
         "calls from the PSTN need a holding time",
         [](Scenario* s) { s->mutable_traffic()->clear_holding(); }},
        {{"traffic.bhca_per_user=2"}, "set calls_per_second or bhca_per_user, not both"},
        {{"traffic.calls_per_second=-1"}, "traffic.calls_per_second: must be >= 0"},
        {{},
         "traffic.holding: required",
         [](Scenario* s) { s->mutable_traffic()->clear_holding(); }},
        {{"traffic.caller_groups[0]=proxy"}, "node 'proxy' is PROXY, not PHONES"},
        {{"traffic.caller_groups[0]=nodeX"}, "traffic.caller_groups[0]: unknown node 'nodeX'"},
        {{"topology.nodes[3].name=more", "topology.nodes[3].role=PHONES",
          "topology.nodes[3].domain=a.example", "topology.links[2].a=more",
          "topology.links[2].b=proxy", "traffic.caller_groups[0]=more"},
         "node 'more' has no phones group"},
        {{},
         "traffic: calls are offered but no group has phones",
         [](Scenario* s) { s->mutable_groups()->DeleteSubrange(0, 1); }},
        {{"traffic.callees.mode=GROUP", "traffic.callees.group=gw"},
         "traffic.callees.group: node 'gw' is GATEWAY, not PHONES"},
        {{"traffic.callees.mode=GROUP"}, "traffic.callees.group: no callee group given"},
        {{"traffic.callees.mode=DOMAIN"}, "traffic.callees.domain: mode DOMAIN needs a domain"},
        {{"traffic.callees.mode=DOMAIN", "traffic.callees.domain=c.example"},
         "no PHONES or RESPONDER node in domain 'c.example'"},
        {{"traffic.callees.unknown_fraction=1.5"}, "unknown_fraction: must be a probability"},
        {{"traffic.callees.unknown_fraction=0.6", "traffic.callees.pstn_fraction=0.6",
          "traffic.callees.pstn_gateway=gw"},
         "unknown_fraction + pstn_fraction exceed 1"},
        {{"traffic.callees.pstn_fraction=0.5"},
         "traffic.callees.pstn_gateway: no pstn_gateway given"},
        {{"traffic.callees.pstn_fraction=0.5", "traffic.callees.pstn_gateway=proxy"},
         "node 'proxy' is PROXY, not GATEWAY"},
        {{"traffic.start_s=60"}, "traffic.start_s: calls would start after the run ends"},
        {{"traffic.start_s=10", "traffic.stop_s=5"}, "traffic.stop_s: must be after start_s (10)"},
        {{"faults[0].at_s=60"}, "faults[0].at_s: must be within the run [0, duration_s), not 60"},
        {{"faults[0].link_state.link=phones-gw"}, "no link between the nodes of 'phones-gw'"},
        {{"faults[0].link_state.link=phones-nodeX"},
         "'phones-nodeX' does not name a link \"a-b\" between topology nodes"},
        {{"faults[0].link_state.link="}, "faults[0].link_state.link: no link given"},
        {{"faults[1].at_s=1"}, "faults[1]: a fault needs a kind"},
        {{"faults[1].node_crash.node=nodeX"}, "faults[1].node_crash.node: unknown node 'nodeX'"},
        {{"faults[1].node_crash.node=gw", "faults[1].node_crash.restart_after_s=-1"},
         "restart_after_s: must be >= 0"},
        {{"faults[1].capacity.node=phones"}, "faults[1].capacity.node: node 'phones' is PHONES"},
        {{"faults[1].capacity.node=proxy", "faults[1].capacity.capacity.policy=REJECT_503"},
         "faults[1].capacity.capacity.reject_threshold: REJECT_503 needs"},
        {{"faults[1].link_loss.link=proxy-phones", "faults[1].link_loss.rate=2"},
         "faults[1].link_loss.rate: must be a probability"},
        {{"faults[1].link_loss.link=phones-proxy",
          "faults[1].link_loss.gilbert_elliott.p_bad_to_good=0.5"},
         "gilbert_elliott.p_good_to_bad: must be > 0"},
        {{"faults[1].link_loss.link=phones-proxy",
          "faults[1].link_loss.gilbert_elliott.p_good_to_bad=0.5"},
         "gilbert_elliott.p_bad_to_good: must be > 0"},
        {{"faults[1].link_loss.link=phones-proxy",
          "faults[1].link_loss.gilbert_elliott.p_good_to_bad=1.5",
          "faults[1].link_loss.gilbert_elliott.p_bad_to_good=0.5"},
         "gilbert_elliott.p_good_to_bad: must be a probability"},
        {{"faults[1].link_loss.link=phones-proxy",
          "faults[1].link_loss.gilbert_elliott.p_good_to_bad=0.1",
          "faults[1].link_loss.gilbert_elliott.p_bad_to_good=0.5",
          "faults[1].link_loss.gilbert_elliott.loss_good=0.5",
          "faults[1].link_loss.gilbert_elliott.loss_bad=0.1"},
         "gilbert_elliott.loss_bad: the bad state must lose at least as much"},
        {{"expectations[0].metric=latency"}, "expectations[0].metric: unknown metric 'latency'"},
        {{"expectations[0].metric=status_count"},
         "expectations[0].status: status_count needs a status code 100-699"},
        {{"expectations[0].status=408"}, "status is for metric status_count only"},
        {{"expectations[0].op=COMPARISON_UNSPECIFIED"},
         "expectations[0].op: an expectation needs op"},
        {{"expectations[0].metric=completed_ratio", "expectations[0].value=95"},
         "completed_ratio is in [0, 1], not 95"},
        {{"expectations[0].node=nodeX"}, "expectations[0].node: unknown node 'nodeX'"},
        {{"expectations[0].metric=proxy_peak_queue", "expectations[0].node=gw"},
         "node 'gw' is GATEWAY, not PROXY"},
    };
    for (const auto& c : cases)
    {
        auto s = Parse(kBase);
        std::string error;
        bool applied = true;
        for (const auto& o : c.overrides)
        {
            applied = applied && ApplyOverride(&s, o, &error);
        }
        if (!applied)
        {
            EXPECT_EQ(c.expected, "--set") << error;
            continue;
        }
        if (c.change)
        {
            c.change(&s);
        }
        const auto all = Join(ValidateScenario(s, kBase, "t.textproto"));
        EXPECT_NE(all.find(c.expected), std::string::npos)
            << "after " << (c.overrides.empty() ? "a change" : c.overrides.back())
            << "\nexpected: " << c.expected << "\ngot:\n"
            << all;
    }
}

TEST(ScenarioValidate, DotTopologySkipsNodeReferences)
{
    TempFile file("s.textproto", "duration_s: 60\n"
                                 "topology { dot_file: \"net.dot\" }\n"
                                 "groups { node: \"elsewhere\" phones { count: 2 } }\n"
                                 "traffic { calls_per_second: 1 holding { constant: 5 } "
                                 "caller_groups: \"elsewhere\" }\n");
    file.Add("net.dot", "graph g { elsewhere; }\n");
    std::string error;
    const auto s = LoadScenario(file.Path(), &error);
    ASSERT_TRUE(s) << error;
    const auto text = ReadScenarioText(file.Path(), &error);
    ASSERT_TRUE(text);
    EXPECT_EQ(Join(ValidateScenario(*s, *text, file.Path())), "");
}

TEST(ScenarioValidate, OverriddenValueHasItsPath)
{
    auto s = Parse(kBase);
    std::string error;
    ASSERT_TRUE(ApplyOverride(&s, "groups[0].phones.count=0", &error));
    const auto d = ValidateScenario(s, kBase, "t.textproto");
    ASSERT_EQ(d.size(), 1u) << Join(d);
    EXPECT_EQ(d[0].path, "groups[0].phones.count");
}

TEST(ScenarioUnits, DelaysAndRates)
{
    double v = 0;
    EXPECT_TRUE(ParseDelay("5ms", &v));
    EXPECT_DOUBLE_EQ(v, 0.005);
    EXPECT_TRUE(ParseDelay("1.5s", &v));
    EXPECT_DOUBLE_EQ(v, 1.5);
    EXPECT_TRUE(ParseDelay("100us", &v));
    EXPECT_TRUE(ParseDelay("2min", &v));
    EXPECT_DOUBLE_EQ(v, 120);
    EXPECT_FALSE(ParseDelay("5", &v));
    EXPECT_FALSE(ParseDelay("ms", &v));
    EXPECT_FALSE(ParseDelay("5 ms", &v));
    EXPECT_FALSE(ParseDelay("-1s", &v));
    EXPECT_TRUE(ParseRate("100Mbps", &v));
    EXPECT_DOUBLE_EQ(v, 100e6);
    EXPECT_TRUE(ParseRate("1Gbps", &v));
    EXPECT_DOUBLE_EQ(v, 1e9);
    EXPECT_TRUE(ParseRate("64kb/s", &v));
    EXPECT_DOUBLE_EQ(v, 64e3);
    EXPECT_TRUE(ParseRate("1KiBps", &v));
    EXPECT_DOUBLE_EQ(v, 8192);
    EXPECT_TRUE(ParseRate("9600bps", &v));
    EXPECT_FALSE(ParseRate("100", &v));
    EXPECT_FALSE(ParseRate("100Mbit", &v));
    EXPECT_FALSE(ParseRate("0bps", &v));
}

TEST(ScenarioShipped, QuickstartValidates)
{
    const auto path = SourceFile("scenarios/quickstart.textproto");
    std::string error;
    const auto text = ReadScenarioText(path, &error);
    ASSERT_TRUE(text) << error;
    const auto s = ParseScenario(*text, path, false, &error);
    ASSERT_TRUE(s) << error;
    EXPECT_EQ(Join(ValidateScenario(*s, *text, path)), "");
    EXPECT_EQ(s->topology().nodes_size(), 6);
    EXPECT_EQ(s->traffic().calls_per_second(), 0.2);
    EXPECT_EQ(s->duration_s(), 300);
    ASSERT_EQ(s->expectations_size(), 2);
    EXPECT_EQ(s->expectations(1).status(), 408u);
}

} // namespace
} // namespace scenario
} // namespace sipsim
