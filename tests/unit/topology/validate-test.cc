#include "topology/topology-validate.h"

#include <gtest/gtest.h>

namespace sipsim::topology {
namespace {

LinkProps
Delay(const std::string& delay)
{
    LinkProps l;
    l.delay = delay;
    return l;
}

/// phones-a - proxy-a - r - proxy-b - gw-b: valid.
Topology
TwoDomains()
{
    Topology t;
    t.AddNode({"phones-a", Role::Phones, "a.example", "cisco-sip-phone"});
    t.AddNode({"proxy-a", Role::Proxy, "a.example", ""});
    t.AddNode({"r", Role::Router, "", ""});
    t.AddNode({"proxy-b", Role::Proxy, "b.example", ""});
    t.AddNode({"gw-b", Role::Gateway, "b.example", "cpe-sip-gateway"});
    t.AddLink("phones-a", "proxy-a", Delay("1ms"));
    t.AddLink("proxy-a", "r", Delay("5ms"));
    t.AddLink("r", "proxy-b", Delay("5ms"));
    t.AddLink("proxy-b", "gw-b", Delay("1ms"));
    return t;
}

using Errors = std::vector<std::string>;

TEST(ValidateTest, ValidTopologyHasNoErrors)
{
    EXPECT_EQ(Validate(TwoDomains()), Errors{});
    EXPECT_EQ(Validate(Topology{}), Errors{});
}

TEST(ValidateTest, NotConnectedNamesTheUnreachableNodes)
{
    Topology t = TwoDomains();
    t.AddNode({"x", Role::Router, "", ""});
    t.AddNode({"y", Role::Router, "", ""});
    t.AddLink("x", "y", Delay("1ms"));
    EXPECT_EQ(Validate(t),
              Errors{"the topology is not connected: 'x', 'y' cannot be reached from 'phones-a'"});
}

TEST(ValidateTest, PhonesWithoutPathToTheirProxy)
{
    // phones-c hangs off phones-a: connected, but phones forward nothing.
    Topology t = TwoDomains();
    t.AddNode({"phones-c", Role::Phones, "a.example", ""});
    t.AddLink("phones-a", "phones-c", Delay("1ms"));
    EXPECT_EQ(Validate(t), Errors{"phones node 'phones-c' (domain a.example) has no path to a "
                                  "proxy of its domain"});
}

TEST(ValidateTest, GatewayWithoutPathToItsProxy)
{
    Topology t = TwoDomains();
    t.AddNode({"gw-2", Role::Gateway, "b.example", ""});
    t.AddLink("gw-b", "gw-2", Delay("1ms"));
    EXPECT_EQ(
        Validate(t),
        Errors{"gateway node 'gw-2' (domain b.example) has no path to a proxy of its domain"});
}

TEST(ValidateTest, DomainWithoutProxy)
{
    // Phones without a proxy call directly (RFC 3665 3.1); a gateway needs its domain's proxy.
    Topology t = TwoDomains();
    t.AddNode({"phones-c", Role::Phones, "c.example", ""});
    t.AddLink("phones-c", "r", Delay("1ms"));
    EXPECT_EQ(Validate(t), Errors{});
    t.AddNode({"gw-c", Role::Gateway, "c.example", ""});
    t.AddLink("gw-c", "r", Delay("1ms"));
    EXPECT_EQ(Validate(t), Errors{"domain c.example (of gateway node 'gw-c') has no proxy"});
}

TEST(ValidateTest, DomainWithTwoProxies)
{
    Topology t = TwoDomains();
    t.AddNode({"proxy-a2", Role::Proxy, "a.example", ""});
    t.AddLink("proxy-a2", "r", Delay("1ms"));
    EXPECT_EQ(Validate(t), Errors{"domain a.example has 2 proxies: 'proxy-a', 'proxy-a2'"});
}

TEST(ValidateTest, NodesWithoutDomain)
{
    Topology t = TwoDomains();
    t.AddNode({"phones-x", Role::Phones, "", ""});
    t.AddLink("phones-x", "r", Delay("1ms"));
    EXPECT_EQ(Validate(t), Errors{"phones node 'phones-x' has no domain"});
}

TEST(ValidateTest, LinkWithoutDelay)
{
    Topology t = TwoDomains();
    t.Link(*t.FindLink("proxy-a", "r")).delay = "";
    t.Link(*t.FindLink("r", "proxy-b")).delay = "0ms";
    EXPECT_EQ(Validate(t),
              (Errors{"link proxy-a-r has no delay", "link r-proxy-b has no delay (delay 0ms)"}));
}

TEST(ValidateTest, DelayAndRateMustParse)
{
    Topology t = TwoDomains();
    t.Link(*t.FindLink("proxy-a", "r")).delay = "5 parsecs";
    t.Link(*t.FindLink("r", "proxy-b")).rate = "fast";
    t.Link(*t.FindLink("proxy-b", "gw-b")).rate = "0Mbps";
    EXPECT_EQ(Validate(t),
              (Errors{"link proxy-a-r: delay '5 parsecs' does not parse (e.g. 5ms, 1.5s, 200us)",
                      "link r-proxy-b: rate 'fast' does not parse (e.g. 100Mbps, 1Gbps, 64kbps)",
                      "link proxy-b-gw-b has rate 0"}));
}

TEST(ValidateTest, LossInUnitInterval)
{
    Topology t = TwoDomains();
    t.Link(*t.FindLink("proxy-a", "r")).loss = 1.5;
    t.Link(*t.FindLink("r", "proxy-b")).loss = -0.1;
    t.Link(*t.FindLink("proxy-b", "gw-b")).loss = 1.0;
    EXPECT_EQ(Validate(t), (Errors{"link proxy-a-r: loss 1.5 is not in [0, 1]",
                                   "link r-proxy-b: loss -0.1 is not in [0, 1]"}));
}

TEST(ValidateTest, EmptyQueue)
{
    Topology t = TwoDomains();
    t.Link(*t.FindLink("proxy-a", "r")).queuePackets = 0;
    EXPECT_EQ(Validate(t), Errors{"link proxy-a-r has a queue of 0 packets"});
}

TEST(ValidateTest, SelfLoop)
{
    Topology t = TwoDomains();
    ASSERT_TRUE(t.AddLink("r", "r", Delay("1ms")));
    EXPECT_EQ(Validate(t), Errors{"link r-r is a self-loop"});
}

TEST(ValidateTest, DuplicateNamesAndLinksInTheGraph)
{
    // Only reachable through the graph itself (AddNode and AddLink refuse them).
    Topology t = TwoDomains();
    Graph& g = t.MutableGraph();
    const Vertex extra = boost::add_vertex(NodeProps{"r", Role::Router, "", ""}, g);
    boost::add_edge(extra, *t.Find("proxy-b"), Delay("1ms"), g);
    boost::add_edge(*t.Find("r"), *t.Find("proxy-a"), Delay("1ms"), g);
    t.Reindex();
    EXPECT_EQ(Validate(t), (Errors{"duplicate node name 'r'", "duplicate link r-proxy-a"}));
}

} // namespace
} // namespace sipsim::topology
