/*
 * Integration (tier 2): sipsim messages as real RFC 3261 text in ns-3 UDP datagrams between
 * two nodes over a point-to-point link. Checks the ns-3 wiring of the build and that what
 * arrives parses to the message that was sent, at exactly the time the link model gives.
 */
#include "message/sip-parser.h"

#include <gtest/gtest.h>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

namespace sipsim {
namespace {

Message
MakeOptions()
{
    Message m = Message::MakeRequest("OPTIONS", "sip:bob@10.1.1.2");
    m.AddHeader(HeaderId::Via, Via::Format("UDP", "10.1.1.1", 5060, "z9hG4bKns3"));
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::To, "<sip:bob@10.1.1.2>");
    m.AddHeader(HeaderId::From, "<sip:alice@10.1.1.1>;tag=ns3");
    m.AddHeader(HeaderId::CallId, "ns3-wiring@10.1.1.1");
    m.AddHeader(HeaderId::CSeq, "1 OPTIONS");
    m.SetBody("", "");
    return m;
}

TEST(Ns3Message, SipTextCrossesAPointToPointLinkAndParses)
{
    using namespace ns3;
    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper link;
    link.SetDeviceAttribute("DataRate", StringValue("1Mbps"));
    link.SetChannelAttribute("Delay", StringValue("5ms"));
    NetDeviceContainer devices = link.Install(nodes);
    InternetStackHelper stack;
    stack.Install(nodes);
    Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer interfaces = addresses.Assign(devices);

    const Message sent = MakeOptions();
    const std::string text = sent.Serialize();

    Ptr<Socket> receiver = Socket::CreateSocket(nodes.Get(1), UdpSocketFactory::GetTypeId());
    receiver->Bind(InetSocketAddress(Ipv4Address::GetAny(), 5060));
    std::string received;
    Time arrival;
    receiver->SetRecvCallback(MakeBoundCallback(
        +[](std::string* out, Time* at, Ptr<Socket> socket) {
            Ptr<Packet> packet = socket->Recv();
            std::string bytes(packet->GetSize(), '\0');
            packet->CopyData(reinterpret_cast<uint8_t*>(bytes.data()),
                             static_cast<uint32_t>(bytes.size()));
            *out = bytes;
            *at = Simulator::Now();
        },
        &received, &arrival));

    Ptr<Socket> sender = Socket::CreateSocket(nodes.Get(0), UdpSocketFactory::GetTypeId());
    sender->Bind();
    sender->Connect(InetSocketAddress(interfaces.GetAddress(1), 5060));
    // ARP resolves the first packet; send a warm-up so the measured one sees only the link.
    Simulator::Schedule(Seconds(1.0), [sender]() { sender->Send(Create<Packet>(1)); });
    Simulator::Schedule(Seconds(2.0), [sender, &text]() {
        sender->Send(Create<Packet>(reinterpret_cast<const uint8_t*>(text.data()),
                                    static_cast<uint32_t>(text.size())));
    });
    Simulator::Run();
    Simulator::Destroy();

    ASSERT_EQ(received, text);
    const ParseResult r = Parse(received, Framing::Datagram);
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_TRUE(r.GetMessage() == sent);
    EXPECT_EQ(r.GetMessage().GetTopVia()->Branch(), "z9hG4bKns3");
    // PPP (2) + IPv4 (20) + UDP (8) + SIP text, at 1 Mb/s, plus 5 ms of propagation.
    const uint64_t bits = (2 + 20 + 8 + text.size()) * 8;
    EXPECT_EQ(arrival, Seconds(2.0) + MicroSeconds(bits) + MilliSeconds(5));
}

} // namespace
} // namespace sipsim
