/*
 * The registration client (RFC 3261 10.2, 22.2) against a scripted registrar that checks
 * credentials with DigestServer, over the in-memory network (10 ms one way).
 */
#include "ua-test-util.h"

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

class RegistrationTest : public ::testing::Test
{
  protected:
    static UaConfig AliceConfig()
    {
        UaConfig config;
        config.aor = "sip:alice@example.com";
        config.displayName = "Alice";
        config.password = "secret";
        config.registrarUri = "sip:example.com";
        config.registrar = Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.10"), 5060};
        config.userAgent = "sipsim-test";
        return config;
    }

    void SetUp() override { ASSERT_NE(alice, nullptr); }

    std::vector<std::string> RegisterTrace() const
    {
        std::vector<std::string> out;
        for (const SimLogEntry& e : net.GetLog())
        {
            out.push_back(Label(e));
        }
        return out;
    }

    FakeClock clock;
    SimNetwork net{clock, 10ms};
    TransactionLayer& layerA = net.AddNode("10.0.0.1");
    TransactionLayer& layerR = net.AddNode("10.0.0.10");
    FakeRegistrar registrar{layerR, clock};
    RecordingListener events{clock};
    UaHost host{layerA, clock, net.GetTransport(layerA)};
    UserAgent* alice = host.AddUserAgent(AliceConfig(), &events);
};

TEST_F(RegistrationTest, DigestChallengeThen200)
{
    EXPECT_TRUE(alice->Register());
    clock.RunUntil(1s);
    EXPECT_EQ(RegisterTrace(), (Strings{"0.000 REGISTER", "0.010 401 REGISTER", "0.020 REGISTER",
                                        "0.030 200 REGISTER"}))
        << net.Dump();
    EXPECT_EQ(events.events, (Strings{"0.040 registered 3600"}));
    EXPECT_TRUE(alice->IsRegistered());
    EXPECT_EQ(alice->GetRegistration()->GetState(), RegistrationClient::State::Registered);
    EXPECT_EQ(alice->GetRegistration()->GetGrantedExpires(), 3600u);

    // The registrar verified the answer to its challenge (22.4).
    EXPECT_EQ(registrar.verdicts, (std::vector<VerifyResult>{VerifyResult::Ok}));
    ASSERT_EQ(registrar.requests.size(), 2u);
    EXPECT_FALSE(registrar.requests[0].hasCredentials);
    EXPECT_TRUE(registrar.requests[1].hasCredentials);
    // 10.2.4: one Call-ID, CSeq counting up.
    EXPECT_EQ(registrar.requests[0].cseq, 1u);
    EXPECT_EQ(registrar.requests[1].cseq, 2u);
    EXPECT_EQ(registrar.requests[0].callId, registrar.requests[1].callId);

    // 10.2: the request's fields.
    const Message first = Reparse(net.GetLog()[0]);
    EXPECT_EQ(first.GetRequestUriText(), "sip:example.com");
    EXPECT_EQ(first.GetTo()->uri.text, "sip:alice@example.com");
    EXPECT_EQ(first.GetFrom()->uri.text, "sip:alice@example.com");
    EXPECT_EQ(first.GetFrom()->DisplayNameText(), "Alice");
    EXPECT_FALSE(first.GetFrom()->Tag().empty());
    EXPECT_EQ(*first.FindHeader(HeaderId::Contact), "<sip:alice@10.0.0.1:5060>;expires=3600");
    EXPECT_EQ(first.GetExpires(), std::optional<uint32_t>(3600));
    EXPECT_EQ(*first.FindHeader(HeaderId::UserAgent), "sipsim-test");
    const Message second = Reparse(net.GetLog()[2]);
    const auto credentials = second.GetCredentials(HeaderId::Authorization);
    ASSERT_EQ(credentials.size(), 1u);
    EXPECT_EQ(credentials[0].GetUsername(), "alice");
    EXPECT_EQ(credentials[0].GetRealm(), "example.com");
    EXPECT_EQ(credentials[0].GetUri(), "sip:example.com");
}

TEST_F(RegistrationTest, RefreshAtGrantedMinus32Seconds)
{
    alice->Register();
    clock.RunUntil(1s);
    // Refresh rule: max(E - 32 s, E / 2) after the 200 arrived (0.040): 3568.040 s.
    EXPECT_EQ(alice->GetRegistration()->GetRefreshTime(), 3568040ms);
    clock.RunUntil(3568040ms - 1ns);
    EXPECT_EQ(net.GetLog().size(), 4u);
    clock.RunUntil(3569s);
    EXPECT_EQ(RegisterTrace(),
              (Strings{"0.000 REGISTER", "0.010 401 REGISTER", "0.020 REGISTER",
                       "0.030 200 REGISTER", "3568.040 REGISTER", "3568.050 401 REGISTER",
                       "3568.060 REGISTER", "3568.070 200 REGISTER"}))
        << net.Dump();
    EXPECT_EQ(events.events, (Strings{"0.040 registered 3600", "3568.080 registered 3600"}));
    ASSERT_EQ(registrar.requests.size(), 4u);
    EXPECT_EQ(registrar.requests[2].cseq, 3u);
    EXPECT_EQ(registrar.requests[3].cseq, 4u);
    EXPECT_EQ(registrar.requests[3].callId, registrar.requests[0].callId);
    EXPECT_EQ(alice->GetRegistration()->GetRefreshTime(), 3568080ms + 3568s);
}

TEST_F(RegistrationTest, ShortGrantIsRefreshedAtHalfTime)
{
    // The registrar grants 60 s (in our Contact's expires, after another UA's binding):
    // refresh at max(60 - 32, 30) = 30 s after the 200.
    registrar.maxGrant = 60;
    alice->Register();
    clock.RunUntil(1s);
    EXPECT_EQ(events.events, (Strings{"0.040 registered 60"}));
    EXPECT_EQ(alice->GetRegistration()->GetRefreshTime(), 30040ms);
    clock.RunUntil(31s);
    const auto registers = net.Requests("REGISTER");
    ASSERT_EQ(registers.size(), 4u) << net.Dump();
    EXPECT_EQ(FormatTime(registers[2].time), "30.040");
    EXPECT_EQ(events.events, (Strings{"0.040 registered 60", "30.080 registered 60"}));
}

TEST_F(RegistrationTest, SecondChallengeFails)
{
    registrar.alwaysChallenge = true;
    alice->Register();
    clock.RunUntil(10s);
    EXPECT_EQ(RegisterTrace(), (Strings{"0.000 REGISTER", "0.010 401 REGISTER", "0.020 REGISTER",
                                        "0.030 401 REGISTER"}))
        << net.Dump();
    EXPECT_EQ(events.events, (Strings{"0.040 registration failed 401"}));
    EXPECT_FALSE(alice->IsRegistered());
}

TEST_F(RegistrationTest, ProxyThenRegistrarChallengeKeepsTheProxyCredentials)
{
    // An authenticating proxy (407) in front of an authenticating registrar (401): the third
    // REGISTER answers both challenges (RFC 3261 22.3), the proxy's with the next
    // nonce-count for its nonce (RFC 2617 3.2.2), and the registration succeeds.
    TransactionLayer& layerP = net.AddNode("10.0.0.20");
    DigestServer proxy{"proxy.example.com", "proxy-key"};
    DigestServer registrarDigest{"example.com", "registrar-key"};
    std::vector<VerifyResult> proxyVerdicts;
    std::vector<VerifyResult> registrarVerdicts;
    ScriptedPeer peer(layerP);
    peer.onRequest = [&](TransactionId id, const Message& request) {
        const double now = std::chrono::duration<double>(clock.Now()).count();
        const auto proxyCredentials = request.GetCredentials(HeaderId::ProxyAuthorization);
        if (proxyCredentials.empty()
            || proxyVerdicts.emplace_back(
                   proxy.Verify(proxyCredentials[0], "REGISTER", "secret", now))
                   != VerifyResult::Ok)
        {
            Message response = BuildResponse(request, 407, {}, "p1");
            response.AddHeader(HeaderId::ProxyAuthenticate, proxy.MakeChallenge(now).ToString());
            layerP.SendResponse(id, std::move(response));
            return;
        }
        const auto credentials = request.GetCredentials(HeaderId::Authorization);
        if (credentials.empty()
            || registrarVerdicts.emplace_back(
                   registrarDigest.Verify(credentials[0], "REGISTER", "secret", now))
                   != VerifyResult::Ok)
        {
            Message response = BuildResponse(request, 401, {}, "r1");
            response.AddHeader(HeaderId::WwwAuthenticate,
                               registrarDigest.MakeChallenge(now).ToString());
            layerP.SendResponse(id, std::move(response));
            return;
        }
        layerP.SendResponse(id, BuildResponse(request, 200, {}, "r1"));
    };
    UaConfig config = AliceConfig();
    config.aor = "sip:carol@example.com";
    config.displayName = "Carol";
    config.registrar = Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.20"), 5060};
    UserAgent* carol = host.AddUserAgent(config, &events);
    ASSERT_NE(carol, nullptr);
    EXPECT_TRUE(carol->Register());
    clock.RunUntil(1s);
    EXPECT_EQ(RegisterTrace(),
              (Strings{"0.000 REGISTER", "0.010 407 REGISTER", "0.020 REGISTER",
                       "0.030 401 REGISTER", "0.040 REGISTER", "0.050 200 REGISTER"}))
        << net.Dump();
    EXPECT_EQ(proxyVerdicts, (std::vector<VerifyResult>{VerifyResult::Ok, VerifyResult::Ok}));
    EXPECT_EQ(registrarVerdicts, (std::vector<VerifyResult>{VerifyResult::Ok}));
    EXPECT_EQ(events.events, (Strings{"0.060 registered 3600"}));
    EXPECT_TRUE(carol->IsRegistered());
}

TEST_F(RegistrationTest, Unregister)
{
    alice->Register();
    clock.RunUntil(100s);
    EXPECT_TRUE(alice->Unregister());
    clock.RunUntil(4000s);
    const auto registers = net.Requests("REGISTER");
    ASSERT_EQ(registers.size(), 4u) << net.Dump();
    EXPECT_EQ(FormatTime(registers[2].time), "100.000");
    const Message removal = Reparse(registers[2]);
    EXPECT_EQ(*removal.FindHeader(HeaderId::Contact), "<sip:alice@10.0.0.1:5060>;expires=0");
    EXPECT_EQ(removal.GetExpires(), std::optional<uint32_t>(0));
    EXPECT_EQ(removal.GetCSeq()->number, 3u);
    EXPECT_EQ(registrar.requests[3].expires, 0u);
    EXPECT_EQ(registrar.requests[3].answer, 200);
    // No refresh after that (the one due at 3568.040 was cancelled).
    EXPECT_EQ(events.events, (Strings{"0.040 registered 3600", "100.040 unregistered"}));
    EXPECT_FALSE(alice->IsRegistered());
}

TEST_F(RegistrationTest, UnregisterQueuedBehindARegisterIsNotOverriddenByTheRefresh)
{
    // Found by sipsim-ua-fuzzer: Unregister while a REGISTER is in flight is queued; the
    // refresh timer then fired before that REGISTER completed and queued a REGISTER over the
    // un-REGISTER, so the binding was kept and refreshed for ever. Unregister now stops the
    // refresh at once.
    registrar.maxGrant = 60; // refreshed 30 s after the 200
    bool lose = false;
    net.SetDropPredicate([&lose](const Message& m, const Peer&, const Peer&) {
        return lose && m.IsRequest() && m.GetMethod() == Method::Register;
    });
    alice->Register();
    clock.RunUntil(20s);
    EXPECT_TRUE(alice->IsRegistered());
    lose = true; // the next REGISTER stays in flight for a while
    EXPECT_TRUE(alice->Register());
    EXPECT_TRUE(alice->Unregister()); // queued behind it
    clock.RunUntil(40s);              // the refresh was due at 30.040
    lose = false;
    clock.RunUntil(300s);
    EXPECT_FALSE(alice->IsRegistered());
    ASSERT_FALSE(events.events.empty());
    EXPECT_EQ(events.events.back().substr(events.events.back().find(' ') + 1), "unregistered");
    const auto registers = net.Requests("REGISTER");
    ASSERT_FALSE(registers.empty());
    EXPECT_EQ(Reparse(registers.back()).GetExpires(), std::optional<uint32_t>(0)) << net.Dump();
    EXPECT_EQ(layerA.Size(), 0u);
}

TEST_F(RegistrationTest, IntervalTooBriefRetriesWithMinExpires)
{
    registrar.minExpires = 7200;
    registrar.maxGrant = 7200;
    alice->Register();
    clock.RunUntil(1s);
    EXPECT_EQ(
        RegisterTrace(),
        (Strings{"0.000 REGISTER", "0.010 401 REGISTER", "0.020 REGISTER", "0.030 423 REGISTER",
                 "0.040 REGISTER", "0.050 401 REGISTER", "0.060 REGISTER", "0.070 200 REGISTER"}))
        << net.Dump();
    ASSERT_EQ(registrar.requests.size(), 4u);
    EXPECT_EQ(registrar.requests[2].expires, 7200u);
    EXPECT_EQ(registrar.requests[3].expires, 7200u);
    EXPECT_EQ(events.events, (Strings{"0.080 registered 7200"}));
}

TEST_F(RegistrationTest, RegistrarTimeoutIs408)
{
    UaConfig config = AliceConfig();
    config.aor = "sip:dave@example.com";
    config.registrar = Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.99"), 5060};
    RecordingListener daveEvents(clock);
    UserAgent* dave = host.AddUserAgent(config, &daveEvents);
    ASSERT_NE(dave, nullptr);
    dave->Register();
    clock.RunUntil(60s);
    // Timer F: 64*T1 = 32 s; a non-INVITE over UDP is sent 11 times.
    EXPECT_EQ(net.Requests("REGISTER").size(), 11u);
    EXPECT_EQ(daveEvents.events, (Strings{"32.000 registration failed 408"}));
}

TEST_F(RegistrationTest, RequestsWhileOneIsInFlightAreQueued)
{
    alice->Register();
    EXPECT_TRUE(alice->Unregister()); // waits for the REGISTER's final response
    clock.RunUntil(1s);
    EXPECT_EQ(
        RegisterTrace(),
        (Strings{"0.000 REGISTER", "0.010 401 REGISTER", "0.020 REGISTER", "0.030 200 REGISTER",
                 "0.040 REGISTER", "0.050 401 REGISTER", "0.060 REGISTER", "0.070 200 REGISTER"}))
        << net.Dump();
    EXPECT_EQ(events.events, (Strings{"0.040 registered 3600", "0.080 unregistered"}));
}

} // namespace
} // namespace sipsim::test

namespace sipsim::test {
namespace {

/// Records OnBindingsQueried too.
class QueryListener : public RecordingListener
{
  public:
    using RecordingListener::RecordingListener;
    std::vector<size_t> queried;
    void OnBindingsQueried(UserAgent&, size_t contacts) override { queried.push_back(contacts); }
};

class RegistrationQueryTest : public ::testing::Test
{
  protected:
    FakeClock clock;
    SimNetwork net{clock, 10ms};
    TransactionLayer& layerA = net.AddNode("10.0.0.1");
    TransactionLayer& layerR = net.AddNode("10.0.0.10");
    FakeRegistrar registrar{layerR, clock};
    QueryListener events{clock};
    UaHost host{layerA, clock, net.GetTransport(layerA)};
    UserAgent* alice = host.AddUserAgent(
        [] {
            UaConfig config;
            config.aor = "sip:alice@example.com";
            config.password = "secret";
            config.registrarUri = "sip:example.com";
            config.registrar = Peer{TransportProtocol::Udp, *ParseIpv4("10.0.0.10"), 5060};
            return config;
        }(),
        &events);
};

// RFC 3665 2.3 (RFC 3261 10.2.3): a REGISTER without Contact lists the bindings and changes
// nothing of the client's own.
TEST_F(RegistrationQueryTest, QueryListsTheBindingsAndKeepsTheRegistration)
{
    ASSERT_TRUE(alice->Register());
    clock.RunUntil(1s);
    ASSERT_TRUE(alice->IsRegistered());
    ASSERT_TRUE(alice->QueryBindings());
    clock.RunUntil(2s);
    const Message query = Reparse(net.Requests("REGISTER").back());
    EXPECT_FALSE(query.HasHeader(HeaderId::Contact));
    EXPECT_FALSE(query.HasHeader(HeaderId::Expires));
    EXPECT_EQ(events.queried, (std::vector<size_t>{1})); // the fake's other binding
    EXPECT_TRUE(alice->IsRegistered());
    EXPECT_EQ(alice->GetRegistration()->GetGrantedExpires(), 3600u);
}

// RFC 3665 2.4 (RFC 3261 10.2.2): "Contact: *" with Expires: 0 removes every binding.
TEST_F(RegistrationQueryTest, UnregisterAllSendsTheWildcard)
{
    ASSERT_TRUE(alice->Register());
    clock.RunUntil(1s);
    ASSERT_TRUE(alice->UnregisterAll());
    clock.RunUntil(2s);
    const Message all = Reparse(net.Requests("REGISTER").back());
    EXPECT_EQ(all.FindHeader(HeaderId::Contact), std::optional<std::string_view>("*"));
    EXPECT_EQ(all.FindHeader(HeaderId::Expires), std::optional<std::string_view>("0"));
    EXPECT_FALSE(alice->IsRegistered());
    EXPECT_EQ(alice->GetRegistration()->GetState(), RegistrationClient::State::Unregistered);
}

} // namespace
} // namespace sipsim::test
