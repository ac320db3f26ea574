/*
 * Client transactions (RFC 3261 17.1, RFC 6026 7.2): exact retransmission schedules, timers,
 * the ACK of 17.1.1.3, CANCEL (9.1), transport errors, and the requests the layer sends.
 */
#include "transaction-test-util.h"
#include "transaction/invite-client-transaction.h"
#include "transaction/non-invite-client-transaction.h"

#include <gtest/gtest.h>

namespace sipsim::test {
namespace {

using V = std::vector<int64_t>;
using Strings = std::vector<std::string>;

/// Failure callbacks with their time (ms).
struct FailureClock
{
    explicit FailureClock(Harness& h)
    {
        h.user.onFailure = [this, &h](TransactionId, TransactionFailure f) {
            times.push_back(Ms(h.clock.Now()));
            kinds.push_back(f);
        };
    }

    V times;
    std::vector<TransactionFailure> kinds;
};

// --- exact schedules ---------------------------------------------------------------------------

TEST(ClientScheduleTest, InviteOverUdpUnanswered)
{
    Harness h;
    FailureClock failures(h);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    ASSERT_NE(id, 0u);
    h.clock.RunUntil(100s);
    // 17.1.1.2: seven sends, Timer A doubling from T1 with no cap; Timer B at 64*T1.
    EXPECT_EQ(h.SendTimes("INVITE"), (V{0, 500, 1500, 3500, 7500, 15500, 31500}));
    EXPECT_EQ(failures.times, (V{32000}));
    EXPECT_EQ(failures.kinds, (std::vector{TransactionFailure::Timeout}));
    const auto& sent = h.transport.GetSent();
    EXPECT_FALSE(sent.front().retransmission);
    for (size_t i = 1; i < sent.size(); ++i)
    {
        EXPECT_TRUE(sent[i].retransmission);
        EXPECT_EQ(sent[i].message, sent.front().message);
        EXPECT_EQ(sent[i].to, RemotePeer());
    }
    EXPECT_EQ(h.layer.GetCounters().retransmissionsSent, 6u);
    EXPECT_EQ(h.layer.GetCounters().timeouts, 1u);
    EXPECT_EQ(h.layer.GetCounters().clientTransactions, 1u);
    EXPECT_EQ(h.layer.Size(), 0u);
    EXPECT_EQ(h.user.terminated, (std::vector<TransactionId>{id}));
    EXPECT_EQ(h.clock.PendingCount(), 0u);
}

TEST(ClientScheduleTest, NonInviteOverUdpUnanswered)
{
    Harness h;
    FailureClock failures(h);
    h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    h.clock.RunUntil(100s);
    // 17.1.2.2: Timer E doubles from T1 up to T2; Timer F at 64*T1.
    EXPECT_EQ(h.SendTimes("OPTIONS"),
              (V{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
    EXPECT_EQ(failures.times, (V{32000}));
    EXPECT_EQ(failures.kinds, (std::vector{TransactionFailure::Timeout}));
    EXPECT_EQ(h.layer.GetCounters().retransmissionsSent, 10u);
    EXPECT_EQ(h.layer.Size(), 0u);
}

TEST(ClientScheduleTest, TimeoutTimerStartsWithTheFirstRetransmissionOverUdp)
{
    // Timers B and F run 64*T1 from the start; over UDP they are scheduled when A or E first
    // fires (the same time), so a transaction answered within T1 schedules one timer, not two.
    for (const char* method : {"INVITE", "OPTIONS"})
    {
        SCOPED_TRACE(method);
        Harness h;
        const TransactionId id = h.layer.SendRequest(MakeOutgoing(method), RemotePeer());
        EXPECT_EQ(h.clock.PendingCount(), 1u); // A or E
        h.clock.RunUntil(500ms);               // the first retransmission
        EXPECT_EQ(h.clock.PendingCount(), 2u); // the next A or E, and B or F
        h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 404), RemotePeer());
        EXPECT_EQ(h.layer.GetStateName(id), "Completed");
        EXPECT_EQ(h.clock.PendingCount(), 1u); // D or K only
    }
    // Over TCP (no retransmissions) the timeout timer starts with the transaction.
    Harness tcp;
    tcp.layer.SendRequest(MakeOutgoing("OPTIONS"), Peer{TransportProtocol::Tcp, 0x0a000001, 5060});
    EXPECT_EQ(tcp.clock.PendingCount(), 1u); // F
}

TEST(ClientScheduleTest, OverTcpSentOnceThenTimeout)
{
    for (const char* method : {"INVITE", "REGISTER"})
    {
        Harness h;
        FailureClock failures(h);
        h.layer.SendRequest(MakeOutgoing(method), RemotePeer(TransportProtocol::Tcp));
        h.clock.RunUntil(100s);
        EXPECT_EQ(h.SendTimes(method), (V{0})) << method;
        EXPECT_EQ(failures.times, (V{32000})) << method;
        EXPECT_EQ(h.layer.GetCounters().retransmissionsSent, 0u);
        EXPECT_EQ(h.transport.GetSent().front().to.transport, TransportProtocol::Tcp);
        EXPECT_EQ(h.transport.GetSent().front().message.GetTopVia()->transport, "TCP");
    }
}

TEST(ClientScheduleTest, NonDefaultT1T2ChangeTheSchedules)
{
    TimerConfig config;
    config.t1 = 100ms;
    config.t2 = 1s;
    {
        Harness h(config);
        FailureClock failures(h);
        h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
        h.clock.RunUntil(100s);
        EXPECT_EQ(h.SendTimes("INVITE"), (V{0, 100, 300, 700, 1500, 3100, 6300}));
        EXPECT_EQ(failures.times, (V{6400}));
    }
    {
        Harness h(config);
        FailureClock failures(h);
        h.layer.SendRequest(MakeOutgoing("BYE"), RemotePeer());
        h.clock.RunUntil(100s);
        EXPECT_EQ(h.SendTimes("BYE"), (V{0, 100, 300, 700, 1500, 2500, 3500, 4500, 5500}));
        EXPECT_EQ(failures.times, (V{6400}));
    }
}

TEST(ClientScheduleTest, TimerEInProceedingIsT2)
{
    Harness h;
    FailureClock failures(h);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    const Message request = *h.layer.GetRequest(id);
    h.clock.RunUntil(600ms);
    h.layer.ReceiveMessage(MakeResponseTo(request, 100), RemotePeer());
    EXPECT_EQ(h.State(id), "Proceeding");
    h.clock.RunUntil(100s);
    // The pending Timer E (due at 1.5 s) fires in Proceeding and is reset to T2 each time.
    EXPECT_EQ(h.SendTimes("OPTIONS"),
              (V{0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500}));
    EXPECT_EQ(failures.times, (V{32000}));
    EXPECT_EQ(h.user.responses.size(), 1u);
}

TEST(ClientScheduleTest, ProvisionalStopsInviteRetransmissionsAndTimerB)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    h.clock.RunUntil(1s);
    h.layer.ReceiveMessage(MakeResponseTo(invite, 180), RemotePeer());
    h.clock.RunUntil(200s);
    EXPECT_EQ(h.SendTimes("INVITE"), (V{0, 500}));
    EXPECT_EQ(h.State(id), "Proceeding");
    EXPECT_TRUE(h.user.failures.empty());
    EXPECT_EQ(h.clock.PendingCount(), 0u);
    // Provisionals keep flowing to the TU.
    h.layer.ReceiveMessage(MakeResponseTo(invite, 183), RemotePeer());
    EXPECT_EQ(h.log, (Strings{"send INVITE", "resend INVITE", "tu 180", "tu 183"}));
    EXPECT_EQ(h.user.responseIds, (std::vector<TransactionId>{id, id}));
}

// --- INVITE: 300-699, the ACK, Timer D -----------------------------------------------------------

TEST(InviteClientTest, AckForFailureResponse)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    h.clock.RunUntil(2s);
    const Message busy = MakeResponseTo(invite, 486, "callee-tag");
    h.layer.ReceiveMessage(busy, RemotePeer());
    EXPECT_EQ(h.State(id), "Completed");
    ASSERT_EQ(h.transport.GetSent().size(), 4u); // INVITE x3, ACK
    const FakeTransport::Sent& sent = h.transport.GetSent().back();
    EXPECT_EQ(sent.to, RemotePeer());
    EXPECT_FALSE(sent.retransmission);
    const Message& ack = sent.message;
    // 17.1.1.3
    EXPECT_EQ(ack.GetMethod(), Method::Ack);
    EXPECT_EQ(ack.GetRequestUriText(), invite.GetRequestUriText());
    EXPECT_EQ(ack.GetHeaderValues(HeaderId::Via),
              (std::vector<std::string_view>{invite.GetHeaderValues(HeaderId::Via).front()}));
    EXPECT_EQ(ack.GetTopVia()->Branch(), invite.GetTopVia()->Branch());
    EXPECT_EQ(ack.FindHeader(HeaderId::From), invite.FindHeader(HeaderId::From));
    EXPECT_EQ(ack.FindHeader(HeaderId::To), busy.FindHeader(HeaderId::To));
    EXPECT_EQ(ack.GetTo()->Tag(), "callee-tag");
    EXPECT_EQ(ack.GetCallId(), invite.GetCallId());
    EXPECT_EQ(ack.GetCSeq()->number, 1u);
    EXPECT_EQ(ack.GetCSeq()->method, "ACK");
    EXPECT_EQ(ack.GetHeaderValues(HeaderId::Route), invite.GetHeaderValues(HeaderId::Route));
    EXPECT_EQ(ack.GetHeaderValues(HeaderId::Route).size(), 2u);
    EXPECT_EQ(ack.GetMaxForwards(), 70);
    EXPECT_EQ(ack.GetContentLength(), 0);
    EXPECT_TRUE(ack.GetBody().empty());
    auto* txn = dynamic_cast<InviteClientTransaction*>(h.layer.FindTransaction(id));
    ASSERT_NE(txn, nullptr);
    ASSERT_NE(txn->GetAck(), nullptr);
    EXPECT_EQ(*txn->GetAck(), ack);
    EXPECT_EQ(h.user.responses.size(), 1u);
}

TEST(ClientFinalStatusTest, FirstFinalResponseReceivedIsKept)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    const Transaction* txn = h.layer.FindTransaction(id);
    ASSERT_NE(txn, nullptr);
    h.layer.ReceiveMessage(MakeResponseTo(invite, 180), RemotePeer());
    EXPECT_EQ(txn->GetFinalStatus(), 0);
    h.layer.ReceiveMessage(MakeResponseTo(invite, 486), RemotePeer());
    EXPECT_EQ(txn->GetFinalStatus(), 486);
    // A retransmitted or different final in Completed does not change it.
    h.layer.ReceiveMessage(MakeResponseTo(invite, 603), RemotePeer());
    EXPECT_EQ(txn->GetFinalStatus(), 486);
}

TEST(InviteClientTest, RetransmittedFailureResponseResendsAckOnly)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    const Message busy = MakeResponseTo(invite, 486);
    h.layer.ReceiveMessage(busy, RemotePeer());
    h.clock.RunUntil(5s);
    h.layer.ReceiveMessage(busy, RemotePeer());
    h.clock.RunUntil(6s);
    h.layer.ReceiveMessage(busy, RemotePeer());
    EXPECT_EQ(h.log, (Strings{"send INVITE", "send ACK", "tu 486", "resend ACK", "resend ACK"}));
    EXPECT_EQ(h.SendTimes("ACK"), (V{0, 5000, 6000}));
    EXPECT_EQ(h.transport.GetSent()[2].message, h.transport.GetSent()[1].message);
    EXPECT_EQ(h.layer.GetCounters().responsesAbsorbed, 2u);
    EXPECT_EQ(h.layer.GetCounters().retransmissionsSent, 2u);
    // Timer D: max(32 s, 64*T1) after the 486.
    h.clock.RunUntil(32s - 1ns);
    EXPECT_EQ(h.State(id), "Completed");
    h.clock.RunUntil(32s);
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_TRUE(h.user.failures.empty());
    EXPECT_EQ(h.log.back(), "terminated");
}

TEST(InviteClientTest, TimerDValues)
{
    TimerConfig c;
    EXPECT_EQ(c.TimerD(false), 32s);
    EXPECT_EQ(c.TimerD(true), 0s);
    c.t1 = 1s;
    EXPECT_EQ(c.TimerD(false), 64s);
    c.t1 = 100ms;
    EXPECT_EQ(c.TimerD(false), 32s);
    EXPECT_EQ(c.TimerI(false), 5s);
    EXPECT_EQ(c.TimerI(true), 0s);
    EXPECT_EQ(c.TimerJ(false), 6400ms);
    EXPECT_EQ(c.TimerJ(true), 0s);
    EXPECT_EQ(c.TimerK(false), 5s);
    EXPECT_EQ(c.TimerK(true), 0s);
    EXPECT_EQ(c.TimerL(), 6400ms);
    EXPECT_EQ(c.TimerM(), 6400ms);
}

TEST(InviteClientTest, TimerDWithLargeT1)
{
    TimerConfig config;
    config.t1 = 1s;
    Harness h(config);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.clock.RunUntil(2500ms);
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 503), RemotePeer());
    h.clock.RunUntil(66500ms - 1ns);
    EXPECT_EQ(h.State(id), "Completed");
    h.clock.RunUntil(66500ms);
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_EQ(h.SendTimes("INVITE"), (V{0, 1000}));
}

TEST(InviteClientTest, TimerDZeroOverTcp)
{
    Harness h;
    const TransactionId id
        = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer(TransportProtocol::Tcp));
    h.clock.RunUntil(1s);
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 404), RemotePeer());
    // The ACK is sent even on a reliable transport (17.1.1.2).
    EXPECT_EQ(h.SendTimes("ACK"), (V{1000}));
    EXPECT_EQ(h.State(id), "Completed");
    h.Settle();
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_EQ(Ms(h.clock.Now()), 1000);
}

// --- INVITE: 2xx, RFC 6026 Accepted, Timer M
// -------------------------------------------------------

TEST(InviteClientTest, AcceptedPassesEvery2xxUntilTimerM)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    h.clock.RunUntil(700ms);
    const Message ok = MakeResponseTo(invite, 200);
    h.layer.ReceiveMessage(ok, RemotePeer());
    EXPECT_EQ(h.State(id), "Accepted");
    h.clock.RunUntil(1200ms);
    h.layer.ReceiveMessage(ok, RemotePeer());                                    // retransmission
    h.layer.ReceiveMessage(MakeResponseTo(invite, 200, "fork-2"), RemotePeer()); // another fork
    h.layer.ReceiveMessage(MakeResponseTo(invite, 180), RemotePeer());           // absorbed
    h.layer.ReceiveMessage(MakeResponseTo(invite, 486), RemotePeer());           // absorbed
    EXPECT_EQ(h.log, (Strings{"send INVITE", "resend INVITE", "tu 200", "tu 200", "tu 200"}));
    EXPECT_EQ(h.user.responses[2].GetTo()->Tag(), "fork-2");
    EXPECT_EQ(h.layer.GetCounters().responsesAbsorbed, 2u);
    EXPECT_EQ(h.SendTimes("ACK"), V{}); // the ACK of a 2xx is the TU's
    // Timer M: 64*T1 after the first 2xx.
    h.clock.RunUntil(32700ms - 1ns);
    EXPECT_EQ(h.State(id), "Accepted");
    h.clock.RunUntil(32700ms);
    EXPECT_EQ(h.State(id), "Terminated");
    EXPECT_TRUE(h.user.failures.empty());
    // Now a 2xx is stray and goes to the core.
    h.layer.ReceiveMessage(ok, RemotePeer(TransportProtocol::Udp, 5062));
    EXPECT_EQ(h.user.strays.size(), 1u);
    EXPECT_EQ(h.user.lastFrom, RemotePeer(TransportProtocol::Udp, 5062));
    EXPECT_EQ(h.layer.GetCounters().strayResponsesToCore, 1u);
}

TEST(InviteClientTest, TimerMFollowsT1)
{
    TimerConfig config;
    config.t1 = 250ms;
    Harness h(config);
    const TransactionId id
        = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer(TransportProtocol::Tcp));
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 200), RemotePeer());
    h.clock.RunUntil(16s - 1ns);
    EXPECT_EQ(h.State(id), "Accepted");
    h.clock.RunUntil(16s);
    EXPECT_EQ(h.State(id), "Terminated");
}

// --- non-INVITE: Completed, Timer K --------------------------------------------------------------

TEST(NonInviteClientTest, TimerKOverUdpAndTcp)
{
    for (const auto transport : {TransportProtocol::Udp, TransportProtocol::Tcp})
    {
        Harness h;
        const TransactionId id
            = h.layer.SendRequest(MakeOutgoing("REGISTER"), RemotePeer(transport));
        const Message request = *h.layer.GetRequest(id);
        h.clock.RunUntil(2s);
        const Message ok = MakeResponseTo(request, 200);
        h.layer.ReceiveMessage(ok, RemotePeer(transport));
        EXPECT_EQ(h.State(id), "Completed");
        h.layer.ReceiveMessage(ok, RemotePeer(transport));
        EXPECT_EQ(h.layer.GetCounters().responsesAbsorbed, 1u);
        EXPECT_EQ(h.user.responses.size(), 1u);
        const Duration k = transport == TransportProtocol::Udp ? 5s : 0s;
        if (k > 0s)
        {
            h.clock.RunUntil(2s + k - 1ns);
            EXPECT_EQ(h.State(id), "Completed");
        }
        h.clock.RunUntil(2s + k);
        EXPECT_EQ(h.State(id), "Terminated");
        // No retransmission after the final response.
        h.clock.RunUntil(100s);
        EXPECT_EQ(h.SendTimes("REGISTER"),
                  transport == TransportProtocol::Udp ? (V{0, 500, 1500}) : (V{0}));
        EXPECT_TRUE(h.user.failures.empty());
    }
}

TEST(NonInviteClientTest, TimerKFollowsT4)
{
    TimerConfig config;
    config.t4 = 2s;
    Harness h(config);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("BYE"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 481), RemotePeer());
    h.clock.RunUntil(2s - 1ns);
    EXPECT_EQ(h.State(id), "Completed");
    h.clock.RunUntil(2s);
    EXPECT_EQ(h.State(id), "Terminated");
}

// --- transport errors
// ------------------------------------------------------------------------------

TEST(ClientTransportErrorTest, FailedFirstSendReportedAfterTheCall)
{
    for (const char* method : {"INVITE", "OPTIONS"})
    {
        Harness h;
        h.transport.SetFail(true);
        const TransactionId id = h.layer.SendRequest(MakeOutgoing(method), RemotePeer());
        ASSERT_NE(id, 0u);
        // Nothing reaches the user from inside SendRequest.
        EXPECT_EQ(h.log, (Strings{std::string("send ") + method}));
        h.Settle();
        EXPECT_EQ(h.log,
                  (Strings{std::string("send ") + method, "failure TransportError", "terminated"}));
        ASSERT_EQ(h.user.failures.size(), 1u);
        EXPECT_EQ(h.user.failures[0].first, id);
        EXPECT_EQ(h.layer.GetCounters().transportErrors, 1u);
        EXPECT_EQ(h.layer.Size(), 0u);
        EXPECT_EQ(Ms(h.clock.Now()), 0);
    }
}

TEST(ClientTransportErrorTest, FailedRetransmission)
{
    Harness h;
    FailureClock failures(h);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.clock.RunUntil(1s);
    h.transport.SetFail(true);
    h.clock.RunUntil(100s);
    EXPECT_EQ(h.SendTimes("INVITE"), (V{0, 500, 1500}));
    EXPECT_EQ(failures.times, (V{1500}));
    EXPECT_EQ(failures.kinds, (std::vector{TransactionFailure::TransportError}));
    EXPECT_EQ(h.State(id), "Terminated");
}

TEST(ClientTransportErrorTest, FailedAckInCompleted)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.transport.SetFail(true);
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 600), RemotePeer());
    EXPECT_EQ(h.State(id), "Completed");
    h.Settle();
    EXPECT_EQ(h.log, (Strings{"send INVITE", "send ACK", "tu 600", "failure TransportError",
                              "terminated"}));
}

TEST(ClientTransportErrorTest, ReportTransportErrorMatchesPeer)
{
    Harness h;
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const TransactionId options
        = h.layer.SendRequest(MakeOutgoing("OPTIONS", 2), RemotePeer(TransportProtocol::Tcp));
    const TransactionId other
        = h.layer.SendRequest(MakeOutgoing("OPTIONS", 3), RemotePeer(TransportProtocol::Udp, 5070));
    const TransactionId proceeding
        = h.layer.SendRequest(MakeOutgoing("INVITE", 4, "call-2"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(proceeding), 180), RemotePeer());
    h.log.clear();
    h.layer.ReportTransportError(RemotePeer());
    // Calling fails; Proceeding has no transport-error arrow in Figure 5.
    EXPECT_EQ(h.log, (Strings{"failure TransportError", "terminated"}));
    EXPECT_EQ(h.State(invite), "Terminated");
    EXPECT_EQ(h.State(proceeding), "Proceeding");
    EXPECT_EQ(h.State(options), "Trying");
    EXPECT_EQ(h.State(other), "Trying");
    h.layer.ReportTransportError(RemotePeer(TransportProtocol::Tcp));
    EXPECT_EQ(h.State(options), "Terminated");
    EXPECT_EQ(h.State(other), "Trying");
}

TEST(ClientTransportErrorTest, RequestStillReadableDuringOnFailure)
{
    Harness h;
    const Message* seen = nullptr;
    std::string state;
    h.user.onFailure = [&](TransactionId id, TransactionFailure) {
        seen = h.layer.GetRequest(id);
        state = std::string(h.layer.GetStateName(id));
    };
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.clock.RunUntil(32s);
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(state, "Terminated");
    EXPECT_EQ(h.layer.GetRequest(id), nullptr);
}

// --- what the layer sends ----------------------------------------------------------------------

TEST(ClientRequestTest, ViaBranchesAreDeterministic)
{
    Harness a;
    Harness b;
    b.layer.SetBranchPrefix("nodeB");
    for (int i = 0; i < 3; ++i)
    {
        a.layer.SendRequest(MakeOutgoing("OPTIONS", static_cast<uint32_t>(i + 1)), RemotePeer());
        b.layer.SendRequest(MakeOutgoing("OPTIONS", static_cast<uint32_t>(i + 1)), RemotePeer());
    }
    ASSERT_EQ(a.transport.GetSent().size(), 3u);
    EXPECT_EQ(a.transport.GetSent()[0].message.GetHeaderValues(HeaderId::Via).front(),
              "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport");
    EXPECT_EQ(a.transport.GetSent()[2].message.GetTopVia()->Branch(), "z9hG4bK3");
    EXPECT_EQ(b.transport.GetSent()[0].message.GetTopVia()->Branch(), "z9hG4bKnodeB.1");
    EXPECT_EQ(b.transport.GetSent()[1].message.GetTopVia()->Branch(), "z9hG4bKnodeB.2");
    EXPECT_EQ(a.layer.NewBranch(), "z9hG4bK4");
    EXPECT_TRUE(b.transport.GetSent()[0].message.GetTopVia()->HasMagicCookie());
    // The request keeps what the core wrote, under the new Via.
    const Message& sent = a.transport.GetSent()[0].message;
    EXPECT_EQ(sent.GetHeaders().front().id, HeaderId::Via);
    EXPECT_EQ(sent.GetHeaderValues(HeaderId::Via).size(), 1u);
    EXPECT_EQ(sent.GetCSeq()->number, 1u);
}

TEST(ClientRequestTest, LargeRequestMovesToTcp)
{
    Harness h;
    Message big = MakeOutgoing("MESSAGE");
    big.SetBody("text/plain", std::string(1400, 'x'));
    h.transport.SetUdpLimit(1300);
    const TransactionId id = h.layer.SendRequest(big, RemotePeer());
    h.clock.RunUntil(40s);
    ASSERT_EQ(h.transport.GetSent().size(), 1u); // reliable: no Timer E
    const auto& sent = h.transport.GetSent().front();
    EXPECT_EQ(sent.to, RemotePeer(TransportProtocol::Tcp));
    EXPECT_EQ(sent.message.GetTopVia()->transport, "TCP");
    // The size asked about includes the Via.
    EXPECT_EQ(h.transport.GetLastSizeAsked(), sent.message.SerializedSize());
    EXPECT_EQ(h.State(id), "Terminated");
    // A small one stays on UDP.
    h.layer.SendRequest(MakeOutgoing("OPTIONS", 2), RemotePeer());
    EXPECT_EQ(h.transport.GetSent().back().to, RemotePeer());
}

TEST(ClientRequestTest, AckIsNotATransaction)
{
    Harness h;
    EXPECT_EQ(h.layer.SendRequest(MakeOutgoing("ACK"), RemotePeer()), 0u);
    Message noCseq = Message::MakeRequest("OPTIONS", "sip:bob@example.com");
    noCseq.AddHeader(HeaderId::CallId, "x");
    EXPECT_EQ(h.layer.SendRequest(noCseq, RemotePeer()), 0u);
    EXPECT_TRUE(h.transport.GetSent().empty());
    // SendAck: a fresh Via and branch, sent once, no transaction.
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 200), RemotePeer());
    Message ack = MakeOutgoing("ACK");
    EXPECT_TRUE(h.layer.SendAck(ack, RemotePeer(TransportProtocol::Udp, 5080)));
    const auto& sent = h.transport.GetSent().back();
    EXPECT_EQ(sent.message.GetMethod(), Method::Ack);
    EXPECT_EQ(sent.message.GetHeaderValues(HeaderId::Via),
              (std::vector<std::string_view>{"SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK2;rport"}));
    EXPECT_EQ(sent.to, RemotePeer(TransportProtocol::Udp, 5080));
    EXPECT_FALSE(sent.retransmission);
    EXPECT_EQ(h.layer.Size(), 1u);
    EXPECT_EQ(h.layer.GetCounters().clientTransactions, 1u);
    h.transport.SetFail(true);
    EXPECT_FALSE(h.layer.SendAck(ack, RemotePeer()));
}

TEST(ClientRequestTest, SendStatelessKeepsVia)
{
    Harness h;
    Message forwarded = MakeIncoming("OPTIONS", "z9hG4bKfwd");
    EXPECT_TRUE(h.layer.SendStateless(forwarded, RemotePeer(TransportProtocol::Tcp, 5090)));
    ASSERT_EQ(h.transport.GetSent().size(), 1u);
    EXPECT_EQ(h.transport.GetSent()[0].message, forwarded);
    EXPECT_EQ(h.transport.GetSent()[0].to, RemotePeer(TransportProtocol::Tcp, 5090));
    EXPECT_EQ(h.layer.Size(), 0u);
}

// --- CANCEL (9.1) --------------------------------------------------------------------------------

TEST(CancelTest, CancelIsBuiltFromTheInvite)
{
    Harness h;
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE", 7), RemotePeer());
    const Message request = *h.layer.GetRequest(invite);
    h.layer.ReceiveMessage(MakeResponseTo(request, 180), RemotePeer());
    const TransactionId cancel = h.layer.SendCancel(invite);
    ASSERT_NE(cancel, 0u);
    EXPECT_NE(cancel, invite);
    EXPECT_EQ(h.layer.SendCancel(invite), cancel); // one CANCEL per INVITE
    const auto& sent = h.transport.GetSent().back();
    const Message& c = sent.message;
    EXPECT_EQ(sent.to, RemotePeer());
    EXPECT_EQ(c.GetMethod(), Method::Cancel);
    EXPECT_EQ(c.GetRequestUriText(), request.GetRequestUriText());
    EXPECT_EQ(c.GetHeaderValues(HeaderId::Via),
              (std::vector<std::string_view>{request.GetHeaderValues(HeaderId::Via).front()}));
    EXPECT_EQ(c.FindHeader(HeaderId::From), request.FindHeader(HeaderId::From));
    EXPECT_EQ(c.FindHeader(HeaderId::To), request.FindHeader(HeaderId::To));
    EXPECT_EQ(c.GetCallId(), request.GetCallId());
    EXPECT_EQ(c.GetCSeq()->number, 7u);
    EXPECT_EQ(c.GetCSeq()->method, "CANCEL");
    EXPECT_EQ(c.GetHeaderValues(HeaderId::Route), request.GetHeaderValues(HeaderId::Route));
    EXPECT_EQ(c.GetMaxForwards(), 70);
    EXPECT_EQ(h.layer.GetStateName(cancel), "Trying");
    EXPECT_EQ(h.layer.FindTransaction(cancel)->GetKind(), TransactionKind::NonInviteClient);

    // Same branch, different CSeq method: each response finds its own transaction.
    h.layer.ReceiveMessage(MakeResponseTo(c, 200), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(request, 487), RemotePeer());
    EXPECT_EQ(h.user.responseIds, (std::vector<TransactionId>{invite, cancel, invite}));
    EXPECT_EQ(h.State(cancel), "Completed");
    EXPECT_EQ(h.State(invite), "Completed");
    // No CANCEL once the INVITE has a final response, or for what is not an INVITE.
    EXPECT_EQ(h.layer.SendCancel(invite), 0u);
    EXPECT_EQ(h.layer.SendCancel(cancel), 0u);
    EXPECT_EQ(h.layer.SendCancel(12345), 0u);
}

TEST(CancelTest, InviteWithoutFinalResponseEnds64T1AfterTheCancel)
{
    // Found by sipsim-ua-fuzzer: the callee rang, the CANCEL was answered 200 (or lost), and
    // no 487 ever came. Figure 5 has no timer out of Proceeding, so the INVITE transaction
    // lived forever. RFC 3261 9.1: without a final response 64*T1 after the CANCEL, the client
    // "SHOULD destroy the client transaction handling the original request".
    Harness h;
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message request = *h.layer.GetRequest(invite);
    h.clock.Advance(100ms);
    h.layer.ReceiveMessage(MakeResponseTo(request, 180), RemotePeer());
    h.clock.Advance(900ms);
    const TransactionId cancel = h.layer.SendCancel(invite); // at 1 s
    ASSERT_NE(cancel, 0u);
    h.layer.ReceiveMessage(MakeResponseTo(h.transport.GetSent().back().message, 200), RemotePeer());
    h.clock.Advance(10s);
    // The first CANCEL has ended (Timer K): this sends another, and the 9.1 timer keeps
    // running from the first one.
    EXPECT_NE(h.layer.SendCancel(invite), 0u);
    h.clock.RunUntil(32999ms);
    EXPECT_EQ(h.State(invite), "Proceeding");
    EXPECT_TRUE(h.user.failures.empty());
    h.clock.RunUntil(33s); // 1 s + 64*T1
    EXPECT_EQ(h.State(invite), "Terminated");
    EXPECT_EQ(h.user.failures, (std::vector<std::pair<TransactionId, TransactionFailure>>{
                                   {invite, TransactionFailure::Timeout}}));
    EXPECT_EQ(h.transitions.back().from, "Proceeding");
    EXPECT_EQ(h.transitions.back().to, "Terminated");
    EXPECT_EQ(h.layer.GetCounters().illegalTransitions, 0u);
    h.clock.RunUntil(60s); // the CANCEL's Timer K too
    EXPECT_EQ(h.layer.Size(), 0u);
    EXPECT_EQ(h.clock.PendingCount(), 0u);
}

TEST(CancelTest, FinalResponseAfterTheCancelStopsThe9Point1Timer)
{
    Harness h;
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message request = *h.layer.GetRequest(invite);
    h.layer.ReceiveMessage(MakeResponseTo(request, 180), RemotePeer());
    ASSERT_NE(h.layer.SendCancel(invite), 0u);
    h.layer.ReceiveMessage(MakeResponseTo(h.transport.GetSent().back().message, 200), RemotePeer());
    h.clock.Advance(1s);
    h.layer.ReceiveMessage(MakeResponseTo(request, 487), RemotePeer());
    EXPECT_EQ(h.State(invite), "Completed");
    h.clock.RunUntil(120s); // Timer D ends it; the 9.1 timer must not fire in Completed
    EXPECT_EQ(h.State(invite), "Terminated");
    EXPECT_TRUE(h.user.failures.empty());
    EXPECT_EQ(h.layer.GetCounters().illegalTransitions, 0u);
    EXPECT_EQ(h.clock.PendingCount(), 0u);
}

TEST(CancelTest, CancelOverTcpGoesWhereTheInviteWent)
{
    Harness h;
    h.transport.SetUdpLimit(200); // the INVITE moved to TCP (18.1.1)
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const TransactionId cancel = h.layer.SendCancel(invite);
    ASSERT_NE(cancel, 0u);
    EXPECT_EQ(h.transport.GetSent().back().to, RemotePeer(TransportProtocol::Tcp));
    EXPECT_EQ(h.transport.GetSent().back().message.GetTopVia()->transport, "TCP");
}

// --- observer
// --------------------------------------------------------------------------------------

TEST(StateObserverTest, ReportsRfcNames)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    h.layer.ReceiveMessage(MakeResponseTo(invite, 100), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(invite, 404), RemotePeer());
    h.clock.RunUntil(40s);
    std::vector<std::string> seen;
    for (const auto& t : h.transitions)
    {
        EXPECT_EQ(t.id, id);
        EXPECT_EQ(t.kind, TransactionKind::InviteClient);
        seen.push_back(t.from + ">" + t.to);
    }
    EXPECT_EQ(seen, (Strings{">Calling", "Calling>Proceeding", "Proceeding>Completed",
                             "Completed>Terminated"}));
    EXPECT_EQ(Ms(h.transitions.back().at), 32000);
    EXPECT_EQ(TransactionKindName(TransactionKind::NonInviteServer), "NonInviteServer");
}

TEST(LayerLifetimeTest, DestroyingTheLayerCancelsTimers)
{
    FakeClock clock;
    FakeTransport transport(&clock);
    std::vector<std::string> log;
    RecordingUser user(&log);
    {
        TransactionLayer layer(clock, transport);
        layer.SetUser(&user);
        layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
        layer.SendRequest(MakeOutgoing("OPTIONS", 2), RemotePeer());
        EXPECT_GT(clock.PendingCount(), 0u);
    }
    EXPECT_EQ(clock.PendingCount(), 0u);
    clock.RunAll();
    EXPECT_TRUE(log.empty());
}

} // namespace
} // namespace sipsim::test
