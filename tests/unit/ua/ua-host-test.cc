/*
 * UaHost: many user agents on one transaction layer, dispatched by Contact user, address of
 * record, dialog and transaction.
 */
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

} // namespace
} // namespace sipsim::test
