/*
 * NetworkBuilder: a topology built in ns-3 carries packets with the delays it states, and its
 * faults (link down, loss) act on them.
 */
#include "topology/network-builder.h"

#include <gtest/gtest.h>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <vector>

namespace sipsim::topology {
namespace {

/// PPP (2), IPv4 (20) and UDP (8) headers plus 95 bytes of payload: 1000 bits on the wire.
constexpr uint32_t kPayload = 95;

class NetworkBuilderTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
    }

    void TearDown() override
    {
        ns3::Simulator::Destroy();
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
    }
};

LinkProps
Link(const std::string& delay, const std::string& rate, double loss = 0, bool lan = false)
{
    LinkProps l;
    l.delay = delay;
    l.rate = rate;
    l.loss = loss;
    l.lan = lan;
    return l;
}

/// phones-a -(1ms, 10Mbps)- proxy-a -(2ms, 1Mbps)- proxy-b -(3ms, 100Mbps)- phones-b
Topology
FourNodes(double coreLoss = 0)
{
    Topology t;
    t.AddNode({"phones-a", Role::Phones, "a.example", ""});
    t.AddNode({"proxy-a", Role::Proxy, "a.example", ""});
    t.AddNode({"proxy-b", Role::Proxy, "b.example", ""});
    t.AddNode({"phones-b", Role::Phones, "b.example", ""});
    t.AddLink("phones-a", "proxy-a", Link("1ms", "10Mbps"));
    t.AddLink("proxy-a", "proxy-b", Link("2ms", "1Mbps", coreLoss));
    t.AddLink("proxy-b", "phones-b", Link("3ms", "100Mbps"));
    return t;
}

/// A UDP socket on a node that records the arrival times of datagrams on port 9.
class Receiver
{
  public:
    explicit Receiver(ns3::Ptr<ns3::Node> node)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 9));
        m_socket->SetRecvCallback(ns3::MakeCallback(&Receiver::OnRead, this));
    }

    std::vector<ns3::Time> arrivals;

  private:
    void OnRead(ns3::Ptr<ns3::Socket> socket)
    {
        while (socket->Recv())
        {
            arrivals.push_back(ns3::Simulator::Now());
        }
    }

    ns3::Ptr<ns3::Socket> m_socket;
};

/// Sends one datagram of kPayload bytes from a node to an address at a time.
class Sender
{
  public:
    explicit Sender(ns3::Ptr<ns3::Node> node)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind();
    }

    void SendAt(ns3::Time at, ns3::Ipv4Address to)
    {
        ns3::Simulator::Schedule(at, [this, to]() {
            m_socket->SendTo(ns3::Create<ns3::Packet>(kPayload), 0, ns3::InetSocketAddress(to, 9));
        });
    }

  private:
    ns3::Ptr<ns3::Socket> m_socket;
};

TEST_F(NetworkBuilderTest, NodesAddressesAndProxyRoutes)
{
    NetworkBuilder net;
    std::string error;
    ASSERT_TRUE(net.Build(FourNodes(), &error)) << error;
    EXPECT_EQ(net.Nodes().GetN(), 4u);
    ASSERT_TRUE(net.NodeOf("proxy-b"));
    EXPECT_FALSE(net.NodeOf("nobody"));
    // Link i gets 10.1.(i+1).0/24; its first end .1, its second .2; a node's address is the
    // one on its first link.
    EXPECT_EQ(net.AddressOf("phones-a"), ns3::Ipv4Address("10.1.1.1"));
    EXPECT_EQ(net.AddressOf("proxy-a"), ns3::Ipv4Address("10.1.1.2"));
    EXPECT_EQ(net.AddressOf("proxy-b"), ns3::Ipv4Address("10.1.2.2"));
    EXPECT_EQ(net.AddressOf("phones-b"), ns3::Ipv4Address("10.1.3.2"));
    EXPECT_EQ(net.AddressOn("proxy-b", "phones-b"), ns3::Ipv4Address("10.1.3.1"));
    EXPECT_EQ(net.DevicesOf("proxy-b", "proxy-a").Get(0)->GetNode(), net.NodeOf("proxy-b"));
    EXPECT_EQ(net.ProxyRoutesAttribute("proxy-a"), "b.example=10.1.2.2:5060");
    EXPECT_EQ(net.ProxyRoutesAttribute("proxy-b", 5080), "a.example=10.1.1.2:5080");
    EXPECT_EQ(net.ProxyRoutesAttribute("phones-a"), "");
}

TEST_F(NetworkBuilderTest, RefusesAnInvalidTopology)
{
    Topology t = FourNodes();
    t.Link(*t.FindLink("proxy-a", "proxy-b")).delay = "";
    NetworkBuilder net;
    std::string error;
    EXPECT_FALSE(net.Build(t, &error));
    EXPECT_EQ(error, "link proxy-a-proxy-b has no delay");
    EXPECT_EQ(net.Nodes().GetN(), 0u);
}

TEST_F(NetworkBuilderTest, ArrivalIsTheSumOfDelaysAndSerialization)
{
    NetworkBuilder net;
    ASSERT_TRUE(net.Build(FourNodes()));
    Receiver rx(net.NodeOf("phones-b"));
    Sender tx(net.NodeOf("phones-a"));
    tx.SendAt(ns3::Seconds(1), net.AddressOf("phones-b"));
    ns3::Simulator::Stop(ns3::Seconds(2));
    ns3::Simulator::Run();
    // 1000 bits: 100 us at 10 Mbps, 1 ms at 1 Mbps, 10 us at 100 Mbps; plus 1 + 2 + 3 ms.
    ASSERT_EQ(rx.arrivals.size(), 1u);
    EXPECT_EQ(rx.arrivals[0],
              ns3::Seconds(1) + ns3::MicroSeconds(100 + 1000 + 10) + ns3::MilliSeconds(1 + 2 + 3));
}

TEST_F(NetworkBuilderTest, LinkDownAndUp)
{
    NetworkBuilder net;
    ASSERT_TRUE(net.Build(FourNodes()));
    Receiver rx(net.NodeOf("phones-b"));
    Sender tx(net.NodeOf("phones-a"));
    const ns3::Ipv4Address to = net.AddressOf("phones-b");
    const ns3::Time trip = ns3::MicroSeconds(1110) + ns3::MilliSeconds(6);
    tx.SendAt(ns3::Seconds(1), to);
    ns3::Simulator::Schedule(ns3::Seconds(2),
                             [&net]() { EXPECT_TRUE(net.LinkDown("proxy-b", "proxy-a")); });
    tx.SendAt(ns3::Seconds(2.5), to);
    ns3::Simulator::Schedule(ns3::Seconds(3),
                             [&net]() { EXPECT_TRUE(net.LinkUp("proxy-a", "proxy-b")); });
    tx.SendAt(ns3::Seconds(3.5), to);
    ns3::Simulator::Stop(ns3::Seconds(5));
    ns3::Simulator::Run();
    EXPECT_TRUE(net.IsLinkUp("proxy-a", "proxy-b"));
    EXPECT_FALSE(net.LinkDown("proxy-a", "phones-b"));
    ASSERT_EQ(rx.arrivals.size(), 2u);
    EXPECT_EQ(rx.arrivals[0], ns3::Seconds(1) + trip);
    EXPECT_EQ(rx.arrivals[1], ns3::Seconds(3.5) + trip);
}

TEST_F(NetworkBuilderTest, LossOneDropsEverything)
{
    NetworkBuilder net;
    ASSERT_TRUE(net.Build(FourNodes(1.0)));
    Receiver rx(net.NodeOf("phones-b"));
    Sender tx(net.NodeOf("phones-a"));
    const ns3::Ipv4Address to = net.AddressOf("phones-b");
    for (int i = 0; i < 20; ++i)
    {
        tx.SendAt(ns3::MilliSeconds(100 + 10 * i), to);
    }
    // A fault clears: the same link carries packets again.
    ns3::Simulator::Schedule(ns3::Seconds(1),
                             [&net]() { EXPECT_TRUE(net.SetLinkLoss("proxy-a", "proxy-b", 0)); });
    tx.SendAt(ns3::Seconds(1.5), to);
    ns3::Simulator::Stop(ns3::Seconds(3));
    ns3::Simulator::Run();
    ASSERT_EQ(rx.arrivals.size(), 1u);
    EXPECT_GT(rx.arrivals[0], ns3::Seconds(1.5));
}

TEST_F(NetworkBuilderTest, LossSetDuringTheRun)
{
    NetworkBuilder net;
    ASSERT_TRUE(net.Build(FourNodes()));
    Receiver rx(net.NodeOf("phones-b"));
    Sender tx(net.NodeOf("phones-a"));
    const ns3::Ipv4Address to = net.AddressOf("phones-b");
    tx.SendAt(ns3::Seconds(1), to);
    ns3::Simulator::Schedule(ns3::Seconds(2), [&net]() {
        EXPECT_TRUE(net.SetLinkLoss("phones-b", "proxy-b", 1.0));
        EXPECT_FALSE(net.SetLinkLoss("phones-b", "proxy-b", 1.5));
    });
    tx.SendAt(ns3::Seconds(2.5), to);
    ns3::Simulator::Stop(ns3::Seconds(3));
    ns3::Simulator::Run();
    EXPECT_EQ(rx.arrivals.size(), 1u);
}

TEST_F(NetworkBuilderTest, RoutesFollowTheLeastDelayAndReroute)
{
    // s -(1ms)- r1 -(1ms)- t and s -(5ms)- r2 -(5ms)- t, all routers at 100 Mbps (10 us per
    // 1000-bit packet per hop). Hop count is equal: the interface metric picks r1.
    Topology topo;
    for (const char* n : {"s", "r1", "r2", "t"})
    {
        topo.AddNode({n, Role::Router, "", ""});
    }
    topo.AddLink("s", "r1", Link("1ms", "100Mbps"));
    topo.AddLink("r1", "t", Link("1ms", "100Mbps"));
    topo.AddLink("s", "r2", Link("5ms", "100Mbps"));
    topo.AddLink("r2", "t", Link("5ms", "100Mbps"));
    NetworkBuilder net;
    std::string error;
    ASSERT_TRUE(net.Build(topo, &error)) << error;
    Receiver rx(net.NodeOf("t"));
    Sender tx(net.NodeOf("s"));
    const ns3::Ipv4Address to = net.AddressOn("t", "r2");
    tx.SendAt(ns3::Seconds(1), to);
    ns3::Simulator::Schedule(ns3::Seconds(2), [&net]() { net.LinkDown("s", "r1"); });
    tx.SendAt(ns3::Seconds(2.5), to);
    ns3::Simulator::Stop(ns3::Seconds(3));
    ns3::Simulator::Run();
    ASSERT_EQ(rx.arrivals.size(), 2u);
    EXPECT_EQ(rx.arrivals[0], ns3::Seconds(1) + ns3::MilliSeconds(2) + ns3::MicroSeconds(20));
    EXPECT_EQ(rx.arrivals[1], ns3::Seconds(2.5) + ns3::MilliSeconds(10) + ns3::MicroSeconds(20));
}

TEST_F(NetworkBuilderTest, LanLinksCarryPackets)
{
    Topology t = FourNodes();
    t.Link(*t.FindLink("phones-a", "proxy-a")).lan = true;
    t.Link(*t.FindLink("proxy-b", "phones-b")).lan = true;
    NetworkBuilder net;
    ASSERT_TRUE(net.Build(t));
    Receiver rx(net.NodeOf("phones-b"));
    Sender tx(net.NodeOf("phones-a"));
    tx.SendAt(ns3::Seconds(1), net.AddressOf("phones-b"));
    ns3::Simulator::Stop(ns3::Seconds(2));
    ns3::Simulator::Run();
    ASSERT_EQ(rx.arrivals.size(), 1u);
    // At least the propagation delays. ARP on each LAN adds a round trip (2 ms, 6 ms) after a
    // random request jitter of up to 10 ms (ArpL3Protocol::RequestJitter).
    EXPECT_GT(rx.arrivals[0], ns3::Seconds(1) + ns3::MilliSeconds(6 + 2 + 6));
    EXPECT_LT(rx.arrivals[0], ns3::Seconds(1) + ns3::MilliSeconds(6 + 2 + 6 + 20 + 2));
}

} // namespace
} // namespace sipsim::topology
