/*
 * Proxy authentication (RFC 3261 22.3) and the Cisco SPS pre-authentication check, on a fake
 * clock with credentials made by the digest client of model/auth.
 */
#include "auth/digest.h"
#include "message/sip-parser.h"
#include "proxy/proxy-auth.h"
#include "support/fake-clock.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace sipsim {
namespace {

using std::chrono::seconds;

constexpr const char* kTarget = "sip:bob@example.com";

/// A request from alice to bob with optional extra header lines.
Message
MakeRequest(const std::string& method, const std::vector<std::string>& extra = {},
            uint32_t cseq = 1)
{
    std::string text = method + " " + kTarget + " SIP/2.0\r\n";
    text += "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-" + method + std::to_string(cseq)
            + "\r\n";
    text += "Max-Forwards: 70\r\n";
    text += "To: <sip:bob@example.com>\r\n";
    text += "From: <sip:alice@example.com>;tag=a1\r\n";
    text += "Call-ID: call-1@10.0.0.1\r\n";
    text += "CSeq: " + std::to_string(cseq) + " " + method + "\r\n";
    text += "Contact: <sip:alice@10.0.0.1:5060>\r\n";
    for (const std::string& line : extra)
    {
        text += line + "\r\n";
    }
    text += "Content-Length: 0\r\n\r\n";
    ParseResult parsed = Parse(text);
    EXPECT_TRUE(parsed.Ok()) << text;
    return parsed.Ok() ? parsed.GetMessage() : Message();
}

Challenge
ProxyChallengeOf(const Message& response)
{
    const auto challenges = response.GetChallenges(HeaderId::ProxyAuthenticate);
    EXPECT_EQ(challenges.size(), 1u);
    return challenges.empty() ? Challenge() : challenges.front();
}

/// "Proxy-Authorization: ..." answering the challenge for an INVITE to kTarget.
std::string
Answer(const Challenge& challenge, const std::string& user, const std::string& password,
       uint32_t nonceCount = 1, const std::string& method = "INVITE")
{
    DigestClientInput input;
    input.username = user;
    input.password = password;
    input.method = method;
    input.digestUri = kTarget;
    input.cnonce = "c0ffee";
    input.nonceCount = nonceCount;
    Credentials credentials;
    std::string error;
    EXPECT_TRUE(MakeDigestCredentials(challenge, input, &credentials, &error)) << error;
    return "Proxy-Authorization: " + credentials.ToString();
}

class ProxyAuthTest : public ::testing::Test
{
  protected:
    ProxyAuthConfig Config()
    {
        ProxyAuthConfig config;
        config.realm = "example.com";
        config.users = {{"alice", "wonderland"}, {"carol", "singer"}};
        return config;
    }

    /// The 407 for a request without credentials.
    Challenge FirstChallenge(ProxyAuthenticator& auth)
    {
        const auto response = auth.Check(MakeRequest("INVITE"));
        EXPECT_TRUE(response.has_value());
        return response ? ProxyChallengeOf(*response) : Challenge();
    }

    test::FakeClock m_clock;
};

TEST_F(ProxyAuthTest, RequestWithoutCredentialsIsChallenged)
{
    ProxyAuthenticator auth(m_clock, Config());
    std::string user = "unchanged";
    const auto response = auth.Check(MakeRequest("INVITE"), &user);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->GetStatusCode(), 407);
    EXPECT_EQ(response->GetReasonPhrase(), "Proxy Authentication Required");
    const Challenge c = ProxyChallengeOf(*response);
    EXPECT_TRUE(c.IsDigest());
    EXPECT_EQ(c.GetRealm(), "example.com");
    EXPECT_FALSE(c.GetNonce().empty());
    EXPECT_FALSE(c.GetStale());
    EXPECT_FALSE(response->HasHeader(HeaderId::WwwAuthenticate));
    EXPECT_EQ(response->GetCSeq()->method, "INVITE");
    EXPECT_EQ(response->GetTopVia()->Branch(), "z9hG4bK-INVITE1");
    EXPECT_FALSE(response->GetTo()->Tag().empty());
    EXPECT_EQ(user, "unchanged");
    EXPECT_EQ(auth.GetCounters().checked, 1u);
    EXPECT_EQ(auth.GetCounters().challenged, 1u);
    EXPECT_EQ(auth.GetCounters().accepted, 0u);
}

TEST_F(ProxyAuthTest, GoodCredentialsPass)
{
    ProxyAuthenticator auth(m_clock, Config());
    const Challenge c = FirstChallenge(auth);
    std::string user;
    const auto response
        = auth.Check(MakeRequest("INVITE", {Answer(c, "alice", "wonderland")}, 2), &user);
    EXPECT_FALSE(response.has_value()) << response->Serialize();
    EXPECT_EQ(user, "alice");
    EXPECT_EQ(auth.GetCounters().accepted, 1u);

    // The next request reuses the nonce with the next nonce-count (RFC 2617 3.2.2).
    EXPECT_FALSE(
        auth.Check(MakeRequest("INVITE", {Answer(c, "alice", "wonderland", 2)}, 3)).has_value());
    // The same nonce-count again is a replay: challenged.
    const auto replay = auth.Check(MakeRequest("INVITE", {Answer(c, "alice", "wonderland", 2)}, 4));
    ASSERT_TRUE(replay.has_value());
    EXPECT_EQ(replay->GetStatusCode(), 407);
}

TEST_F(ProxyAuthTest, WrongPasswordUnknownUserOrOtherRealmAreChallenged)
{
    ProxyAuthenticator auth(m_clock, Config());
    const Challenge c = FirstChallenge(auth);
    std::string user;
    auto response = auth.Check(MakeRequest("INVITE", {Answer(c, "alice", "guess")}, 2), &user);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->GetStatusCode(), 407);
    EXPECT_TRUE(user.empty());

    response = auth.Check(MakeRequest("INVITE", {Answer(c, "mallory", "x")}, 3));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->GetStatusCode(), 407);

    // Credentials for a proxy further on (another realm) do not count here.
    Challenge elsewhere = c;
    elsewhere.SetRealm("other.net");
    response = auth.Check(MakeRequest("INVITE", {Answer(elsewhere, "alice", "wonderland")}, 4));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->GetStatusCode(), 407);
    EXPECT_EQ(auth.GetCounters().challenged, 4u);
    EXPECT_EQ(auth.GetCounters().accepted, 0u);
}

TEST_F(ProxyAuthTest, CredentialsForEachRealmAreTold)
{
    ProxyAuthenticator auth(m_clock, Config());
    const Challenge c = FirstChallenge(auth);
    Challenge elsewhere = c;
    elsewhere.SetRealm("other.net");
    std::string user;
    EXPECT_FALSE(
        auth.Check(MakeRequest("INVITE",
                               {Answer(elsewhere, "x", "y"), Answer(c, "alice", "wonderland")}, 2),
                   &user)
            .has_value());
    EXPECT_EQ(user, "alice");
}

TEST_F(ProxyAuthTest, StaleNonceGetsStaleChallenge)
{
    ProxyAuthConfig config = Config();
    config.nonceLifetime = seconds(30);
    ProxyAuthenticator auth(m_clock, config);
    const Challenge c = FirstChallenge(auth);
    m_clock.Advance(seconds(31));
    const auto response = auth.Check(MakeRequest("INVITE", {Answer(c, "alice", "wonderland")}, 2));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->GetStatusCode(), 407);
    const Challenge fresh = ProxyChallengeOf(*response);
    EXPECT_TRUE(fresh.GetStale());
    EXPECT_NE(fresh.GetNonce(), c.GetNonce());
    EXPECT_EQ(auth.GetCounters().stale, 1u);

    std::string user;
    EXPECT_FALSE(auth.Check(MakeRequest("INVITE", {Answer(fresh, "alice", "wonderland")}, 3), &user)
                     .has_value());
    EXPECT_EQ(user, "alice");
}

TEST_F(ProxyAuthTest, AckAndCancelAreNeverChallenged)
{
    ProxyAuthenticator auth(m_clock, Config());
    std::string user = "unchanged";
    EXPECT_FALSE(auth.Check(MakeRequest("ACK"), &user).has_value());
    EXPECT_FALSE(auth.Check(MakeRequest("CANCEL"), &user).has_value());
    // Even with wrong credentials.
    const Challenge c = FirstChallenge(auth);
    EXPECT_FALSE(
        auth.Check(MakeRequest("ACK", {Answer(c, "alice", "guess", 1, "ACK")}), &user).has_value());
    EXPECT_EQ(user, "unchanged");
    EXPECT_EQ(auth.GetCounters().exempt, 3u);
    EXPECT_EQ(auth.GetCounters().challenged, 1u); // the INVITE only
    // Other methods are challenged.
    for (const char* method : {"BYE", "OPTIONS", "MESSAGE", "REGISTER"})
    {
        const auto response = auth.Check(MakeRequest(method));
        ASSERT_TRUE(response.has_value()) << method;
        EXPECT_EQ(response->GetStatusCode(), 407) << method;
    }
}

TEST_F(ProxyAuthTest, PreauthenticationRejectsUnlistedUsers)
{
    ProxyAuthConfig config = Config();
    config.preauthentication = true;
    config.preauthorizedUsers = {"carol"};
    ProxyAuthenticator auth(m_clock, config);
    const Challenge c = FirstChallenge(auth);

    std::string user;
    const auto rejected
        = auth.Check(MakeRequest("INVITE", {Answer(c, "alice", "wonderland")}, 2), &user);
    ASSERT_TRUE(rejected.has_value());
    EXPECT_EQ(rejected->GetStatusCode(), 480);
    EXPECT_EQ(rejected->GetReasonPhrase(), "Temporarily Unavailable");
    EXPECT_FALSE(rejected->HasHeader(HeaderId::ProxyAuthenticate));
    EXPECT_FALSE(rejected->GetTo()->Tag().empty());
    EXPECT_TRUE(user.empty());
    EXPECT_EQ(auth.GetCounters().rejectedPreauth, 1u);

    // Nonce-counts are per nonce, so carol answers a challenge of her own.
    const Challenge forCarol = FirstChallenge(auth);
    EXPECT_FALSE(auth.Check(MakeRequest("INVITE", {Answer(forCarol, "carol", "singer")}, 3), &user)
                     .has_value());
    EXPECT_EQ(user, "carol");
    EXPECT_EQ(auth.GetCounters().accepted, 1u);

    // A preauthorized user still needs valid credentials.
    const auto wrong
        = auth.Check(MakeRequest("INVITE", {Answer(forCarol, "carol", "guess", 2)}, 4));
    ASSERT_TRUE(wrong.has_value());
    EXPECT_EQ(wrong->GetStatusCode(), 407);
}

} // namespace
} // namespace sipsim
