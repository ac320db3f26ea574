/*
 * Unit tests of Dialog (RFC 3261 12): creation on both sides, route sets, requests inside the
 * dialog (loose and strict routing), CSeq ordering and target refresh.
 */
#include "message/sip-parser.h"
#include "ua/dialog.h"

#include <gtest/gtest.h>
#include <initializer_list>
#include <string>

namespace sipsim {
namespace {

Message
ParseLines(std::initializer_list<const char*> lines)
{
    std::string text;
    for (const char* line : lines)
    {
        text += line;
        text += "\r\n";
    }
    text += "\r\n";
    ParseResult parsed = Parse(text);
    EXPECT_TRUE(parsed.Ok()) << (parsed.Ok() ? "" : parsed.GetError().what) << "\n" << text;
    return parsed.Ok() ? parsed.GetMessage() : Message();
}

/// Alice's INVITE as it arrives at Bob, through two record-routing proxies.
Message
Invite()
{
    return ParseLines({
        "INVITE sip:bob@biloxi.example.com SIP/2.0",
        "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK2",
        "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1",
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa",
        "Record-Route: <sip:p2.example.com;lr>",
        "Record-Route: <sip:p1.example.com;lr>",
        "Max-Forwards: 68",
        "To: Bob <sip:bob@biloxi.example.com>",
        "From: Alice <sip:alice@atlanta.example.com>;tag=a1",
        "Call-ID: call-1@10.0.0.1",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@10.0.0.1:5060>",
        "Content-Length: 0",
    });
}

/// Bob's response to it (code and To tag given), with the Record-Route copied.
Message
Response(const char* statusLine, const char* to, const char* contact)
{
    return ParseLines({
        statusLine,
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa",
        "Record-Route: <sip:p2.example.com;lr>",
        "Record-Route: <sip:p1.example.com;lr>",
        to,
        "From: Alice <sip:alice@atlanta.example.com>;tag=a1",
        "Call-ID: call-1@10.0.0.1",
        "CSeq: 314159 INVITE",
        contact,
        "Content-Length: 0",
    });
}

/// An in-dialog request from Bob to Alice (To tag a1, From tag b1).
Message
FromBob(const char* method, uint32_t cseq, const char* contact = "Contact: <sip:bob@10.0.0.2>")
{
    const std::string startLine = std::string(method) + " sip:alice@10.0.0.1:5060 SIP/2.0";
    const std::string cseqLine = "CSeq: " + std::to_string(cseq) + " " + method;
    return ParseLines({
        startLine.c_str(),
        "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKb",
        "Max-Forwards: 70",
        "To: <sip:alice@atlanta.example.com>;tag=a1",
        "From: <sip:bob@biloxi.example.com>;tag=b1",
        "Call-ID: call-1@10.0.0.1",
        cseqLine.c_str(),
        contact,
        "Content-Length: 0",
    });
}

std::vector<std::string>
RouteValues(const Message& m)
{
    std::vector<std::string> out;
    for (std::string_view v : m.GetHeaderValues(HeaderId::Route))
    {
        out.emplace_back(v);
    }
    return out;
}

TEST(DialogTest, UacEarlyDialogFromProvisionalWithToTag)
{
    // RFC 3261 12.1.2: route set = Record-Route reversed, remote target = Contact.
    const auto dialog = Dialog::CreateAsUac(
        Invite(), Response("SIP/2.0 180 Ringing", "To: Bob <sip:bob@biloxi.example.com>;tag=b1",
                           "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog.has_value());
    EXPECT_EQ(dialog->GetState(), DialogState::Early);
    EXPECT_EQ(dialog->GetCallId(), "call-1@10.0.0.1");
    EXPECT_EQ(dialog->GetLocalTag(), "a1");
    EXPECT_EQ(dialog->GetRemoteTag(), "b1");
    EXPECT_EQ(dialog->GetLocalUri(), "sip:alice@atlanta.example.com");
    EXPECT_EQ(dialog->GetRemoteUri(), "sip:bob@biloxi.example.com");
    EXPECT_EQ(dialog->GetRemoteTarget(), "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(dialog->GetRouteSet(),
              (std::vector<std::string>{"sip:p1.example.com;lr", "sip:p2.example.com;lr"}));
    EXPECT_EQ(dialog->GetLocalSeq(), std::optional<uint32_t>(314159));
    EXPECT_FALSE(dialog->GetRemoteSeq().has_value());
    EXPECT_EQ(dialog->GetLastInviteSeq(), std::optional<uint32_t>(314159));
    EXPECT_FALSE(dialog->IsSecure());
}

TEST(DialogTest, UacConfirmedDialogFrom2xx)
{
    const auto dialog = Dialog::CreateAsUac(
        Invite(), Response("SIP/2.0 200 OK", "To: Bob <sip:bob@biloxi.example.com>;tag=b1",
                           "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog.has_value());
    EXPECT_EQ(dialog->GetState(), DialogState::Confirmed);
}

TEST(DialogTest, NoDialogFrom100OrTaglessProvisionalOrFailure)
{
    EXPECT_FALSE(Dialog::CreateAsUac(Invite(), Response("SIP/2.0 100 Trying",
                                                        "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                        "Contact: <sip:bob@10.0.0.2>")));
    EXPECT_FALSE(Dialog::CreateAsUac(Invite(), Response("SIP/2.0 180 Ringing",
                                                        "To: <sip:bob@biloxi.example.com>",
                                                        "Contact: <sip:bob@10.0.0.2>")));
    EXPECT_FALSE(Dialog::CreateAsUac(Invite(), Response("SIP/2.0 486 Busy Here",
                                                        "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                        "Contact: <sip:bob@10.0.0.2>")));
}

TEST(DialogTest, UasDialogKeepsRecordRouteOrder)
{
    // RFC 3261 12.1.1: route set = Record-Route in order, remote seq = the INVITE's CSeq.
    const auto dialog = Dialog::CreateAsUas(Invite(), "b1", DialogState::Early);
    ASSERT_TRUE(dialog.has_value());
    EXPECT_EQ(dialog->GetState(), DialogState::Early);
    EXPECT_EQ(dialog->GetLocalTag(), "b1");
    EXPECT_EQ(dialog->GetRemoteTag(), "a1");
    EXPECT_EQ(dialog->GetLocalUri(), "sip:bob@biloxi.example.com");
    EXPECT_EQ(dialog->GetRemoteUri(), "sip:alice@atlanta.example.com");
    EXPECT_EQ(dialog->GetRemoteTarget(), "sip:alice@10.0.0.1:5060");
    EXPECT_EQ(dialog->GetRouteSet(),
              (std::vector<std::string>{"sip:p2.example.com;lr", "sip:p1.example.com;lr"}));
    EXPECT_EQ(dialog->GetRemoteSeq(), std::optional<uint32_t>(314159));
    EXPECT_FALSE(dialog->GetLocalSeq().has_value());
    EXPECT_FALSE(Dialog::CreateAsUas(Invite(), "", DialogState::Early));
}

TEST(DialogTest, UasConfirmOnlyMovesEarlyForward)
{
    auto dialog = Dialog::CreateAsUas(Invite(), "b1", DialogState::Early);
    ASSERT_TRUE(dialog);
    dialog->Confirm();
    EXPECT_TRUE(dialog->IsConfirmed());
    dialog->Terminate();
    dialog->Confirm();
    EXPECT_TRUE(dialog->IsTerminated());
}

TEST(DialogTest, UasRequestLooseRouting)
{
    // RFC 3261 12.2.1.1: Request-URI = remote target, Route = route set; the empty local
    // sequence number starts at 1.
    auto dialog = Dialog::CreateAsUas(Invite(), "b1", DialogState::Confirmed);
    ASSERT_TRUE(dialog);
    const Message bye = dialog->CreateRequest("BYE");
    EXPECT_EQ(bye.GetMethod(), Method::Bye);
    EXPECT_EQ(bye.GetRequestUriText(), "sip:alice@10.0.0.1:5060");
    EXPECT_EQ(RouteValues(bye),
              (std::vector<std::string>{"<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"}));
    ASSERT_NE(bye.GetCSeq(), nullptr);
    EXPECT_EQ(bye.GetCSeq()->number, 1u);
    EXPECT_EQ(bye.GetCSeq()->method, "BYE");
    EXPECT_EQ(bye.GetTo()->uri.text, "sip:alice@atlanta.example.com");
    EXPECT_EQ(bye.GetTo()->Tag(), "a1");
    EXPECT_EQ(bye.GetFrom()->uri.text, "sip:bob@biloxi.example.com");
    EXPECT_EQ(bye.GetFrom()->Tag(), "b1");
    EXPECT_EQ(bye.GetCallId(), "call-1@10.0.0.1");
    EXPECT_EQ(bye.GetMaxForwards(), 70);
    EXPECT_EQ(dialog->GetLocalSeq(), std::optional<uint32_t>(1));
    EXPECT_EQ(dialog->NextHopUri(), "sip:p2.example.com;lr");
    // The text parses back with the same values.
    const ParseResult reparsed = Parse(bye.Serialize());
    ASSERT_TRUE(reparsed.Ok());
    EXPECT_EQ(reparsed.GetMessage().GetCSeq()->number, 1u);
}

TEST(DialogTest, UacRequestsCountCSeqUpAndAckKeepsTheInvites)
{
    auto dialog = Dialog::CreateAsUac(
        Invite(), Response("SIP/2.0 200 OK", "To: Bob <sip:bob@biloxi.example.com>;tag=b1",
                           "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog);
    const Message ack = dialog->CreateRequest("ACK");
    EXPECT_EQ(ack.GetCSeq()->number, 314159u);
    EXPECT_EQ(ack.GetCSeq()->method, "ACK");
    EXPECT_EQ(ack.GetRequestUriText(), "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(RouteValues(ack),
              (std::vector<std::string>{"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"}));
    EXPECT_EQ(dialog->CreateRequest("BYE").GetCSeq()->number, 314160u);
    EXPECT_EQ(dialog->CreateRequest("INVITE").GetCSeq()->number, 314161u);
    // ACK and CANCEL now carry the re-INVITE's number.
    EXPECT_EQ(dialog->CreateRequest("ACK").GetCSeq()->number, 314161u);
    EXPECT_EQ(dialog->CreateRequest("CANCEL").GetCSeq()->number, 314161u);
    EXPECT_EQ(dialog->GetLocalSeq(), std::optional<uint32_t>(314161));
}

TEST(DialogTest, StrictRouting)
{
    // RFC 3261 12.2.1.1: a first route without lr becomes the Request-URI (without the
    // parameters a Request-URI may not have); Route = the other routes, then the remote target.
    const Message response = ParseLines({
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa",
        "Record-Route: <sip:p3.example.com;lr>",
        "Record-Route: <sip:p2.example.com;method=INVITE;transport=udp>",
        "To: <sip:bob@biloxi.example.com>;tag=b1",
        "From: <sip:alice@atlanta.example.com>;tag=a1",
        "Call-ID: call-1@10.0.0.1",
        "CSeq: 314159 INVITE",
        "Contact: <sip:bob@10.0.0.2:5060>",
        "Content-Length: 0",
    });
    auto dialog = Dialog::CreateAsUac(Invite(), response);
    ASSERT_TRUE(dialog);
    EXPECT_TRUE(dialog->FirstRouteIsStrict());
    const Message bye = dialog->CreateRequest("BYE");
    EXPECT_EQ(bye.GetRequestUriText(), "sip:p2.example.com;transport=udp");
    EXPECT_EQ(RouteValues(bye),
              (std::vector<std::string>{"<sip:p3.example.com;lr>", "<sip:bob@10.0.0.2:5060>"}));
    EXPECT_EQ(dialog->NextHopUri(), "sip:p2.example.com;method=INVITE;transport=udp");
    EXPECT_EQ(StripForRequestUri("sip:p2.example.com:5070;method=INVITE?Subject=x"),
              "sip:p2.example.com:5070");
    EXPECT_EQ(StripForRequestUri("sip:p2.example.com?Subject=x"), "sip:p2.example.com");
}

TEST(DialogTest, NoRouteSetNoRouteHeader)
{
    const Message invite = ParseLines({
        "INVITE sip:bob@10.0.0.2 SIP/2.0",
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa",
        "Max-Forwards: 70",
        "To: <sip:bob@10.0.0.2>",
        "From: <sip:alice@10.0.0.1>;tag=a1",
        "Call-ID: c2",
        "CSeq: 1 INVITE",
        "Contact: <sip:alice@10.0.0.1>",
        "Content-Length: 0",
    });
    auto dialog = Dialog::CreateAsUas(invite, "b9", DialogState::Confirmed);
    ASSERT_TRUE(dialog);
    EXPECT_TRUE(dialog->GetRouteSet().empty());
    EXPECT_FALSE(dialog->FirstRouteIsStrict());
    const Message bye = dialog->CreateRequest("BYE");
    EXPECT_FALSE(bye.HasHeader(HeaderId::Route));
    EXPECT_EQ(bye.GetRequestUriText(), "sip:alice@10.0.0.1");
    EXPECT_EQ(dialog->NextHopUri(), "sip:alice@10.0.0.1");
}

TEST(DialogTest, LowerCSeqIsOutOfOrder)
{
    // RFC 3261 12.2.2: lower than the remote sequence number -> 500.
    auto dialog = Dialog::CreateAsUac(Invite(), Response("SIP/2.0 200 OK",
                                                         "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                         "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog);
    EXPECT_FALSE(dialog->GetRemoteSeq().has_value());
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("OPTIONS", 10)), 0);
    EXPECT_EQ(dialog->GetRemoteSeq(), std::optional<uint32_t>(10));
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("OPTIONS", 9)), 500);
    EXPECT_EQ(dialog->GetRemoteSeq(), std::optional<uint32_t>(10));
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("OPTIONS", 10)), 0);
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("BYE", 11)), 0);
    EXPECT_EQ(dialog->GetRemoteSeq(), std::optional<uint32_t>(11));
    // ACK carries its INVITE's number and is not ordered.
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("ACK", 3)), 0);
    dialog->Terminate();
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("BYE", 12)), 481);
}

TEST(DialogTest, ReinviteRefreshesRemoteTargetOtherRequestsDoNot)
{
    auto dialog = Dialog::CreateAsUac(Invite(), Response("SIP/2.0 200 OK",
                                                         "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                         "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog);
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("OPTIONS", 1, "Contact: <sip:bob@10.9.9.9>")), 0);
    EXPECT_EQ(dialog->GetRemoteTarget(), "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(dialog->ReceiveRequest(FromBob("INVITE", 2, "Contact: <sip:bob@10.0.0.7:5062>")), 0);
    EXPECT_EQ(dialog->GetRemoteTarget(), "sip:bob@10.0.0.7:5062");
    EXPECT_EQ(dialog->CreateRequest("BYE").GetRequestUriText(), "sip:bob@10.0.0.7:5062");
}

TEST(DialogTest, UacResponsesConfirmRefreshAndTerminate)
{
    auto dialog = Dialog::CreateAsUac(Invite(), Response("SIP/2.0 183 Session Progress",
                                                         "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                         "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog);
    // 13.2.2.4: the 2xx confirms the early dialog and recomputes the route set.
    const Message ok = ParseLines({
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa",
        "Record-Route: <sip:p9.example.com;lr>",
        "To: <sip:bob@biloxi.example.com>;tag=b1",
        "From: <sip:alice@atlanta.example.com>;tag=a1",
        "Call-ID: call-1@10.0.0.1",
        "CSeq: 314159 INVITE",
        "Contact: <sip:bob@10.0.0.3>",
        "Content-Length: 0",
    });
    EXPECT_TRUE(dialog->ReceiveResponse(ok));
    EXPECT_TRUE(dialog->IsConfirmed());
    EXPECT_EQ(dialog->GetRouteSet(), (std::vector<std::string>{"sip:p9.example.com;lr"}));
    EXPECT_EQ(dialog->GetRemoteTarget(), "sip:bob@10.0.0.3");
    // A response of another dialog is ignored.
    EXPECT_FALSE(dialog->ReceiveResponse(Response("SIP/2.0 481 Call/Transaction Does Not Exist",
                                                  "To: <sip:bob@biloxi.example.com>;tag=zz",
                                                  "Contact: <sip:bob@10.0.0.2>")));
    EXPECT_TRUE(dialog->IsConfirmed());
    // 12.2.1.2: 481 to a request in the dialog terminates it.
    EXPECT_TRUE(dialog->ReceiveResponse(Response("SIP/2.0 481 Call/Transaction Does Not Exist",
                                                 "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                 "Contact: <sip:bob@10.0.0.2>")));
    EXPECT_TRUE(dialog->IsTerminated());
}

TEST(DialogTest, EarlyDialogEndsWithTheInvitesFailure)
{
    auto dialog = Dialog::CreateAsUac(Invite(), Response("SIP/2.0 180 Ringing",
                                                         "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                         "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog);
    EXPECT_TRUE(dialog->ReceiveResponse(Response("SIP/2.0 487 Request Terminated",
                                                 "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                 "Server: test")));
    EXPECT_TRUE(dialog->IsTerminated());
}

TEST(DialogTest, MatchingUsesCallIdAndBothTags)
{
    auto dialog = Dialog::CreateAsUac(Invite(), Response("SIP/2.0 200 OK",
                                                         "To: <sip:bob@biloxi.example.com>;tag=b1",
                                                         "Contact: <sip:bob@10.0.0.2:5060>"));
    ASSERT_TRUE(dialog);
    EXPECT_TRUE(dialog->MatchesRequest(FromBob("BYE", 1)));
    const Message other = ParseLines({
        "BYE sip:alice@10.0.0.1 SIP/2.0",
        "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKb",
        "Max-Forwards: 70",
        "To: <sip:alice@atlanta.example.com>;tag=a1",
        "From: <sip:bob@biloxi.example.com>;tag=b2",
        "Call-ID: call-1@10.0.0.1",
        "CSeq: 1 BYE",
        "Content-Length: 0",
    });
    EXPECT_FALSE(dialog->MatchesRequest(other));
    EXPECT_EQ(DialogStateName(DialogState::Early), "Early");
}

} // namespace
} // namespace sipsim
