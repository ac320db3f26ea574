/*
 * A request and its response over UDP between SipStacks on point-to-point links (RFC 3261
 * 18.1.1, 18.2.1, 18.2.2, 18.1.2), at exactly the times the links give.
 */
#include "transport-test-support.h"

namespace sipsim::test {
namespace {

using namespace ns3;

using UdpExchange = TransportTest;

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

TEST_F(UdpExchange, RequestAndResponseArriveAtTheLinkTimes)
{
    Line line(2); // 1 Mb/s, 5 ms
    SipStackHelper helper;
    const std::vector<Ptr<SipStack>> stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    TraceLog log;
    log.Connect(stacks[0]);
    log.Connect(stacks[1]);
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    // The client's request: sent at once over UDP, with its Via (sent-by and rport).
    const auto sent = log.Select(0, Direction::Tx, IsOptions);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].at, Seconds(1));
    EXPECT_EQ(sent[0].transport, TransportProtocol::Udp);
    EXPECT_FALSE(sent[0].retransmission);
    EXPECT_EQ(sent[0].remote, PeerOf(line.Last()));
    EXPECT_EQ(sent[0].local, PeerOf(line.First()));
    EXPECT_EQ(sent[0].size, sent[0].message.SerializedSize());
    const Via* via = sent[0].message.GetTopVia();
    ASSERT_NE(via, nullptr);
    EXPECT_EQ(via->transport, "UDP");
    EXPECT_EQ(via->host, "10.1.1.1");
    EXPECT_EQ(via->port, 5060);
    EXPECT_TRUE(via->HasMagicCookie());
    ASSERT_TRUE(via->Rport().has_value());
    EXPECT_TRUE(via->Rport()->empty());

    // Arrival: serialization of PPP + IPv4 + UDP + SIP at 1 Mb/s, plus 5 ms.
    const Time arrival = Seconds(1) + UdpHopTime(sent[0].size, 1000000, MilliSeconds(5));
    const auto received = log.Select(1, Direction::Rx, IsOptions);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].at, arrival);
    EXPECT_EQ(received[0].remote, PeerOf(line.First()));
    EXPECT_EQ(received[0].size, sent[0].size);
    EXPECT_TRUE(received[0].message == sent[0].message); // the trace shows it as received

    // The server's copy carries received and rport (18.2.1, RFC 3581 4).
    ASSERT_EQ(server.requests.size(), 1u);
    EXPECT_EQ(server.requests[0].at, arrival);
    EXPECT_EQ(server.requests[0].from, PeerOf(line.First()));
    const Via* stamped = server.requests[0].message.GetTopVia();
    ASSERT_NE(stamped, nullptr);
    EXPECT_EQ(stamped->Received(), std::optional<std::string_view>("10.1.1.1"));
    EXPECT_EQ(stamped->Rport(), std::optional<std::string_view>("5060"));
    EXPECT_EQ(stamped->Branch(), via->Branch());

    // The 200 leaves at once for received:rport and reaches the client one hop later.
    const auto answer = log.Select(1, Direction::Tx, Is200);
    ASSERT_EQ(answer.size(), 1u);
    EXPECT_EQ(answer[0].at, arrival);
    EXPECT_EQ(answer[0].remote, PeerOf(line.First()));
    const Time back = arrival + UdpHopTime(answer[0].size, 1000000, MilliSeconds(5));
    ASSERT_EQ(client.responses.size(), 1u);
    EXPECT_EQ(client.responses[0].at, back);
    EXPECT_EQ(client.responses[0].message.GetStatusCode(), 200);
    EXPECT_EQ(client.responses[0].id, client.sent.at(0));
    EXPECT_TRUE(client.failures.empty());
    EXPECT_TRUE(server.failures.empty());

    EXPECT_EQ(stacks[0]->GetCounters().udpMessagesSent, 1u);
    EXPECT_EQ(stacks[0]->GetCounters().udpMessagesReceived, 1u);
    EXPECT_EQ(stacks[1]->GetCounters().udpMessagesSent, 1u);
    EXPECT_EQ(stacks[1]->GetCounters().udpMessagesReceived, 1u);
    EXPECT_EQ(stacks[0]->GetCounters().tcpConnectionsOpened, 0u);
    EXPECT_EQ(stacks[1]->GetCounters().parseErrorsAnswered, 0u);
}

TEST_F(UdpExchange, ResponseGoesToReceivedAndRportWhenTheSentByIsNotTheSource)
{
    // The client advertises an address that is not on its interface (as behind a NAT): the
    // response must go to where the request came from (18.2.2 received, RFC 3581 rport).
    Line line(2);
    SipStackHelper helper;
    helper.SetAttribute("LocalAddress", Ipv4AddressValue("192.168.7.10"));
    Ptr<SipStack> a = helper.Install(line.nodes.Get(0));
    SipStackHelper plain;
    Ptr<SipStack> b = plain.Install(line.nodes.Get(1));
    EXPECT_EQ(a->GetLocalAddress(), Ipv4Address("192.168.7.10"));
    EXPECT_EQ(b->GetLocalAddress(), line.Last());
    TestUser client(a, 0);
    TestUser server(b, 200);
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    ASSERT_EQ(server.requests.size(), 1u);
    const Via* stamped = server.requests[0].message.GetTopVia();
    ASSERT_NE(stamped, nullptr);
    EXPECT_EQ(stamped->host, "192.168.7.10");
    EXPECT_EQ(stamped->Received(), std::optional<std::string_view>("10.1.1.1"));
    EXPECT_EQ(stamped->Rport(), std::optional<std::string_view>("5060"));
    ASSERT_EQ(client.responses.size(), 1u);
    EXPECT_EQ(client.responses[0].message.GetStatusCode(), 200);
    EXPECT_EQ(a->GetCounters().viaMismatchDropped, 0u);
}

TEST_F(UdpExchange, RequestCrossesARouterInTwoHops)
{
    Line line(3); // node 1 routes between 10.1.1.0/24 and 10.1.2.0/24
    SipStackHelper helper;
    Ptr<SipStack> a = helper.Install(line.nodes.Get(0));
    Ptr<SipStack> c = helper.Install(line.nodes.Get(2));
    TestUser client(a, 0);
    TestUser server(c, 200);
    TraceLog log;
    log.Connect(a);
    log.Connect(c);
    client.SendAt(Seconds(2), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    const auto sent = log.Select(0, Direction::Tx, IsOptions);
    ASSERT_EQ(sent.size(), 1u);
    const Time hop = UdpHopTime(sent[0].size, 1000000, MilliSeconds(5));
    ASSERT_EQ(server.requests.size(), 1u);
    EXPECT_EQ(server.requests[0].at, Seconds(2) + hop + hop); // store and forward
    EXPECT_EQ(server.requests[0].from, PeerOf(line.First()));
    const auto answer = log.Select(2, Direction::Tx, Is200);
    ASSERT_EQ(answer.size(), 1u);
    const Time back = UdpHopTime(answer[0].size, 1000000, MilliSeconds(5));
    ASSERT_EQ(client.responses.size(), 1u);
    EXPECT_EQ(client.responses[0].at, server.requests[0].at + back + back);
}

TEST_F(UdpExchange, TransactionStateTraceFollowsTheClientTransaction)
{
    Line line(2);
    SipStackHelper helper;
    helper.SetAttribute("T4", TimeValue(Seconds(2)));
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    struct Change
    {
        Time at;
        TransactionId id;
        std::string kind, from, to;
    };

    std::vector<Change> changes;
    const Callback<void, TransactionId, std::string_view, std::string_view, std::string_view>
        record([&changes](TransactionId id, std::string_view kind, std::string_view from,
                          std::string_view to) {
            changes.push_back(
                {Simulator::Now(), id, std::string(kind), std::string(from), std::string(to)});
        });
    ASSERT_TRUE(stacks[0]->TraceConnectWithoutContext("TransactionState", record));
    EXPECT_EQ(stacks[0]->GetTimerConfig().t4, std::chrono::seconds(2));
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    ASSERT_EQ(client.responses.size(), 1u);
    const Time completed = client.responses[0].at;
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[0].at, Seconds(1));
    EXPECT_EQ(changes[0].to, "Trying");
    EXPECT_EQ(changes[1].at, completed);
    EXPECT_EQ(changes[1].from, "Trying");
    EXPECT_EQ(changes[1].to, "Completed");
    // Timer K = T4 (the attribute, 2 s) over UDP (RFC 3261 17.1.2.2).
    EXPECT_EQ(changes[2].at, completed + Seconds(2));
    EXPECT_EQ(changes[2].to, "Terminated");
    for (const Change& c : changes)
    {
        EXPECT_EQ(c.id, client.sent.at(0));
        EXPECT_EQ(c.kind, TransactionKindName(TransactionKind::NonInviteClient));
    }
}

TEST_F(UdpExchange, ResponseWithAForeignViaIsDropped)
{
    // RFC 3261 18.1.2: a response whose top Via sent-by is not this stack's is discarded.
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser user(stack, 200);
    TraceLog log;
    log.Connect(stack);
    RawUdp raw(line.nodes.Get(0), 5070);
    const std::string tail = "From: <sip:a@10.1.1.1>;tag=1\r\n"
                             "To: <sip:b@10.1.1.2>;tag=2\r\n"
                             "Call-ID: foreign@10.1.1.1\r\n"
                             "CSeq: 1 OPTIONS\r\n"
                             "Content-Length: 0\r\n\r\n";
    raw.SendAt(Seconds(1),
               "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKforeign\r\n" + tail,
               line.Last());
    raw.SendAt(Seconds(2),
               "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.1.1.2:5070;branch=z9hG4bKport\r\n" + tail,
               line.Last());
    // Ours, but for no transaction: the transaction layer drops it as a stray.
    raw.SendAt(Seconds(3),
               "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.1.1.2;branch=z9hG4bKstray\r\n" + tail,
               line.Last());
    Simulator::Run();

    EXPECT_EQ(stack->GetCounters().udpMessagesReceived, 3u);
    EXPECT_EQ(stack->GetCounters().viaMismatchDropped, 2u);
    EXPECT_EQ(stack->GetTransactionLayer().GetCounters().strayResponsesDropped, 1u);
    EXPECT_TRUE(user.responses.empty());
    EXPECT_TRUE(user.strays.empty());
    EXPECT_TRUE(log.parseErrors.empty());
    EXPECT_EQ(log.Select(1, Direction::Rx, Is200).size(), 3u);
    EXPECT_TRUE(log.Select(1, Direction::Tx, [](const TracedMessage&) { return true; }).empty());
}

TEST_F(UdpExchange, StoppedStackNeitherSendsNorReceives)
{
    Line line(2);
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    Simulator::Schedule(Seconds(0.5), [&stacks]() { stacks[1]->Stop(); });
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Schedule(Seconds(2), [&stacks, &line]() {
        EXPECT_FALSE(stacks[1]->IsRunning());
        EXPECT_FALSE(stacks[1]->Send(MakeTestRequest("OPTIONS", line.Last(), line.First()),
                                     PeerOf(line.First()), false));
    });
    Simulator::Run();

    EXPECT_TRUE(server.requests.empty());
    ASSERT_EQ(client.failures.size(), 1u);
    EXPECT_EQ(client.failures[0].failure, TransactionFailure::Timeout);
    EXPECT_EQ(client.failures[0].at, Seconds(1) + Seconds(32));
    EXPECT_EQ(stacks[1]->GetCounters().sendErrors, 1u);
    EXPECT_EQ(stacks[1]->GetCounters().udpMessagesReceived, 0u);
}

TEST_F(UdpExchange, StackStartedAgainAfterStopServesAgain)
{
    Line line(2);
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    Simulator::Schedule(Seconds(0.5), [&stacks]() { stacks[1]->Stop(); });
    Simulator::Schedule(Seconds(2), [&stacks]() { stacks[1]->Start(); });
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last(), 1, "down"),
                  PeerOf(line.Last()));
    client.SendAt(Seconds(3), MakeTestRequest("OPTIONS", line.First(), line.Last(), 1, "up"),
                  PeerOf(line.Last()));
    Simulator::Run();

    // The first request's copies reach the stack once it is up again, at 1 + 1.5 s (Timer E).
    ASSERT_EQ(server.requests.size(), 2u);
    EXPECT_EQ(server.requests[0].message.GetCallId(), "down");
    EXPECT_GT(server.requests[0].at, Seconds(2.5));
    EXPECT_LT(server.requests[0].at, Seconds(2.6));
    EXPECT_EQ(server.requests[1].message.GetCallId(), "up");
    ASSERT_EQ(client.responses.size(), 2u);
    EXPECT_TRUE(client.failures.empty());
    EXPECT_TRUE(stacks[1]->IsRunning());
}

TEST_F(UdpExchange, HelperAggregatesTheStackToTheNode)
{
    Line line(2);
    SipStackHelper helper;
    helper.SetAttribute("Port", UintegerValue(5080));
    const auto stacks = helper.Install(line.nodes);
    ASSERT_EQ(stacks.size(), 2u);
    EXPECT_EQ(line.nodes.Get(0)->GetObject<SipStack>(), stacks[0]);
    EXPECT_EQ(line.nodes.Get(1)->GetObject<SipStack>(), stacks[1]);
    EXPECT_EQ(stacks[1]->GetPort(), 5080);
    EXPECT_EQ(stacks[1]->GetLocalPeer(TransportProtocol::Tcp),
              PeerOf(line.Last(), 5080, TransportProtocol::Tcp));
    EXPECT_EQ(stacks[0]->GetNodeId(), 0u);
    // A second endpoint on a node: made directly, on another port.
    Ptr<SipStack> second = CreateObject<SipStack>();
    second->SetAttribute("Port", UintegerValue(5062));
    second->Install(line.nodes.Get(1));
    TestUser client(stacks[0], 0);
    TestUser server(second, 200);
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last(), 5062));
    Simulator::Run();
    ASSERT_EQ(server.requests.size(), 1u);
    ASSERT_EQ(client.responses.size(), 1u);
    EXPECT_EQ(client.responses[0].message.GetTopVia()->port, 5080);
}

} // namespace
} // namespace sipsim::test
