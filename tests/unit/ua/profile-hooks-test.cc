/*
 * The user-agent additions device profiles need, over the in-memory network (10 ms one way,
 * T1 = 500 ms), with every message and event checked at its exact time:
 * - the application's retry of a rejected INVITE (UaListener::OnInviteRejected): a 411
 *   resent at once with Content-Length, a 413 after its Retry-After (RFC 3261 20.33);
 * - the expiry of an incoming INVITE (RFC 3261 13.3.1), 487 or a profile's 408;
 * - extra header fields on Reject (Retry-After in a 503, Accept in a 415, 21.4.13);
 * - HTTP Basic credentials (RFC 7617) when a profile allows them, Digest preferred.
 */
#include "auth/basic.h"
#include "ua-test-util.h"

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;
using Headers = std::vector<std::pair<std::string, std::string>>;

const char* const kOffer = "v=0\r\no=alice 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
                           "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";

/// A RecordingListener that also records OnInviteRejected ("<time> rejected <code>") and
/// answers it with onRejected (nullopt when unset).
class HookListener : public RecordingListener
{
  public:
    explicit HookListener(FakeClock& clock)
        : RecordingListener(clock)
        , m_clock(clock)
    {}

    std::function<std::optional<Duration>(UserAgent&, CallHandle, const Message&)> onRejected;
    std::vector<Message> rejections;

    std::optional<Duration> OnInviteRejected(UserAgent& ua, CallHandle call,
                                             const Message& response) override
    {
        events.push_back(FormatTime(m_clock.Now()) + " rejected "
                         + std::to_string(response.GetStatusCode()));
        rejections.push_back(response);
        return onRejected ? onRejected(ua, call, response) : std::nullopt;
    }

  private:
    FakeClock& m_clock;
};

/// The 2xx of the scripted UAS at 10.0.0.3 (To tag "u1", with Contact).
Message
Ok(const Message& request)
{
    Message ok = BuildResponse(request, 200, {}, "u1");
    ok.AddHeader(HeaderId::Contact, "<sip:uas@10.0.0.3:5060>");
    return ok;
}

class ProfileHooksTest : public TwoUaTest
{
  protected:
    void SetUp() override
    {
        ASSERT_NE(alice, nullptr);
        ASSERT_NE(bob, nullptr);
        alice->SetListener(&hooks);
    }

    /// Runs until t, then calls action (an API call made "at" t).
    void At(Duration t, const std::function<void()>& action)
    {
        clock.RunUntil(t);
        action();
    }

    /// The INVITEs on the wire, parsed.
    std::vector<Message> Invites() const
    {
        std::vector<Message> out;
        for (const SimLogEntry& e : net.Requests("INVITE"))
        {
            out.push_back(Reparse(e));
        }
        return out;
    }

    HookListener hooks{clock};
    TransactionLayer& layerU = net.AddNode("10.0.0.3");
};

// --- OnInviteRejected ---------------------------------------------------------------------------

TEST_F(ProfileHooksTest, LengthRequiredIsResentAtOnceWithContentLength)
{
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        if (request.GetMethod() != Method::Invite)
        {
            return;
        }
        layerU.SendResponse(id, uas.requests.size() == 1
                                    ? BuildResponse(request, 411, "Length Required", "u1")
                                    : Ok(request));
    };
    size_t invitesSentDuringHook = 0;
    hooks.onRejected = [&](UserAgent&, CallHandle, const Message& response) {
        invitesSentDuringHook = net.Requests("INVITE").size();
        return response.GetStatusCode() == 411 ? std::optional<Duration>(0s) : std::nullopt;
    };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);

    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 411 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 200 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(hooks.events, (Strings{"0.020 rejected 411", "0.040 answered"}));
    EXPECT_EQ(invitesSentDuringHook, 1u); // never re-entrantly from inside the hook
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);

    // The same request in a new transaction (RFC 3261 8.1.3.5), with Content-Length.
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 2u);
    const Message& first = invites[0];
    const Message& second = invites[1];
    EXPECT_EQ(first.GetCSeq()->number, 1u);
    EXPECT_EQ(second.GetCSeq()->number, 2u);
    EXPECT_EQ(second.GetCSeq()->method, "INVITE");
    EXPECT_EQ(second.GetCallId(), first.GetCallId());
    EXPECT_EQ(second.GetFrom()->Tag(), first.GetFrom()->Tag());
    EXPECT_EQ(second.GetRequestUriText(), "sip:uas@10.0.0.3");
    EXPECT_EQ(second.GetTo()->uri.text, "sip:uas@10.0.0.3");
    EXPECT_TRUE(second.GetTo()->Tag().empty());
    EXPECT_NE(second.GetTopVia()->branch, first.GetTopVia()->branch);
    EXPECT_EQ(second.GetBody(), kOffer);
    ASSERT_TRUE(second.FindHeader(HeaderId::ContentLength).has_value());
    EXPECT_EQ(*second.FindHeader(HeaderId::ContentLength), std::to_string(strlen(kOffer)));
    // The ACK of the 2xx is for the resent INVITE.
    ASSERT_EQ(uas.acks.size(), 1u);
    EXPECT_EQ(uas.acks[0].GetCSeq()->number, 2u);
}

TEST_F(ProfileHooksTest, RedirectFromTheHookSendsTheInviteToTheContact)
{
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        if (request.GetMethod() != Method::Invite)
        {
            return;
        }
        if (uas.requests.size() == 1)
        {
            Message moved = BuildResponse(request, 302, "Moved Temporarily", "u1");
            moved.AddHeader(HeaderId::Contact, "<sip:carol@10.0.0.3:5060>");
            layerU.SendResponse(id, moved);
        }
        else
        {
            layerU.SendResponse(id, Ok(request));
        }
    };
    hooks.onRejected = [&](UserAgent& ua, CallHandle call, const Message& response) {
        const auto contacts = response.GetContacts();
        EXPECT_EQ(contacts.size(), 1u);
        EXPECT_TRUE(ua.Redirect(call, contacts.at(0).uri.text));
        return std::optional<Duration>(0s);
    };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    EXPECT_FALSE(alice->Redirect(call, "sip:carol@10.0.0.3")) << "only from inside the hook";
    clock.RunUntil(1s);

    EXPECT_EQ(hooks.events, (Strings{"0.020 rejected 302", "0.040 answered"}));
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
    // RFC 3261 8.1.3.4: a new request to the Contact, same Call-ID, From and To, next CSeq.
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(invites[1].GetRequestUriText(), "sip:carol@10.0.0.3:5060");
    EXPECT_EQ(invites[1].GetCallId(), invites[0].GetCallId());
    EXPECT_EQ(invites[1].GetFrom()->Tag(), invites[0].GetFrom()->Tag());
    EXPECT_EQ(invites[1].GetTo()->uri.text, "sip:uas@10.0.0.3");
    EXPECT_EQ(invites[1].GetCSeq()->number, 2u);
}

TEST_F(ProfileHooksTest, RequestEntityTooLargeIsResentAfterRetryAfter)
{
    // 180 then 413 with Retry-After: 5: the early dialog ends with the rejected INVITE
    // (RFC 3261 12.3); the state stays Proceeding until the INVITE is resent 5 s later.
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        if (request.GetMethod() != Method::Invite)
        {
            return;
        }
        if (uas.requests.size() > 1)
        {
            layerU.SendResponse(id, Ok(request));
            return;
        }
        Message ringing = BuildResponse(request, 180, {}, "u1");
        ringing.AddHeader(HeaderId::Contact, "<sip:uas@10.0.0.3:5060>");
        layerU.SendResponse(id, std::move(ringing));
        Message tooLarge = BuildResponse(request, 413, {}, "u1");
        tooLarge.AddHeader(HeaderId::RetryAfter, "5 (busy);duration=60");
        layerU.SendResponse(id, std::move(tooLarge));
    };
    hooks.onRejected = [](UserAgent&, CallHandle, const Message& response) {
        const std::optional<uint32_t> seconds = RetryAfterSeconds(response);
        return seconds ? std::optional<Duration>(std::chrono::seconds(*seconds)) : std::nullopt;
    };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    At(2s, [&] {
        EXPECT_EQ(alice->GetCallState(call), CallState::Proceeding);
        EXPECT_EQ(alice->GetDialog(call), nullptr);
        EXPECT_EQ(hostA.GetDialogCount(), 0u);
        EXPECT_EQ(net.Requests("INVITE").size(), 1u);
    });
    At(5020ms, [&] { EXPECT_EQ(alice->GetCallState(call), CallState::Calling); });
    clock.RunUntil(10s);

    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE", "0.010 413 INVITE",
                                   "0.020 ACK", "5.020 INVITE", "5.030 200 INVITE", "5.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(hooks.events,
              (Strings{"0.020 progress 180", "0.020 rejected 413", "5.040 answered"}));
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(invites[1].GetCSeq()->number, 2u);
    EXPECT_EQ(invites[1].GetCallId(), invites[0].GetCallId());
    EXPECT_NE(invites[1].GetTopVia()->branch, invites[0].GetTopVia()->branch);
    EXPECT_EQ(alice->GetCallState(call), CallState::Confirmed);
    EXPECT_EQ(alice->GetDialog(call)->GetId().remoteTag, "u1");
}

TEST_F(ProfileHooksTest, CancelWhileWaitingToResendEndsTheCallWith487)
{
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        Message tooLarge = BuildResponse(request, 413, {}, "u1");
        tooLarge.AddHeader(HeaderId::RetryAfter, "5");
        layerU.SendResponse(id, std::move(tooLarge));
    };
    hooks.onRejected
        = [](UserAgent&, CallHandle, const Message&) { return std::optional<Duration>(5s); };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    At(2s, [&] {
        EXPECT_TRUE(alice->Cancel(call));
        EXPECT_FALSE(alice->Cancel(call));  // once
        EXPECT_EQ(hooks.events.size(), 1u); // reported later, from a zero-delay timer
    });
    clock.RunUntil(20s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 413 INVITE", "0.020 ACK"}))
        << net.Dump(); // neither CANCEL nor a second INVITE
    EXPECT_EQ(hooks.events, (Strings{"0.020 rejected 413", "2.000 failed 487 Request Terminated"}));
    EXPECT_EQ(alice->GetCallCount(), 0u);
}

TEST_F(ProfileHooksTest, HangupWhileWaitingToResendEndsTheCallWith487)
{
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        layerU.SendResponse(id, BuildResponse(request, 411, {}, "u1"));
    };
    hooks.onRejected
        = [](UserAgent&, CallHandle, const Message&) { return std::optional<Duration>(3s); };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    At(1s, [&] { EXPECT_TRUE(alice->Hangup(call)); });
    clock.RunUntil(20s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 411 INVITE", "0.020 ACK"})) << net.Dump();
    EXPECT_EQ(hooks.events, (Strings{"0.020 rejected 411", "1.000 failed 487 Request Terminated"}));
}

TEST_F(ProfileHooksTest, CancelFromInsideTheHookSendsNothing)
{
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        layerU.SendResponse(id, BuildResponse(request, 411, {}, "u1"));
    };
    hooks.onRejected = [](UserAgent& ua, CallHandle call, const Message&) {
        EXPECT_TRUE(ua.Cancel(call));
        return std::optional<Duration>(0s);
    };
    alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(20s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 411 INVITE", "0.020 ACK"})) << net.Dump();
    EXPECT_EQ(hooks.events, (Strings{"0.020 rejected 411", "0.020 failed 487 Request Terminated"}));
}

TEST_F(ProfileHooksTest, HookDecliningFailsTheCallWithTheStatus)
{
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        layerU.SendResponse(id, BuildResponse(request, 486, {}, "u1"));
    };
    const CallHandle call = alice->MakeCall("sip:uas@10.0.0.3", kOffer); // onRejected unset
    clock.RunUntil(20s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 486 INVITE", "0.020 ACK"})) << net.Dump();
    EXPECT_EQ(hooks.events, (Strings{"0.020 rejected 486", "0.020 failed 486 Busy Here"}));
    EXPECT_FALSE(alice->GetCallState(call).has_value());
}

TEST_F(ProfileHooksTest, ChallengeTheCoreGivesUpOnIsOfferedToTheHook)
{
    // The first 407 is the core's (answered with credentials); the second, to wrong
    // credentials, is offered to the application.
    ChallengingUas uas(layerU, clock);
    uas.password = "not-alices";
    alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 407 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 407 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(hooks.events,
              (Strings{"0.040 rejected 407", "0.040 failed 407 Proxy Authentication Required"}));
}

TEST_F(ProfileHooksTest, ResentInviteCarriesTheCredentialsWithTheNextNonceCount)
{
    // 407 answered by the core, then 411 retried by the application: the third INVITE has the
    // proxy credentials again, for the next nonce-count, which the server accepts.
    DigestServer proxy{"example.com", "proxy-key"};
    std::vector<VerifyResult> verdicts;
    ScriptedPeer uas(layerU);
    uas.onRequest = [&](TransactionId id, const Message& request) {
        if (request.GetMethod() != Method::Invite)
        {
            return;
        }
        const double now = std::chrono::duration<double>(clock.Now()).count();
        const auto credentials = request.GetCredentials(HeaderId::ProxyAuthorization);
        if (credentials.empty())
        {
            Message challenge = BuildResponse(request, 407, {}, "u1");
            challenge.AddHeader(HeaderId::ProxyAuthenticate, proxy.MakeChallenge(now).ToString());
            layerU.SendResponse(id, std::move(challenge));
            return;
        }
        verdicts.push_back(proxy.Verify(credentials[0], "INVITE", "secret", now));
        layerU.SendResponse(id, uas.requests.size() == 2 ? BuildResponse(request, 411, {}, "u1")
                                                         : Ok(request));
    };
    hooks.onRejected
        = [](UserAgent&, CallHandle, const Message&) { return std::optional<Duration>(0s); };
    alice->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 407 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 411 INVITE", "0.040 ACK", "0.040 INVITE",
                                   "0.050 200 INVITE", "0.060 ACK"}))
        << net.Dump();
    EXPECT_EQ(verdicts, (std::vector<VerifyResult>{VerifyResult::Ok, VerifyResult::Ok}));
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 3u);
    EXPECT_EQ(invites[2].GetCSeq()->number, 3u);
    EXPECT_EQ(invites[1].GetCredentials(HeaderId::ProxyAuthorization)[0].GetNonceCount(), 1u);
    EXPECT_EQ(invites[2].GetCredentials(HeaderId::ProxyAuthorization)[0].GetNonceCount(), 2u);
    EXPECT_EQ(hooks.events, (Strings{"0.040 rejected 411", "0.060 answered"}));
}

TEST_F(ProfileHooksTest, CancelledInviteIsNotOfferedToTheHook)
{
    bobEvents.ringAfter = 0ms;
    hooks.onRejected
        = [](UserAgent&, CallHandle, const Message&) { return std::optional<Duration>(0s); };
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    At(1s, [&] { EXPECT_TRUE(alice->Cancel(call)); });
    clock.RunUntil(5s);
    EXPECT_EQ(hooks.events, (Strings{"0.020 progress 180", "1.020 failed 487 Request Terminated"}));
    EXPECT_EQ(net.Requests("INVITE").size(), 1u);
}

TEST(RetryAfterSecondsTest, ReadsTheDeltaSecondsOnly)
{
    Message response = Message::MakeResponse(503);
    EXPECT_EQ(RetryAfterSeconds(response), std::nullopt);
    response.SetHeader(HeaderId::RetryAfter, "120 (I'm in a meeting);duration=3600");
    EXPECT_EQ(RetryAfterSeconds(response), 120u);
    response.SetHeader(HeaderId::RetryAfter, "30");
    EXPECT_EQ(RetryAfterSeconds(response), 30u);
    response.SetHeader(HeaderId::RetryAfter, "soon");
    EXPECT_EQ(RetryAfterSeconds(response), std::nullopt);
}

// --- INVITE expiry (RFC 3261 13.3.1) ------------------------------------------------------------

TEST_F(ProfileHooksTest, ExpiresHeaderTakesPrecedenceAndProfileSends408)
{
    // Carol's INVITEs carry Expires: 10; Dave (a phone profile) would wait 30 s without one,
    // and sends 408 on expiry.
    UaConfig carolConfig = Config("sip:carol@example.com");
    carolConfig.inviteExpiresHeader = 10;
    RecordingListener carolEvents{clock};
    UserAgent* carol = hostA.AddUserAgent(carolConfig, &carolEvents);
    UaConfig daveConfig = Config("sip:dave@example.com");
    daveConfig.inviteExpires = 30s;
    daveConfig.inviteExpiredStatus = 408;
    RecordingListener daveEvents{clock};
    daveEvents.ringAfter = 0ms;
    UserAgent* dave = hostB.AddUserAgent(daveConfig, &daveEvents);
    ASSERT_NE(carol, nullptr);
    ASSERT_NE(dave, nullptr);

    const CallHandle call = carol->MakeCall("sip:dave@10.0.0.2", kOffer);
    At(10009ms,
       [&] { EXPECT_EQ(dave->GetCallState(daveEvents.offeredCalls.at(0)), CallState::Ringing); });
    clock.RunUntil(60s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "10.010 408 INVITE", "10.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(*Invites()[0].FindHeader(HeaderId::Expires), "10");
    EXPECT_EQ(daveEvents.events, (Strings{"0.010 offered", "10.010 failed 408 INVITE expired"}));
    EXPECT_EQ(carolEvents.events,
              (Strings{"0.020 progress 180", "10.020 failed 408 Request Timeout"}));
    EXPECT_EQ(dave->GetCallCount(), 0u);
    EXPECT_EQ(hostB.GetDialogCount(), 0u);
    EXPECT_FALSE(carol->GetCallState(call).has_value());
    // The 408 is in the early dialog of the 180 (same To tag, 12.1.1).
    const auto log = net.GetLog();
    EXPECT_EQ(Reparse(log[2]).GetTo()->Tag(), Reparse(log[1]).GetTo()->Tag());
}

TEST_F(ProfileHooksTest, ExpiredOfferGets487ByDefault)
{
    // Bob (default config) neither rings nor answers; Carol's INVITE has Expires: 10.
    UaConfig carolConfig = Config("sip:carol@example.com");
    carolConfig.inviteExpiresHeader = 10;
    RecordingListener carolEvents{clock};
    UserAgent* carol = hostA.AddUserAgent(carolConfig, &carolEvents);
    ASSERT_NE(carol, nullptr);
    carol->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(60s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.210 100 INVITE", "10.010 487 INVITE", "10.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "10.010 failed 487 INVITE expired"}));
    EXPECT_EQ(carolEvents.events, (Strings{"10.020 failed 487 Request Terminated"}));
}

TEST_F(ProfileHooksTest, ConfigDefaultAppliesWithoutExpiresHeader)
{
    UaConfig daveConfig = Config("sip:dave@example.com");
    daveConfig.inviteExpires = 30s;
    daveConfig.inviteExpiredStatus = 408;
    RecordingListener daveEvents{clock};
    daveEvents.ringAfter = 0ms;
    ASSERT_NE(hostB.AddUserAgent(daveConfig, &daveEvents), nullptr);
    alice->MakeCall("sip:dave@10.0.0.2", kOffer); // Alice's INVITE has no Expires
    clock.RunUntil(60s);
    EXPECT_FALSE(Invites()[0].HasHeader(HeaderId::Expires));
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "30.010 408 INVITE", "30.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(daveEvents.events, (Strings{"0.010 offered", "30.010 failed 408 INVITE expired"}));
    EXPECT_EQ(hooks.events, (Strings{"0.020 progress 180", "30.020 rejected 408",
                                     "30.020 failed 408 Request Timeout"}));
}

TEST_F(ProfileHooksTest, NoExpiryWithoutHeaderOrConfig)
{
    bobEvents.ringAfter = 0ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(300s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 180 INVITE"})) << net.Dump();
    EXPECT_EQ(bob->GetCallState(bobEvents.offeredCalls.at(0)), CallState::Ringing);
    EXPECT_EQ(alice->GetCallState(call), CallState::Proceeding);
}

TEST_F(ProfileHooksTest, AnswerBeforeExpiryCancelsIt)
{
    UaConfig carolConfig = Config("sip:carol@example.com");
    carolConfig.inviteExpiresHeader = 10;
    RecordingListener carolEvents{clock};
    UserAgent* carol = hostA.AddUserAgent(carolConfig, &carolEvents);
    ASSERT_NE(carol, nullptr);
    bobEvents.ringAfter = 0ms;
    bobEvents.answerAfter = 5s;
    const CallHandle call = carol->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(60s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "5.010 200 INVITE", "5.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(bobEvents.events, (Strings{"0.010 offered", "5.030 answered"}));
    EXPECT_EQ(carolEvents.events, (Strings{"0.020 progress 180", "5.020 answered"}));
    EXPECT_EQ(carol->GetCallState(call), CallState::Confirmed);
    EXPECT_EQ(bob->GetCallState(bobEvents.offeredCalls.at(0)), CallState::Confirmed);
}

TEST_F(ProfileHooksTest, RejectBeforeExpiryCancelsIt)
{
    UaConfig daveConfig = Config("sip:dave@example.com");
    daveConfig.inviteExpires = 10s;
    RecordingListener daveEvents{clock};
    daveEvents.ringAfter = 0ms;
    daveEvents.rejectAfter = 4s;
    ASSERT_NE(hostB.AddUserAgent(daveConfig, &daveEvents), nullptr);
    alice->MakeCall("sip:dave@10.0.0.2", kOffer);
    clock.RunUntil(60s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "4.010 486 INVITE", "4.020 ACK"}))
        << net.Dump();
    EXPECT_EQ(daveEvents.events, (Strings{"0.010 offered"})); // Reject reports nothing
}

// --- Reject with header fields ------------------------------------------------------------------

TEST_F(ProfileHooksTest, RejectCarriesExtraHeaders)
{
    bobEvents.ringAfter = 0ms;
    const CallHandle call = alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    At(1s, [&] {
        const CallHandle offered = bobEvents.offeredCalls.at(0);
        EXPECT_FALSE(bob->Reject(offered, 200, "OK", Headers{{"Retry-After", "30"}}));
        EXPECT_TRUE(bob->Reject(offered, 503, "Service Unavailable",
                                Headers{{"Retry-After", "30"}, {"", "skipped"}}));
    });
    clock.RunUntil(5s);
    EXPECT_EQ(Trace(net),
              (Strings{"0.000 INVITE", "0.010 180 INVITE", "1.000 503 INVITE", "1.010 ACK"}))
        << net.Dump();
    const Message rejected = Reparse(net.Responses(503, "INVITE").at(0));
    EXPECT_EQ(rejected.FindHeader(HeaderId::RetryAfter), std::optional<std::string_view>("30"));
    EXPECT_EQ(RetryAfterSeconds(rejected), 30u);
    EXPECT_EQ(rejected.GetReasonPhrase(), "Service Unavailable");
    // The caller's application sees the same header in the hook.
    ASSERT_EQ(hooks.rejections.size(), 1u);
    EXPECT_EQ(RetryAfterSeconds(hooks.rejections[0]), 30u);
    EXPECT_EQ(hooks.events, (Strings{"0.020 progress 180", "1.010 rejected 503",
                                     "1.010 failed 503 Service Unavailable"}));
    EXPECT_FALSE(alice->GetCallState(call).has_value());
}

TEST_F(ProfileHooksTest, UnsupportedMediaTypeWithAccept)
{
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(100ms);
    ASSERT_EQ(bobEvents.offeredCalls.size(), 1u);
    EXPECT_TRUE(bob->Reject(bobEvents.offeredCalls[0], 415, {},
                            Headers{{"Accept", std::string(kUaAccept)}}));
    clock.RunUntil(1s);
    const auto responses = net.Responses(415, "INVITE");
    ASSERT_EQ(responses.size(), 1u);
    const Message rejected = Reparse(responses[0]);
    EXPECT_EQ(rejected.FindHeader(HeaderId::Accept),
              std::optional<std::string_view>("application/sdp"));
    EXPECT_EQ(rejected.GetReasonPhrase(), "Unsupported Media Type");
    // Without headers the response has no Accept.
    alice->MakeCall("sip:bob@10.0.0.2", kOffer);
    clock.RunUntil(1100ms);
    ASSERT_EQ(bobEvents.offeredCalls.size(), 2u);
    EXPECT_TRUE(bob->Reject(bobEvents.offeredCalls[1], 415));
    clock.RunUntil(2s);
    ASSERT_EQ(net.Responses(415, "INVITE").size(), 2u);
    EXPECT_FALSE(Reparse(net.Responses(415, "INVITE")[1]).HasHeader(HeaderId::Accept));
}

// --- Basic authentication (RFC 7617) -------------------------------------------------------------

/**
 * A gateway-like UAS challenging INVITEs: 401 with the given WWW-Authenticate values (or 407
 * with Proxy-Authenticate) until the credentials verify, Basic or Digest; then 200.
 */
class BasicChallengingUas : public ScriptedPeer
{
  public:
    BasicChallengingUas(TransactionLayer& peerLayer, FakeClock& clock, uint16_t code,
                        std::vector<std::string> challenges)
        : ScriptedPeer(peerLayer)
        , m_clock(clock)
        , m_code(code)
        , m_challenges(std::move(challenges))
    {
        onRequest = [this](TransactionId id, const Message& request) { Handle(id, request); };
    }

    DigestServer digest{"gw.example.com", "gw-key"};
    std::string user = "alice";
    std::string password = "secret";
    std::vector<std::string> verdicts; ///< "basic ok", "basic bad", "digest ok", "digest bad"

  private:
    void Handle(TransactionId id, const Message& request)
    {
        if (request.GetMethod() != Method::Invite)
        {
            return;
        }
        const HeaderId header
            = m_code == 407 ? HeaderId::ProxyAuthorization : HeaderId::Authorization;
        const double now = std::chrono::duration<double>(m_clock.Now()).count();
        bool ok = false;
        if (const auto value = request.FindHeader(header))
        {
            if (DecodeBasicCredentials(*value))
            {
                ok = VerifyBasicCredentials(*value, user, password);
                verdicts.push_back(ok ? "basic ok" : "basic bad");
            }
            else
            {
                const auto credentials = request.GetCredentials(header);
                ok = !credentials.empty()
                     && digest.Verify(credentials[0], "INVITE", password, now) == VerifyResult::Ok;
                verdicts.push_back(ok ? "digest ok" : "digest bad");
            }
        }
        if (ok)
        {
            layer.SendResponse(id, Ok(request));
            return;
        }
        Message challenge = BuildResponse(request, m_code, {}, "u1");
        for (const std::string& value : m_challenges)
        {
            challenge.AddHeader(m_code == 407 ? HeaderId::ProxyAuthenticate
                                              : HeaderId::WwwAuthenticate,
                                value == "digest" ? digest.MakeChallenge(now).ToString() : value);
        }
        layer.SendResponse(id, std::move(challenge));
    }

    FakeClock& m_clock;
    uint16_t m_code;
    std::vector<std::string> m_challenges;
};

class BasicAuthTest : public ProfileHooksTest
{
  protected:
    /// A UA on Alice's host allowed (or not) to answer Basic challenges.
    UserAgent* Gateway(bool allowBasic)
    {
        UaConfig config = Config("sip:gw@example.com");
        config.username = "alice";
        config.allowBasicAuth = allowBasic;
        return hostA.AddUserAgent(config, &gwEvents);
    }

    RecordingListener gwEvents{clock};
};

TEST_F(BasicAuthTest, BasicChallengeAnsweredWhenAllowed)
{
    BasicChallengingUas uas(layerU, clock, 401, {"Basic realm=\"gw.example.com\""});
    UserAgent* gw = Gateway(true);
    ASSERT_NE(gw, nullptr);
    const CallHandle call = gw->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 401 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 200 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(uas.verdicts, (Strings{"basic ok"}));
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_FALSE(invites[0].HasHeader(HeaderId::Authorization));
    // base64("alice:secret") (RFC 7617 2).
    EXPECT_EQ(invites[1].FindHeader(HeaderId::Authorization),
              std::optional<std::string_view>("Basic YWxpY2U6c2VjcmV0"));
    EXPECT_EQ(invites[1].GetCSeq()->number, 2u);
    EXPECT_EQ(gwEvents.events, (Strings{"0.040 answered"}));
    EXPECT_EQ(gw->GetCallState(call), CallState::Confirmed);
    // The ACK of the 2xx carries the same credentials (13.2.2.4).
    ASSERT_EQ(uas.acks.size(), 1u);
    EXPECT_EQ(uas.acks[0].FindHeader(HeaderId::Authorization),
              std::optional<std::string_view>("Basic YWxpY2U6c2VjcmV0"));
}

TEST_F(BasicAuthTest, BasicProxyChallengeAnsweredWithProxyAuthorization)
{
    BasicChallengingUas uas(layerU, clock, 407, {"Basic realm=\"gw.example.com\""});
    UserAgent* gw = Gateway(true);
    ASSERT_NE(gw, nullptr);
    gw->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(uas.verdicts, (Strings{"basic ok"}));
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_FALSE(invites[1].HasHeader(HeaderId::Authorization));
    EXPECT_EQ(invites[1].FindHeader(HeaderId::ProxyAuthorization),
              std::optional<std::string_view>("Basic YWxpY2U6c2VjcmV0"));
    EXPECT_EQ(gwEvents.events, (Strings{"0.040 answered"}));
}

TEST_F(BasicAuthTest, BasicChallengeFailsTheCallWhenNotAllowed)
{
    BasicChallengingUas uas(layerU, clock, 401, {"Basic realm=\"gw.example.com\""});
    UserAgent* gw = Gateway(false); // RFC 3261 22.1
    ASSERT_NE(gw, nullptr);
    gw->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 401 INVITE", "0.020 ACK"})) << net.Dump();
    EXPECT_TRUE(uas.verdicts.empty());
    EXPECT_EQ(gwEvents.events, (Strings{"0.020 failed 401 Unauthorized"}));
}

TEST_F(BasicAuthTest, WrongBasicPasswordIsTriedOnce)
{
    BasicChallengingUas uas(layerU, clock, 401, {"Basic realm=\"gw.example.com\""});
    uas.password = "other";
    UserAgent* gw = Gateway(true);
    ASSERT_NE(gw, nullptr);
    gw->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(Trace(net), (Strings{"0.000 INVITE", "0.010 401 INVITE", "0.020 ACK", "0.020 INVITE",
                                   "0.030 401 INVITE", "0.040 ACK"}))
        << net.Dump();
    EXPECT_EQ(uas.verdicts, (Strings{"basic bad"}));
    EXPECT_EQ(gwEvents.events, (Strings{"0.040 failed 401 Unauthorized"}));
}

TEST_F(BasicAuthTest, DigestPreferredWhenBothAreOffered)
{
    // Basic listed first: the Digest challenge is answered all the same.
    BasicChallengingUas uas(layerU, clock, 401, {"Basic realm=\"gw.example.com\"", "digest"});
    UserAgent* gw = Gateway(true);
    ASSERT_NE(gw, nullptr);
    gw->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(uas.verdicts, (Strings{"digest ok"}));
    const std::vector<Message> invites = Invites();
    ASSERT_EQ(invites.size(), 2u);
    const auto credentials = invites[1].GetCredentials(HeaderId::Authorization);
    ASSERT_EQ(credentials.size(), 1u);
    EXPECT_TRUE(credentials[0].IsDigest());
    EXPECT_EQ(credentials[0].GetUsername(), "alice");
    EXPECT_EQ(gwEvents.events, (Strings{"0.040 answered"}));
}

TEST_F(BasicAuthTest, BasicNeedsAPassword)
{
    BasicChallengingUas uas(layerU, clock, 401, {"Basic realm=\"gw.example.com\""});
    UaConfig config = Config("sip:nopass@example.com");
    config.password.clear();
    config.allowBasicAuth = true;
    UserAgent* ua = hostA.AddUserAgent(config, &gwEvents);
    ASSERT_NE(ua, nullptr);
    ua->MakeCall("sip:uas@10.0.0.3", kOffer);
    clock.RunUntil(1s);
    EXPECT_EQ(net.Requests("INVITE").size(), 1u);
    EXPECT_EQ(gwEvents.events, (Strings{"0.020 failed 401 Unauthorized"}));
}

TEST(BasicCredentialsTest, Rfc7617Example)
{
    // RFC 7617 section 2: user-id "Aladdin", password "open sesame".
    EXPECT_EQ(BasicCredentials("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    EXPECT_EQ(BasicCredentials("", ""), "Basic Og==");
    EXPECT_TRUE(
        VerifyBasicCredentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"));
    EXPECT_TRUE(VerifyBasicCredentials("basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ== ", "Aladdin",
                                       "open sesame")); // scheme case-insensitive
    EXPECT_TRUE(VerifyBasicCredentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", "Aladdin",
                                       "open sesame")); // padding optional
    EXPECT_FALSE(
        VerifyBasicCredentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesam"));
    EXPECT_FALSE(
        VerifyBasicCredentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "aladdin", "open sesame"));
}

TEST(BasicCredentialsTest, DecodeRejectsWhatIsNotBasic)
{
    const auto decoded = DecodeBasicCredentials(BasicCredentials("user", "pass:with:colons"));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->first, "user");
    EXPECT_EQ(decoded->second, "pass:with:colons");
    EXPECT_FALSE(DecodeBasicCredentials("Digest username=\"alice\", realm=\"x\""));
    EXPECT_FALSE(DecodeBasicCredentials("Basic"));
    EXPECT_FALSE(DecodeBasicCredentials("BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    EXPECT_FALSE(DecodeBasicCredentials("Basic !!!!"));
    EXPECT_FALSE(DecodeBasicCredentials("Basic Q"));        // 4n+1 characters
    EXPECT_FALSE(DecodeBasicCredentials("Basic Zm9v"));     // "foo": no ':'
    EXPECT_FALSE(DecodeBasicCredentials("Basic Og==Og==")); // '=' inside
    Challenge basic;
    ASSERT_TRUE(Challenge::Parse("BASIC realm=\"gw\"", &basic, nullptr));
    EXPECT_TRUE(IsBasic(basic));
    Challenge digest;
    ASSERT_TRUE(Challenge::Parse("Digest realm=\"gw\", nonce=\"n\"", &digest, nullptr));
    EXPECT_FALSE(IsBasic(digest));
}

} // namespace
} // namespace sipsim::test
