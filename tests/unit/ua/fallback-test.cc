/*
 * UaHost::SetFallbackUserAgent: out-of-dialog requests for users the host does not know go
 * to the fallback UA instead of 404, except OPTIONS (UaHost::FindTarget), which still gets
 * 404 for an unknown user (and 200 when it names the host itself, RFC 3261 11.2). Clearing
 * the fallback, or removing its UA, restores the 404.
 */
#include "ua-test-util.h"

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

/// Alice (10.0.0.1) calls users of Bob's node (10.0.0.2), where gw is the fallback UA.
class FallbackTest : public TwoUaTest
{
  protected:
    void SetUp() override
    {
        ASSERT_NE(alice, nullptr);
        ASSERT_NE(bob, nullptr);
        gw = hostB.AddUserAgent(Config("sip:gw@example.com"), &gwEvents);
        ASSERT_NE(gw, nullptr);
    }

    /// The Request-URIs of the INVITEs the fallback was offered.
    Strings OfferedUris() const
    {
        Strings out;
        for (const Message& m : gwEvents.offers)
        {
            out.push_back(std::string(m.GetRequestUriText()));
        }
        return out;
    }

    RecordingListener gwEvents{clock};
    UserAgent* gw = nullptr;
};

TEST_F(FallbackTest, WithoutFallbackUnknownUsersGet404)
{
    EXPECT_EQ(hostB.GetFallbackUserAgent(), nullptr);
    alice->MakeCall("sip:nobody@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(net.Responses(404, "INVITE").size(), 1u);
    EXPECT_EQ(hostB.GetCounters().unknownUser, 1u);
    EXPECT_TRUE(gwEvents.events.empty());
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 failed 404 Not Found"}));
}

TEST_F(FallbackTest, UnknownUserReachesTheFallbackUa)
{
    hostB.SetFallbackUserAgent(gw);
    EXPECT_EQ(hostB.GetFallbackUserAgent(), gw);
    gwEvents.ringAfter = 0ms;
    gwEvents.answerAfter = 100ms;
    const CallHandle call = alice->MakeCall("sip:+15551234@10.0.0.2");
    ASSERT_TRUE(call.IsValid());
    clock.RunUntil(1s);
    // The fallback UA took the INVITE for a user it is not (no 404), and answered it.
    EXPECT_EQ(net.Responses(404, "INVITE").size(), 0u);
    EXPECT_EQ(hostB.GetCounters().unknownUser, 0u);
    EXPECT_EQ(gwEvents.events, (Strings{"0.010 offered", "0.130 answered"}));
    EXPECT_EQ(OfferedUris(), (Strings{"sip:+15551234@10.0.0.2"}));
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 progress 180", "0.120 answered"}));
    // In-dialog requests go to the dialog (the fallback UA's), not through the fallback rule.
    alice->Hangup(call);
    clock.RunUntil(2s);
    EXPECT_EQ(gwEvents.events.back(), "1.010 ended remote");
    EXPECT_EQ(aliceEvents.events.back(), "1.020 ended local");
    EXPECT_EQ(hostB.GetCounters().noDialog, 0u);
}

TEST_F(FallbackTest, KnownUsersStillReachTheirOwnUa)
{
    hostB.SetFallbackUserAgent(gw);
    bobEvents.rejectAfter = 0ms;
    alice->MakeCall("sip:bob@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered"}));
    EXPECT_TRUE(gwEvents.events.empty());
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 failed 486 Busy Here"}));
}

TEST_F(FallbackTest, FallbackUaCanAnswer404ItselfForNumbersItCannotRoute)
{
    hostB.SetFallbackUserAgent(gw);
    gwEvents.rejectAfter = 0ms;
    gwEvents.rejectCode = 404;
    alice->MakeCall("sip:nobody@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(gwEvents.events, (Strings{"0.010 offered"}));
    EXPECT_EQ(net.Responses(404, "INVITE").size(), 1u);
    // The host did not answer it: its counter of unknown users stays 0.
    EXPECT_EQ(hostB.GetCounters().unknownUser, 0u);
    EXPECT_EQ(aliceEvents.events, (Strings{"0.020 failed 404 Not Found"}));
}

TEST_F(FallbackTest, OptionsToUnknownUserStillGet404)
{
    hostB.SetFallbackUserAgent(gw);
    ASSERT_TRUE(alice->SendOptions("sip:nobody@10.0.0.2"));
    clock.RunUntil(1s);
    EXPECT_EQ(net.Responses(404, "OPTIONS").size(), 1u);
    EXPECT_EQ(hostB.GetCounters().unknownUser, 1u);
    EXPECT_TRUE(gwEvents.events.empty());
    // OPTIONS to a hosted user, and to the host itself, are answered 200 as before.
    ASSERT_TRUE(alice->SendOptions("sip:bob@10.0.0.2"));
    ASSERT_TRUE(alice->SendOptions("sip:10.0.0.2"));
    clock.RunUntil(2s);
    EXPECT_EQ(net.Responses(200, "OPTIONS").size(), 2u);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 options 404", "1.020 options 200", "1.020 options 200"}));
    EXPECT_TRUE(gwEvents.events.empty());
}

TEST_F(FallbackTest, ClearingTheFallbackRestores404)
{
    hostB.SetFallbackUserAgent(gw);
    gwEvents.rejectAfter = 0ms;
    alice->MakeCall("sip:nobody@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(gwEvents.events, (Strings{"0.010 offered"}));
    hostB.SetFallbackUserAgent(nullptr);
    EXPECT_EQ(hostB.GetFallbackUserAgent(), nullptr);
    alice->MakeCall("sip:nobody@10.0.0.2");
    clock.RunUntil(2s);
    EXPECT_EQ(gwEvents.events.size(), 1u);
    EXPECT_EQ(net.Responses(404, "INVITE").size(), 1u);
    EXPECT_EQ(hostB.GetCounters().unknownUser, 1u);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 failed 486 Busy Here", "1.020 failed 404 Not Found"}));
}

TEST_F(FallbackTest, RemovingTheFallbackUaRestores404)
{
    hostB.SetFallbackUserAgent(gw);
    gwEvents.rejectAfter = 0ms;
    alice->MakeCall("sip:nobody@10.0.0.2");
    clock.RunUntil(1s);
    EXPECT_EQ(gwEvents.events, (Strings{"0.010 offered"}));
    ASSERT_TRUE(hostB.RemoveUserAgent(gw));
    gw = nullptr;
    EXPECT_EQ(hostB.GetFallbackUserAgent(), nullptr);
    alice->MakeCall("sip:nobody@10.0.0.2");
    clock.RunUntil(2s);
    EXPECT_EQ(gwEvents.events.size(), 1u);
    EXPECT_EQ(net.Responses(404, "INVITE").size(), 1u);
    EXPECT_EQ(hostB.GetCounters().unknownUser, 1u);
    EXPECT_EQ(aliceEvents.events,
              (Strings{"0.020 failed 486 Busy Here", "1.020 failed 404 Not Found"}));
}

} // namespace
} // namespace sipsim::test
