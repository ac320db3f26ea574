/*
 * Matching (RFC 3261 17.1.3 for responses, 17.2.3 for requests, with the RFC 2543 rules for
 * branches without the magic cookie), stray messages and CANCEL as its own transaction.
 */
#include "message/sip-parser.h"
#include "transaction-test-util.h"

#include <gtest/gtest.h>

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

Message
ParseText(const std::string& text)
{
    ParseResult r = Parse(text);
    EXPECT_TRUE(r.Ok()) << (r.Ok() ? "" : r.GetError().what);
    return r.Ok() ? r.GetMessage() : Message();
}

/// What a transport does with received bytes: parse, stamp the top Via of a request.
Message
Arrive(const std::string& text, const Peer& from)
{
    Message m = ParseText(text);
    if (m.IsRequest())
    {
        StampReceivedVia(&m, from);
    }
    return m;
}

// --- requests -> server transactions ---------------------------------------------------------

TEST(RequestMatchingTest, RetransmissionAbsorbed)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKabc");
    h.layer.ReceiveMessage(invite, RemotePeer());
    h.layer.ReceiveMessage(invite, RemotePeer());
    h.layer.ReceiveMessage(invite, RemotePeer());
    EXPECT_EQ(h.user.requests.size(), 1u);
    EXPECT_EQ(h.layer.Size(), 1u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 2u);
    EXPECT_EQ(h.layer.GetCounters().serverTransactions, 1u);
}

TEST(RequestMatchingTest, SentByAndMethodArePartOfTheKey)
{
    Harness h;
    h.layer.ReceiveMessage(MakeIncoming("OPTIONS", "z9hG4bKsame"), RemotePeer());
    // Same branch from another sent-by: another transaction (17.2.3).
    Message other = Message::MakeRequest("OPTIONS", "sip:alice@10.0.0.1");
    other.AddHeader(HeaderId::Via, "SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKsame");
    other.AddHeader(HeaderId::From, "<sip:c@example.com>;tag=c");
    other.AddHeader(HeaderId::To, "<sip:alice@example.com>");
    other.AddHeader(HeaderId::CallId, "other");
    other.AddHeader(HeaderId::CSeq, "1 OPTIONS");
    h.layer.ReceiveMessage(other, RemotePeer(TransportProtocol::Udp, 5061));
    // Same branch and sent-by, another method: another transaction.
    h.layer.ReceiveMessage(MakeIncoming("INFO", "z9hG4bKsame"), RemotePeer());
    // Sent-by host compares case-insensitively: "10.0.0.2" is the same either way, so use a
    // host name pair.
    Message upper = MakeIncoming("OPTIONS", "z9hG4bKname");
    upper.RemoveFirstValue(HeaderId::Via);
    upper.PrependHeader(HeaderId::Via, "SIP/2.0/UDP PC33.Example.COM:5060;branch=z9hG4bKname");
    Message lower = upper;
    lower.RemoveFirstValue(HeaderId::Via);
    lower.PrependHeader(HeaderId::Via, "SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bKname");
    h.layer.ReceiveMessage(upper, RemotePeer());
    h.layer.ReceiveMessage(lower, RemotePeer());
    EXPECT_EQ(h.user.requests.size(), 4u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
}

TEST(RequestMatchingTest, AckForNonSuccessMatchedAckFor2xxToCore)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv");
    h.layer.ReceiveMessage(invite, RemotePeer());
    const TransactionId id = h.user.lastServerId;
    ASSERT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 404, "t404")));
    // ACK with another branch: not this transaction's, to the core.
    h.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKother", 1, "t404"), RemotePeer());
    EXPECT_EQ(h.user.acks.size(), 1u);
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    // ACK with the INVITE's branch: matched (ACK counts as INVITE, 17.2.3).
    h.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKinv", 1, "t404"), RemotePeer());
    EXPECT_EQ(h.user.acks.size(), 1u);
    EXPECT_EQ(h.layer.GetStateName(id), "Confirmed");
    EXPECT_EQ(h.layer.Size(), 1u);
}

TEST(RequestMatchingTest, CancelIsItsOwnTransaction)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv");
    h.layer.ReceiveMessage(invite, RemotePeer());
    const TransactionId inviteId = h.user.lastServerId;
    ASSERT_TRUE(h.layer.SendResponse(inviteId, MakeResponseTo(invite, 180)));
    // 9.1: same branch as the INVITE, CSeq method CANCEL.
    const Message cancel = MakeIncoming("CANCEL", "z9hG4bKinv");
    h.layer.ReceiveMessage(cancel, RemotePeer());
    const TransactionId cancelId = h.user.lastServerId;
    EXPECT_NE(cancelId, inviteId);
    EXPECT_EQ(h.user.requests.size(), 2u);
    EXPECT_EQ(h.user.requests.back().GetMethod(), Method::Cancel);
    EXPECT_EQ(h.layer.FindTransaction(cancelId)->GetKind(), TransactionKind::NonInviteServer);
    EXPECT_EQ(h.layer.GetStateName(inviteId), "Proceeding");
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 0u); // the 180 was not re-sent
    // The core answers both (9.2).
    ASSERT_TRUE(h.layer.SendResponse(cancelId, MakeResponseTo(cancel, 200)));
    ASSERT_TRUE(h.layer.SendResponse(inviteId, MakeResponseTo(invite, 487)));
    // A retransmitted CANCEL re-sends the CANCEL's 200, not the INVITE's 487.
    h.layer.ReceiveMessage(cancel, RemotePeer());
    const auto& last = h.transport.GetSent().back();
    EXPECT_EQ(last.message.GetStatusCode(), 200);
    EXPECT_EQ(last.message.GetCSeq()->method, "CANCEL");
    EXPECT_TRUE(last.retransmission);
}

TEST(RequestMatchingTest, FindInviteServerIsTheTargetOfACancel)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKinv");
    h.layer.ReceiveMessage(invite, RemotePeer());
    const TransactionId inviteId = h.user.lastServerId;
    // 9.2: the CANCEL's branch and sent-by are the INVITE's.
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "z9hG4bKinv")), inviteId);
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "z9hG4bKother")), 0u);
    // The same branch from another sent-by is another transaction (17.2.3).
    Message elsewhere = MakeIncoming("CANCEL", "z9hG4bKinv");
    ASSERT_TRUE(
        elsewhere.ReplaceFirstValue(HeaderId::Via, "SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKinv"));
    EXPECT_EQ(h.layer.FindInviteServer(elsewhere), 0u);
    // A server transaction of another method is no target.
    h.layer.ReceiveMessage(MakeIncoming("OPTIONS", "z9hG4bKopt"), RemotePeer());
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "z9hG4bKopt")), 0u);
    // RFC 2543 (no magic cookie): Request-URI, tags, Call-ID, CSeq number and top Via.
    h.layer.ReceiveMessage(MakeIncoming("INVITE", "oldbranch", 7), RemotePeer());
    const TransactionId oldId = h.user.lastServerId;
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "oldbranch", 7)), oldId);
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "oldbranch", 8)), 0u);
    // Until the INVITE transaction has terminated (Accepted, then Timer L = 64*T1).
    ASSERT_TRUE(h.layer.SendResponse(inviteId, MakeResponseTo(invite, 200)));
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "z9hG4bKinv")), inviteId);
    h.clock.RunUntil(40s);
    EXPECT_EQ(h.layer.FindTransaction(inviteId), nullptr);
    EXPECT_EQ(h.layer.FindInviteServer(MakeIncoming("CANCEL", "z9hG4bKinv")), 0u);
}

TEST(RequestMatchingTest, StrayAckGoesToCore)
{
    Harness h;
    h.layer.ReceiveMessage(MakeIncoming("ACK", "z9hG4bKnothing", 1, "x"), RemotePeer());
    EXPECT_EQ(h.user.acks.size(), 1u);
    EXPECT_EQ(h.layer.Size(), 0u);
    EXPECT_EQ(h.layer.GetCounters().serverTransactions, 0u);
}

TEST(RequestMatchingTest, MalformedDropped)
{
    Harness h;
    Message noVia = Message::MakeRequest("OPTIONS", "sip:a@example.com");
    noVia.AddHeader(HeaderId::CallId, "x");
    noVia.AddHeader(HeaderId::CSeq, "1 OPTIONS");
    h.layer.ReceiveMessage(noVia, RemotePeer());
    Message noCseq = MakeIncoming("OPTIONS", "z9hG4bKx");
    noCseq.RemoveHeader(HeaderId::CSeq);
    h.layer.ReceiveMessage(noCseq, RemotePeer());
    Message response = Message::MakeResponse(200);
    h.layer.ReceiveMessage(response, RemotePeer());
    EXPECT_EQ(h.layer.GetCounters().malformedDropped, 3u);
    EXPECT_TRUE(h.log.empty());
}

// --- RFC 2543 (no magic cookie) -----------------------------------------------------------------

const char* const kInvite2543 = "INVITE sip:alice@10.0.0.1 SIP/2.0\r\n"
                                "Via: SIP/2.0/UDP 10.0.0.2:5060\r\n"
                                "Max-Forwards: 70\r\n"
                                "From: <sip:old@example.com>;tag=2543from\r\n"
                                "To: <sip:alice@example.com>\r\n"
                                "Call-ID: legacy-call\r\n"
                                "CSeq: 5 INVITE\r\n"
                                "Content-Length: 0\r\n"
                                "\r\n";

std::string
Ack2543(std::string_view toTag, std::string_view cseq = "5", std::string_view via = "10.0.0.2:5060")
{
    return "ACK sip:alice@10.0.0.1 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP "
           + std::string(via)
           + "\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:old@example.com>;tag=2543from\r\n"
             "To: <sip:alice@example.com>;tag="
           + std::string(toTag)
           + "\r\n"
             "Call-ID: legacy-call\r\n"
             "CSeq: "
           + std::string(cseq)
           + " ACK\r\n"
             "Content-Length: 0\r\n"
             "\r\n";
}

TEST(Rfc2543MatchingTest, InviteRetransmissionAndAck)
{
    Harness h;
    const Message invite = Arrive(kInvite2543, RemotePeer());
    ASSERT_FALSE(invite.GetTopVia()->HasMagicCookie());
    h.layer.ReceiveMessage(invite, RemotePeer());
    const TransactionId id = h.user.lastServerId;
    h.layer.ReceiveMessage(Arrive(kInvite2543, RemotePeer()), RemotePeer());
    EXPECT_EQ(h.user.requests.size(), 1u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
    ASSERT_TRUE(h.layer.SendResponse(id, MakeResponseTo(invite, 486, "uas2543")));
    EXPECT_EQ(h.transport.GetSent().back().to, RemotePeer());

    // ACK with another To tag, CSeq or top Via: not this transaction's.
    h.layer.ReceiveMessage(Arrive(Ack2543("wrong"), RemotePeer()), RemotePeer());
    h.layer.ReceiveMessage(Arrive(Ack2543("uas2543", "6"), RemotePeer()), RemotePeer());
    h.layer.ReceiveMessage(Arrive(Ack2543("uas2543", "5", "10.0.0.2:5999"), RemotePeer()),
                           RemotePeer());
    EXPECT_EQ(h.user.acks.size(), 3u);
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    // The ACK of the 486: matched by Request-URI, From tag, Call-ID, CSeq number, top Via and
    // the To tag of the response.
    h.layer.ReceiveMessage(Arrive(Ack2543("uas2543"), RemotePeer()), RemotePeer());
    EXPECT_EQ(h.user.acks.size(), 3u);
    EXPECT_EQ(h.layer.GetStateName(id), "Confirmed");
}

TEST(Rfc2543MatchingTest, DifferentCSeqOrCallIsANewTransaction)
{
    Harness h;
    h.layer.ReceiveMessage(Arrive(kInvite2543, RemotePeer()), RemotePeer());
    std::string reinvite = kInvite2543;
    reinvite.replace(reinvite.find("CSeq: 5"), 7, "CSeq: 6");
    h.layer.ReceiveMessage(Arrive(reinvite, RemotePeer()), RemotePeer());
    std::string otherCall = kInvite2543;
    otherCall.replace(otherCall.find("legacy-call"), 11, "legacy-cal2");
    h.layer.ReceiveMessage(Arrive(otherCall, RemotePeer()), RemotePeer());
    // A CANCEL of the legacy INVITE is its own transaction too.
    std::string cancel = kInvite2543;
    cancel.replace(0, 6, "CANCEL");
    cancel.replace(cancel.find("5 INVITE"), 8, "5 CANCEL");
    h.layer.ReceiveMessage(Arrive(cancel, RemotePeer()), RemotePeer());
    EXPECT_EQ(h.user.requests.size(), 4u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 0u);
    h.layer.ReceiveMessage(Arrive(cancel, RemotePeer()), RemotePeer());
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
}

TEST(Rfc2543MatchingTest, ShortBranchWithoutCookie)
{
    Harness h;
    // A branch that is not an RFC 3261 one ("z9hG4bK" alone has no cookie either).
    h.layer.ReceiveMessage(MakeIncoming("OPTIONS", "z9hG4bK"), RemotePeer());
    h.layer.ReceiveMessage(MakeIncoming("OPTIONS", "z9hG4bK"), RemotePeer());
    EXPECT_EQ(h.user.requests.size(), 1u);
    EXPECT_EQ(h.layer.GetCounters().requestsAbsorbed, 1u);
}

// --- responses -> client transactions
// --------------------------------------------------------------

TEST(ResponseMatchingTest, StrayResponses)
{
    Harness h;
    const Message invite = MakeIncoming("INVITE", "z9hG4bKnotmine");
    h.layer.ReceiveMessage(MakeResponseTo(invite, 200), RemotePeer());
    EXPECT_EQ(h.log, (Strings{"stray 200"}));
    EXPECT_EQ(h.layer.GetCounters().strayResponsesToCore, 1u);
    h.layer.ReceiveMessage(MakeResponseTo(invite, 486), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(invite, 180), RemotePeer());
    h.layer.ReceiveMessage(MakeResponseTo(MakeIncoming("OPTIONS", "z9hG4bKnot"), 200),
                           RemotePeer());
    EXPECT_EQ(h.log, (Strings{"stray 200"}));
    EXPECT_EQ(h.layer.GetCounters().strayResponsesDropped, 3u);
}

TEST(ResponseMatchingTest, SameBranchOtherMethodNotMatched)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("INVITE"), RemotePeer());
    const Message invite = *h.layer.GetRequest(id);
    Message wrong = MakeResponseTo(invite, 486);
    wrong.SetHeader(HeaderId::CSeq, "1 OPTIONS");
    h.layer.ReceiveMessage(wrong, RemotePeer());
    Message cancelOk = MakeResponseTo(invite, 200);
    cancelOk.SetHeader(HeaderId::CSeq, "1 CANCEL");
    h.layer.ReceiveMessage(cancelOk, RemotePeer());
    EXPECT_EQ(h.layer.GetStateName(id), "Calling");
    EXPECT_EQ(h.layer.GetCounters().strayResponsesDropped, 2u);
    EXPECT_TRUE(h.user.responses.empty());
    // Another branch, right method: not matched either; a 2xx to INVITE goes to the core.
    Message otherBranch = MakeResponseTo(invite, 200);
    otherBranch.RemoveFirstValue(HeaderId::Via);
    otherBranch.PrependHeader(HeaderId::Via, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK999");
    h.layer.ReceiveMessage(otherBranch, RemotePeer());
    EXPECT_EQ(h.layer.GetStateName(id), "Calling");
    EXPECT_EQ(h.user.strays.size(), 1u);
    // The right one.
    h.layer.ReceiveMessage(MakeResponseTo(invite, 486), RemotePeer());
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
}

TEST(ResponseMatchingTest, ParsedResponseMatches)
{
    Harness h;
    const TransactionId id = h.layer.SendRequest(MakeOutgoing("OPTIONS"), RemotePeer());
    const std::string text = MakeResponseTo(*h.layer.GetRequest(id), 200).Serialize();
    h.layer.ReceiveMessage(Arrive(text, RemotePeer()), RemotePeer());
    EXPECT_EQ(h.layer.GetStateName(id), "Completed");
    EXPECT_EQ(h.user.responseIds, (std::vector<TransactionId>{id}));
}

} // namespace
} // namespace sipsim::test
