/*
 * UaHost: many user agents on one transaction layer, dispatched by Contact user, address of
 * record, dialog and transaction.
 */
#include "support/proxy-stub.h"
#include "ua-test-util.h"

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

class UaHostTest : public TwoUaTest
{
  protected:
    void SetUp() override
    {
        ASSERT_NE(alice, nullptr);
        ASSERT_NE(bob, nullptr);
        UaConfig config = Config("sip:carol@example.com");
        config.contactUser = "c-0042"; // reached by AOR only
        carol = hostB.AddUserAgent(config, &carolEvents);
        ASSERT_NE(carol, nullptr);
    }

    RecordingListener carolEvents{clock};
    UserAgent* carol = nullptr;
};

TEST_F(UaHostTest, ConfigDefaultsAndValidation)
{
    EXPECT_EQ(bob->GetContactUri(), "sip:bob@10.0.0.2:5060");
    EXPECT_EQ(carol->GetContactUri(), "sip:c-0042@10.0.0.2:5060");
    EXPECT_EQ(bob->GetConfig().username, "bob");
    EXPECT_EQ(bob->GetConfig().registrarUri, "sip:example.com");
    EXPECT_EQ(hostB.GetUserAgentCount(), 2u);
    EXPECT_EQ(hostB.FindUserAgent("c-0042"), carol);
    EXPECT_EQ(hostB.FindUserAgent("carol"), nullptr);
    // A second UA with the same Contact user, or a bad AOR, is refused.
    EXPECT_EQ(hostB.AddUserAgent(Config("sip:bob@other.example.com")), nullptr);
    EXPECT_EQ(hostB.AddUserAgent(Config("sip:example.com")), nullptr);
    EXPECT_EQ(hostB.AddUserAgent(Config("tel:+15551234")), nullptr);
    UaConfig tcp = Config("sip:dan@example.com");
    tcp.transport = TransportProtocol::Tcp;
    tcp.contactPort = 5080;
    UserAgent* dan = hostB.AddUserAgent(tcp);
    ASSERT_NE(dan, nullptr);
    EXPECT_EQ(dan->GetContactUri(), "sip:dan@10.0.0.2:5080;transport=tcp");
    EXPECT_EQ(hostB.GetUserAgentCount(), 3u);
}

TEST_F(UaHostTest, TwoUasOnOneLayerAreDispatchedByUserAndDialog)
{
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 100ms;
    carolEvents.ringAfter = 0ms;
    carolEvents.answerAfter = 200ms;
    // Alice calls both at once, each by Contact user.
    const CallHandle toBob = alice->MakeCall("sip:bob@10.0.0.2");
    const CallHandle toCarol = alice->MakeCall("sip:c-0042@10.0.0.2");
    ASSERT_TRUE(toBob.IsValid());
    ASSERT_TRUE(toCarol.IsValid());
    EXPECT_NE(toBob, toCarol);
    clock.RunUntil(1s);
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.130 answered"}));
    EXPECT_EQ(carolEvents.events, (Strings{"0.010 offered", "0.230 answered"}));
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 progress 180", "0.020 progress 180",
                                           "0.120 answered", "0.220 answered"}));
    EXPECT_EQ(hostB.GetDialogCount(), 2u);
    EXPECT_EQ(alice->GetCallCount(), 2u);
    // The 200 from Carol has her own Contact.
    const auto oks = net.Responses(200, "INVITE");
    ASSERT_EQ(oks.size(), 2u);
    EXPECT_EQ(*Reparse(oks[1]).FindHeader(HeaderId::Contact), "<sip:c-0042@10.0.0.2:5060>");
    EXPECT_EQ(alice->GetDialog(toCarol)->GetRemoteTarget(), "sip:c-0042@10.0.0.2:5060");

    // BYE to Carol goes to her dialog only, then Bob's.
    alice->Hangup(toCarol);
    clock.RunUntil(2s);
    EXPECT_EQ(carolEvents.events.back(), "1.010 ended remote");
    EXPECT_EQ(bobEvents.events.size(), 2u);
    EXPECT_EQ(bob->GetCallCount(), 1u);
    alice->Hangup(toBob);
    clock.RunUntil(3s);
    EXPECT_EQ(bobEvents.events.back(), "2.010 ended remote");
    EXPECT_EQ(aliceEvents.events.back(), "2.020 ended local");
    EXPECT_EQ(hostB.GetDialogCount(), 0u);
    EXPECT_EQ(hostA.GetDialogCount(), 0u);
}

TEST_F(UaHostTest, CallsBetweenUasOfOneHost)
{
    // Bob calls Carol on the same node: both dialogs live in one host.
    carolEvents.ringAfter = 0ms;
    carolEvents.answerAfter = 0ms;
    const CallHandle call = bob->MakeCall("sip:c-0042@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(carolEvents.events, (Strings{"0.010 offered", "0.030 answered"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.020 progress 180", "0.020 answered"}));
    EXPECT_EQ(hostB.GetDialogCount(), 2u);
    bob->Hangup(call);
    clock.RunUntil(2s);
    EXPECT_EQ(carolEvents.events.back(), "1.010 ended remote");
    EXPECT_EQ(bobEvents.events.back(), "1.020 ended local");
    EXPECT_EQ(hostB.GetDialogCount(), 0u);
}

TEST_F(UaHostTest, OutboundProxyReceivesOutOfDialogRequests)
{
    // With an outbound proxy every out-of-dialog request goes there, whatever the URI host.
    UaConfig config = Config("sip:erin@example.com");
    config.outboundProxy = Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060};
    RecordingListener erinEvents(clock);
    UserAgent* erin = hostA.AddUserAgent(config, &erinEvents);
    ASSERT_NE(erin, nullptr);
    carolEvents.ringAfter = 0ms;
    carolEvents.answerAfter = 0ms;
    const CallHandle call = erin->MakeCall("sip:carol@example.com");
    ASSERT_TRUE(call.IsValid());
    clock.RunUntil(1s);
    const auto invites = net.Requests("INVITE");
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(invites[0].to.address, *ParseIpv4("10.0.0.2"));
    EXPECT_EQ(Reparse(invites[0]).GetRequestUriText(), "sip:carol@example.com");
    EXPECT_EQ(carolEvents.events, (Strings{"0.010 offered", "0.030 answered"}));
    EXPECT_EQ(erinEvents.events, (Strings{"0.020 progress 180", "0.020 answered"}));
}

TEST_F(UaHostTest, RemovedUaNoLongerReceives)
{
    carolEvents.rejectAfter = 0ms;
    alice->MakeCall("sip:c-0042@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(carolEvents.events, (Strings{"0.010 offered"}));
    EXPECT_TRUE(hostB.RemoveUserAgent(carol));
    EXPECT_FALSE(hostB.RemoveUserAgent(carol));
    carol = nullptr;
    EXPECT_EQ(hostB.FindUserAgent("c-0042"), nullptr);
    alice->MakeCall("sip:c-0042@10.0.0.2");
    clock.RunUntil(2s);
    EXPECT_EQ(net.Responses(404, "INVITE").size(), 1u);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 failed 486 Busy Here", "1.020 failed 404 Not Found"}));
}

TEST_F(UaHostTest, RemovingAUaMidCallIsSilent)
{
    carolEvents.ringAfter = 0ms;
    carolEvents.answerAfter = 0ms;
    const CallHandle call = alice->MakeCall("sip:c-0042@10.0.0.2");
    clock.RunUntil(1s);
    ASSERT_EQ(hostB.GetDialogCount(), 1u);
    EXPECT_TRUE(hostB.RemoveUserAgent(carol));
    EXPECT_EQ(hostB.GetDialogCount(), 0u);
    carol = nullptr;
    // Alice's BYE now matches no dialog: 481, which still ends her call (15.1.1).
    EXPECT_TRUE(alice->Hangup(call));
    clock.RunUntil(2s);
    EXPECT_EQ(net.Responses(481, "BYE").size(), 1u);
    EXPECT_EQ(aliceEvents.events.back(), "1.020 ended local");
    EXPECT_EQ(carolEvents.events, (Strings{"0.010 offered", "0.030 answered"}));
}

TEST_F(UaHostTest, RemovingAUaWithAnUnansweredCallAnswers480)
{
    // Found by sipsim-ua-fuzzer: carol is removed while her phone rings. Her INVITE server
    // transaction, in Proceeding, has no timer (RFC 3261 17.2.1) and nobody was left to send
    // the final response the UAS core owes: it lived forever, and alice rang forever. The host
    // now answers it 480, with the To tag of the early dialog.
    carolEvents.ringAfter = 0ms;
    alice->MakeCall("sip:c-0042@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_TRUE(hostB.RemoveUserAgent(carol));
    carol = nullptr;
    clock.RunUntil(40s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "1.000 480 INVITE", "1.010 ACK"}))
        << net.Dump();
    const auto& log = net.GetLog();
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(Reparse(log[2]).GetTo()->Tag(), Reparse(log[1]).GetTo()->Tag());
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 progress 180", "1.010 failed 480 Temporarily Unavailable"}));
    EXPECT_EQ(carolEvents.events, (Strings{"0.010 offered"})); // removed without events
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
}

TEST_F(UaHostTest, RemovingAUaWithARingingCallCancelsIt)
{
    // The other side of the same bug: alice is removed while her call rings. Her INVITE client
    // transaction, in Proceeding, waits for a final response only the callee can send; the
    // host now cancels it (RFC 3261 9.1) instead of leaving it to the peer.
    bobEvents.ringAfter = 0ms;
    alice->MakeCall("sip:bob@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_TRUE(hostA.RemoveUserAgent(alice));
    alice = nullptr;
    clock.RunUntil(40s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE", "1.000 CANCEL",
                                   "1.010 200 CANCEL", "1.010 487 INVITE", "1.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 progress 180"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "1.010 failed 487 Request Terminated"}));
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
}

TEST_F(UaHostTest, RemovingAUaBeforeItsCallHasAnAnswerCancelsItOnTheFirstProvisional)
{
    // Found by sipsim-ua-fuzzer: alice is removed while her INVITE is still in Calling. A
    // CANCEL may not be sent yet (9.1), and the INVITE reaches Proceeding when bob rings,
    // where no timer ends it. The host cancels it when that provisional response arrives.
    bobEvents.ringAfter = 0ms;
    alice->MakeCall("sip:bob@10.0.0.2");
    EXPECT_TRUE(hostA.RemoveUserAgent(alice));
    alice = nullptr;
    clock.RunUntil(40s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE", "0.020 CANCEL",
                                   "0.030 200 CANCEL", "0.030 487 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_TRUE(aliceEvents.events.empty());
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "0.030 failed 487 Request Terminated"}));
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
}

/// Dave on alice's node, with the test proxy (10.0.0.10, example.com) as outbound proxy; bob
/// is at 10.0.0.2 for the proxy.
class ProxiedCallTest : public UaHostTest
{
  protected:
    void SetUp() override
    {
        UaHostTest::SetUp();
        proxy.AddLocation("bob", Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.2"), 5060});
        UaConfig config = Config("sip:dave@example.com");
        config.outboundProxy = proxyPeer;
        dave = hostA.AddUserAgent(config, &daveEvents);
        ASSERT_NE(dave, nullptr);
    }

    const Peer proxyPeer{TransportProtocol::Udp, *ParseIpv4("10.0.0.10"), 5060};
    TransactionLayer& layerP = net.AddNode("10.0.0.10");
    ProxyStub proxy{layerP, clock, proxyPeer, "example.com"};
    RecordingListener daveEvents{clock};
    UserAgent* dave = nullptr;
};

TEST_F(ProxiedCallTest, CancelIsForwardedAfterA100Only)
{
    // Found by sipsim-ua-fuzzer: the proxy counted only 101-199 as provisional responses, so
    // after just a 100 (bob's server transaction sends one by itself at 200 ms) a CANCEL from
    // dave was answered 200 but never forwarded: bob's phone kept ringing, and the proxy's
    // INVITE transaction towards bob stayed in Proceeding forever.
    const CallHandle call = dave->MakeCall("sip:bob@example.com");
    clock.RunUntil(1s);
    EXPECT_TRUE(dave->Hangup(call));
    clock.RunUntil(60s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 INVITE", "0.210 100 INVITE", "0.220 100 INVITE",
                       "1.000 CANCEL", "1.010 200 CANCEL", "1.010 CANCEL", "1.020 200 CANCEL",
                       "1.020 487 INVITE", "1.030 ACK", "1.030 487 INVITE", "1.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(daveEvents.events, (Strings{"1.040 failed 487 Request Terminated"}));
    EXPECT_EQ(bobEvents.events, (Strings{"0.020 offered", "1.020 failed 487 Request Terminated"}));
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerP.Size(), 0u);
    EXPECT_EQ(layerB.Size(), 0u);
}

TEST_F(ProxiedCallTest, TimerCEndsACallWhoseCalleeWentSilent)
{
    // Found by sipsim-ua-fuzzer: bob rings, then nothing more comes from him (a crashed
    // phone). The proxy had no Timer C (RFC 3261 16.6 step 11, 16.8), so its INVITE
    // transactions stayed in Proceeding forever and dave rang forever. Now Timer C (181 s after
    // the 180) cancels the INVITE; with no final response 64*T1 later the transaction gives
    // up (9.1), and dave gets 408.
    bobEvents.ringAfter = 0ms;
    bool rang = false;
    net.SetDropPredicate([&rang](const Message& m, const Peer& from, const Peer&) {
        if (from.address != *ParseIpv4("10.0.0.2"))
        {
            return false;
        }
        const bool first180 = !rang && m.IsResponse() && m.GetStatusCode() == 180;
        rang = rang || first180;
        return !first180; // bob goes silent after his 180
    });
    dave->MakeCall("sip:bob@example.com");
    clock.RunUntil(181029ms);
    EXPECT_TRUE(net.Requests("CANCEL").empty());
    clock.RunUntil(181030ms); // Timer C, from the 180 that reached the proxy at 0.030
    ASSERT_EQ(net.Requests("CANCEL").size(), 1u);
    EXPECT_EQ(net.Requests("CANCEL")[0].from.address, proxyPeer.address);
    clock.RunUntil(300s);
    EXPECT_EQ(daveEvents.events,
              (Strings{"0.040 progress 180", "213.040 failed 408 Request Timeout"}));
    EXPECT_EQ(layerA.Size(), 0u);
    EXPECT_EQ(layerP.Size(), 0u);
}

} // namespace
} // namespace sipsim::test
