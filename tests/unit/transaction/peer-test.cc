/*
 * Peers, transports and the Via rules of RFC 3261 18.2.1 / 18.2.2 and RFC 3581.
 */
#include "message/sip-parser.h"
#include "transaction/peer.h"

#include <gtest/gtest.h>

namespace sipsim {
namespace {

Via
ParseViaText(const std::string& text, std::string* storage)
{
    *storage = text;
    Via via;
    EXPECT_EQ(ParseVia(*storage, &via), nullptr) << text;
    return via;
}

Peer
MakePeer(TransportProtocol t, Ipv4 address, uint16_t port)
{
    Peer p;
    p.transport = t;
    p.address = address;
    p.port = port;
    return p;
}

Message
RequestWithVia(const std::string& via)
{
    Message m = Message::MakeRequest("OPTIONS", "sip:bob@example.com");
    m.AddHeader(HeaderId::Via, via + ", SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKnext");
    m.AddHeader(HeaderId::CallId, "c");
    return m;
}

TEST(PeerTest, TransportNames)
{
    EXPECT_EQ(TransportName(TransportProtocol::Udp), "UDP");
    EXPECT_EQ(TransportName(TransportProtocol::Tcp), "TCP");
    EXPECT_EQ(LookupTransport("udp"), TransportProtocol::Udp);
    EXPECT_EQ(LookupTransport("TCP"), TransportProtocol::Tcp);
    EXPECT_EQ(LookupTransport("Tcp"), TransportProtocol::Tcp);
    EXPECT_EQ(LookupTransport("TLS"), std::nullopt);
    EXPECT_EQ(LookupTransport(""), std::nullopt);
    EXPECT_FALSE(IsReliable(TransportProtocol::Udp));
    EXPECT_TRUE(IsReliable(TransportProtocol::Tcp));
}

TEST(PeerTest, Ipv4Text)
{
    EXPECT_EQ(FormatIpv4(0x0a000001), "10.0.0.1");
    EXPECT_EQ(FormatIpv4(0xffffffff), "255.255.255.255");
    EXPECT_EQ(FormatIpv4(0), "0.0.0.0");
    // Every octet value from 0 to 255 in each position, against a plain formatting.
    for (uint32_t octet = 0; octet < 256; ++octet)
    {
        const Ipv4 address
            = (octet << 24) | (((octet * 7) & 0xffu) << 16) | (9u << 8) | (255 - octet);
        const std::string expected = std::to_string(octet) + "."
                                     + std::to_string((octet * 7) & 0xffu) + ".9."
                                     + std::to_string(255 - octet);
        EXPECT_EQ(FormatIpv4(address), expected);
        char buffer[16];
        EXPECT_EQ(FormatIpv4(address, buffer), expected);
    }
    EXPECT_EQ(ParseIpv4("10.0.0.1"), Ipv4{0x0a000001});
    EXPECT_EQ(ParseIpv4("192.168.1.254"), Ipv4{0xc0a801fe});
    EXPECT_EQ(ParseIpv4("255.255.255.255"), Ipv4{0xffffffff});
    EXPECT_EQ(ParseIpv4("256.0.0.1"), std::nullopt);
    EXPECT_EQ(ParseIpv4("10.0.0"), std::nullopt);
    EXPECT_EQ(ParseIpv4("10.0.0.1.2"), std::nullopt);
    EXPECT_EQ(ParseIpv4("10.0.0.1 "), std::nullopt);
    EXPECT_EQ(ParseIpv4("10..0.1"), std::nullopt);
    EXPECT_EQ(ParseIpv4("1000.0.0.1"), std::nullopt);
    EXPECT_EQ(ParseIpv4("host.example.com"), std::nullopt);
    EXPECT_EQ(ParseIpv4(""), std::nullopt);
}

TEST(PeerTest, ToStringAndEquality)
{
    EXPECT_EQ(MakePeer(TransportProtocol::Udp, 0x0a000001, 5060).ToString(), "UDP 10.0.0.1:5060");
    EXPECT_EQ(MakePeer(TransportProtocol::Tcp, 0xc0000201, 5070).ToString(), "TCP 192.0.2.1:5070");
    EXPECT_EQ(MakePeer(TransportProtocol::Udp, 1, 2), MakePeer(TransportProtocol::Udp, 1, 2));
    EXPECT_NE(MakePeer(TransportProtocol::Udp, 1, 2), MakePeer(TransportProtocol::Tcp, 1, 2));
    EXPECT_NE(MakePeer(TransportProtocol::Udp, 1, 2), MakePeer(TransportProtocol::Udp, 1, 3));
}

TEST(PeerTest, ParsePeerIsTheInverseOfToString)
{
    for (const Peer& peer : {MakePeer(TransportProtocol::Udp, 0x0a000001, 5060),
                             MakePeer(TransportProtocol::Tcp, 0xc0000201, 5070),
                             MakePeer(TransportProtocol::Udp, 0xffffffff, 65535),
                             MakePeer(TransportProtocol::Udp, 0, 1)})
    {
        EXPECT_EQ(ParsePeer(peer.ToString()), peer) << peer.ToString();
    }
    EXPECT_EQ(ParsePeer("udp 10.0.0.1:5060"), MakePeer(TransportProtocol::Udp, 0x0a000001, 5060));
    for (const char* bad : {"", "UDP", "UDP 10.0.0.1", "SCTP 10.0.0.1:5060", "UDP 10.0.0:5060",
                            "UDP 10.0.0.256:5060", "UDP 10.0.0.1:0", "UDP 10.0.0.1:65536",
                            "UDP 10.0.0.1:5060x", "UDP host:5060", "UDP:5060 10.0.0.1"})
    {
        EXPECT_EQ(ParsePeer(bad), std::nullopt) << bad;
    }
}

TEST(ResponseDestinationTest, ReliableGoesToSource)
{
    std::string s;
    const Via via = ParseViaText("SIP/2.0/TCP 10.9.9.9:5070;branch=z9hG4bKa;received=10.1.1.1", &s);
    const Peer source = MakePeer(TransportProtocol::Tcp, 0x0a000002, 40000);
    EXPECT_EQ(ResponseDestination(via, source), source);
}

TEST(ResponseDestinationTest, UdpUsesReceivedAndSentByPort)
{
    std::string s;
    const Via via
        = ParseViaText("SIP/2.0/UDP host.example.com:5070;branch=z9hG4bKa;received=10.1.1.1", &s);
    const Peer source = MakePeer(TransportProtocol::Udp, 0x0a000002, 40000);
    EXPECT_EQ(ResponseDestination(via, source), MakePeer(TransportProtocol::Udp, 0x0a010101, 5070));
}

TEST(ResponseDestinationTest, UdpRportValueWins)
{
    std::string s;
    const Via via = ParseViaText(
        "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKa;rport=40000;received=10.0.0.3", &s);
    const Peer source = MakePeer(TransportProtocol::Udp, 0x0a000003, 40000);
    EXPECT_EQ(ResponseDestination(via, source),
              MakePeer(TransportProtocol::Udp, 0x0a000003, 40000));
}

TEST(ResponseDestinationTest, UdpEmptyOrBadRportFallsBackToSentByPort)
{
    std::string s;
    const Peer source = MakePeer(TransportProtocol::Udp, 0x0a000003, 40000);
    EXPECT_EQ(ResponseDestination(
                  ParseViaText("SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKa;rport", &s), source),
              MakePeer(TransportProtocol::Udp, 0x0a000002, 5070));
    // The parser rejects such a Via; a Via built by hand still gets a sane answer.
    Via bad;
    bad.transport = "UDP";
    bad.host = "10.0.0.2";
    bad.port = 5070;
    bad.params = ParamList("branch=z9hG4bKa;rport=99999");
    EXPECT_EQ(ResponseDestination(bad, source), MakePeer(TransportProtocol::Udp, 0x0a000002, 5070));
    bad.params = ParamList("branch=z9hG4bKa;rport=12x");
    EXPECT_EQ(ResponseDestination(bad, source), MakePeer(TransportProtocol::Udp, 0x0a000002, 5070));
}

TEST(ResponseDestinationTest, UdpNoPortIs5060AndHostNameFallsBackToSource)
{
    std::string s;
    const Peer source = MakePeer(TransportProtocol::Udp, 0x0a000003, 40000);
    EXPECT_EQ(ResponseDestination(ParseViaText("SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKa", &s), source),
              MakePeer(TransportProtocol::Udp, 0x0a000002, 5060));
    EXPECT_EQ(ResponseDestination(ParseViaText("SIP/2.0/UDP pc33.example.com;branch=z9hG4bKa", &s),
                                  source),
              MakePeer(TransportProtocol::Udp, 0x0a000003, 5060));
}

TEST(StampReceivedViaTest, SameHostNoRportUnchanged)
{
    Message m = RequestWithVia("SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa");
    const std::string before = m.Serialize();
    EXPECT_FALSE(StampReceivedVia(&m, MakePeer(TransportProtocol::Udp, 0x0a000002, 5060)));
    EXPECT_EQ(m.Serialize(), before);
}

TEST(StampReceivedViaTest, DifferentHostAddsReceived)
{
    Message m = RequestWithVia("SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bKa;ttl=3");
    EXPECT_TRUE(StampReceivedVia(&m, MakePeer(TransportProtocol::Udp, 0x0a000002, 5060)));
    const auto vias = m.GetHeaderValues(HeaderId::Via);
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(vias[0], "SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bKa;ttl=3;received=10.0.0.2");
    EXPECT_EQ(vias[1], "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKnext");
    EXPECT_EQ(m.GetTopVia()->Received(), "10.0.0.2");
    EXPECT_EQ(m.GetTopVia()->Branch(), "z9hG4bKa");
}

TEST(StampReceivedViaTest, EmptyRportGetsSourcePortAndReceived)
{
    // RFC 3581 4: rport filled in, and received added even when the host is the source.
    Message m = RequestWithVia("SIP/2.0/UDP 10.0.0.2:5060;rport;branch=z9hG4bKa");
    EXPECT_TRUE(StampReceivedVia(&m, MakePeer(TransportProtocol::Udp, 0x0a000002, 40001)));
    EXPECT_EQ(m.GetHeaderValues(HeaderId::Via)[0],
              "SIP/2.0/UDP 10.0.0.2:5060;rport=40001;branch=z9hG4bKa;received=10.0.0.2");
    EXPECT_EQ(m.GetTopVia()->Rport(), "40001");
    // The destination of the response follows.
    EXPECT_EQ(
        ResponseDestination(*m.GetTopVia(), MakePeer(TransportProtocol::Udp, 0x0a000002, 40001)),
        MakePeer(TransportProtocol::Udp, 0x0a000002, 40001));
}

TEST(StampReceivedViaTest, ExistingReceivedReplaced)
{
    Message m = RequestWithVia("SIP/2.0/UDP pc33.example.com;received=1.2.3.4;branch=z9hG4bKa");
    EXPECT_TRUE(StampReceivedVia(&m, MakePeer(TransportProtocol::Udp, 0x0a000002, 5060)));
    EXPECT_EQ(m.GetHeaderValues(HeaderId::Via)[0],
              "SIP/2.0/UDP pc33.example.com;branch=z9hG4bKa;received=10.0.0.2");
}

TEST(StampReceivedViaTest, NoViaNoChange)
{
    Message m = Message::MakeRequest("OPTIONS", "sip:bob@example.com");
    EXPECT_FALSE(StampReceivedVia(&m, MakePeer(TransportProtocol::Udp, 0x0a000002, 5060)));
}

TEST(StampReceivedViaTest, StampedMessageSurvivesSerializeAndParse)
{
    Message m = RequestWithVia("SIP/2.0/UDP pc33.example.com;rport;branch=z9hG4bKa");
    m.AddHeader(HeaderId::From, "<sip:a@example.com>;tag=1");
    m.AddHeader(HeaderId::To, "<sip:b@example.com>");
    m.AddHeader(HeaderId::CSeq, "1 OPTIONS");
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_TRUE(StampReceivedVia(&m, MakePeer(TransportProtocol::Udp, 0x0a000002, 6000)));
    ParseResult parsed = Parse(m.Serialize());
    ASSERT_TRUE(parsed.Ok()) << parsed.GetError().what;
    EXPECT_EQ(parsed.GetMessage().GetTopVia()->Rport(), "6000");
    EXPECT_EQ(parsed.GetMessage().GetTopVia()->Received(), "10.0.0.2");
}

} // namespace
} // namespace sipsim
