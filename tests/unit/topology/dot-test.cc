#include "topology/topology-dot.h"

#include <gtest/gtest.h>
#include <sstream>

namespace sipsim::topology {
namespace {

constexpr const char* kThreeDomains = R"(
graph sipsim {
  rankdir=LR;
  "phones-a" [role=phones, domain="a.example", profile="cisco-sip-phone", shape=box];
  "proxy-a" [role=proxy, domain="a.example"];
  r1 [role=router];
  "proxy-b" [role=proxy, domain="b.example", label="B"];
  gw [role=gateway, domain="b.example", profile="cpe-sip-gateway"];
  "phones-a" -- "proxy-a" [delay="1ms", rate="1Gbps", lan=true];
  "proxy-a" -- r1 [delay="10ms", rate="10Mbps", loss=0.01, queue=50];
  r1 -- "proxy-b" [delay="2.5ms"];
  "proxy-b" -- gw [delay="200us", rate="64kbps"];
}
)";

bool
Read(const std::string& text, Topology* t, std::string* error)
{
    std::istringstream in(text);
    return ReadDot(in, "topo.dot", t, error);
}

TEST(DotTest, ReadsNodesAndLinks)
{
    Topology t;
    std::string error;
    ASSERT_TRUE(Read(kThreeDomains, &t, &error)) << error;
    ASSERT_EQ(t.NodeCount(), 5u);
    ASSERT_EQ(t.LinkCount(), 4u);
    const NodeProps& phones = t.Node(*t.Find("phones-a"));
    EXPECT_EQ(phones.role, Role::Phones);
    EXPECT_EQ(phones.domain, "a.example");
    EXPECT_EQ(phones.profile, "cisco-sip-phone");
    EXPECT_EQ(t.Node(*t.Find("r1")).role, Role::Router);
    EXPECT_EQ(t.Node(*t.Find("gw")).role, Role::Gateway);

    const LinkProps& lan = t.Link(*t.FindLink("phones-a", "proxy-a"));
    EXPECT_EQ(lan.delay, "1ms");
    EXPECT_EQ(lan.rate, "1Gbps");
    EXPECT_TRUE(lan.lan);
    const LinkProps& wan = t.Link(*t.FindLink("r1", "proxy-a"));
    EXPECT_EQ(wan.delay, "10ms");
    EXPECT_EQ(wan.rate, "10Mbps");
    EXPECT_DOUBLE_EQ(wan.loss, 0.01);
    EXPECT_EQ(wan.queuePackets, 50u);
    EXPECT_FALSE(wan.lan);
    // Defaults for what the file leaves out.
    const LinkProps& plain = t.Link(*t.FindLink("r1", "proxy-b"));
    EXPECT_EQ(plain.rate, "100Mbps");
    EXPECT_EQ(plain.loss, 0);
    EXPECT_EQ(plain.queuePackets, 100u);
    EXPECT_EQ(t.LinkName(*t.FindLink("gw", "proxy-b")), "proxy-b-gw");
}

TEST(DotTest, RoundTrip)
{
    Topology t;
    std::string error;
    ASSERT_TRUE(Read(kThreeDomains, &t, &error)) << error;
    std::ostringstream first;
    WriteDot(first, t);

    Topology back;
    ASSERT_TRUE(Read(first.str(), &back, &error)) << error << "\n" << first.str();
    ASSERT_EQ(back.NodeCount(), t.NodeCount());
    ASSERT_EQ(back.LinkCount(), t.LinkCount());
    for (const Vertex v : boost::make_iterator_range(boost::vertices(t.GetGraph())))
    {
        const NodeProps& a = t.Node(v);
        const auto w = back.Find(a.name);
        ASSERT_TRUE(w) << a.name;
        EXPECT_EQ(back.Node(*w).role, a.role);
        EXPECT_EQ(back.Node(*w).domain, a.domain);
        EXPECT_EQ(back.Node(*w).profile, a.profile);
    }
    for (const Edge e : boost::make_iterator_range(boost::edges(t.GetGraph())))
    {
        const Graph& g = t.GetGraph();
        const auto f = back.FindLink(g[boost::source(e, g)].name, g[boost::target(e, g)].name);
        ASSERT_TRUE(f) << t.LinkName(e);
        EXPECT_EQ(back.LinkName(*f), t.LinkName(e));
        const LinkProps& a = t.Link(e);
        const LinkProps& b = back.Link(*f);
        EXPECT_EQ(b.delay, a.delay);
        EXPECT_EQ(b.rate, a.rate);
        EXPECT_EQ(b.loss, a.loss);
        EXPECT_EQ(b.queuePackets, a.queuePackets);
        EXPECT_EQ(b.lan, a.lan);
    }
    // Writing what was read gives the same text again.
    std::ostringstream second;
    WriteDot(second, back);
    EXPECT_EQ(second.str(), first.str());
}

TEST(DotTest, QuotesAwkwardNames)
{
    Topology t;
    ASSERT_TRUE(t.AddNode({"a \"quoted\" name", Role::Router, "", ""}));
    ASSERT_TRUE(t.AddNode({"b", Role::Router, "", ""}));
    ASSERT_TRUE(t.AddLink("a \"quoted\" name", "b", {}));
    std::ostringstream out;
    WriteDot(out, t);
    Topology back;
    std::string error;
    ASSERT_TRUE(Read(out.str(), &back, &error)) << error << "\n" << out.str();
    EXPECT_TRUE(back.FindLink("a \"quoted\" name", "b"));
}

TEST(DotTest, MissingDelayIsLeftForValidate)
{
    Topology t;
    std::string error;
    ASSERT_TRUE(Read("graph { a [role=router]; b [role=router]; a -- b; }", &t, &error)) << error;
    EXPECT_EQ(t.Link(*t.FindLink("a", "b")).delay, "");
}

TEST(DotTest, Errors)
{
    const std::pair<const char*, const char*> cases[] = {
        {"graph { a [role=router] ", "topo.dot: "},
        {"digraph { a [role=router]; b [role=router]; a -> b; }",
         "topo.dot: a topology is an undirected 'graph', not a 'digraph'"},
        {"graph { a [role=switch]; }",
         "topo.dot: node 'a': unknown role 'switch' (phones, proxy, gateway or router)"},
        {"graph { a; }", "topo.dot: node 'a': no role (phones, proxy, gateway or router)"},
        {"graph { a [role=router]; b [role=router]; a -- b [delay=\"1ms\", loss=high]; }",
         "topo.dot: link a-b: loss 'high' is not a number"},
        {"graph { a [role=router]; b [role=router]; a -- b [delay=\"1ms\", queue=\"10p\"]; }",
         "topo.dot: link a-b: queue '10p' is not a number of packets"},
        {"graph { a [role=router]; b [role=router]; a -- b [delay=\"1ms\", lan=maybe]; }",
         "topo.dot: link a-b: lan 'maybe' is not true or false"},
        {"graph { a [role=router]; b [role=router]; a -- b [delay=\"1ms\"]; b -- a; }",
         "topo.dot: duplicate link b-a"},
    };
    for (const auto& [text, expected] : cases)
    {
        Topology t;
        std::string error;
        EXPECT_FALSE(Read(text, &t, &error)) << text;
        EXPECT_EQ(error.rfind(expected, 0), 0u) << text << "\n  got: " << error;
    }
}

} // namespace
} // namespace sipsim::topology
