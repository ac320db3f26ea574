/*
 * Call flows between two user agents over the in-memory network (10 ms one way, T1 = 500 ms):
 * RFC 3261 13 (INVITE, 2xx retransmission and ACK), 9 (CANCEL), 15 (BYE), 8.1.3.1 (timeouts),
 * 22.3 (proxy authentication), with every message and event checked at its exact time.
 */
#include "ua-test-util.h"

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

const char* const kOffer = "v=0\r\no=alice 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
                           "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";

class CallFlowTest : public TwoUaTest
{
  protected:
    void SetUp() override
    {
        ASSERT_NE(alice, nullptr);
        ASSERT_NE(bob, nullptr);
    }

    /// Runs until t, then calls action (an API call made "at" t).
    void At(Duration t, const std::function<void()>& action)
    {
        clock.RunUntil(t);
        action();
    }
};

TEST_F(CallFlowTest, BasicCall)
{
    bobEvents.ringAfter = 300ms;
    bobEvents.answerAfter = 1000ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    ASSERT_TRUE(call.IsValid());
    EXPECT_EQ(alice->GetCallState(call), CallState::Calling);
    At(2s, [&] { EXPECT_TRUE(alice->Hangup(call)); });
    clock.RunUntil(60s);

    // The server transaction sends 100 Trying 200 ms after the INVITE arrived (17.2.1).
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.210 100 INVITE", "0.310 180 INVITE",
                                   "1.010 200 INVITE", "1.020 ACK", "2.000 BYE", "2.010 200 BYE"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.320 progress 180", "1.020 answered", "2.020 ended local"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "1.030 answered", "2.010 ended remote"}));

    // The messages (RFC 3261 8.1.1, 12.1, 13.2.1, 13.3.1.4, 13.2.2.4).
    const auto& log = net.GetLog();
    const Message invite = Reparse(log[0]);
    EXPECT_EQ(invite.GetRequestUriText(), "sip:bob@10.0.0.2");
    EXPECT_EQ(invite.GetMaxForwards(), 70);
    EXPECT_EQ(*invite.FindHeader(HeaderId::Contact), "<sip:alice@10.0.0.1:5060>");
    EXPECT_EQ(invite.GetFrom()->uri.text, "sip:alice@example.com");
    EXPECT_FALSE(invite.GetFrom()->Tag().empty());
    EXPECT_TRUE(invite.GetTo()->Tag().empty());
    EXPECT_EQ(invite.GetCSeq()->number, 1u);
    EXPECT_EQ(invite.GetBody(), kOffer);
    EXPECT_EQ(*invite.FindHeader(HeaderId::ContentType), "application/sdp");
    EXPECT_EQ(invite.GetTopVia()->host, "10.0.0.1");

    const Message ringing = Reparse(log[2]);
    const Message ok = Reparse(log[3]);
    EXPECT_FALSE(ringing.GetTo()->Tag().empty());
    EXPECT_EQ(ringing.GetTo()->Tag(), ok.GetTo()->Tag());
    EXPECT_EQ(*ok.FindHeader(HeaderId::Contact), "<sip:bob@10.0.0.2:5060>");
    EXPECT_EQ(ok.GetBody(), bobEvents.answerSdp);
    EXPECT_EQ(ok.GetCallId(), invite.GetCallId());

    const Message ack = Reparse(log[4]);
    EXPECT_EQ(ack.GetRequestUriText(), "sip:bob@10.0.0.2:5060"); // the remote target
    EXPECT_EQ(ack.GetCSeq()->number, 1u);
    EXPECT_EQ(ack.GetCSeq()->method, "ACK");
    EXPECT_EQ(ack.GetTo()->Tag(), ok.GetTo()->Tag());
    EXPECT_NE(ack.GetTopVia()->branch, invite.GetTopVia()->branch); // a new transaction

    const Message bye = Reparse(log[5]);
    EXPECT_EQ(bye.GetRequestUriText(), "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(bye.GetCSeq()->number, 2u);
    EXPECT_EQ(bye.GetFrom()->Tag(), invite.GetFrom()->Tag());
    EXPECT_EQ(bye.GetTo()->Tag(), ok.GetTo()->Tag());

    // Everything is cleaned up: calls, dialogs, and (after Timer L/K) transactions.
    EXPECT_EQ(alice->GetCallCount(), 0u);
    EXPECT_EQ(bob->GetCallCount(), 0u);
    EXPECT_EQ(hostA.GetDialogCount(), 0u);
    EXPECT_EQ(hostB.GetDialogCount(), 0u);
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
    EXPECT_FALSE(alice->GetCallState(call).has_value());
}

TEST_F(CallFlowTest, LostInviteIsRetransmittedAtT1)
{
    net.SetDropPredicate(SimNetwork::DropNthRequest("INVITE", 1));
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE dropped", "0.500 INVITE rtx", "0.510 180 INVITE",
                                   "0.610 200 INVITE", "0.620 ACK"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.520 progress 180", "0.620 answered"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.510 offered", "0.630 answered"}));
}

TEST_F(CallFlowTest, Lost200IsRetransmittedByTheUasCore)
{
    net.SetDropPredicate(SimNetwork::DropResponses(200, "INVITE", 1));
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(5s);
    // 13.3.1.4: the 2xx goes again T1 after the first; the UAC ACKs the retransmission.
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE", "0.110 200 INVITE dropped",
                                   "0.610 200 INVITE rtx", "0.620 ACK"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 progress 180", "0.620 answered"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.630 answered"}));
}

TEST_F(CallFlowTest, LostAckIsResentOnThe2xxRetransmission)
{
    net.SetDropPredicate(SimNetwork::DropNthRequest("ACK", 1));
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(5s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE", "0.110 200 INVITE",
                                   "0.120 ACK dropped", "0.610 200 INVITE rtx", "0.620 ACK"}))
        << net.Dump();
    // Both ACKs are the same request (13.2.2.4), apart from the Via the layer adds.
    const auto acks = net.Requests("ACK");
    ASSERT_EQ(acks.size(), 2u);
    EXPECT_EQ(Reparse(acks[0]).GetCSeq()->number, Reparse(acks[1]).GetCSeq()->number);
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 progress 180", "0.120 answered"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.630 answered"}));
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
}

TEST_F(CallFlowTest, NoAckEndsTheCallWithByeAfter64T1)
{
    net.SetDropPredicate(SimNetwork::DropRequests("ACK"));
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(60s);
    // 13.3.1.4: retransmissions at T1, 2T1, 4T1, then every T2, for 64*T1 after 0.110 s.
    std::vector<std::string> okTimes;
    for (const SimLogEntry& e : net.Responses(200, "INVITE"))
    {
        okTimes.push_back(FormatTime(e.time));
    }
    EXPECT_EQ(okTimes, (Strings{"0.110", "0.610", "1.610", "3.610", "7.610", "11.610", "15.610",
                                "19.610", "23.610", "27.610", "31.610"}));
    EXPECT_EQ(net.Requests("ACK").size(), 11u); // Alice ACKs every copy
    const auto byes = net.Requests("BYE");
    ASSERT_EQ(byes.size(), 1u);
    EXPECT_EQ(FormatTime(byes[0].time), "32.110");
    EXPECT_EQ(byes[0].from.address, *ParseIpv4("10.0.0.2"));
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "0.120 answered", "32.120 ended remote"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "32.130 ended local"}));
}

TEST_F(CallFlowTest, CancelAfterRinging)
{
    bobEvents.ringAfter = 0ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    At(1s, [&] { EXPECT_TRUE(alice->Cancel(call)); });
    clock.RunUntil(5s);
    // 9.2: 200 to the CANCEL, 487 to the INVITE (ACKed by the client transaction).
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE", "1.000 CANCEL",
                                   "1.010 200 CANCEL", "1.010 487 INVITE", "1.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "1.020 failed 487 Request Terminated"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "1.010 failed 487 Request Terminated"}));
    const auto& log = net.GetLog();
    const Message invite = Reparse(log[0]);
    const Message cancel = Reparse(log[2]);
    EXPECT_EQ(cancel.GetTopVia()->branch, invite.GetTopVia()->branch);
    EXPECT_EQ(cancel.GetCSeq()->number, invite.GetCSeq()->number);
    EXPECT_EQ(Reparse(log[3]).GetTo()->Tag(), Reparse(log[4]).GetTo()->Tag());
    EXPECT_EQ(alice->GetCallCount(), 0u);
    EXPECT_EQ(bob->GetCallCount(), 0u);
}

TEST_F(CallFlowTest, CancelWithoutFinalResponseEndsTheInviteTransaction)
{
    // Found by sipsim-ua-fuzzer: the callee's 487 never arrives. The call failed with 408
    // 64*T1 after the CANCEL (RFC 3261 9.1), but the INVITE client transaction stayed in
    // Proceeding for ever. 9.1: the client "SHOULD destroy the client transaction".
    bobEvents.ringAfter = 0ms;
    net.SetDropPredicate(SimNetwork::DropResponses(487, "INVITE"));
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    At(1s, [&] { EXPECT_TRUE(alice->Cancel(call)); });
    clock.RunUntil(60s);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "33.000 failed 408 Request Timeout"}));
    EXPECT_EQ(alice->GetCallCount(), 0u);
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
    EXPECT_EQ(layerA.GetCounters().illegalTransitions, 0u);
}

TEST_F(CallFlowTest, ByeInTheEarlyDialogCancelsThePendingInvite)
{
    // Found by sipsim-ua-fuzzer: every 2xx of bob is lost, so alice's dialog stays early and
    // her INVITE transaction in Proceeding. Bob gives up waiting for the ACK and sends a BYE
    // (13.3.1.4), which ends alice's call; her INVITE transaction, which has no timer in
    // Proceeding, was left alive forever. Now the BYE also cancels it (9.1).
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    net.SetDropPredicate(SimNetwork::DropResponses(200, "INVITE"));
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(32200ms);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "32.120 failed 487 Request Terminated"}));
    const auto cancels = net.Requests("CANCEL");
    ASSERT_EQ(cancels.size(), 1u) << net.Dump();
    EXPECT_EQ(FormatTime(cancels[0].time), "32.120");
    clock.RunUntil(120s);
    EXPECT_EQ(alice->GetCallCount(), 0u);
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
}

TEST_F(CallFlowTest, CancelBeforeAnyProvisionalWaitsForOne)
{
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    At(50ms, [&] { EXPECT_TRUE(alice->Cancel(call)); });
    EXPECT_FALSE(alice->Cancel(call)); // once
    clock.RunUntil(5s);
    // 9.1: no CANCEL before a provisional response; the 100 at 0.220 releases it.
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.210 100 INVITE", "0.220 CANCEL",
                                   "0.230 200 CANCEL", "0.230 487 INVITE", "0.240 ACK"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.240 failed 487 Request Terminated"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.230 failed 487 Request Terminated"}));
}

TEST_F(CallFlowTest, CancelCrossingThe200EndsTheCallWithBye)
{
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 990ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    At(1005ms, [&] { EXPECT_TRUE(alice->Cancel(call)); });
    clock.RunUntil(5s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "1.000 200 INVITE", "1.005 CANCEL",
                       "1.010 ACK", "1.010 BYE", "1.015 200 CANCEL", "1.020 200 BYE"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 progress 180", "1.030 ended local"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "1.020 answered", "1.020 ended remote"}));
}

TEST_F(CallFlowTest, CalleeHangsUp)
{
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(1s);
    ASSERT_EQ(bobEvents.offeredCalls.size(), 1u);
    const CallHandle call = bobEvents.offeredCalls[0];
    EXPECT_EQ(bob->GetCallState(call), CallState::Confirmed);
    At(2s, [&] { EXPECT_TRUE(bob->Hangup(call)); });
    EXPECT_EQ(bob->GetCallState(call), CallState::Terminating);
    EXPECT_FALSE(bob->Hangup(call));
    clock.RunUntil(5s);
    const auto byes = net.Requests("BYE");
    ASSERT_EQ(byes.size(), 1u);
    const Message bye = Reparse(byes[0]);
    const Message invite = Reparse(net.GetLog()[0]);
    // 12.2.1.1 from the callee: its first request in the dialog has CSeq 1; To/From swapped.
    EXPECT_EQ(bye.GetRequestUriText(), "sip:alice@10.0.0.1:5060");
    EXPECT_EQ(bye.GetCSeq()->number, 1u);
    EXPECT_EQ(bye.GetTo()->Tag(), invite.GetFrom()->Tag());
    EXPECT_EQ(bye.GetTo()->uri.text, "sip:alice@example.com");
    EXPECT_EQ(bye.GetFrom()->uri.text, "sip:bob@10.0.0.2");
    EXPECT_EQ(FormatTime(byes[0].time), "2.000");
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "0.120 answered", "2.010 ended remote"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.130 answered", "2.020 ended local"}));
}

TEST_F(CallFlowTest, CalleeHangupBeforeTheAckWaitsForIt)
{
    net.SetDropPredicate(SimNetwork::DropNthRequest("ACK", 1));
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(300ms);
    ASSERT_EQ(bobEvents.offeredCalls.size(), 1u);
    EXPECT_EQ(bob->GetCallState(bobEvents.offeredCalls[0]), CallState::WaitingAck);
    EXPECT_TRUE(bob->Hangup(bobEvents.offeredCalls[0]));
    clock.RunUntil(5s);
    // RFC 3261 15: no BYE before the ACK (lost at 0.120, again at 0.620, arriving 0.630).
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "0.110 200 INVITE", "0.120 ACK dropped",
                       "0.610 200 INVITE rtx", "0.620 ACK", "0.630 BYE", "0.640 200 BYE"}))
        << net.Dump();
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.650 ended local"}));
}

TEST_F(CallFlowTest, ByeTimeoutStillEndsTheCall)
{
    // 15.1.1: whatever happens to the BYE (here Timer F: 408), the call is over.
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(1s);
    net.SetDropPredicate(SimNetwork::DropRequests("BYE"));
    EXPECT_TRUE(alice->Hangup(call));
    clock.RunUntil(32999ms);
    EXPECT_EQ(alice->GetCallState(call), CallState::Terminating);
    clock.RunUntil(60s);
    EXPECT_EQ(net.Requests("BYE").size(), 11u);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "0.120 answered", "33.000 ended local"}));
    EXPECT_EQ(alice->GetCallCount(), 0u);
}

TEST_F(CallFlowTest, RejectedCall)
{
    bobEvents.rejectAfter = 0ms;
    bobEvents.rejectCode = 486;
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(5s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 486 INVITE", "0.020 ACK"})) << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 failed 486 Busy Here"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered"})); // Reject reports nothing
    EXPECT_EQ(bob->GetCallCount(), 0u);
}

TEST_F(CallFlowTest, UnknownUserGets404)
{
    alice->MakeCall("sip:nobody@10.0.0.2", kOffer);
    clock.RunUntil(5s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 404 INVITE", "0.020 ACK"})) << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 failed 404 Not Found"}));
    EXPECT_FALSE(Reparse(net.GetLog()[1]).GetTo()->Tag().empty()); // 8.2.6.2
    EXPECT_EQ(hostB.GetCounters().unknownUser, 1u);
}

TEST_F(CallFlowTest, DeadPeerTimesOutWith408AtTimerB)
{
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.99", kOffer);
    ASSERT_TRUE(call.IsValid());
    clock.RunUntil(31999ms);
    EXPECT_TRUE(aliceEvents.events.empty());
    clock.RunUntil(60s);
    std::vector<std::string> times;
    for (const SimLogEntry& e : net.Requests("INVITE"))
    {
        times.push_back(FormatTime(e.time));
    }
    EXPECT_EQ(times, (Strings{"0.000", "0.500", "1.500", "3.500", "7.500", "15.500", "31.500"}));
    EXPECT_EQ(aliceEvents.events, (Strings{"32.000 failed 408 Request Timeout"}));
    EXPECT_EQ(alice->GetCallCount(), 0u);
}

TEST_F(CallFlowTest, TransportErrorIs503)
{
    // Nobody listens at 10.0.0.99: the TCP connection is refused, the transaction reports a
    // transport error, the call fails with 503 (RFC 3261 8.1.3.1) without waiting for Timer B.
    alice->MakeCall("sip:bob@10.0.0.99;transport=tcp", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(aliceEvents.events, (Strings{"0.000 failed 503 Service Unavailable"}));
    EXPECT_EQ(alice->GetCallCount(), 0u);
}

TEST_F(CallFlowTest, UnroutableTargetIsRefused)
{
    // No outbound proxy and a host name: nowhere to send (RFC 3263 is not modelled).
    EXPECT_FALSE(alice->MakeCall("sip:bob@biloxi.example.com").IsValid());
    EXPECT_FALSE(alice->MakeCall("mailto:bob@example.com").IsValid());
    EXPECT_TRUE(net.GetLog().empty());
}

TEST_F(CallFlowTest, OptionsAnsweredWithCapabilities)
{
    EXPECT_TRUE(alice->SendOptions("sip:bob@10.0.0.2"));
    EXPECT_TRUE(alice->SendOptions("sip:10.0.0.2")); // the host itself
    EXPECT_TRUE(alice->SendOptions("sip:nobody@10.0.0.2"));
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 OPTIONS", "0.000 OPTIONS", "0.000 OPTIONS",
                                   "0.010 200 OPTIONS", "0.010 200 OPTIONS", "0.010 404 OPTIONS"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 options 200", "0.020 options 200", "0.020 options 404"}));
    for (size_t i : {3, 4})
    {
        // RFC 3261 11.2: Allow, Accept, Supported (and the encodings and languages).
        const Message ok = Reparse(net.GetLog()[i]);
        EXPECT_EQ(ok.GetTokens(HeaderId::Allow),
                  (std::vector<std::string_view>{"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS"}));
        EXPECT_EQ(*ok.FindHeader(HeaderId::Accept), "application/sdp");
        EXPECT_TRUE(ok.HasHeader(HeaderId::Supported));
        EXPECT_TRUE(ok.HasHeader(HeaderId::AcceptEncoding));
        EXPECT_TRUE(ok.HasHeader(HeaderId::AcceptLanguage));
        EXPECT_FALSE(ok.GetTo()->Tag().empty());
    }
}

TEST_F(CallFlowTest, ByeMatchingNoDialogGets481)
{
    Message bye = Message::MakeRequest("BYE", "sip:bob@10.0.0.2");
    bye.AddHeader(HeaderId::MaxForwards, "70");
    bye.AddHeader(HeaderId::To, "<sip:bob@example.com>;tag=nope");
    bye.AddHeader(HeaderId::From, "<sip:alice@example.com>;tag=a");
    bye.AddHeader(HeaderId::CallId, "no-such-call");
    bye.AddHeader(HeaderId::CSeq, "5 BYE");
    bye.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_NE(layerA.SendRequest(bye, Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060}),
              0u);
    // Out of dialog (no To tag) it is 481 too (15.1.2).
    bye.SetHeader(HeaderId::To, "<sip:bob@example.com>");
    ASSERT_NE(layerA.SendRequest(bye, Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060}),
              0u);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 BYE", "0.000 BYE", "0.010 481 BYE", "0.010 481 BYE"}))
        << net.Dump();
    EXPECT_EQ(hostB.GetCounters().noDialog, 1u);
}

TEST_F(CallFlowTest, ProxyAuthenticationOnInvite)
{
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    ChallengingUas uas(layerU, clock);
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 407 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 200 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.040 answered"}));
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
    // 22.3: the retry has the next CSeq, the same Call-ID and tags, a new branch, and
    // credentials the server accepts; the ACK for the 2xx carries them too.
    ASSERT_EQ(uas.invites.size(), 2u);
    EXPECT_EQ(uas.verdicts, (std::vector<VerifyResult>{VerifyResult::Ok}));
    const Message& first = uas.invites[0];
    const Message& second = uas.invites[1];
    EXPECT_EQ(first.GetCSeq()->number, 1u);
    EXPECT_EQ(second.GetCSeq()->number, 2u);
    EXPECT_EQ(first.GetCallId(), second.GetCallId());
    EXPECT_EQ(first.GetFrom()->Tag(), second.GetFrom()->Tag());
    EXPECT_NE(first.GetTopVia()->branch, second.GetTopVia()->branch);
    EXPECT_FALSE(first.HasHeader(HeaderId::ProxyAuthorization));
    const auto credentials = second.GetCredentials(HeaderId::ProxyAuthorization);
    ASSERT_EQ(credentials.size(), 1u);
    EXPECT_EQ(credentials[0].GetUsername(), "alice");
    EXPECT_EQ(credentials[0].GetUri(), "sip:uas@10.0.0.3");
    EXPECT_EQ(second.GetBody(), kOffer);
    ASSERT_EQ(uas.acks.size(), 1u);
    EXPECT_EQ(uas.acks[0].GetCSeq()->number, 2u);
    EXPECT_EQ(uas.acks[0].GetRequestUriText(), "sip:uas@10.0.0.3:5060");
    EXPECT_EQ(*uas.acks[0].FindHeader(HeaderId::ProxyAuthorization),
              *second.FindHeader(HeaderId::ProxyAuthorization));
}

TEST_F(CallFlowTest, SecondProxyChallengeFailsTheCall)
{
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    ChallengingUas uas(layerU, clock);
    uas.password = "not-alices";
    alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 407 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 407 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(uas.verdicts, (std::vector<VerifyResult>{VerifyResult::BadResponse}));
    EXPECT_EQ(aliceEvents.events, (Strings{"0.040 failed 407 Proxy Authentication Required"}));
}

TEST_F(CallFlowTest, TwoProxiesChallengeInTurnAndTheThirdInviteAnswersBoth)
{
    // RFC 3665 3.3: proxy 1 (realm p1.example) challenges, then proxy 2 (p2.example). The third
    // INVITE carries a Proxy-Authorization for each realm, proxy 1's for its next nonce-count.
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    DigestServer proxy1{"p1.example", "k1"};
    DigestServer proxy2{"p2.example", "k2"};
    std::vector<VerifyResult> verdicts1;
    std::vector<VerifyResult> verdicts2;
    ScriptedPeer peer(layerU);
    peer.onRequest = [&](TransactionId id, const Message& request) {
        const double now = std::chrono::duration<double>(clock.Now()).count();
        if (request.GetMethod() != Method::Invite)
        {
            layerU.SendResponse(id, BuildResponse(request, 200, {}, "u1"));
            return;
        }
        const Credentials* c1 = nullptr;
        const Credentials* c2 = nullptr;
        const auto credentials = request.GetCredentials(HeaderId::ProxyAuthorization);
        for (const Credentials& c : credentials)
        {
            (c.GetRealm() == "p1.example" ? c1 : c2) = &c;
        }
        DigestServer* challenger = nullptr;
        if (c1 == nullptr
            || verdicts1.emplace_back(proxy1.Verify(*c1, "INVITE", "secret", now))
                   != VerifyResult::Ok)
        {
            challenger = &proxy1;
        }
        else if (c2 == nullptr
                 || verdicts2.emplace_back(proxy2.Verify(*c2, "INVITE", "secret", now))
                        != VerifyResult::Ok)
        {
            challenger = &proxy2;
        }
        if (challenger != nullptr)
        {
            Message response = BuildResponse(request, 407, {}, "p");
            response.AddHeader(HeaderId::ProxyAuthenticate,
                               challenger->MakeChallenge(now).ToString());
            layerU.SendResponse(id, std::move(response));
            return;
        }
        Message ok = BuildResponse(request, 200, {}, "u1");
        ok.AddHeader(HeaderId::Contact, "<sip:uas@10.0.0.3:5060>");
        layerU.SendResponse(id, std::move(ok));
    };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 407 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 407 INVITE", "0.040 ACK", "0.040 INVITE",
                                   "0.050 200 INVITE", "0.060 ACK"}))
        << net.Dump();
    EXPECT_EQ(verdicts1, (std::vector<VerifyResult>{VerifyResult::Ok, VerifyResult::Ok}));
    EXPECT_EQ(verdicts2, (std::vector<VerifyResult>{VerifyResult::Ok}));
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
    const auto third = Reparse(net.Requests("INVITE").at(2));
    const auto both = third.GetCredentials(HeaderId::ProxyAuthorization);
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0].GetRealm(), "p1.example");
    EXPECT_EQ(both[0].GetNonceCount(), 2u);
    EXPECT_EQ(both[1].GetRealm(), "p2.example");
    EXPECT_EQ(both[1].GetNonceCount(), 1u);
}

TEST_F(CallFlowTest, ProxyThenUasChallengeResendsBothCredentialsWithFreshNonceCount)
{
    // A proxy (407) and then the UAS (401) challenge the INVITE. The third INVITE must answer
    // both, and the proxy credentials, reused for the same nonce, must carry the next
    // nonce-count (RFC 2617 3.2.2): a repeated nc is a replay (RFC 3261 22.3, 22.4).
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    DigestServer proxy{"proxy.example.com", "proxy-key"};
    DigestServer uas{"example.com", "uas-key"};
    std::vector<VerifyResult> proxyVerdicts;
    std::vector<VerifyResult> uasVerdicts;
    ScriptedPeer peer(layerU);
    peer.onRequest = [&](TransactionId id, const Message& request) {
        const double now = std::chrono::duration<double>(clock.Now()).count();
        if (request.GetMethod() != Method::Invite)
        {
            layerU.SendResponse(id, BuildResponse(request, 200, {}, "u1"));
            return;
        }
        const auto proxyCredentials = request.GetCredentials(HeaderId::ProxyAuthorization);
        if (proxyCredentials.empty()
            || proxyVerdicts.emplace_back(
                   proxy.Verify(proxyCredentials[0], "INVITE", "secret", now))
                   != VerifyResult::Ok)
        {
            Message response = BuildResponse(request, 407, {}, "p1");
            response.AddHeader(HeaderId::ProxyAuthenticate, proxy.MakeChallenge(now).ToString());
            layerU.SendResponse(id, std::move(response));
            return;
        }
        const auto uasCredentials = request.GetCredentials(HeaderId::Authorization);
        if (uasCredentials.empty()
            || uasVerdicts.emplace_back(uas.Verify(uasCredentials[0], "INVITE", "secret", now))
                   != VerifyResult::Ok)
        {
            Message response = BuildResponse(request, 401, {}, "u1");
            response.AddHeader(HeaderId::WwwAuthenticate, uas.MakeChallenge(now).ToString());
            layerU.SendResponse(id, std::move(response));
            return;
        }
        Message ok = BuildResponse(request, 200, {}, "u1");
        ok.AddHeader(HeaderId::Contact, "<sip:uas@10.0.0.3:5060>");
        layerU.SendResponse(id, std::move(ok));
    };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 407 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 401 INVITE", "0.040 ACK", "0.040 INVITE",
                                   "0.050 200 INVITE", "0.060 ACK"}))
        << net.Dump();
    EXPECT_EQ(proxyVerdicts, (std::vector<VerifyResult>{VerifyResult::Ok, VerifyResult::Ok}));
    EXPECT_EQ(uasVerdicts, (std::vector<VerifyResult>{VerifyResult::Ok}));
    EXPECT_EQ(aliceEvents.events, (Strings{"0.060 answered"}));
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
    ASSERT_EQ(peer.requests.size(), 3u);
    EXPECT_EQ(peer.requests[2].GetCSeq()->number, 3u);
}

TEST_F(CallFlowTest, ReinviteRefreshesTargetAndGlareGets491)
{
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(1s);
    ASSERT_NE(alice->GetDialog(call), nullptr);
    const CallHandle bobCall = bobEvents.offeredCalls.at(0);
    ASSERT_EQ(bob->GetDialog(bobCall)->GetRemoteTarget(), "sip:alice@10.0.0.1:5060");

    // A re-INVITE built from a copy of Alice's dialog, with a new Contact, sent by hand.
    Dialog dialog = *alice->GetDialog(call);
    const Peer bobPeer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060};
    Message reinvite = dialog.CreateRequest("INVITE");
    reinvite.AddHeader(HeaderId::Contact, "<sip:alice@10.0.0.1:5070>");
    reinvite.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_NE(layerA.SendRequest(reinvite, bobPeer), 0u);
    clock.RunUntil(1100ms);
    // 200 with Contact; the remote target is refreshed (12.2.2).
    const auto oks = net.Responses(200, "INVITE");
    ASSERT_EQ(oks.size(), 2u);
    EXPECT_EQ(FormatTime(oks[1].time), "1.010");
    EXPECT_EQ(*Reparse(oks[1]).FindHeader(HeaderId::Contact), "<sip:bob@10.0.0.2:5060>");
    EXPECT_EQ(bob->GetDialog(bobCall)->GetRemoteTarget(), "sip:alice@10.0.0.1:5070");
    EXPECT_EQ(bob->GetCallState(bobCall), CallState::WaitingAck);

    // Another re-INVITE while that 2xx awaits its ACK: 491 (14.2).
    Message second = dialog.CreateRequest("INVITE");
    second.AddHeader(HeaderId::Contact, "<sip:alice@10.0.0.1:5070>");
    second.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_NE(layerA.SendRequest(second, bobPeer), 0u);
    clock.RunUntil(1200ms);
    ASSERT_EQ(net.Responses(491, "INVITE").size(), 1u);
    EXPECT_EQ(FormatTime(net.Responses(491, "INVITE")[0].time), "1.110");

    // The ACK of the first re-INVITE (CSeq 2) ends the retransmissions; no event.
    Message ack = dialog.CreateRequest("ACK");
    ack.SetHeader(HeaderId::CSeq, "2 ACK");
    ack.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_TRUE(layerA.SendAck(ack, bobPeer));
    clock.RunUntil(40s);
    EXPECT_EQ(bob->GetCallState(bobCall), CallState::Confirmed);
    EXPECT_EQ(net.Requests("BYE").size(), 0u);
    // The ACK arrived at 1.210, before the first retransmission was due (1.510).
    EXPECT_EQ(net.Responses(200, "INVITE").size(), 2u) << net.Dump();
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.130 answered"}));
}

TEST_F(CallFlowTest, InDialogRequestWithLowerCSeqGets500)
{
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(1s);
    Dialog dialog = *alice->GetDialog(call);
    Message options = dialog.CreateRequest("OPTIONS");
    options.SetHeader(HeaderId::CSeq, "0 OPTIONS"); // below the INVITE's 1
    options.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_NE(
        layerA.SendRequest(options, Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060}),
        0u);
    clock.RunUntil(2s);
    ASSERT_EQ(net.Responses(500, "OPTIONS").size(), 1u) << net.Dump();
    EXPECT_EQ(FormatTime(net.Responses(500, "OPTIONS")[0].time), "1.010");
    EXPECT_EQ(hostB.GetCounters().outOfOrder, 1u);
    EXPECT_EQ(bob->GetCallState(bobEvents.offeredCalls.at(0)), CallState::Confirmed);
}

TEST_F(CallFlowTest, RequireGets420)
{
    Message invite = Message::MakeRequest("INVITE", "sip:bob@10.0.0.2");
    invite.AddHeader(HeaderId::MaxForwards, "70");
    invite.AddHeader(HeaderId::To, "<sip:bob@example.com>");
    invite.AddHeader(HeaderId::From, "<sip:alice@example.com>;tag=a");
    invite.AddHeader(HeaderId::CallId, "req-1");
    invite.AddHeader(HeaderId::CSeq, "1 INVITE");
    invite.AddHeader(HeaderId::Require, "100rel, timer");
    invite.AddHeader(HeaderId::ContentLength, "0");
    ASSERT_NE(
        layerA.SendRequest(invite, Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060}), 0u);
    clock.RunUntil(1s);
    const auto answers = net.Responses(420, "INVITE");
    ASSERT_EQ(answers.size(), 1u) << net.Dump();
    EXPECT_EQ(*Reparse(answers[0]).FindHeader(HeaderId::Unsupported), "100rel, timer");
    EXPECT_TRUE(bobEvents.events.empty());
}

TEST_F(CallFlowTest, ForkedSecond2xxIsAckedAndHungUp)
{
    // A forking proxy's two branches both answer: the 2xx with tag u2 arrives after the call
    // was set up with u1; it is ACKed and its dialog ended with a BYE (13.2.2.4).
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    ScriptedPeer forker(layerU);
    forker.onRequest = [&](TransactionId id, const Message& request) {
        if (request.GetMethod() != Method::Invite)
        {
            layerU.SendResponse(id, BuildResponse(request, 200));
            return;
        }
        for (const char* tag : {"u1", "u2"})
        {
            Message ok = BuildResponse(request, 200, {}, tag);
            ok.AddHeader(HeaderId::Contact, std::string("<sip:") + tag + "@10.0.0.3:5060>");
            layerU.SendResponse(id, std::move(ok));
        }
    };
    const CallHandle call = alice->MakeCall("sip:forked@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 200 INVITE", "0.010 200 INVITE",
                                   "0.020 ACK", "0.020 ACK", "0.020 BYE", "0.030 200 BYE"}))
        << net.Dump();
    ASSERT_EQ(forker.acks.size(), 2u);
    EXPECT_EQ(forker.acks[0].GetTo()->Tag(), "u1");
    EXPECT_EQ(forker.acks[0].GetRequestUriText(), "sip:u1@10.0.0.3:5060");
    EXPECT_EQ(forker.acks[1].GetTo()->Tag(), "u2");
    EXPECT_EQ(forker.acks[1].GetRequestUriText(), "sip:u2@10.0.0.3:5060");
    const Message bye = forker.requests.back();
    EXPECT_EQ(bye.GetMethod(), Method::Bye);
    EXPECT_EQ(bye.GetTo()->Tag(), "u2");
    EXPECT_EQ(bye.GetRequestUriText(), "sip:u2@10.0.0.3:5060");
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 answered"}));
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
    EXPECT_EQ(alice->GetDialog(call)->GetRemoteTag(), "u1");
}

TEST_F(CallFlowTest, AckOfAForkedSecond2xxCarriesTheInvitesCredentials)
{
    // 13.2.2.4: "The ACK MUST contain the same credentials as the INVITE", for the ACK of
    // a second fork's 2xx too (the forking proxy authenticates every request it forwards).
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    DigestServer proxy{"example.com", "proxy-key"};
    ScriptedPeer forker(layerU);
    forker.onRequest = [&](TransactionId id, const Message& request) {
        if (request.GetMethod() != Method::Invite)
        {
            layerU.SendResponse(id, BuildResponse(request, 200));
            return;
        }
        if (!request.HasHeader(HeaderId::ProxyAuthorization))
        {
            Message response = BuildResponse(request, 407, {}, "p1");
            response.AddHeader(HeaderId::ProxyAuthenticate, proxy.MakeChallenge(0).ToString());
            layerU.SendResponse(id, std::move(response));
            return;
        }
        for (const char* tag : {"u1", "u2"})
        {
            Message ok = BuildResponse(request, 200, {}, tag);
            ok.AddHeader(HeaderId::Contact, std::string("<sip:") + tag + "@10.0.0.3:5060>");
            layerU.SendResponse(id, std::move(ok));
        }
    };
    alice->MakeCall("sip:forked@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    ASSERT_EQ(forker.requests.size(), 3u) << net.Dump(); // INVITE, INVITE, BYE of u2
    const auto sent = forker.requests[1].FindHeader(HeaderId::ProxyAuthorization);
    ASSERT_TRUE(sent.has_value());
    ASSERT_EQ(forker.acks.size(), 2u) << net.Dump();
    for (const Message& ack : forker.acks)
    {
        const auto credentials = ack.FindHeader(HeaderId::ProxyAuthorization);
        ASSERT_TRUE(credentials.has_value()) << ack.GetTo()->Tag();
        EXPECT_EQ(*credentials, *sent);
    }
}

TEST_F(CallFlowTest, Stray2xxAfterTheTransactionIsReAcked)
{
    // A 2xx copy arriving after Timer M (the INVITE client transaction is gone) reaches the
    // core as a stray response; it matches the dialog and is ACKed again (13.2.2.4).
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
    ScriptedPeer uas(layerU);
    Message ok;
    Peer source;
    uas.onRequest = [&](TransactionId id, const Message& request) {
        ok = BuildResponse(request, 200, {}, "u1");
        ok.AddHeader(HeaderId::Contact, "<sip:uas@10.0.0.3:5060>");
        source = Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.1"), 5060};
        layerU.SendResponse(id, ok);
    };
    alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(40s);
    EXPECT_EQ(layerA.Size(), 0u); // Timer M has fired
    ASSERT_TRUE(layerU.SendStatelessResponse(ok, source));
    clock.RunUntil(41s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 200 INVITE", "0.020 ACK",
                                   "40.000 200 INVITE", "40.010 ACK"}))
        << net.Dump();
    ASSERT_EQ(uas.acks.size(), 2u);
    EXPECT_EQ(uas.acks[1].GetCSeq()->number, 1u);
    EXPECT_EQ(uas.acks[1].GetTo()->Tag(), "u1");
    EXPECT_EQ(hostA.GetCounters().strayAcked, 1u);
}

TEST_F(CallFlowTest, OverTcpThe2xxIsStillRetransmittedUntilTheAck)
{
    // RFC 3261 13.3.1.4: the 2xx travels end to end and a later hop may be UDP, so the UAS core
    // retransmits it whatever its own transport; the 64*T1 wait for the ACK ends the session.
    net.SetDropPredicate(SimNetwork::DropRequests("ACK"));
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    alice->MakeCall("sip:bob@10.0.0.2;transport=tcp", kOffer);
    clock.RunUntil(60s);
    const auto invites = net.Requests("INVITE");
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(invites[0].to.transport, TransportProtocol::Tcp);
    const auto oks = net.Responses(200, "INVITE");
    // At 0.110 s, then T1, 2*T1, 4*T1 and T2 apart: 0.610, 1.610, 3.610, 7.610, 11.610, ...
    ASSERT_EQ(oks.size(), 11u) << net.Dump();
    EXPECT_EQ(oks[0].to.transport, TransportProtocol::Tcp);
    EXPECT_EQ(FormatTime(oks[1].time), "0.610");
    EXPECT_EQ(FormatTime(oks[4].time), "7.610");
    EXPECT_EQ(FormatTime(oks[10].time), "31.610");
    const auto byes = net.Requests("BYE");
    ASSERT_EQ(byes.size(), 1u);
    EXPECT_EQ(FormatTime(byes[0].time), "32.110");
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "32.130 ended local"}));
}

TEST_F(CallFlowTest, NoListenerAnswers480)
{
    UaConfig config = Config("sip:zed@example.com");
    UserAgent* zed = hostB.AddUserAgent(config); // no listener
    ASSERT_NE(zed, nullptr);
    alice->MakeCall("sip:zed@10.0.0.2", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 failed 480 Temporarily Unavailable"}));
    EXPECT_EQ(zed->GetCallCount(), 0u);
}

TEST_F(CallFlowTest, RunsAreReproducible)
{
    // The same scenario in a second, independent world produces byte-identical messages.
    auto run = [](std::vector<std::string>* texts) {
        FakeClock c;
        SimNetwork n(c, 10ms);
        TransactionLayer& la = n.AddNode("10.0.0.1");
        TransactionLayer& lb = n.AddNode("10.0.0.2");
        RecordingListener ea(c);
        RecordingListener eb(c);
        eb.ringAfter = 0ms;
        eb.answerAfter = 100ms;
        UaHost ha(la, c, n.GetTransport(la));
        UaHost hb(lb, c, n.GetTransport(lb));
        UserAgent* a = ha.AddUserAgent(Config("sip:alice@example.com"), &ea);
        hb.AddUserAgent(Config("sip:bob@example.com"), &eb);
        const CallHandle call = a->MakeCall("sip:bob@10.0.0.2", kOffer);
        c.RunUntil(1s);
        a->Hangup(call);
        c.RunUntil(2s);
        for (const SimLogEntry& e : n.GetLog())
        {
            texts->push_back(e.text);
        }
    };
    std::vector<std::string> first;
    std::vector<std::string> second;
    run(&first);
    run(&second);
    ASSERT_EQ(first.size(), 6u);
    EXPECT_EQ(first, second);
}

} // namespace
} // namespace sipsim::test
