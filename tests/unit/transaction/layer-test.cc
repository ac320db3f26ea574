/*
 * TransactionLayer behaviour around the state machines: callbacks that call back into the
 * layer, deferred destruction, and the check every state change goes through.
 */
#include "transaction-test-util.h"
#include "transaction/invite-client-transaction.h"

#include <gtest/gtest.h>

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

/// A user that acts from inside its callbacks, as a UA core does.
class ReentrantUser : public RecordingUser
{
  public:
    ReentrantUser(std::vector<std::string>* log, TransactionLayer* layer)
        : RecordingUser(log)
        , m_layer(layer)
    {}

    void OnResponse(TransactionId id, const Message& response) override
    {
        RecordingUser::OnResponse(id, response);
        if (response.GetStatusCode() == 180 && cancelOn180)
        {
            cancelId = m_layer->SendCancel(id);
        }
    }

    void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) override
    {
        RecordingUser::OnFailure(id, kind, failure);
        if (retryOnFailure && retries < 2)
        {
            ++retries;
            retryIds.push_back(
                m_layer->SendRequest(MakeOutgoing("OPTIONS", 10 + retries), RemotePeer()));
        }
    }

    void OnTerminated(TransactionId id, TransactionKind kind) override
    {
        RecordingUser::OnTerminated(id, kind);
        stateAtTerminated.emplace_back(m_layer->GetStateName(id));
        sizeAtTerminated.push_back(m_layer->Size());
    }

    bool cancelOn180 = false;
    bool retryOnFailure = false;
    int retries = 0;
    TransactionId cancelId = 0;
    std::vector<TransactionId> retryIds;
    Strings stateAtTerminated;
    std::vector<size_t> sizeAtTerminated;

  private:
    TransactionLayer* m_layer;
};

struct ReentrantHarness
{
    ReentrantHarness()
        : transport(&clock)
        , user(&log, &layer)
        , layer(clock, transport)
    {
        layer.SetUser(&user);
        transport.SetOnSend([this](const FakeTransport::Sent& s) {
            log.push_back("send "
                          + (s.message.IsRequest() ? std::string(s.message.GetMethodName())
                                                   : std::to_string(s.message.GetStatusCode())));
        });
    }

    FakeClock clock;
    FakeTransport transport;
    std::vector<std::string> log;
    ReentrantUser user;
    TransactionLayer layer;
};

TEST(ReentrancyTest, CancelFromInsideOnResponse)
{
    ReentrantHarness h;
    h.user.cancelOn180 = true;
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(invite), 180), RemotePeer());
    ASSERT_NE(h.user.cancelId, 0u);
    EXPECT_EQ(h.log, (Strings{"send INVITE", "tu 180", "send CANCEL"}));
    EXPECT_EQ(h.layer.Size(), 2u);
    EXPECT_EQ(h.layer.GetStateName(h.user.cancelId), "Trying");
}

TEST(ReentrancyTest, NewRequestFromInsideOnFailure)
{
    ReentrantHarness h;
    h.user.retryOnFailure = true;
    const TransactionId first = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    h.clock.RunUntil(32s);
    ASSERT_EQ(h.user.retryIds.size(), 1u);
    EXPECT_NE(h.user.retryIds[0], first);
    EXPECT_EQ(h.layer.Size(), 1u);
    EXPECT_EQ(h.layer.GetStateName(h.user.retryIds[0]), "Trying");
    // The retry's own timeout 32 s later starts a second retry, and so on (bounded to 2).
    h.clock.RunUntil(200s);
    EXPECT_EQ(h.user.retryIds.size(), 2u);
    EXPECT_EQ(h.user.failures.size(), 3u);
    EXPECT_EQ(h.layer.Size(), 0u);
    EXPECT_EQ(h.clock.PendingCount(), 0u);
}

TEST(ReentrancyTest, OnTerminatedSeesTerminatedThenTheTransactionIsGone)
{
    ReentrantHarness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 200), RemotePeer());
    h.clock.RunUntil(5s);
    EXPECT_EQ(h.user.stateAtTerminated, (Strings{"Terminated"}));
    EXPECT_EQ(h.user.sizeAtTerminated, (std::vector<size_t>{1}));
    EXPECT_EQ(h.layer.Size(), 0u);
    EXPECT_EQ(h.layer.FindTransaction(id), nullptr);
    EXPECT_EQ(h.layer.GetRequest(id), nullptr);
    EXPECT_EQ(h.layer.GetStateName(id), "");
}

TEST(ReentrancyTest, IdsAreNeverReused)
{
    Harness h;
    std::vector<TransactionId> ids;
    for (int i = 0; i < 3; ++i)
    {
        const TransactionId id
            = h.layer.SendRequest(MakeOutgoing("OPTIONS", static_cast<uint32_t>(i)), RemotePeer());
        h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(id), 200), RemotePeer());
        h.clock.Advance(10s);
        ids.push_back(id);
    }
    h.layer.ReceiveMessage(MakeIncoming("OPTIONS", "z9hG4bKin"), RemotePeer());
    ids.push_back(h.user.lastServerId);
    EXPECT_EQ(ids, (std::vector<TransactionId>{1, 2, 3, 4}));
}

TEST(ReentrancyTest, NoUserIsHarmless)
{
    FakeClock clock;
    FakeTransport transport(&clock);
    TransactionLayer layer(clock, transport);
    const TransactionId id = layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    layer.ReceiveMessage(MakeResponseTo(*layer.GetRequest(id), 500), RemotePeer());
    layer.ReceiveMessage(MakeIncoming("INVITE", "z9hG4bKx"), RemotePeer());
    layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKy"), RemotePeer());
    layer.ReceiveMessage(MakeResponseTo(MakeIncoming("INVITE", "z9hG4bKz"), 200), RemotePeer());
    clock.RunUntil(100s);
    EXPECT_EQ(layer.Size(), 1u); // the INVITE server transaction waits for an answer
    EXPECT_EQ(layer.GetCounters().strayResponsesToCore, 1u);
}

TEST(ReentrancyTest, SameRequestAgainWhileTheOldTransactionRetires)
{
    // Inside OnFailure (Timer H) the old transaction is Terminated but not yet retired; the
    // same INVITE arriving then makes a new transaction that stays findable.
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKagain");
    h.layer.ReceiveMessage(invite, RemotePeer());
    const TransactionId first = h.user.lastServerId;
    ASSERT_TRUE(h.layer.SendResponse(first, MakeResponseTo(invite, 486)));
    h.user.onFailure
        = [&](TransactionId, TransactionFailure) { h.layer.ReceiveMessage(invite, RemotePeer()); };
    h.clock.RunUntil(32s);
    const TransactionId second = h.user.lastServerId;
    ASSERT_NE(second, first);
    EXPECT_EQ(h.State(first), "Terminated");
    EXPECT_EQ(h.layer.GetStateName(second), "Proceeding");
    h.user.onFailure = nullptr;
    h.layer.ReceiveMessage(invite, RemotePeer()); // a retransmission of the new one
    EXPECT_EQ(h.user.requests.size(), 2u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
}

TEST(ReentrancyTest, SecondCancelAfterTheFirstEnded)
{
    Harness h;
    const TransactionId invite = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(invite), 180), RemotePeer());
    const TransactionId cancel1 = h.layer.SendCancel(invite);
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(cancel1), 200), RemotePeer());
    h.clock.Advance(5s); // Timer K
    EXPECT_EQ(h.State(cancel1), "Terminated");
    const TransactionId cancel2 = h.layer.SendCancel(invite);
    EXPECT_NE(cancel2, 0u);
    EXPECT_NE(cancel2, cancel1);
    h.layer.ReceiveMessage(MakeResponseTo(*h.layer.GetRequest(cancel2), 200), RemotePeer());
    EXPECT_EQ(h.layer.GetStateName(cancel2), "Completed");
}

// --- the state change check
// ------------------------------------------------------------------------

/// A machine that tries a state change Figure 5 does not have.
class BrokenTransaction : public Transaction
{
  public:
    BrokenTransaction(TransactionLayer& layer)
        : Transaction(layer, 999, TransactionKind::InviteClient, MakeOutgoing("INVITE"),
                      RemotePeer())
    {}

    std::string_view GetStateName() const override { return StateName(m_state); }

    bool IsTerminated() const override { return false; }

    void Start() override {}

    void OnTransportError() override {}

    bool Go(InviteClientState next) { return ChangeState(m_state, next); }

    InviteClientState m_state = InviteClientState::Accepted;
};

TEST(StateCheckTest, LegalChangeNotified)
{
    Harness h;
    BrokenTransaction txn(h.layer);
    EXPECT_TRUE(txn.Go(InviteClientState::Terminated));
    ASSERT_EQ(h.transitions.size(), 1u);
    EXPECT_EQ(h.transitions[0].from, "Accepted");
    EXPECT_EQ(h.transitions[0].to, "Terminated");
    EXPECT_EQ(h.transitions[0].id, 999u);
}

TEST(StateCheckDeathTest, IllegalChangeIsABug)
{
    Harness h;
    BrokenTransaction txn(h.layer);
#ifdef NDEBUG
    EXPECT_FALSE(txn.Go(InviteClientState::Completed));
    EXPECT_EQ(txn.m_state, InviteClientState::Accepted);
    EXPECT_EQ(h.layer.GetCounters().illegalTransitions, 1u);
    EXPECT_TRUE(h.transitions.empty());
#else
    EXPECT_DEATH(txn.Go(InviteClientState::Completed),
                 "illegal InviteClient transaction state change Accepted -> Completed");
#endif
}

} // namespace
} // namespace sipsim::test
