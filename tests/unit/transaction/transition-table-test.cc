/*
 * Exhaustive state machine tests: every event in every reachable state of the four machines
 * (RFC 3261 Figures 5-8 with RFC 6026), with the state reached and the actions taken. Every
 * state change observed must be an arrow of transaction-states.h, and every arrow there must
 * be exercised.
 */
#include "transaction-test-util.h"
#include "transaction/invite-client-transaction.h"
#include "transaction/invite-server-transaction.h"
#include "transaction/non-invite-client-transaction.h"
#include "transaction/non-invite-server-transaction.h"

#include <gtest/gtest.h>
#include <set>

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

struct Row
{
    const char* state; ///< state the machine is brought to
    const char* event;
    const char* next; ///< state after the event
    Strings actions;  ///< sends and TU callbacks, in order
};

/// The state changes of a figure's table, as "From>To".
template<typename State, size_t N>
std::set<std::string>
Arrows(const std::array<StateTransition<State>, N>& table)
{
    std::set<std::string> out;
    for (const auto& t : table)
    {
        out.insert(std::string(StateName(t.from)) + ">" + std::string(StateName(t.to)));
    }
    return out;
}

/**
 * Runs every row: a fresh harness, the machine brought to row.state by reach(), the log
 * cleared, the event applied by fire(), events due now run. Checks the next state and the
 * actions, that each (state, event) pair appears once and each event in each state, and that
 * the observed arrows are exactly the table's.
 */
template<typename Reach, typename Fire>
void
RunTable(const std::vector<Row>& rows, const Strings& states, const Strings& events,
         const std::set<std::string>& arrows, Reach reach, Fire fire)
{
    std::set<std::pair<std::string, std::string>> pairs;
    std::set<std::string> seenArrows;
    for (const Row& row : rows)
    {
        SCOPED_TRACE(std::string(row.state) + " + " + row.event);
        EXPECT_TRUE(pairs.emplace(row.state, row.event).second) << "duplicate row";
        Harness h;
        const TransactionId id = reach(h, std::string(row.state));
        ASSERT_NE(id, 0u);
        ASSERT_EQ(h.State(id), row.state);
        h.log.clear();
        fire(h, id, std::string(row.event));
        h.Settle();
        EXPECT_EQ(h.State(id), row.next);
        EXPECT_EQ(h.log, row.actions);
        EXPECT_EQ(h.layer.GetCounters().illegalTransitions, 0u);
        for (const auto& t : h.transitions)
        {
            if (t.from.empty())
            {
                continue; // creation
            }
            const std::string arrow = t.from + ">" + t.to;
            EXPECT_TRUE(arrows.count(arrow)) << "not in the figure: " << arrow;
            seenArrows.insert(arrow);
        }
        if (std::string(row.next) == "Terminated")
        {
            EXPECT_EQ(h.layer.Size(), 0u);
            EXPECT_EQ(h.user.terminated, (std::vector<TransactionId>{id}));
        }
    }
    // Every event in every reachable (non-terminal) state.
    for (const auto& state : states)
    {
        for (const auto& event : events)
        {
            EXPECT_TRUE(pairs.count({state, event})) << "missing row " << state << " + " << event;
        }
    }
    EXPECT_EQ(pairs.size(), states.size() * events.size());
    EXPECT_EQ(seenArrows, arrows);
}

// --- INVITE client (Figure 5 + RFC 6026) ---------------------------------------------------------

TransactionId
ReachInviteClient(Harness& h, const std::string& state)
{
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    if (state == "Proceeding")
    {
        h.layer.ReceiveMessage(MakeResponseTo(invite, 180), RemotePeer());
    }
    else if (state == "Accepted")
    {
        h.layer.ReceiveMessage(MakeResponseTo(invite, 200), RemotePeer());
    }
    else if (state == "Completed")
    {
        h.layer.ReceiveMessage(MakeResponseTo(invite, 486), RemotePeer());
    }
    return id;
}

void
FireInviteClient(Harness& h, TransactionId id, const std::string& event)
{
    auto* txn = dynamic_cast<InviteClientTransaction*>(h.layer.FindTransaction(id));
    ASSERT_NE(txn, nullptr);
    const Message invite = txn->GetRequest();
    if (event == "1xx")
    {
        h.layer.ReceiveMessage(MakeResponseTo(invite, 180), RemotePeer());
    }
    else if (event == "2xx")
    {
        h.layer.ReceiveMessage(MakeResponseTo(invite, 200), RemotePeer());
    }
    else if (event == "300-699")
    {
        h.layer.ReceiveMessage(MakeResponseTo(invite, 486), RemotePeer());
    }
    else if (event == "Timer A")
    {
        txn->OnTimerA();
    }
    else if (event == "Timer B")
    {
        txn->OnTimerB();
    }
    else if (event == "Timer D")
    {
        txn->OnTimerD();
    }
    else if (event == "Timer M")
    {
        txn->OnTimerM();
    }
    else if (event == "CANCEL timer")
    {
        txn->OnCancelTimer(); // RFC 3261 9.1: 64*T1 after a CANCEL
    }
    else if (event == "transport error")
    {
        h.layer.ReportTransportError(RemotePeer());
    }
    else
    {
        FAIL() << "unknown event " << event;
    }
}

TEST(TransitionTableTest, InviteClient)
{
    const Strings none;
    const std::vector<Row> rows = {
        {"Calling", "1xx", "Proceeding", {"tu 180"}},
        {"Calling", "2xx", "Accepted", {"tu 200"}},
        {"Calling", "300-699", "Completed", {"send ACK", "tu 486"}},
        {"Calling", "Timer A", "Calling", {"resend INVITE"}},
        {"Calling", "Timer B", "Terminated", {"failure Timeout", "terminated"}},
        {"Calling", "Timer D", "Calling", none},
        {"Calling", "Timer M", "Calling", none},
        {"Calling", "CANCEL timer", "Terminated", {"failure Timeout", "terminated"}},
        {"Calling", "transport error", "Terminated", {"failure TransportError", "terminated"}},
        {"Proceeding", "1xx", "Proceeding", {"tu 180"}},
        {"Proceeding", "2xx", "Accepted", {"tu 200"}},
        {"Proceeding", "300-699", "Completed", {"send ACK", "tu 486"}},
        {"Proceeding", "Timer A", "Proceeding", none},
        {"Proceeding", "Timer B", "Proceeding", none},
        {"Proceeding", "Timer D", "Proceeding", none},
        {"Proceeding", "Timer M", "Proceeding", none},
        {"Proceeding", "CANCEL timer", "Terminated", {"failure Timeout", "terminated"}},
        {"Proceeding", "transport error", "Proceeding", none},
        {"Accepted", "1xx", "Accepted", none},
        {"Accepted", "2xx", "Accepted", {"tu 200"}},
        {"Accepted", "300-699", "Accepted", none},
        {"Accepted", "Timer A", "Accepted", none},
        {"Accepted", "Timer B", "Accepted", none},
        {"Accepted", "Timer D", "Accepted", none},
        {"Accepted", "Timer M", "Terminated", {"terminated"}},
        {"Accepted", "CANCEL timer", "Accepted", none},
        {"Accepted", "transport error", "Accepted", none},
        {"Completed", "1xx", "Completed", none},
        {"Completed", "2xx", "Completed", none},
        {"Completed", "300-699", "Completed", {"resend ACK"}},
        {"Completed", "Timer A", "Completed", none},
        {"Completed", "Timer B", "Completed", none},
        {"Completed", "Timer D", "Terminated", {"terminated"}},
        {"Completed", "Timer M", "Completed", none},
        {"Completed", "CANCEL timer", "Completed", none},
        {"Completed", "transport error", "Terminated", {"failure TransportError", "terminated"}},
    };
    RunTable(rows, {"Calling", "Proceeding", "Accepted", "Completed"},
             {"1xx", "2xx", "300-699", "Timer A", "Timer B", "Timer D", "Timer M", "CANCEL timer",
              "transport error"},
             Arrows(kInviteClientTransitions), ReachInviteClient, FireInviteClient);
}

// --- non-INVITE client (Figure 6) ----------------------------------------------------------------

TransactionId
ReachNonInviteClient(Harness& h, const std::string& state)
{
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    const Message request = *h.layer.GetRequest(id);
    if (state == "Proceeding")
    {
        h.layer.ReceiveMessage(MakeResponseTo(request, 100), RemotePeer());
    }
    else if (state == "Completed")
    {
        h.layer.ReceiveMessage(MakeResponseTo(request, 200), RemotePeer());
    }
    return id;
}

void
FireNonInviteClient(Harness& h, TransactionId id, const std::string& event)
{
    auto* txn = dynamic_cast<NonInviteClientTransaction*>(h.layer.FindTransaction(id));
    ASSERT_NE(txn, nullptr);
    const Message request = txn->GetRequest();
    if (event == "1xx")
    {
        h.layer.ReceiveMessage(MakeResponseTo(request, 100), RemotePeer());
    }
    else if (event == "200")
    {
        h.layer.ReceiveMessage(MakeResponseTo(request, 200), RemotePeer());
    }
    else if (event == "300-699")
    {
        h.layer.ReceiveMessage(MakeResponseTo(request, 404), RemotePeer());
    }
    else if (event == "Timer E")
    {
        txn->OnTimerE();
    }
    else if (event == "Timer F")
    {
        txn->OnTimerF();
    }
    else if (event == "Timer K")
    {
        txn->OnTimerK();
    }
    else if (event == "transport error")
    {
        h.layer.ReportTransportError(RemotePeer());
    }
    else
    {
        FAIL() << "unknown event " << event;
    }
}

TEST(TransitionTableTest, NonInviteClient)
{
    const Strings none;
    const std::vector<Row> rows = {
        {"Trying", "1xx", "Proceeding", {"tu 100"}},
        {"Trying", "200", "Completed", {"tu 200"}},
        {"Trying", "300-699", "Completed", {"tu 404"}},
        {"Trying", "Timer E", "Trying", {"resend OPTIONS"}},
        {"Trying", "Timer F", "Terminated", {"failure Timeout", "terminated"}},
        {"Trying", "Timer K", "Trying", none},
        {"Trying", "transport error", "Terminated", {"failure TransportError", "terminated"}},
        {"Proceeding", "1xx", "Proceeding", {"tu 100"}},
        {"Proceeding", "200", "Completed", {"tu 200"}},
        {"Proceeding", "300-699", "Completed", {"tu 404"}},
        {"Proceeding", "Timer E", "Proceeding", {"resend OPTIONS"}},
        {"Proceeding", "Timer F", "Terminated", {"failure Timeout", "terminated"}},
        {"Proceeding", "Timer K", "Proceeding", none},
        {"Proceeding", "transport error", "Terminated", {"failure TransportError", "terminated"}},
        {"Completed", "1xx", "Completed", none},
        {"Completed", "200", "Completed", none},
        {"Completed", "300-699", "Completed", none},
        {"Completed", "Timer E", "Completed", none},
        {"Completed", "Timer F", "Completed", none},
        {"Completed", "Timer K", "Terminated", {"terminated"}},
        {"Completed", "transport error", "Completed", none},
    };
    RunTable(rows, {"Trying", "Proceeding", "Completed"},
             {"1xx", "200", "300-699", "Timer E", "Timer F", "Timer K", "transport error"},
             Arrows(kNonInviteClientTransitions), ReachNonInviteClient, FireNonInviteClient);
}

// --- INVITE server (Figure 7 + RFC 6026) ---------------------------------------------------------

const char* const kServerBranch = "z9hG4bKserver";

TransactionId
ReachInviteServer(Harness& h, const std::string& state)
{
    const Message invite = MakeIncoming("INVITE", kServerBranch);
    h.layer.ReceiveMessage(invite, RemotePeer());
    const TransactionId id = h.user.lastServerId;
    // Proceeding with a provisional sent, so that a retransmission shows the re-send.
    EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 180)));
    if (state == "Accepted")
    {
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 200)));
    }
    else if (state == "Completed" || state == "Confirmed")
    {
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 486)));
    }
    if (state == "Confirmed")
    {
        h.layer.ReceiveMessage(MakeIncoming("ACK", kServerBranch, 1, "bob-tag-1"), RemotePeer());
    }
    return id;
}

void
FireInviteServer(Harness& h, TransactionId id, const std::string& event)
{
    auto* txn = dynamic_cast<InviteServerTransaction*>(h.layer.FindTransaction(id));
    ASSERT_NE(txn, nullptr);
    const Message invite = txn->GetRequest();
    if (event == "INVITE")
    {
        h.layer.ReceiveMessage(invite, RemotePeer());
    }
    else if (event == "ACK")
    {
        h.layer.ReceiveMessage(MakeIncoming("ACK", kServerBranch, 1, "bob-tag-1"), RemotePeer());
    }
    else if (event == "1xx from TU")
    {
        h.layer.SendResponse(id, MakeResponseTo(invite, 180));
    }
    else if (event == "2xx from TU")
    {
        h.layer.SendResponse(id, MakeResponseTo(invite, 200));
    }
    else if (event == "300-699 from TU")
    {
        h.layer.SendResponse(id, MakeResponseTo(invite, 486));
    }
    else if (event == "200 ms")
    {
        txn->OnTimerTrying();
    }
    else if (event == "Timer G")
    {
        txn->OnTimerG();
    }
    else if (event == "Timer H")
    {
        txn->OnTimerH();
    }
    else if (event == "Timer I")
    {
        txn->OnTimerI();
    }
    else if (event == "Timer L")
    {
        txn->OnTimerL();
    }
    else if (event == "transport error")
    {
        h.layer.ReportTransportError(RemotePeer());
    }
    else
    {
        FAIL() << "unknown event " << event;
    }
}

TEST(TransitionTableTest, InviteServer)
{
    const Strings none;
    const std::vector<Row> rows = {
        {"Proceeding", "INVITE", "Proceeding", {"resend 180"}},
        {"Proceeding", "ACK", "Proceeding", {"tu ack"}},
        {"Proceeding", "1xx from TU", "Proceeding", {"send 180"}},
        {"Proceeding", "2xx from TU", "Accepted", {"send 200"}},
        {"Proceeding", "300-699 from TU", "Completed", {"send 486"}},
        {"Proceeding", "200 ms", "Proceeding", none},
        {"Proceeding", "Timer G", "Proceeding", none},
        {"Proceeding", "Timer H", "Proceeding", none},
        {"Proceeding", "Timer I", "Proceeding", none},
        {"Proceeding", "Timer L", "Proceeding", none},
        {"Proceeding", "transport error", "Proceeding", {"failure TransportError"}},
        {"Accepted", "INVITE", "Accepted", none},
        {"Accepted", "ACK", "Accepted", {"tu ack"}},
        {"Accepted", "1xx from TU", "Accepted", none},
        {"Accepted", "2xx from TU", "Accepted", {"resend 200"}},
        {"Accepted", "300-699 from TU", "Accepted", none},
        {"Accepted", "200 ms", "Accepted", none},
        {"Accepted", "Timer G", "Accepted", none},
        {"Accepted", "Timer H", "Accepted", none},
        {"Accepted", "Timer I", "Accepted", none},
        {"Accepted", "Timer L", "Terminated", {"terminated"}},
        {"Accepted", "transport error", "Accepted", {"failure TransportError"}},
        {"Completed", "INVITE", "Completed", {"resend 486"}},
        {"Completed", "ACK", "Confirmed", none},
        {"Completed", "1xx from TU", "Completed", none},
        {"Completed", "2xx from TU", "Completed", none},
        {"Completed", "300-699 from TU", "Completed", none},
        {"Completed", "200 ms", "Completed", none},
        {"Completed", "Timer G", "Completed", {"resend 486"}},
        {"Completed", "Timer H", "Terminated", {"failure Timeout", "terminated"}},
        {"Completed", "Timer I", "Completed", none},
        {"Completed", "Timer L", "Completed", none},
        {"Completed", "transport error", "Completed", {"failure TransportError"}},
        {"Confirmed", "INVITE", "Confirmed", none},
        {"Confirmed", "ACK", "Confirmed", none},
        {"Confirmed", "1xx from TU", "Confirmed", none},
        {"Confirmed", "2xx from TU", "Confirmed", none},
        {"Confirmed", "300-699 from TU", "Confirmed", none},
        {"Confirmed", "200 ms", "Confirmed", none},
        {"Confirmed", "Timer G", "Confirmed", none},
        {"Confirmed", "Timer H", "Confirmed", none},
        {"Confirmed", "Timer I", "Terminated", {"terminated"}},
        {"Confirmed", "Timer L", "Confirmed", none},
        {"Confirmed", "transport error", "Confirmed", none},
    };
    RunTable(rows, {"Proceeding", "Accepted", "Completed", "Confirmed"},
             {"INVITE", "ACK", "1xx from TU", "2xx from TU", "300-699 from TU", "200 ms", "Timer G",
              "Timer H", "Timer I", "Timer L", "transport error"},
             Arrows(kInviteServerTransitions), ReachInviteServer, FireInviteServer);
}

// --- non-INVITE server (Figure 8) ----------------------------------------------------------------

TransactionId
ReachNonInviteServer(Harness& h, const std::string& state)
{
    const Message request = MakeIncoming("OPTIONS", kServerBranch);
    h.layer.ReceiveMessage(request, RemotePeer());
    const TransactionId id = h.user.lastServerId;
    if (state == "Proceeding")
    {
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 100)));
    }
    else if (state == "Completed")
    {
        EXPECT_TRUE(h.layer.SendResponse(id, MakeResponseTo(request, 200)));
    }
    return id;
}

void
FireNonInviteServer(Harness& h, TransactionId id, const std::string& event)
{
    auto* txn = dynamic_cast<NonInviteServerTransaction*>(h.layer.FindTransaction(id));
    ASSERT_NE(txn, nullptr);
    const Message request = txn->GetRequest();
    if (event == "request")
    {
        h.layer.ReceiveMessage(request, RemotePeer());
    }
    else if (event == "1xx from TU")
    {
        h.layer.SendResponse(id, MakeResponseTo(request, 100));
    }
    else if (event == "200 from TU")
    {
        h.layer.SendResponse(id, MakeResponseTo(request, 200));
    }
    else if (event == "300-699 from TU")
    {
        h.layer.SendResponse(id, MakeResponseTo(request, 404));
    }
    else if (event == "Timer J")
    {
        txn->OnTimerJ();
    }
    else if (event == "transport error")
    {
        h.layer.ReportTransportError(RemotePeer());
    }
    else
    {
        FAIL() << "unknown event " << event;
    }
}

TEST(TransitionTableTest, NonInviteServer)
{
    const Strings none;
    const std::vector<Row> rows = {
        {"Trying", "request", "Trying", none},
        {"Trying", "1xx from TU", "Proceeding", {"send 100"}},
        {"Trying", "200 from TU", "Completed", {"send 200"}},
        {"Trying", "300-699 from TU", "Completed", {"send 404"}},
        {"Trying", "Timer J", "Trying", none},
        {"Trying", "transport error", "Trying", none},
        {"Proceeding", "request", "Proceeding", {"resend 100"}},
        {"Proceeding", "1xx from TU", "Proceeding", {"send 100"}},
        {"Proceeding", "200 from TU", "Completed", {"send 200"}},
        {"Proceeding", "300-699 from TU", "Completed", {"send 404"}},
        {"Proceeding", "Timer J", "Proceeding", none},
        {"Proceeding", "transport error", "Terminated", {"failure TransportError", "terminated"}},
        {"Completed", "request", "Completed", {"resend 200"}},
        {"Completed", "1xx from TU", "Completed", none},
        {"Completed", "200 from TU", "Completed", none},
        {"Completed", "300-699 from TU", "Completed", none},
        {"Completed", "Timer J", "Terminated", {"terminated"}},
        {"Completed", "transport error", "Terminated", {"failure TransportError", "terminated"}},
    };
    RunTable(
        rows, {"Trying", "Proceeding", "Completed"},
        {"request", "1xx from TU", "200 from TU", "300-699 from TU", "Timer J", "transport error"},
        Arrows(kNonInviteServerTransitions), ReachNonInviteServer, FireNonInviteServer);
}

// --- the tables themselves
// ------------------------------------------------------------------------

TEST(TransitionTableTest, TablesMatchTheFigures)
{
    // Terminated is final; nothing enters the initial states; no self-loops are listed.
    for (const auto& t : kInviteClientTransitions)
    {
        EXPECT_NE(t.from, InviteClientState::Terminated);
        EXPECT_NE(t.to, InviteClientState::Calling);
        EXPECT_NE(t.from, t.to);
    }
    for (const auto& t : kNonInviteClientTransitions)
    {
        EXPECT_NE(t.from, NonInviteClientState::Terminated);
        EXPECT_NE(t.to, NonInviteClientState::Trying);
        EXPECT_NE(t.from, t.to);
    }
    for (const auto& t : kInviteServerTransitions)
    {
        EXPECT_NE(t.from, InviteServerState::Terminated);
        EXPECT_NE(t.to, InviteServerState::Proceeding);
        EXPECT_NE(t.from, t.to);
    }
    for (const auto& t : kNonInviteServerTransitions)
    {
        EXPECT_NE(t.from, NonInviteServerState::Terminated);
        EXPECT_NE(t.to, NonInviteServerState::Trying);
        EXPECT_NE(t.from, t.to);
    }
    static_assert(IsLegalTransition(InviteClientState::Calling, InviteClientState::Accepted));
    static_assert(!IsLegalTransition(InviteClientState::Accepted, InviteClientState::Completed));
    // RFC 3261 9.1, not drawn in Figure 5: 64*T1 after a CANCEL with no final response.
    static_assert(IsLegalTransition(InviteClientState::Proceeding, InviteClientState::Terminated));
    static_assert(IsLegalTransition(InviteServerState::Completed, InviteServerState::Confirmed));
    static_assert(!IsLegalTransition(InviteServerState::Proceeding, InviteServerState::Terminated));
    static_assert(
        !IsLegalTransition(NonInviteServerState::Trying, NonInviteServerState::Terminated));
    EXPECT_EQ(StateName(InviteServerState::Confirmed), "Confirmed");
    EXPECT_EQ(StateName(NonInviteClientState::Trying), "Trying");
}

} // namespace
} // namespace sipsim::test
