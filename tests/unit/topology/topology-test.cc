#include "topology/topology.h"

#include <gtest/gtest.h>

namespace sipsim::topology {
namespace {

TEST(TopologyTest, AddNodeRefusesDuplicateNames)
{
    Topology t;
    std::string error;
    EXPECT_TRUE(t.AddNode({"a", Role::Router, "", ""}, &error));
    EXPECT_FALSE(t.AddNode({"a", Role::Proxy, "a.example", ""}, &error));
    EXPECT_EQ(error, "duplicate node name 'a'");
    EXPECT_EQ(t.NodeCount(), 1u);
}

TEST(TopologyTest, AddLinkRefusesUnknownNamesAndDuplicates)
{
    Topology t;
    std::string error;
    ASSERT_TRUE(t.AddNode({"a", Role::Router, "", ""}));
    ASSERT_TRUE(t.AddNode({"b", Role::Router, "", ""}));
    EXPECT_FALSE(t.AddLink("a", "z", {}, &error));
    EXPECT_EQ(error, "link a-z: unknown node 'z'");
    EXPECT_FALSE(t.AddLink("y", "b", {}, &error));
    EXPECT_EQ(error, "link y-b: unknown node 'y'");
    EXPECT_TRUE(t.AddLink("a", "b", {}, &error));
    EXPECT_FALSE(t.AddLink("b", "a", {}, &error));
    EXPECT_EQ(error, "duplicate link b-a");
    EXPECT_EQ(t.LinkCount(), 1u);
    ASSERT_TRUE(t.FindLink("b", "a"));
    EXPECT_EQ(t.LinkName(*t.FindLink("b", "a")), "a-b");
}

TEST(TopologyTest, LookupByNameAndRole)
{
    Topology t;
    ASSERT_TRUE(t.AddNode({"pa", Role::Proxy, "a.example", "p"}));
    ASSERT_TRUE(t.AddNode({"ua", Role::Phones, "a.example", "cisco-sip-phone"}));
    ASSERT_TRUE(t.AddNode({"pb", Role::Proxy, "b.example", ""}));
    ASSERT_TRUE(t.Find("ua"));
    EXPECT_EQ(t.Node(*t.Find("ua")).profile, "cisco-sip-phone");
    EXPECT_FALSE(t.Find("zz"));
    EXPECT_EQ(t.NodesWithRole(Role::Proxy), (std::vector<std::string>{"pa", "pb"}));
    EXPECT_EQ(t.ProxiesOf("b.example"), (std::vector<std::string>{"pb"}));
}

TEST(TopologyTest, RoleNames)
{
    EXPECT_EQ(ParseRole("phones"), Role::Phones);
    EXPECT_EQ(ParseRole("PROXY"), Role::Proxy);
    EXPECT_EQ(ParseRole("Gateway"), Role::Gateway);
    EXPECT_EQ(ParseRole("router"), Role::Router);
    EXPECT_FALSE(ParseRole("switch"));
    EXPECT_EQ(RoleName(Role::Gateway), "gateway");
}

TEST(TopologyTest, ParseDelay)
{
    EXPECT_DOUBLE_EQ(*ParseDelaySeconds("5ms"), 0.005);
    EXPECT_DOUBLE_EQ(*ParseDelaySeconds("1.5s"), 1.5);
    EXPECT_DOUBLE_EQ(*ParseDelaySeconds("200us"), 200e-6);
    EXPECT_DOUBLE_EQ(*ParseDelaySeconds("10ns"), 10e-9);
    EXPECT_DOUBLE_EQ(*ParseDelaySeconds("0ms"), 0);
    EXPECT_EQ(*ParseDelayNanoseconds("5ms"), 5000000);
    EXPECT_EQ(*ParseDelayNanoseconds("1.5s"), 1500000000);
    EXPECT_EQ(*ParseDelayNanoseconds("0.1ms"), 100000);
    for (const char* bad : {"", "5", "ms", "-5ms", "5 ms", "5min", "5msx", "1e3ms", "nanms"})
    {
        EXPECT_FALSE(ParseDelaySeconds(bad)) << bad;
    }
}

TEST(TopologyTest, ParseRate)
{
    EXPECT_EQ(*ParseRateBps("100Mbps"), 100000000u);
    EXPECT_EQ(*ParseRateBps("1Gbps"), 1000000000u);
    EXPECT_EQ(*ParseRateBps("64kbps"), 64000u);
    EXPECT_EQ(*ParseRateBps("64Kbps"), 64000u);
    EXPECT_EQ(*ParseRateBps("9600bps"), 9600u);
    EXPECT_EQ(*ParseRateBps("1.5Mbps"), 1500000u);
    EXPECT_EQ(*ParseRateBps("2Mb/s"), 2000000u);
    for (const char* bad : {"", "100", "Mbps", "-1Mbps", "100MBps", "100mbps", "1Tbps"})
    {
        EXPECT_FALSE(ParseRateBps(bad)) << bad;
    }
}

} // namespace
} // namespace sipsim::topology
