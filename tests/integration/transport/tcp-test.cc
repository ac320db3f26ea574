/*
 * SIP over TCP between SipStacks (RFC 3261 18.1.1 size rule, 18.2.2 responses on the
 * connection, 18.3 framing), and against raw ns-3 TCP sockets that write bytes as they like.
 */
#include "transport-test-support.h"

namespace sipsim::test {
namespace {

using namespace ns3;

using Tcp = TransportTest;

bool
IsOptions(const TracedMessage& m)
{
    return m.IsRequest("OPTIONS");
}

bool
Is200(const TracedMessage& m)
{
    return m.IsResponse(200);
}

/// An OPTIONS as a raw client writes it, over TCP, sent-by the raw socket's address.
std::string
RawOptions(uint32_t cseq, std::string_view body = {})
{
    std::string m = "OPTIONS sip:bob@10.1.1.2 SIP/2.0\r\n"
                    "Via: SIP/2.0/TCP 10.1.1.1:5999;branch=z9hG4bKraw"
                    + std::to_string(cseq)
                    + "\r\n"
                      "Max-Forwards: 70\r\n"
                      "To: <sip:bob@10.1.1.2>\r\n"
                      "From: <sip:raw@10.1.1.1>;tag=r\r\n"
                      "Call-ID: raw@10.1.1.1\r\n"
                      "CSeq: "
                    + std::to_string(cseq)
                    + " OPTIONS\r\n"
                      "Content-Length: "
                    + std::to_string(body.size()) + "\r\n\r\n";
    m += body;
    return m;
}

TEST_F(Tcp, LargeRequestGoesOverTcpAndLaterOnesReuseTheConnection)
{
    Line line(2);
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    TraceLog log;
    log.Connect(stacks[0]);
    log.Connect(stacks[1]);
    const std::string body(1500, 'x');
    for (uint32_t i = 0; i < 2; ++i)
    {
        Message big = MakeTestRequest("OPTIONS", line.First(), line.Last(), i + 1,
                                      "big-" + std::to_string(i));
        big.SetBody("text/plain", body);
        // The user asks for UDP; 18.1.1 moves it to TCP.
        client.SendAt(Seconds(1 + 4 * i), big, PeerOf(line.Last()));
    }
    Simulator::Run();

    const auto sent = log.Select(0, Direction::Tx, IsOptions);
    ASSERT_EQ(sent.size(), 2u);
    for (const TracedMessage& m : sent)
    {
        EXPECT_GT(m.size, 1300u);
        EXPECT_EQ(m.transport, TransportProtocol::Tcp);
        EXPECT_EQ(m.remote, PeerOf(line.Last(), 5060, TransportProtocol::Tcp));
        EXPECT_FALSE(m.retransmission);
        ASSERT_NE(m.message.GetTopVia(), nullptr);
        EXPECT_EQ(m.message.GetTopVia()->transport, "TCP"); // written after SelectTransport
        EXPECT_EQ(m.message.GetTopVia()->host, "10.1.1.1");
    }
    EXPECT_EQ(sent[0].at, Seconds(1));
    EXPECT_EQ(sent[1].at, Seconds(5));

    // Both arrive whole, framed out of a stream of 536-octet segments, on one connection.
    ASSERT_EQ(server.requests.size(), 2u);
    for (size_t i = 0; i < 2; ++i)
    {
        const TestUser::Request& r = server.requests[i];
        EXPECT_EQ(r.message.GetBody(), body);
        EXPECT_EQ(r.message.GetCSeq()->number, i + 1);
        EXPECT_EQ(r.from.transport, TransportProtocol::Tcp);
        EXPECT_EQ(r.from.address, line.First().Get());
        EXPECT_NE(r.from.port, 5060); // the client's ephemeral port: the connection
        EXPECT_EQ(r.from, server.requests[0].from);
        EXPECT_EQ(r.message.GetTopVia()->transport, "TCP");
        EXPECT_EQ(r.message.GetTopVia()->Received(), std::optional<std::string_view>("10.1.1.1"));
        EXPECT_GT(r.at, sent[i].at);
        EXPECT_LT(r.at, sent[i].at + Seconds(1));
    }
    EXPECT_EQ(log.Select(1, Direction::Rx, IsOptions)[0].size, sent[0].size);

    // The responses go back on the connection the requests came on.
    const auto answers = log.Select(1, Direction::Tx, Is200);
    ASSERT_EQ(answers.size(), 2u);
    for (const TracedMessage& a : answers)
    {
        EXPECT_EQ(a.transport, TransportProtocol::Tcp);
        EXPECT_EQ(a.remote, server.requests[0].from);
        EXPECT_EQ(a.local, PeerOf(line.Last(), 5060, TransportProtocol::Tcp));
    }
    ASSERT_EQ(client.responses.size(), 2u);
    EXPECT_EQ(client.responses[0].message.GetStatusCode(), 200);
    EXPECT_EQ(client.responses[1].message.GetStatusCode(), 200);
    EXPECT_EQ(client.responses[1].id, client.sent.at(1));
    EXPECT_TRUE(client.failures.empty());

    const SipStackCounters& c = stacks[0]->GetCounters();
    const SipStackCounters& s = stacks[1]->GetCounters();
    EXPECT_EQ(c.tcpConnectionsOpened, 1u);
    EXPECT_EQ(c.tcpMessagesSent, 2u);
    EXPECT_EQ(c.tcpMessagesReceived, 2u);
    EXPECT_EQ(c.udpMessagesSent, 0u);
    EXPECT_EQ(s.tcpConnectionsAccepted, 1u);
    EXPECT_EQ(s.tcpConnectionsOpened, 0u);
    EXPECT_EQ(s.tcpMessagesReceived, 2u);
    EXPECT_EQ(s.tcpMessagesSent, 2u);
    EXPECT_TRUE(stacks[0]->HasTcpConnection(PeerOf(line.Last(), 5060, TransportProtocol::Tcp)));
    EXPECT_TRUE(stacks[1]->HasTcpConnection(server.requests[0].from));
}

TEST_F(Tcp, SmallRequestStaysOnUdpAndUdpOnlyStackKeepsLargeOnesOnUdp)
{
    Line line(2);
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    EXPECT_EQ(stacks[0]->SelectTransport(1300, TransportProtocol::Udp), TransportProtocol::Udp);
    EXPECT_EQ(stacks[0]->SelectTransport(1301, TransportProtocol::Udp), TransportProtocol::Tcp);
    EXPECT_EQ(stacks[0]->SelectTransport(10, TransportProtocol::Tcp), TransportProtocol::Tcp);
    Ptr<SipStack> udpOnly = CreateObject<SipStack>();
    udpOnly->SetAttribute("EnableTcp", BooleanValue(false));
    udpOnly->SetAttribute("Port", UintegerValue(5070));
    udpOnly->Install(line.nodes.Get(0));
    EXPECT_EQ(udpOnly->SelectTransport(5000, TransportProtocol::Udp), TransportProtocol::Udp);
    EXPECT_FALSE(udpOnly->Send(MakeTestRequest("OPTIONS", line.First(), line.Last()),
                               PeerOf(line.Last(), 5060, TransportProtocol::Tcp), false));
    Ptr<SipStack> bigUdp = CreateObject<SipStack>();
    bigUdp->SetAttribute("MaxUdpMessageSize", UintegerValue(4000));
    bigUdp->SetAttribute("Port", UintegerValue(5080));
    bigUdp->Install(line.nodes.Get(0));
    EXPECT_EQ(bigUdp->SelectTransport(3000, TransportProtocol::Udp), TransportProtocol::Udp);
    Simulator::Run();
}

TEST_F(Tcp, TwoMessagesInOneSegmentAreBothFramedAndAnsweredOnTheConnection)
{
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1400));
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser server(stack, 200);
    TraceLog log;
    log.Connect(stack);
    RawTcp raw(line.nodes.Get(0), line.Last());
    raw.ConnectAt(Seconds(1));
    const std::string both = RawOptions(1) + RawOptions(2, "hello");
    ASSERT_LT(both.size(), 1400u);
    raw.WriteAt(Seconds(2), both);
    Simulator::Run();

    EXPECT_TRUE(raw.connected);
    EXPECT_EQ(raw.written, static_cast<int>(both.size()));
    const auto in = log.Select(1, Direction::Rx, IsOptions);
    ASSERT_EQ(in.size(), 2u);
    EXPECT_EQ(in[0].at, in[1].at); // one segment
    EXPECT_EQ(in[0].size + in[1].size, both.size());
    ASSERT_EQ(server.requests.size(), 2u);
    EXPECT_EQ(server.requests[0].message.GetCSeq()->number, 1u);
    EXPECT_EQ(server.requests[1].message.GetCSeq()->number, 2u);
    EXPECT_EQ(server.requests[1].message.GetBody(), "hello");
    EXPECT_EQ(server.requests[0].from, raw.Local());
    // 18.2.2: reliable transport, so the responses use the connection, not the Via port 5999.
    ASSERT_EQ(raw.messages.size(), 2u);
    for (size_t i = 0; i < 2; ++i)
    {
        const ParseResult r = Parse(raw.messages[i].second, Framing::Stream);
        ASSERT_TRUE(r.Ok()) << r.GetError().what;
        EXPECT_EQ(r.GetMessage().GetStatusCode(), 200);
        EXPECT_EQ(r.GetMessage().GetCSeq()->number, i + 1);
    }
    EXPECT_EQ(stack->GetCounters().tcpConnectionsAccepted, 1u);
    EXPECT_EQ(stack->GetCounters().tcpConnectionsOpened, 0u);
    EXPECT_EQ(stack->GetCounters().tcpMessagesReceived, 2u);
    EXPECT_EQ(stack->GetCounters().tcpFramingErrors, 0u);
}

TEST_F(Tcp, MessageSplitAcrossWritesIsFramedWhenComplete)
{
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser server(stack, 200);
    TraceLog log;
    log.Connect(stack);
    RawTcp raw(line.nodes.Get(0), line.Last());
    raw.ConnectAt(Seconds(1));
    const std::string text = RawOptions(7, "0123456789");
    const size_t cut = text.find("Content-Length") + 3; // inside the header section
    raw.WriteAt(Seconds(2), text.substr(0, cut));
    raw.WriteAt(Seconds(3), text.substr(cut, text.size() - cut - 4)); // the body but 4 octets
    raw.WriteAt(Seconds(4), text.substr(text.size() - 4));
    Simulator::Run();

    ASSERT_EQ(server.requests.size(), 1u);
    EXPECT_GT(server.requests[0].at, Seconds(4));
    EXPECT_LT(server.requests[0].at, Seconds(5));
    EXPECT_EQ(server.requests[0].message.GetBody(), "0123456789");
    EXPECT_EQ(log.Select(1, Direction::Rx, IsOptions).at(0).size, text.size());
    ASSERT_EQ(raw.messages.size(), 1u);
    EXPECT_TRUE(log.parseErrors.empty());
}

TEST_F(Tcp, ResponseOpensANewConnectionWhenTheRequestsOneIsClosed)
{
    // RFC 3261 18.2.2: the connection is gone, so the server connects to the received
    // address and the sent-by port, where the client's stack listens.
    Line line(2);
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 0); // answers later, by hand
    TraceLog log;
    log.Connect(stacks[0]);
    log.Connect(stacks[1]);
    RawTcp raw(line.nodes.Get(0), line.Last());
    raw.ConnectAt(Seconds(1));
    std::string request = RawOptions(1);
    request.replace(request.find("10.1.1.1:5999"), 13, "10.1.1.1:5060");
    raw.WriteAt(Seconds(2), request);
    raw.CloseAt(Seconds(2.5));
    Simulator::Schedule(Seconds(4), [&]() {
        ASSERT_EQ(server.requests.size(), 1u);
        EXPECT_FALSE(stacks[1]->HasTcpConnection(server.requests[0].from));
        EXPECT_TRUE(stacks[1]->GetTransactionLayer().SendResponse(
            server.requests[0].id, MakeTestResponse(server.requests[0].message, 200)));
    });
    Simulator::Run();

    const auto answers = log.Select(1, Direction::Tx, Is200);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].at, Seconds(4));
    EXPECT_EQ(answers[0].remote, PeerOf(line.First(), 5060, TransportProtocol::Tcp));
    const auto in = log.Select(0, Direction::Rx, Is200);
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].transport, TransportProtocol::Tcp);
    EXPECT_EQ(in[0].message.GetTopVia()->Branch(), "z9hG4bKraw1");
    EXPECT_EQ(stacks[1]->GetCounters().tcpConnectionsOpened, 1u);
    EXPECT_EQ(stacks[1]->GetCounters().tcpConnectionsAccepted, 1u);
    EXPECT_EQ(stacks[0]->GetCounters().tcpConnectionsAccepted, 1u);
    EXPECT_EQ(stacks[0]->GetCounters().viaMismatchDropped, 0u);
    // Ours by its Via, but no transaction of the client's: dropped as a stray.
    EXPECT_EQ(stacks[0]->GetTransactionLayer().GetCounters().strayResponsesDropped, 1u);
}

TEST_F(Tcp, PeerNotListeningFailsTheTransactionWithTransportError)
{
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(0)); // nothing on node 1
    TestUser client(stack, 0);
    TraceLog log;
    log.Connect(stack);
    Time lastArrival;
    const Callback<void, Ptr<const Packet>> onRx(
        [&lastArrival](Ptr<const Packet>) { lastArrival = Simulator::Now(); });
    line.Device(0, 0)->TraceConnectWithoutContext("MacRx", onRx);
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last(), 5060, TransportProtocol::Tcp));
    Simulator::Run();

    ASSERT_EQ(client.failures.size(), 1u);
    EXPECT_EQ(client.failures[0].failure, TransactionFailure::TransportError);
    EXPECT_EQ(client.failures[0].kind, TransactionKind::NonInviteClient);
    EXPECT_EQ(client.failures[0].id, client.sent.at(0));
    // Reported when the refusal (the RST answering the SYN) arrives: one round trip.
    EXPECT_EQ(client.failures[0].at, lastArrival);
    EXPECT_GT(lastArrival, Seconds(1) + MilliSeconds(10));
    EXPECT_LT(lastArrival, Seconds(1) + MilliSeconds(12));
    EXPECT_EQ(log.Select(0, Direction::Tx, IsOptions).size(), 1u);
    EXPECT_EQ(stack->GetCounters().tcpConnectionsOpened, 1u);
    EXPECT_EQ(stack->GetCounters().tcpConnectionsFailed, 1u);
    EXPECT_EQ(stack->GetTcpConnectionCount(), 0u);
    EXPECT_EQ(stack->GetTransactionLayer().GetCounters().transportErrors, 1u);
}

TEST_F(Tcp, EnormousContentLengthClosesTheConnectionAndTheStackGoesOn)
{
    Line line(2, "10Mbps", "1ms");
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    TraceLog log;
    log.Connect(stacks[1]);
    RawTcp raw(line.nodes.Get(0), line.Last());
    raw.ConnectAt(Seconds(1));
    std::string head = RawOptions(1);
    head.replace(head.find("Content-Length: 0"), 17, "Content-Length: 100000000");
    raw.WriteAt(Seconds(2), head);
    for (int i = 0; i < 10; ++i)
    {
        raw.WriteAt(Seconds(2) + MilliSeconds(100 * (i + 1)), std::string(10000, 'z'));
    }
    // The stack still serves a well-behaved client afterwards, over TCP.
    client.SendAt(Seconds(5), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last(), 5060, TransportProtocol::Tcp));
    Simulator::Run();

    const SipStackCounters& s = stacks[1]->GetCounters();
    EXPECT_EQ(s.tcpFramingErrors, 1u);
    EXPECT_EQ(s.tcpConnectionsAccepted, 2u);
    EXPECT_TRUE(raw.closed);
    EXPECT_GT(raw.closedAt, Seconds(2));
    ASSERT_EQ(log.parseErrors.size(), 1u);
    EXPECT_FALSE(log.parseErrors[0].answered);
    EXPECT_EQ(log.parseErrors[0].remote, raw.Local());
    EXPECT_NE(log.parseErrors[0].error.what.find("TCP framing"), std::string::npos);
    ASSERT_EQ(server.requests.size(), 1u);
    EXPECT_EQ(server.requests[0].message.GetCallId(), "call-1");
    ASSERT_EQ(client.responses.size(), 1u);
    EXPECT_EQ(stacks[1]->GetTcpConnectionCount(), 1u);
}

TEST_F(Tcp, UnframeableStreamClosesTheConnection)
{
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser server(stack, 200);
    TraceLog log;
    log.Connect(stack);
    RawTcp raw(line.nodes.Get(0), line.Last());
    raw.ConnectAt(Seconds(1));
    // RFC 3261 18.3: over a stream, Content-Length is mandatory.
    std::string noLength = RawOptions(1);
    noLength.erase(noLength.find("Content-Length"), std::string("Content-Length: 0\r\n").size());
    raw.WriteAt(Seconds(2), noLength);
    Simulator::Run();

    EXPECT_TRUE(server.requests.empty());
    EXPECT_EQ(stack->GetCounters().tcpFramingErrors, 1u);
    EXPECT_TRUE(raw.closed);
    ASSERT_EQ(log.parseErrors.size(), 1u);
    EXPECT_FALSE(log.parseErrors[0].answered);
    EXPECT_EQ(stack->GetTcpConnectionCount(), 0u);
}

TEST_F(Tcp, BadRequestOnAConnectionIsAnsweredOnIt)
{
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser server(stack, 200);
    RawTcp raw(line.nodes.Get(0), line.Last());
    raw.ConnectAt(Seconds(1));
    std::string bad = RawOptions(1);
    bad.replace(bad.find("SIP/2.0\r\n"), 9, "SIP/7.0\r\n");
    raw.WriteAt(Seconds(2), bad + RawOptions(2));
    Simulator::Run();

    const ParseResult expected = Parse(bad, Framing::Stream);
    ASSERT_FALSE(expected.Ok());
    ASSERT_EQ(raw.messages.size(), 2u);
    const ParseResult first = Parse(raw.messages[0].second, Framing::Stream);
    ASSERT_TRUE(first.Ok());
    EXPECT_EQ(first.GetMessage().GetStatusCode(), expected.GetError().answer);
    EXPECT_EQ(first.GetMessage().GetStatusCode(), 505);
    EXPECT_EQ(first.GetMessage().GetCSeq()->number, 1u);
    const ParseResult second = Parse(raw.messages[1].second, Framing::Stream);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(second.GetMessage().GetStatusCode(), 200);
    ASSERT_EQ(server.requests.size(), 1u);
    EXPECT_EQ(stack->GetCounters().parseErrorsAnswered, 1u);
    EXPECT_FALSE(raw.closed);
}

} // namespace
} // namespace sipsim::test
