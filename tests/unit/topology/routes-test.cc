#include "topology/topology-routes.h"
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

void
AddDomain(Topology* t, const std::string& d)
{
    ASSERT_TRUE(t->AddNode({"proxy-" + d, Role::Proxy, d + ".example", ""}));
    ASSERT_TRUE(t->AddNode({"phones-" + d, Role::Phones, d + ".example", ""}));
    ASSERT_TRUE(t->AddLink("phones-" + d, "proxy-" + d, Delay("1ms")));
}

TEST(RoutesTest, ChainRoutesThroughTheMiddleProxy)
{
    // phones-a - proxy-a - proxy-b - proxy-c (each with its phones)
    Topology t;
    AddDomain(&t, "a");
    AddDomain(&t, "b");
    AddDomain(&t, "c");
    ASSERT_TRUE(t.AddLink("proxy-a", "proxy-b", Delay("10ms")));
    ASSERT_TRUE(t.AddLink("proxy-b", "proxy-c", Delay("10ms")));
    ASSERT_EQ(Validate(t), std::vector<std::string>{});

    const ProxyRoutes routes = ComputeProxyRoutes(t);
    const ProxyRoutes expected = {
        {"proxy-a", {{"b.example", "proxy-b"}, {"c.example", "proxy-b"}}},
        {"proxy-b", {{"a.example", "proxy-a"}, {"c.example", "proxy-c"}}},
        {"proxy-c", {{"a.example", "proxy-b"}, {"b.example", "proxy-b"}}},
    };
    EXPECT_EQ(routes, expected);
}

TEST(RoutesTest, RoutersAreNotSipHops)
{
    // proxy-a - r1 - r2 - proxy-b: the next hop is proxy-b itself.
    Topology t;
    AddDomain(&t, "a");
    AddDomain(&t, "b");
    ASSERT_TRUE(t.AddNode({"r1", Role::Router, "", ""}));
    ASSERT_TRUE(t.AddNode({"r2", Role::Router, "", ""}));
    ASSERT_TRUE(t.AddLink("proxy-a", "r1", Delay("1ms")));
    ASSERT_TRUE(t.AddLink("r1", "r2", Delay("1ms")));
    ASSERT_TRUE(t.AddLink("r2", "proxy-b", Delay("1ms")));
    const ProxyRoutes routes = ComputeProxyRoutes(t);
    EXPECT_EQ(routes.at("proxy-a").at("b.example"), "proxy-b");
    EXPECT_EQ(routes.at("proxy-b").at("a.example"), "proxy-a");
    EXPECT_DOUBLE_EQ(ShortestDelaySeconds(t, "proxy-a", "proxy-b"), 0.003);
}

TEST(RoutesTest, TriangleTakesTheShortestDelay)
{
    // a-c direct is 50ms; a-b-c is 10ms + 15ms: a reaches c through b.
    Topology t;
    AddDomain(&t, "a");
    AddDomain(&t, "b");
    AddDomain(&t, "c");
    ASSERT_TRUE(t.AddLink("proxy-a", "proxy-b", Delay("10ms")));
    ASSERT_TRUE(t.AddLink("proxy-b", "proxy-c", Delay("15ms")));
    ASSERT_TRUE(t.AddLink("proxy-a", "proxy-c", Delay("50ms")));
    ProxyRoutes routes = ComputeProxyRoutes(t);
    EXPECT_EQ(routes.at("proxy-a").at("c.example"), "proxy-b");
    EXPECT_EQ(routes.at("proxy-c").at("a.example"), "proxy-b");
    EXPECT_EQ(routes.at("proxy-a").at("b.example"), "proxy-b");
    EXPECT_DOUBLE_EQ(ShortestDelaySeconds(t, "proxy-a", "proxy-c"), 0.025);

    // Make the direct link shorter than the detour: it wins.
    t.Link(*t.FindLink("proxy-a", "proxy-c")).delay = "20ms";
    routes = ComputeProxyRoutes(t);
    EXPECT_EQ(routes.at("proxy-a").at("c.example"), "proxy-c");
    EXPECT_EQ(routes.at("proxy-c").at("a.example"), "proxy-a");
    EXPECT_EQ(routes.at("proxy-b").at("a.example"), "proxy-a");
}

TEST(RoutesTest, PathsDoNotCrossPhones)
{
    // proxy-a - phones-x - proxy-b is short, but phones forward nothing: the route takes r.
    Topology t;
    AddDomain(&t, "a");
    AddDomain(&t, "b");
    ASSERT_TRUE(t.AddNode({"phones-x", Role::Phones, "a.example", ""}));
    ASSERT_TRUE(t.AddNode({"r", Role::Router, "", ""}));
    ASSERT_TRUE(t.AddLink("proxy-a", "phones-x", Delay("1ms")));
    ASSERT_TRUE(t.AddLink("phones-x", "proxy-b", Delay("1ms")));
    ASSERT_TRUE(t.AddLink("proxy-a", "r", Delay("10ms")));
    ASSERT_TRUE(t.AddLink("r", "proxy-b", Delay("10ms")));
    EXPECT_DOUBLE_EQ(ShortestDelaySeconds(t, "proxy-a", "proxy-b"), 0.020);
    EXPECT_EQ(ComputeProxyRoutes(t).at("proxy-a").at("b.example"), "proxy-b");
}

TEST(RoutesTest, UnreachableDomainHasNoRoute)
{
    Topology t;
    AddDomain(&t, "a");
    AddDomain(&t, "b");
    const ProxyRoutes routes = ComputeProxyRoutes(t);
    EXPECT_TRUE(routes.at("proxy-a").empty());
    EXPECT_LT(ShortestDelaySeconds(t, "proxy-a", "proxy-b"), 0);
}

} // namespace
} // namespace sipsim::topology
