/*
 * The layer's end observer (TransactionLayer::SetEndObserver): one report per transaction when
 * it reaches Terminated, with the cause, the final status, the state it left and its request,
 * before the TU hears of a failure. Traces read transaction outcomes from here only.
 */
#include "transaction-test-util.h"

#include <gtest/gtest.h>

namespace sipsim::test {
namespace {

using namespace std::chrono_literals;

/// What the observer heard, copied (the request is valid only during the call).
struct Ended
{
    TransactionId id;
    TransactionKind kind;
    std::string method;
    uint16_t finalStatus;
    std::string lastState;
    TransactionEndCause cause;
    int64_t atMs;
};

struct EndLog
{
    explicit EndLog(Harness& h)
    {
        h.layer.SetEndObserver([this, &h](const TransactionEnd& end) {
            ASSERT_NE(end.request, nullptr);
            ended.push_back(Ended{end.id, end.kind, std::string(end.request->GetMethodName()),
                                  end.finalStatus, std::string(end.lastState), end.cause,
                                  Ms(h.clock.Now())});
            h.log.push_back("ended");
        });
    }

    std::vector<Ended> ended;
};

TEST(EndObserverTest, UnansweredInviteEndsOnTimerBWithNoStatus)
{
    Harness h;
    EndLog log(h);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.clock.RunUntil(100s);
    ASSERT_EQ(log.ended.size(), 1u);
    const Ended& e = log.ended[0];
    EXPECT_EQ(e.id, id);
    EXPECT_EQ(e.kind, TransactionKind::InviteClient);
    EXPECT_EQ(e.method, "INVITE");
    EXPECT_EQ(e.finalStatus, 0);
    EXPECT_EQ(e.lastState, "Calling");
    EXPECT_EQ(e.cause, TransactionEndCause::Timeout);
    EXPECT_EQ(e.atMs, 32000); // Timer B = 64*T1
    // The observer hears of the end before the TU hears of the failure.
    const auto ended = std::find(h.log.begin(), h.log.end(), "ended");
    const auto failure = std::find(h.log.begin(), h.log.end(), "failure Timeout");
    ASSERT_NE(failure, h.log.end());
    EXPECT_LT(ended, failure);
}

TEST(EndObserverTest, AnsweredNonInviteEndsOnTimerKWithItsStatus)
{
    Harness h;
    EndLog log(h);
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 200), RemotePeer());
    h.clock.RunUntil(100s);
    ASSERT_EQ(log.ended.size(), 1u);
    EXPECT_EQ(log.ended[0].kind, TransactionKind::NonInviteClient);
    EXPECT_EQ(log.ended[0].finalStatus, 200);
    EXPECT_EQ(log.ended[0].lastState, "Completed");
    EXPECT_EQ(log.ended[0].cause, TransactionEndCause::FinalResponse);
    EXPECT_EQ(log.ended[0].atMs, 5000); // Timer K = T4 over UDP
}

TEST(EndObserverTest, FailedSendIsATransportError)
{
    Harness h;
    EndLog log(h);
    h.transport.SetFail(true);
    h.layer.SendRequest(MakeOutgoing("REGISTER"), RemotePeer());
    h.Settle();
    ASSERT_EQ(log.ended.size(), 1u);
    EXPECT_EQ(log.ended[0].method, "REGISTER");
    EXPECT_EQ(log.ended[0].lastState, "Trying");
    EXPECT_EQ(log.ended[0].cause, TransactionEndCause::TransportError);
}

TEST(EndObserverTest, InviteServerWithoutAckEndsOnTimerHWithTheStatusSent)
{
    Harness h;
    EndLog log(h);
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv1");
    h.layer.ReceiveMessage(invite, RemotePeer());
    ASSERT_EQ(h.user.requestIds.size(), 1u);
    ASSERT_TRUE(h.layer.SendResponse(h.user.requestIds[0], MakeResponseTo(invite, 486)));
    h.clock.RunUntil(100s);
    ASSERT_EQ(log.ended.size(), 1u);
    EXPECT_EQ(log.ended[0].kind, TransactionKind::InviteServer);
    EXPECT_EQ(log.ended[0].finalStatus, 486);
    EXPECT_EQ(log.ended[0].lastState, "Completed");
    EXPECT_EQ(log.ended[0].cause, TransactionEndCause::Timeout);
    EXPECT_EQ(log.ended[0].atMs, 32000); // Timer H = 64*T1
}

TEST(EndObserverTest, EveryTransactionEndsOnce)
{
    Harness h;
    EndLog log(h);
    const Message options = MakeIncoming("OPTIONS", "z9hG4bKopt1");
    h.layer.ReceiveMessage(options, RemotePeer());
    ASSERT_TRUE(h.layer.SendResponse(h.user.requestIds[0], MakeResponseTo(options, 200)));
    h.layer.ReceiveMessage(options, RemotePeer()); // a retransmission, absorbed
    h.layer.SendRequest(MakeOutgoing("INVITE", 2, "call-2"), RemotePeer());
    h.clock.RunUntil(100s);
    ASSERT_EQ(log.ended.size(), 2u);
    EXPECT_EQ(log.ended[0].kind, TransactionKind::NonInviteServer);
    EXPECT_EQ(log.ended[0].cause, TransactionEndCause::FinalResponse);
    EXPECT_EQ(log.ended[0].atMs, 32000); // Timer J = 64*T1 over UDP
    EXPECT_EQ(log.ended[1].kind, TransactionKind::InviteClient);
    EXPECT_EQ(h.layer.Size(), 0u);
}

} // namespace
} // namespace sipsim::test
