/*
 * Server transactions (RFC 3261 17.2, RFC 6026 7.1): 100 Trying, Timers G, H, I, J, L, the
 * responses re-sent for retransmitted requests, where responses go, transport errors.
 */
#include "transaction-test-util.h"
#include "transaction/invite-server-transaction.h"
#include "transaction/non-invite-server-transaction.h"

#include <gtest/gtest.h>

namespace sipsim::test {
namespace {

using V = std::vector<int64_t>;
using Strings = std::vector<std::string>;

/// Receives a request and returns the server transaction the user was told about.
TransactionId
Receive(Harness& h, const Message& request, const Peer& from = RemotePeer())
{
    const size_t before = h.user.requestIds.size();
    h.layer.ReceiveMessage(request, from);
    EXPECT_EQ(h.user.requestIds.size(), before + 1) << "no new server transaction";
    return h.user.requestIds.empty() ? 0 : h.user.requestIds.back();
}

// --- INVITE server: 100 Trying (17.2.1) --------------------------------------------------------

TEST(InviteServerTest, TryingAfter200msWithoutTuResponse)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    EXPECT_EQ(h.layer.GetStateName(id), "Proceeding");
    EXPECT_EQ(h.layer.FindTransaction(id)->GetKind(), TransactionKind::InviteServer);
    h.clock.RunUntil(200ms - 1ns);
    EXPECT_TRUE(h.transport.GetSent().empty());
    h.clock.RunUntil(1s);
    EXPECT_EQ(h.SendTimes("100"), (V{200}));
    const auto& sent = h.transport.GetSent().front();
    EXPECT_FALSE(sent.retransmission);
    EXPECT_EQ(sent.to, RemotePeer());
    const Message& trying = sent.message;
    EXPECT_EQ(trying.GetStatusCode(), 100);
    EXPECT_EQ(trying.GetHeaderValues(HeaderId::Via), invite.GetHeaderValues(HeaderId::Via));
    EXPECT_EQ(trying.FindHeader(HeaderId::From), invite.FindHeader(HeaderId::From));
    EXPECT_EQ(trying.FindHeader(HeaderId::To), invite.FindHeader(HeaderId::To));
    EXPECT_TRUE(trying.GetTo()->Tag().empty());
    EXPECT_EQ(trying.GetCallId(), invite.GetCallId());
    EXPECT_EQ(trying.FindHeader(HeaderId::CSeq), invite.FindHeader(HeaderId::CSeq));
    EXPECT_EQ(trying.FindHeader(HeaderId::Timestamp), invite.FindHeader(HeaderId::Timestamp));
    EXPECT_EQ(trying.GetContentLength(), 0);
    // A retransmitted INVITE re-sends the most recent provisional: the 100.
    h.layer.ReceiveMessage(invite, RemotePeer());
    EXPECT_EQ(h.SendTimes("100"), (V{200, 1000}));
    EXPECT_TRUE(h.transport.GetSent().back().retransmission);
    EXPECT_EQ(h.user.requests.size(), 1u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
    EXPECT_EQ(h.layer.GetCounters().serverTransactions, 1u);
}

TEST(InviteServerTest, NoTryingWhenTuAnswersWithin200ms)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    h.clock.RunUntil(150ms);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 180)));
    h.clock.RunUntil(10s);
    EXPECT_EQ(h.SendTimes("100"), V{});
    EXPECT_EQ(h.SendTimes("180"), (V{150}));
    h.layer.ReceiveMessage(invite, RemotePeer());
    h.layer.ReceiveMessage(invite, RemotePeer());
    EXPECT_EQ(h.SendTimes("180"), (V{150, 10000, 10000}));
    EXPECT_EQ(h.layer.GetCounters().retransmissionsSent, 2u);
    // The latest provisional is the one re-sent.
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 183)));
    h.layer.ReceiveMessage(invite, RemotePeer());
    EXPECT_EQ(h.log.back(), "resend 183");
}

TEST(InviteServerTest, TuAnsweringInsideOnRequest)
{
    Harness h;
    h.user.onRequest = [&](TransactionId id, const Message& request) {
        EXPECT_EQ(h.layer.GetRequest(id), &h.layer.FindTransaction(id)->GetRequest());
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 603)));
    };
    const TransactionId id = Receive(h, MakeIncoming("INVITE", "z9hG4bKinv1"));
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    h.clock.RunUntil(1s);
    EXPECT_EQ(h.SendTimes("603"), (V{0, 500}));
    EXPECT_EQ(h.SendTimes("100"), V{});
}

// --- the final status a server transaction reports (traces) ---------------------------------

TEST(ServerFinalStatusTest, FirstFinalResponseSentIsKept)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    const Transaction* txn = h.layer.FindTransaction(id);
    ASSERT_NE(txn, nullptr);
    EXPECT_EQ(txn->GetFinalStatus(), 0);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 180)));
    EXPECT_EQ(txn->GetFinalStatus(), 0); // a provisional is not final
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 486)));
    EXPECT_EQ(txn->GetFinalStatus(), 486);
    h.clock.RunUntil(1s); // Timer G retransmits the 486: still the first final
    EXPECT_EQ(txn->GetFinalStatus(), 486);

    const Message options = MakeIncoming("OPTIONS", "z9hG4bKopt1");
    const TransactionId nid = Receive(h, options);
    EXPECT_TRUE(h.layer.SendResponse(nid, MakeResponseTo(options, 200)));
    EXPECT_EQ(h.layer.FindTransaction(nid)->GetFinalStatus(), 200);
}

// --- INVITE server: 300-699, Timers G, H, I
// -------------------------------------------------------

TEST(InviteServerTest, TimerGUntilTimerH)
{
    Harness h;
    V failureTimes;
    h.user.onFailure = [&](TransactionId, TransactionFailure f) {
        EXPECT_EQ(f, TransactionFailure::Timeout);
        failureTimes.push_back(Ms(h.clock.Now()));
    };
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 486)));
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    h.clock.RunUntil(100s);
    EXPECT_EQ(h.SendTimes("486"),
              (V{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    EXPECT_EQ(failureTimes, (V{32000}));
    EXPECT_EQ(h.layer.GetCounters().retransmissionsSent, 10u);
    EXPECT_EQ(h.layer.GetCounters().timeouts, 1u);
    EXPECT_EQ(h.layer.Size(), 0u);
    EXPECT_EQ(h.log.back(), "terminated");
    for (size_t i = 1; i < h.transport.GetSent().size(); ++i)
    {
        EXPECT_TRUE(h.transport.GetSent()[i].retransmission);
    }
}

TEST(InviteServerTest, AckStopsTimerGThenTimerI)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    const Message busy = MakeResponseTo(invite, 486, "uas-tag");
    EXPECT_TRUE(h.layer.SendResponse(id, busy));
    h.clock.RunUntil(2s);
    // A retransmitted INVITE in Completed re-sends the final response.
    h.layer.ReceiveMessage(invite, RemotePeer());
    EXPECT_EQ(h.SendTimes("486"), (V{0, 500, 1500, 2000}));
    // The ACK of the 486 (same branch, 17.1.1.3).
    Message ack = MakeIncoming("ACK", "z9hG4bKinv1", 1, "uas-tag");
    h.clock.RunUntil(2500ms);
    h.layer.ReceiveMessage(ack, RemotePeer());
    EXPECT_EQ(h.layer.GetStateName(id), "Confirmed");
    EXPECT_TRUE(h.user.acks.empty());
    h.layer.ReceiveMessage(ack, RemotePeer());    // absorbed
    h.layer.ReceiveMessage(invite, RemotePeer()); // absorbed
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 3u);
    h.clock.RunUntil(7500ms - 1ns);
    EXPECT_EQ(h.layer.GetStateName(id), "Confirmed");
    h.clock.RunUntil(7500ms);
    EXPECT_EQ(h.State(id), "Terminated");
    h.clock.RunUntil(100s);
    EXPECT_EQ(h.SendTimes("486"), (V{0, 500, 1500, 2000}));
    EXPECT_TRUE(h.user.failures.empty());
    EXPECT_TRUE(h.user.acks.empty());
}

TEST(InviteServerTest, OverTcpNoTimerGAndTimerIZero)
{
    Harness h;
    const Peer tcp = RemotePeer(TransportProtocol::Tcp, 41000);
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1", 1, "", tcp);
    const TransactionId id = Receive(h, invite, tcp);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 480)));
    h.clock.RunUntil(10s);
    EXPECT_EQ(h.SendTimes("480"), (V{0}));
    EXPECT_EQ(h.transport.GetSent().front().to, tcp); // 18.2.2: the connection it came on
    h.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKinv1", 1, "bob-tag-1", tcp), tcp);
    EXPECT_EQ(h.layer.GetStateName(id), "Confirmed");
    h.Settle();
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_EQ(Ms(h.clock.Now()), 10000);
}

TEST(InviteServerTest, TimerHOverTcpIs64T1)
{
    Harness h;
    const Peer tcp = RemotePeer(TransportProtocol::Tcp, 41000);
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1", 1, "", tcp);
    const TransactionId id = Receive(h, invite, tcp);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 480)));
    h.clock.RunUntil(32s - 1ns);
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    h.clock.RunUntil(32s);
    EXPECT_EQ(h.State(id), "Terminated");
    ASSERT_EQ(h.user.failures.size(), 1u);
    EXPECT_EQ(h.user.failures[0].second, TransactionFailure::Timeout);
}

TEST(InviteServerTest, NonDefaultTimersChangeTheSchedule)
{
    TimerConfig config;
    config.t1 = 100ms;
    config.t2 = 1s;
    config.t4 = 3s;
    Harness h(config);
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 500)));
    h.clock.RunUntil(100s);
    EXPECT_EQ(h.SendTimes("500"), (V{0, 100, 300, 700, 1500, 2500, 3500, 4500, 5500}));
    ASSERT_EQ(h.transitions.size(), 3u);
    EXPECT_EQ(Ms(h.transitions.back().at), 6400); // Timer H = 64*T1
    // Timer I = T4
    Harness h2(config);
    const TransactionId id2 = Receive(h2, invite);
    EXPECT_TRUE(h2.layer.SendResponse(id2, MakeResponseTo(invite, 500)));
    h2.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKinv1", 1, "bob-tag-1"), RemotePeer());
    h2.clock.RunUntil(3s - 1ns);
    EXPECT_EQ(h2.layer.GetStateName(id2), "Confirmed");
    h2.clock.RunUntil(3s);
    EXPECT_EQ(h2.State(id2), "Terminated");
}

// --- INVITE server: 2xx, RFC 6026 Accepted, Timer L
// ------------------------------------------------

TEST(InviteServerTest, AcceptedUntilTimerL)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    h.clock.RunUntil(1s);
    const Message ok = MakeResponseTo(invite, 200);
    EXPECT_TRUE(h.layer.SendResponse(id, ok));
    EXPECT_EQ(h.layer.GetStateName(id), "Accepted");
    h.clock.RunUntil(1500ms);
    h.layer.ReceiveMessage(invite, RemotePeer()); // absorbed, nothing re-sent
    EXPECT_TRUE(h.layer.SendResponse(id, ok));    // the core's 2xx retransmission (13.3.1.4)
    EXPECT_FALSE(h.layer.SendResponse(id, MakeResponseTo(invite, 486)));
    EXPECT_FALSE(h.layer.SendResponse(id, MakeResponseTo(invite, 180)));
    // The ACK of the 2xx has its own branch: not matched, to the core.
    h.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKack2xx", 1, "bob-tag-1"), RemotePeer());
    // An ACK that does match the Accepted transaction goes to the core too (RFC 6026 7.1).
    h.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKinv1", 1, "bob-tag-1"), RemotePeer());
    EXPECT_EQ(h.log, (Strings{"tu request INVITE", "send 100", "send 200", "resend 200", "tu ack",
                              "tu ack"}));
    EXPECT_EQ(h.layer.GetStateName(id), "Accepted");
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
    h.clock.RunUntil(33s - 1ns);
    EXPECT_EQ(h.layer.GetStateName(id), "Accepted");
    h.clock.RunUntil(33s);
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_TRUE(h.user.failures.empty());
    EXPECT_FALSE(h.layer.SendResponse(id, ok));
    // Later, a retransmitted INVITE is a new request to the core.
    h.layer.ReceiveMessage(invite, RemotePeer());
    EXPECT_EQ(h.user.requests.size(), 2u);
}

// --- non-INVITE server
// ------------------------------------------------------------------------------

TEST(NonInviteServerTest, RetransmissionsAndTimerJ)
{
    for (const auto transport : {TransportProtocol::Udp, TransportProtocol::Tcp})
    {
        Harness h;
        const Peer from = RemotePeer(transport);
        const Message request = MakeIncoming("REGISTER", "z9hG4bKreg1", 1, "", from);
        const TransactionId id = Receive(h, request, from);
        EXPECT_EQ(h.layer.GetStateName(id), "Trying");
        h.layer.ReceiveMessage(request, from); // Trying: discarded
        EXPECT_TRUE(h.transport.GetSent().empty());
        h.clock.RunUntil(1s);
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 100)));
        EXPECT_EQ(h.layer.GetStateName(id), "Proceeding");
        h.layer.ReceiveMessage(request, from); // Proceeding: latest provisional
        h.clock.RunUntil(2s);
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 200)));
        EXPECT_EQ(h.layer.GetStateName(id), "Completed");
        EXPECT_FALSE(h.layer.SendResponse(id, MakeResponseTo(request, 500)));
        EXPECT_FALSE(h.layer.SendResponse(id, MakeResponseTo(request, 180)));
        if (transport == TransportProtocol::Udp)
        {
            h.layer.ReceiveMessage(request, from); // Completed: the final response
            EXPECT_EQ(h.log, (Strings{"tu request REGISTER", "send 100", "resend 100", "send 200",
                                      "resend 200"}));
            // Timer J = 64*T1
            h.clock.RunUntil(34s - 1ns);
            EXPECT_EQ(h.layer.GetStateName(id), "Completed");
            h.clock.RunUntil(34s);
        }
        else
        {
            h.Settle(); // Timer J = 0
        }
        EXPECT_EQ(h.State(id), "Terminated");
        EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed,
                  transport == TransportProtocol::Udp ? 3u : 2u);
        EXPECT_TRUE(h.user.failures.empty());
        for (const auto& s : h.transport.GetSent())
        {
            EXPECT_EQ(s.to, from);
        }
    }
}

TEST(NonInviteServerTest, NoAutomaticTrying)
{
    Harness h;
    Receive(h, MakeIncoming("OPTIONS", "z9hG4bKopt"));
    h.clock.RunUntil(100s);
    EXPECT_TRUE(h.transport.GetSent().empty());
    EXPECT_EQ(h.layer.Size(), 1u); // waits for the TU
}

// --- where responses go (18.2.2)
// ------------------------------------------------------------------

TEST(ResponseRoutingTest, RportAndReceived)
{
    Harness h;
    const Peer nat = RemotePeer(TransportProtocol::Udp, 40000); // behind a NAT: other port
    const Message invite = MakeIncoming("INVITE", "z9hG4bKnat", 1, "", nat);
    EXPECT_EQ(invite.GetTopVia()->Rport(), "40000");
    const TransactionId id = Receive(h, invite, nat);
    EXPECT_EQ(h.user.lastFrom, nat);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 180)));
    EXPECT_EQ(h.transport.GetSent().back().to, nat);
    EXPECT_EQ(h.layer.FindTransaction(id)->GetPeer(), nat);
}

TEST(ResponseRoutingTest, StatelessResponse)
{
    Harness h;
    const Peer nat = RemotePeer(TransportProtocol::Udp, 40000);
    const Message request = MakeIncoming("OPTIONS", "z9hG4bKstateless", 1, "", nat);
    EXPECT_TRUE(h.layer.SendStatelessResponse(MakeResponseTo(request, 200), nat));
    EXPECT_EQ(h.transport.GetSent().back().to, nat);
    EXPECT_FALSE(h.transport.GetSent().back().retransmission);
    EXPECT_FALSE(h.layer.SendStatelessResponse(Message::MakeResponse(200), nat)); // no Via
    EXPECT_EQ(h.layer.Size(), 0u);
}

TEST(ResponseRoutingTest, SendResponseRefusals)
{
    Harness h;
    const Message request = MakeIncoming("OPTIONS", "z9hG4bKx");
    const TransactionId id = Receive(h, request);
    EXPECT_FALSE(h.layer.SendResponse(id + 100, MakeResponseTo(request, 200)));
    EXPECT_FALSE(h.layer.SendResponse(id, request));
    EXPECT_FALSE(h.layer.SendResponse(id, Message::MakeResponse(99)));
    EXPECT_TRUE(h.transport.GetSent().empty());
    // Client transactions take no responses from the TU.
    const TransactionId client = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    EXPECT_FALSE(h.layer.SendResponse(client, MakeResponseTo(request, 200)));
}

// --- transport errors
// -------------------------------------------------------------------------------

TEST(ServerTransportErrorTest, InviteServerStaysInItsState)
{
    // RFC 6026 7.1: inform the TU, keep the state; Timer H still ends it.
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    const TransactionId id = Receive(h, invite);
    h.transport.SetFail(true);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 486)));
    EXPECT_EQ(h.log, (Strings{"tu request INVITE", "send 486"}));
    h.Settle();
    EXPECT_EQ(h.log, (Strings{"tu request INVITE", "send 486", "failure TransportError"}));
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    h.clock.RunUntil(100s);
    EXPECT_EQ(h.SendTimes("486").size(), 11u);
    ASSERT_EQ(h.user.failures.size(), 2u); // reported once, then Timer H
    EXPECT_EQ(h.user.failures[1].second, TransactionFailure::Timeout);
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_EQ(h.layer.GetCounters().transportErrors, 1u);
}

TEST(ServerTransportErrorTest, NonInviteServerTerminates)
{
    Harness h;
    const Message request = MakeIncoming("BYE", "z9hG4bKbye");
    const TransactionId id = Receive(h, request);
    h.transport.SetFail(true);
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 200)));
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    h.Settle();
    EXPECT_EQ(h.log,
              (Strings{"tu request BYE", "send 200", "failure TransportError", "terminated"}));
    EXPECT_EQ(h.State(id), "Terminated");
}

TEST(ServerTransportErrorTest, ReportedByPeer)
{
    Harness h;
    const Peer tcp = RemotePeer(TransportProtocol::Tcp, 41000);
    const Message request = MakeIncoming("SUBSCRIBE", "z9hG4bKsub", 1, "", tcp);
    const TransactionId id = Receive(h, request, tcp);
    h.layer.ReportTransportError(tcp); // Trying: no arrow
    EXPECT_EQ(h.layer.GetStateName(id), "Trying");
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 100)));
    h.layer.ReportTransportError(RemotePeer(TransportProtocol::Tcp, 41001)); // another peer
    EXPECT_EQ(h.layer.GetStateName(id), "Proceeding");
    h.layer.ReportTransportError(tcp);
    EXPECT_EQ(h.State(id), "Terminated");
    ASSERT_EQ(h.user.failures.size(), 1u);
    EXPECT_EQ(h.user.failures[0].second, TransactionFailure::TransportError);
}

} // namespace
} // namespace sipsim::test
