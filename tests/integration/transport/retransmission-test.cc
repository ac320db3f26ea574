/*
 * The RFC 3261 17 retransmission schedules over UDP on ns-3, when every datagram (or every
 * ACK) is lost: Timer A/B (INVITE client), E/F (non-INVITE client), G/H (INVITE server), with
 * T1 = 500 ms and T2 = 4 s unless a test sets them. Times are exact.
 */
#include "transport-test-support.h"

namespace sipsim::test {
namespace {

using namespace ns3;

using Retransmission = TransportTest;

/// Drops every packet a device receives (RFC 3261 17.1.1.2: "all-lost" schedules).
void
LoseEverything(Ptr<NetDevice> device)
{
    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorRate", DoubleValue(1.0));
    em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
    device->SetAttribute("ReceiveErrorModel", PointerValue(em));
}

std::vector<bool>
RetransmissionFlags(const std::vector<TracedMessage>& messages)
{
    std::vector<bool> out;
    for (const TracedMessage& m : messages)
    {
        out.push_back(m.retransmission);
    }
    return out;
}

TEST_F(Retransmission, UnansweredInviteIsSentSevenTimesThenTimerB)
{
    Line line(2);
    LoseEverything(line.Device(0, 1));
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 200);
    TraceLog log;
    log.Connect(stacks[0]);
    client.SendAt(Seconds(1), MakeTestRequest("INVITE", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    const auto invites = log.Select(0, Direction::Tx,
                                    [](const TracedMessage& m) { return m.IsRequest("INVITE"); });
    ASSERT_EQ(invites.size(), 7u);
    EXPECT_EQ(invites[0].at, Seconds(1));
    // Timer A: T1, doubling (17.1.1.2).
    EXPECT_EQ(RelativeTimes(invites), Millis({0, 500, 1500, 3500, 7500, 15500, 31500}));
    EXPECT_EQ(RetransmissionFlags(invites),
              (std::vector<bool>{false, true, true, true, true, true, true}));
    for (const TracedMessage& m : invites)
    {
        EXPECT_EQ(m.message.GetTopVia()->Branch(), invites[0].message.GetTopVia()->Branch());
    }
    // Timer B = 64*T1.
    ASSERT_EQ(client.failures.size(), 1u);
    EXPECT_EQ(client.failures[0].at, Seconds(1) + Seconds(32));
    EXPECT_EQ(client.failures[0].kind, TransactionKind::InviteClient);
    EXPECT_EQ(client.failures[0].failure, TransactionFailure::Timeout);
    EXPECT_EQ(client.failures[0].id, client.sent.at(0));
    EXPECT_TRUE(server.requests.empty());
    EXPECT_EQ(stacks[0]->GetCounters().udpMessagesSent, 7u);
    EXPECT_EQ(stacks[0]->GetTransactionLayer().GetCounters().retransmissionsSent, 6u);
}

TEST_F(Retransmission, UnansweredOptionsFollowsTimerEThenTimerF)
{
    // No listener at all on the far node: the datagrams are lost there.
    Line line(2);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(0));
    TestUser client(stack, 0);
    TraceLog log;
    log.Connect(stack);
    client.SendAt(Seconds(3), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    const auto sent = log.Select(0, Direction::Tx,
                                 [](const TracedMessage& m) { return m.IsRequest("OPTIONS"); });
    ASSERT_EQ(sent.size(), 11u);
    EXPECT_EQ(sent[0].at, Seconds(3));
    // Timer E: T1 doubling up to T2 = 4 s (17.1.2.2).
    EXPECT_EQ(RelativeTimes(sent),
              Millis({0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    EXPECT_FALSE(sent[0].retransmission);
    for (size_t i = 1; i < sent.size(); ++i)
    {
        EXPECT_TRUE(sent[i].retransmission) << i;
    }
    ASSERT_EQ(client.failures.size(), 1u);
    EXPECT_EQ(client.failures[0].at, Seconds(3) + Seconds(32)); // Timer F = 64*T1
    EXPECT_EQ(client.failures[0].kind, TransactionKind::NonInviteClient);
    EXPECT_EQ(client.failures[0].failure, TransactionFailure::Timeout);
}

TEST_F(Retransmission, TimersFollowTheT1AndT2Attributes)
{
    Line line(2);
    LoseEverything(line.Device(0, 1));
    SipStackHelper helper;
    helper.SetAttribute("T1", TimeValue(MilliSeconds(100)));
    helper.SetAttribute("T2", TimeValue(MilliSeconds(400)));
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TraceLog log;
    log.Connect(stacks[0]);
    client.SendAt(Seconds(1), MakeTestRequest("OPTIONS", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    const auto sent = log.Select(0, Direction::Tx,
                                 [](const TracedMessage& m) { return m.IsRequest("OPTIONS"); });
    // E: 100, 200, 400, then T2 = 400 until F = 6.4 s.
    EXPECT_EQ(RelativeTimes(sent), Millis({0, 100, 300, 700, 1100, 1500, 1900, 2300, 2700, 3100,
                                           3500, 3900, 4300, 4700, 5100, 5500, 5900, 6300}));
    ASSERT_EQ(client.failures.size(), 1u);
    EXPECT_EQ(client.failures[0].at, Seconds(1) + MilliSeconds(6400));
}

/// The 486 of an INVITE the server answers, its copies, and what the client does with them.
struct RejectedInvite
{
    std::vector<TracedMessage> rejects; ///< the server's 486s
    std::vector<TracedMessage> acks;    ///< the client's ACKs
    std::vector<TracedMessage> acksIn;  ///< ACKs that reached the server
};

RejectedInvite
Collect(const TraceLog& log)
{
    RejectedInvite r;
    r.rejects
        = log.Select(1, Direction::Tx, [](const TracedMessage& m) { return m.IsResponse(486); });
    r.acks
        = log.Select(0, Direction::Tx, [](const TracedMessage& m) { return m.IsRequest("ACK"); });
    r.acksIn
        = log.Select(1, Direction::Rx, [](const TracedMessage& m) { return m.IsRequest("ACK"); });
    return r;
}

TEST_F(Retransmission, FinalResponseFollowsTimerGUntilTimerHWhenEveryAckIsLost)
{
    Line line(2);
    Ptr<SipDropModel> drop = DropOnReceive(line.Device(0, 1), [](std::string_view bytes) {
        return SipPayloadStartsWith(bytes, "ACK ");
    });
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 486);
    TraceLog log;
    log.Connect(stacks[0]);
    log.Connect(stacks[1]);
    client.SendAt(Seconds(1), MakeTestRequest("INVITE", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    const RejectedInvite r = Collect(log);
    ASSERT_EQ(server.requests.size(), 1u);
    ASSERT_FALSE(r.rejects.empty());
    EXPECT_EQ(r.rejects[0].at, server.requests[0].at);
    // Timer G: T1 doubling up to T2 (17.2.1), until Timer H = 64*T1.
    EXPECT_EQ(RelativeTimes(r.rejects),
              Millis({0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    EXPECT_FALSE(r.rejects[0].retransmission);
    EXPECT_TRUE(r.rejects.back().retransmission);
    ASSERT_EQ(server.failures.size(), 1u);
    EXPECT_EQ(server.failures[0].at, r.rejects[0].at + Seconds(32));
    EXPECT_EQ(server.failures[0].kind, TransactionKind::InviteServer);
    EXPECT_EQ(server.failures[0].failure, TransactionFailure::Timeout);

    // The client hands the 486 to its user once and ACKs every copy (17.1.1.2); all are lost.
    ASSERT_EQ(client.responses.size(), 1u);
    EXPECT_EQ(client.responses[0].message.GetStatusCode(), 486);
    EXPECT_EQ(r.acks.size(), r.rejects.size());
    EXPECT_TRUE(r.acksIn.empty());
    EXPECT_EQ(drop->dropped, r.acks.size());
    const Time hop486 = UdpHopTime(r.rejects[0].size, 1000000, MilliSeconds(5));
    for (size_t i = 0; i < r.acks.size() && i < r.rejects.size(); ++i)
    {
        EXPECT_EQ(r.acks[i].at, r.rejects[i].at + hop486) << i;
    }
    EXPECT_TRUE(client.failures.empty());
}

TEST_F(Retransmission, FinalResponseStopsWhenTheAckArrives)
{
    // The first two ACKs are lost; the third (answering the second copy) gets through.
    Line line(2);
    int acksSeen = 0;
    DropOnReceive(line.Device(0, 1), [&acksSeen](std::string_view bytes) {
        return SipPayloadStartsWith(bytes, "ACK ") && ++acksSeen <= 2;
    });
    SipStackHelper helper;
    const auto stacks = helper.Install(line.nodes);
    TestUser client(stacks[0], 0);
    TestUser server(stacks[1], 486);
    TraceLog log;
    log.Connect(stacks[0]);
    log.Connect(stacks[1]);
    struct Change
    {
        Time at;
        std::string kind, from, to;
    };

    std::vector<Change> changes;
    const Callback<void, TransactionId, std::string_view, std::string_view, std::string_view>
        record([&changes](TransactionId, std::string_view kind, std::string_view from,
                          std::string_view to) {
            changes.push_back(
                {Simulator::Now(), std::string(kind), std::string(from), std::string(to)});
        });
    stacks[1]->TraceConnectWithoutContext("TransactionState", record);
    client.SendAt(Seconds(1), MakeTestRequest("INVITE", line.First(), line.Last()),
                  PeerOf(line.Last()));
    Simulator::Run();

    const RejectedInvite r = Collect(log);
    ASSERT_EQ(r.rejects.size(), 3u);
    EXPECT_EQ(RelativeTimes(r.rejects), Millis({0, 500, 1500}));
    ASSERT_EQ(r.acks.size(), 3u);
    ASSERT_EQ(r.acksIn.size(), 1u);
    const Time ackArrival = r.acks[2].at + UdpHopTime(r.acks[2].size, 1000000, MilliSeconds(5));
    EXPECT_EQ(r.acksIn[0].at, ackArrival);
    EXPECT_TRUE(server.failures.empty());

    // Completed -> Confirmed at the ACK, Terminated Timer I = T4 = 5 s later (17.2.1).
    const auto confirmed = std::find_if(changes.begin(), changes.end(),
                                        [](const Change& c) { return c.to == "Confirmed"; });
    ASSERT_NE(confirmed, changes.end());
    EXPECT_EQ(confirmed->at, ackArrival);
    EXPECT_EQ(confirmed->from, "Completed");
    EXPECT_EQ(confirmed->kind, TransactionKindName(TransactionKind::InviteServer));
    ASSERT_FALSE(changes.empty());
    EXPECT_EQ(changes.back().to, "Terminated");
    EXPECT_EQ(changes.back().at, ackArrival + Seconds(5));
}

} // namespace
} // namespace sipsim::test
