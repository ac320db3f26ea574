/*
 * The registrar (RFC 3261 10.3) on a fake clock: REGISTERs parsed from text, challenges answered
 * with the digest client of model/auth.
 */
#include "auth/digest.h"
#include "message/sip-parser.h"
#include "proxy/location-service.h"
#include "proxy/proxy-messages.h"
#include "proxy/registrar.h"
#include "support/fake-clock.h"

#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace sipsim {
namespace {

using std::chrono::seconds;

/// What goes into one REGISTER.
struct RegisterSpec
{
    std::string requestUri = "sip:example.com";
    std::string aor = "sip:alice@example.com";
    std::vector<std::string> contacts = {"<sip:alice@10.0.0.1:5060>"};
    std::optional<std::string> expires; ///< Expires header value
    std::string callId = "reg-1@10.0.0.1";
    uint32_t cseq = 1;
    std::vector<std::string> extra; ///< whole header lines
    /// Contact values added after parsing: the parser rejects malformed ones (answered 400 by
    /// the transport), so a registrar only sees them in a message built in code.
    std::vector<std::string> unparsedContacts;
};

Message
MakeRegister(const RegisterSpec& spec)
{
    std::string text = "REGISTER " + spec.requestUri + " SIP/2.0\r\n";
    text
        += "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-reg" + std::to_string(spec.cseq) + "\r\n";
    text += "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-outer\r\n";
    text += "Max-Forwards: 70\r\n";
    text += "To: <" + spec.aor + ">\r\n";
    text += "From: <" + spec.aor + ">;tag=from1\r\n";
    text += "Call-ID: " + spec.callId + "\r\n";
    text += "CSeq: " + std::to_string(spec.cseq) + " REGISTER\r\n";
    for (const std::string& contact : spec.contacts)
    {
        text += "Contact: " + contact + "\r\n";
    }
    if (spec.expires)
    {
        text += "Expires: " + *spec.expires + "\r\n";
    }
    for (const std::string& line : spec.extra)
    {
        text += line + "\r\n";
    }
    text += "Content-Length: 0\r\n\r\n";
    ParseResult parsed = Parse(text);
    EXPECT_TRUE(parsed.Ok()) << text;
    if (!parsed.Ok())
    {
        return Message();
    }
    Message message = parsed.GetMessage();
    for (const std::string& contact : spec.unparsedContacts)
    {
        message.AddHeader(HeaderId::Contact, contact);
    }
    return message;
}

/// True when the parser rejects the REGISTER with this Contact (or Expires) value.
bool
ParserRejects(const std::string& header)
{
    const std::string text = "REGISTER sip:example.com SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-p\r\n"
                             "Max-Forwards: 70\r\n"
                             "To: <sip:alice@example.com>\r\n"
                             "From: <sip:alice@example.com>;tag=f\r\n"
                             "Call-ID: p\r\n"
                             "CSeq: 1 REGISTER\r\n"
                             + header + "\r\nContent-Length: 0\r\n\r\n";
    return !Parse(text).Ok();
}

/// The single challenge of a 401.
Challenge
ChallengeOf(const Message& response)
{
    const auto challenges = response.GetChallenges(HeaderId::WwwAuthenticate);
    EXPECT_EQ(challenges.size(), 1u);
    return challenges.empty() ? Challenge() : challenges.front();
}

/// The spec with an Authorization header answering the challenge.
RegisterSpec
WithCredentials(RegisterSpec spec, const Challenge& challenge, const std::string& user,
                const std::string& password, uint32_t nonceCount = 1)
{
    DigestClientInput input;
    input.username = user;
    input.password = password;
    input.method = "REGISTER";
    input.digestUri = spec.requestUri;
    input.cnonce = "0a4f113b";
    input.nonceCount = nonceCount;
    Credentials credentials;
    std::string error;
    EXPECT_TRUE(MakeDigestCredentials(challenge, input, &credentials, &error)) << error;
    spec.extra.push_back("Authorization: " + credentials.ToString());
    return spec;
}

std::vector<std::string>
ContactValues(const Message& response)
{
    std::vector<std::string> out;
    for (const std::string_view v : response.GetHeaderValues(HeaderId::Contact))
    {
        out.emplace_back(v);
    }
    return out;
}

class RegistrarTest : public ::testing::Test
{
  protected:
    RegistrarConfig Config(bool authenticate)
    {
        RegistrarConfig config;
        config.domains = {"example.com", "10.1.1.2"};
        config.authenticate = authenticate;
        config.users = {{"alice", "wonderland"}, {"bob", "builder"}};
        return config;
    }

    test::FakeClock m_clock;
    LocationService m_locations;
};

// --- authentication (RFC 3261 10.3 steps 3 and 4, 22) -------------------------------------------

TEST_F(RegistrarTest, ChallengesThenAcceptsCredentials)
{
    Registrar registrar(m_locations, m_clock, Config(true));
    const RegisterSpec spec;
    const Message first = MakeRegister(spec);
    const Message challenge = registrar.HandleRegister(first);
    ASSERT_EQ(challenge.GetStatusCode(), 401);
    const Challenge c = ChallengeOf(challenge);
    EXPECT_TRUE(c.IsDigest());
    EXPECT_EQ(c.GetRealm(), "example.com"); // the first domain by default
    EXPECT_FALSE(c.GetNonce().empty());
    EXPECT_FALSE(c.GetStale());
    // 8.2.6.2: Vias in order, From, Call-ID, CSeq copied; To gets a tag.
    EXPECT_EQ(challenge.GetVias().size(), 2u);
    EXPECT_EQ(challenge.GetTopVia()->Branch(), "z9hG4bK-reg1");
    EXPECT_EQ(challenge.GetCallId(), "reg-1@10.0.0.1");
    EXPECT_EQ(challenge.GetCSeq()->number, 1u);
    EXPECT_EQ(challenge.GetFrom()->Tag(), "from1");
    EXPECT_FALSE(challenge.GetTo()->Tag().empty());
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());

    RegisterSpec again = spec;
    again.cseq = 2;
    const Message ok
        = registrar.HandleRegister(MakeRegister(WithCredentials(again, c, "alice", "wonderland")));
    ASSERT_EQ(ok.GetStatusCode(), 200);
    EXPECT_EQ(ContactValues(ok),
              std::vector<std::string>{"<sip:alice@10.0.0.1:5060>;expires=3600"});
    const auto bindings = m_locations.Lookup("alice@example.com", m_clock.Now());
    ASSERT_EQ(bindings.size(), 1u);
    EXPECT_EQ(bindings[0].contact, "sip:alice@10.0.0.1:5060");
    EXPECT_EQ(bindings[0].expiresAt, seconds(3600));
    EXPECT_EQ(bindings[0].callId, "reg-1@10.0.0.1");
    EXPECT_EQ(bindings[0].cseq, 2u);
    EXPECT_EQ(bindings[0].q, 1000);

    const RegistrarCounters& n = registrar.GetCounters();
    EXPECT_EQ(n.registers, 2u);
    EXPECT_EQ(n.challenged, 1u);
    EXPECT_EQ(n.accepted, 1u);
}

TEST_F(RegistrarTest, WrongPasswordIsChallengedAgain)
{
    Registrar registrar(m_locations, m_clock, Config(true));
    RegisterSpec spec;
    const Challenge c = ChallengeOf(registrar.HandleRegister(MakeRegister(spec)));
    spec.cseq = 2;
    const Message response
        = registrar.HandleRegister(MakeRegister(WithCredentials(spec, c, "alice", "guess")));
    ASSERT_EQ(response.GetStatusCode(), 401);
    const Challenge fresh = ChallengeOf(response);
    EXPECT_FALSE(fresh.GetStale());
    EXPECT_NE(fresh.GetNonce(), c.GetNonce());
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());
    EXPECT_EQ(registrar.GetCounters().challenged, 2u);
    EXPECT_EQ(registrar.GetCounters().accepted, 0u);
}

TEST_F(RegistrarTest, UnknownUserIsChallengedAgain)
{
    Registrar registrar(m_locations, m_clock, Config(true));
    RegisterSpec spec;
    spec.aor = "sip:mallory@example.com";
    const Challenge c = ChallengeOf(registrar.HandleRegister(MakeRegister(spec)));
    spec.cseq = 2;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(WithCredentials(spec, c, "mallory", "x")))
                  .GetStatusCode(),
              401);
}

TEST_F(RegistrarTest, ReplayedCredentialsAreChallengedAgain)
{
    Registrar registrar(m_locations, m_clock, Config(true));
    RegisterSpec spec;
    const Challenge c = ChallengeOf(registrar.HandleRegister(MakeRegister(spec)));
    spec.cseq = 2;
    const RegisterSpec answered = WithCredentials(spec, c, "alice", "wonderland", 1);
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(answered)).GetStatusCode(), 200);
    // Same nonce-count again: a replay (RFC 2617 3.2.2); the next count is fine.
    RegisterSpec replay = answered;
    replay.cseq = 3;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(replay)).GetStatusCode(), 401);
    RegisterSpec next = spec;
    next.cseq = 4;
    EXPECT_EQ(
        registrar.HandleRegister(MakeRegister(WithCredentials(next, c, "alice", "wonderland", 2)))
            .GetStatusCode(),
        200);
}

TEST_F(RegistrarTest, StaleNonceGetsStaleChallenge)
{
    RegistrarConfig config = Config(true);
    config.nonceLifetime = seconds(300);
    Registrar registrar(m_locations, m_clock, config);
    RegisterSpec spec;
    const Challenge c = ChallengeOf(registrar.HandleRegister(MakeRegister(spec)));

    m_clock.Advance(seconds(301));
    spec.cseq = 2;
    const Message stale
        = registrar.HandleRegister(MakeRegister(WithCredentials(spec, c, "alice", "wonderland")));
    ASSERT_EQ(stale.GetStatusCode(), 401);
    const Challenge fresh = ChallengeOf(stale);
    EXPECT_TRUE(fresh.GetStale());
    EXPECT_NE(fresh.GetNonce(), c.GetNonce());
    EXPECT_EQ(registrar.GetCounters().staleNonces, 1u);

    // A wrong password with the stale nonce is not stale (only a correct digest earns it).
    spec.cseq = 3;
    const Message wrong
        = registrar.HandleRegister(MakeRegister(WithCredentials(spec, c, "alice", "guess")));
    ASSERT_EQ(wrong.GetStatusCode(), 401);
    EXPECT_FALSE(ChallengeOf(wrong).GetStale());

    spec.cseq = 4;
    const Message ok = registrar.HandleRegister(
        MakeRegister(WithCredentials(spec, fresh, "alice", "wonderland")));
    ASSERT_EQ(ok.GetStatusCode(), 200);
    const auto bindings = m_locations.Lookup("alice@example.com", m_clock.Now());
    ASSERT_EQ(bindings.size(), 1u);
    EXPECT_EQ(bindings[0].expiresAt, seconds(301 + 3600));
}

TEST_F(RegistrarTest, UserMayNotRegisterAnotherAor)
{
    Registrar registrar(m_locations, m_clock, Config(true));
    RegisterSpec spec; // To: alice
    const Challenge c = ChallengeOf(registrar.HandleRegister(MakeRegister(spec)));
    spec.cseq = 2;
    const Message response
        = registrar.HandleRegister(MakeRegister(WithCredentials(spec, c, "bob", "builder")));
    EXPECT_EQ(response.GetStatusCode(), 403);
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());
    EXPECT_EQ(registrar.GetCounters().forbidden, 1u);
}

TEST_F(RegistrarTest, ForeignDomainIsNotFoundBeforeAnyChallenge)
{
    Registrar registrar(m_locations, m_clock, Config(true));
    RegisterSpec spec;
    spec.requestUri = "sip:other.org";
    spec.aor = "sip:alice@other.org";
    const Message response = registrar.HandleRegister(MakeRegister(spec));
    EXPECT_EQ(response.GetStatusCode(), 404);
    EXPECT_TRUE(response.GetChallenges(HeaderId::WwwAuthenticate).empty());
    EXPECT_EQ(registrar.GetCounters().notFound, 1u);
    EXPECT_EQ(registrar.GetCounters().challenged, 0u);
}

TEST_F(RegistrarTest, DomainsCompareCaseInsensitively)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    EXPECT_TRUE(registrar.IsDomain("EXAMPLE.com"));
    EXPECT_TRUE(registrar.IsDomain("10.1.1.2"));
    EXPECT_FALSE(registrar.IsDomain("example.org"));
    RegisterSpec spec;
    spec.requestUri = "sip:Example.COM";
    spec.aor = "sip:alice@EXAMPLE.com";
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);
    EXPECT_EQ(m_locations.Lookup("alice@example.com", m_clock.Now()).size(), 1u);
}

TEST_F(RegistrarTest, ToAorOfAnotherDomainIsNotFound)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.aor = "sip:alice@elsewhere.net";
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 404);
    EXPECT_EQ(m_locations.AorCount(), 0u);
}

TEST_F(RegistrarTest, RequireIsAnsweredBadExtension)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.extra = {"Require: gruu"};
    const Message response = registrar.HandleRegister(MakeRegister(spec));
    EXPECT_EQ(response.GetStatusCode(), 420);
    EXPECT_EQ(response.FindHeader(HeaderId::Unsupported).value_or(""), "gruu");
    EXPECT_EQ(m_locations.AorCount(), 0u);
}

// --- bindings (RFC 3261 10.3 steps 6 to 8) -------------------------------------------------------

TEST_F(RegistrarTest, QValuesOrderLookup)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.contacts = {"<sip:alice@10.0.0.1>;q=0.3", "<sip:alice@10.0.0.2>;q=0.9"};
    const Message response = registrar.HandleRegister(MakeRegister(spec));
    ASSERT_EQ(response.GetStatusCode(), 200);
    EXPECT_EQ(ContactValues(response),
              (std::vector<std::string>{"<sip:alice@10.0.0.2>;expires=3600;q=0.9",
                                        "<sip:alice@10.0.0.1>;expires=3600;q=0.3"}));
    const auto bindings = m_locations.Lookup("alice@example.com", m_clock.Now());
    ASSERT_EQ(bindings.size(), 2u);
    EXPECT_EQ(bindings[0].contact, "sip:alice@10.0.0.2");
    EXPECT_EQ(bindings[0].q, 900);
    EXPECT_EQ(bindings[1].contact, "sip:alice@10.0.0.1");
    EXPECT_EQ(bindings[1].q, 300);
}

TEST_F(RegistrarTest, QValueForms)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.contacts
        = {"<sip:a@h1>;q=0", "<sip:a@h2>;q=0.005", "<sip:a@h3>;q=1.000", "<sip:a@h4>;q=0.25"};
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);
    const auto bindings = m_locations.Lookup("alice@example.com", m_clock.Now());
    ASSERT_EQ(bindings.size(), 4u);
    EXPECT_EQ(bindings[0].q, 1000);
    EXPECT_EQ(bindings[1].q, 250);
    EXPECT_EQ(bindings[2].q, 5);
    EXPECT_EQ(bindings[3].q, 0);
    for (const char* bad : {"1.5", "0.1234", "2", ".5", "0,5", "x"})
    {
        RegisterSpec badSpec;
        badSpec.aor = "sip:carol@example.com";
        badSpec.contacts.clear();
        badSpec.unparsedContacts = {std::string("<sip:c@h>;q=") + bad};
        EXPECT_TRUE(ParserRejects("Contact: " + badSpec.unparsedContacts[0])) << bad;
        EXPECT_EQ(registrar.HandleRegister(MakeRegister(badSpec)).GetStatusCode(), 400) << bad;
    }
    EXPECT_TRUE(m_locations.Lookup("carol@example.com", m_clock.Now()).empty());
}

TEST_F(RegistrarTest, ExpirationSources)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.contacts = {"<sip:alice@h1>", "<sip:alice@h2>;expires=120"};
    spec.expires = "600";
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);
    EXPECT_EQ(m_locations.Find("alice@example.com", "sip:alice@h1")->expiresAt, seconds(600));
    EXPECT_EQ(m_locations.Find("alice@example.com", "sip:alice@h2")->expiresAt, seconds(120));

    RegisterSpec none;
    none.aor = "sip:bob@example.com";
    none.contacts = {"sip:bob@h3"}; // addr-spec form
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(none)).GetStatusCode(), 200);
    EXPECT_EQ(m_locations.Find("bob@example.com", "sip:bob@h3")->expiresAt, seconds(3600));
}

TEST_F(RegistrarTest, RefreshExtendsExpiry)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.expires = "600";
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);
    EXPECT_EQ(m_locations.Find("alice@example.com", "sip:alice@10.0.0.1:5060")->expiresAt,
              seconds(600));

    m_clock.Advance(seconds(100));
    spec.cseq = 2;
    const Message refreshed = registrar.HandleRegister(MakeRegister(spec));
    ASSERT_EQ(refreshed.GetStatusCode(), 200);
    EXPECT_EQ(ContactValues(refreshed),
              std::vector<std::string>{"<sip:alice@10.0.0.1:5060>;expires=600"});
    const Binding* b = m_locations.Find("alice@example.com", "sip:alice@10.0.0.1:5060");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->expiresAt, seconds(700));
    EXPECT_EQ(b->cseq, 2u);

    m_clock.Advance(seconds(550)); // t = 650: past the first expiry, before the second
    EXPECT_EQ(m_locations.Lookup("alice@example.com", m_clock.Now()).size(), 1u);
    m_clock.Advance(seconds(50)); // t = 700
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());
}

TEST_F(RegistrarTest, BindingExpiresAndQueryShowsTimeLeft)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.expires = "60";
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);

    m_clock.Advance(seconds(30) + std::chrono::milliseconds(500));
    RegisterSpec query = spec; // no Contact: a query (10.3 step 8)
    query.contacts.clear();
    query.expires.reset();
    query.cseq = 2;
    const Message listed = registrar.HandleRegister(MakeRegister(query));
    ASSERT_EQ(listed.GetStatusCode(), 200);
    EXPECT_EQ(ContactValues(listed),
              std::vector<std::string>{"<sip:alice@10.0.0.1:5060>;expires=30"});

    m_clock.RunUntil(seconds(59));
    EXPECT_EQ(m_locations.Lookup("alice@example.com", m_clock.Now()).size(), 1u);
    m_clock.RunUntil(seconds(60));
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());
    query.cseq = 3;
    EXPECT_TRUE(ContactValues(registrar.HandleRegister(MakeRegister(query))).empty());
}

TEST_F(RegistrarTest, ExpiresZeroRemovesOneBinding)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.contacts = {"<sip:alice@h1>", "<sip:alice@h2>"};
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);
    ASSERT_EQ(m_locations.Lookup("alice@example.com", m_clock.Now()).size(), 2u);

    spec.contacts = {"<sip:alice@h1>;expires=0"};
    spec.cseq = 2;
    const Message response = registrar.HandleRegister(MakeRegister(spec));
    ASSERT_EQ(response.GetStatusCode(), 200);
    EXPECT_EQ(ContactValues(response), std::vector<std::string>{"<sip:alice@h2>;expires=3600"});
    const auto bindings = m_locations.Lookup("alice@example.com", m_clock.Now());
    ASSERT_EQ(bindings.size(), 1u);
    EXPECT_EQ(bindings[0].contact, "sip:alice@h2");
}

TEST_F(RegistrarTest, ContactStarRemovesAll)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.contacts = {"<sip:alice@h1>", "<sip:alice@h2>"};
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);

    RegisterSpec star;
    star.contacts = {"*"};
    star.expires = "0";
    star.callId = "another-call";
    const Message response = registrar.HandleRegister(MakeRegister(star));
    ASSERT_EQ(response.GetStatusCode(), 200);
    EXPECT_TRUE(ContactValues(response).empty());
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());
    EXPECT_EQ(m_locations.AorCount(), 0u);
}

TEST_F(RegistrarTest, ContactStarNeedsExpiresZeroAndNoOtherContact)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);

    RegisterSpec noExpires;
    noExpires.contacts = {"*"};
    noExpires.cseq = 2;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(noExpires)).GetStatusCode(), 400);

    RegisterSpec nonzero = noExpires;
    nonzero.expires = "3600";
    nonzero.cseq = 3;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(nonzero)).GetStatusCode(), 400);

    RegisterSpec mixed = noExpires;
    mixed.contacts.clear();
    mixed.unparsedContacts = {"*, <sip:alice@h9>"};
    mixed.expires = "0";
    mixed.cseq = 4;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(mixed)).GetStatusCode(), 400);

    RegisterSpec twoFields = mixed;
    twoFields.unparsedContacts.clear();
    twoFields.contacts = {"<sip:alice@h9>", "*"};
    twoFields.cseq = 5;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(twoFields)).GetStatusCode(), 400);

    EXPECT_EQ(registrar.GetCounters().badRequest, 4u);
    EXPECT_EQ(m_locations.Lookup("alice@example.com", m_clock.Now()).size(), 1u);
}

TEST_F(RegistrarTest, ContactStarWithOldCSeqIsOutOfOrder)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.cseq = 10;
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);
    RegisterSpec star = spec; // same Call-ID
    star.contacts = {"*"};
    star.expires = "0";
    star.cseq = 9;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(star)).GetStatusCode(), 500);
    EXPECT_EQ(m_locations.Lookup("alice@example.com", m_clock.Now()).size(), 1u);
    star.cseq = 11;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(star)).GetStatusCode(), 200);
    EXPECT_TRUE(m_locations.Lookup("alice@example.com", m_clock.Now()).empty());
}

TEST_F(RegistrarTest, TooBriefIsRejectedWithMinExpires)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.contacts = {"<sip:alice@h1>", "<sip:alice@h2>;expires=10"};
    const Message response = registrar.HandleRegister(MakeRegister(spec));
    ASSERT_EQ(response.GetStatusCode(), 423);
    EXPECT_EQ(response.FindHeader(HeaderId::MinExpires).value_or(""), "60");
    // Nothing is committed unless every contact passes (10.3 step 7).
    EXPECT_EQ(m_locations.AorCount(), 0u);
    EXPECT_EQ(registrar.GetCounters().tooBrief, 1u);

    RegisterSpec header;
    header.expires = "59";
    header.cseq = 2;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(header)).GetStatusCode(), 423);
    header.expires = "60";
    header.cseq = 3;
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(header)).GetStatusCode(), 200);
}

TEST_F(RegistrarTest, OutOfOrderCSeqIsServerError)
{
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec spec;
    spec.cseq = 5;
    spec.expires = "600";
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(spec)).GetStatusCode(), 200);

    m_clock.Advance(seconds(10));
    RegisterSpec old = spec;
    old.cseq = 4;
    old.expires = "0";
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(old)).GetStatusCode(), 500);
    old.cseq = 5; // equal is not higher either
    EXPECT_EQ(registrar.HandleRegister(MakeRegister(old)).GetStatusCode(), 500);
    EXPECT_EQ(registrar.GetCounters().outOfOrder, 2u);
    const Binding* b = m_locations.Find("alice@example.com", "sip:alice@10.0.0.1:5060");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->expiresAt, seconds(600));

    // Another Call-ID (a rebooted phone) may use any CSeq.
    RegisterSpec other = spec;
    other.callId = "reg-2@10.0.0.1";
    other.cseq = 1;
    ASSERT_EQ(registrar.HandleRegister(MakeRegister(other)).GetStatusCode(), 200);
    b = m_locations.Find("alice@example.com", "sip:alice@10.0.0.1:5060");
    EXPECT_EQ(b->expiresAt, seconds(610));
    EXPECT_EQ(b->callId, "reg-2@10.0.0.1");
}

TEST_F(RegistrarTest, LongExpiryIsClampedToMax)
{
    RegistrarConfig config = Config(false);
    config.maxExpires = 7200;
    Registrar registrar(m_locations, m_clock, config);
    RegisterSpec spec;
    spec.expires = "100000";
    spec.contacts = {"<sip:alice@h1>", "<sip:alice@h2>;expires=4294967295"};
    const Message response = registrar.HandleRegister(MakeRegister(spec));
    ASSERT_EQ(response.GetStatusCode(), 200);
    EXPECT_EQ(ContactValues(response), (std::vector<std::string>{"<sip:alice@h2>;expires=7200",
                                                                 "<sip:alice@h1>;expires=7200"}));
    EXPECT_EQ(m_locations.Find("alice@example.com", "sip:alice@h1")->expiresAt, seconds(7200));
}

TEST_F(RegistrarTest, BadContactOrExpiresIsBadRequest)
{
    // The parser already answers these 400; the registrar checks messages built in code too.
    Registrar registrar(m_locations, m_clock, Config(false));
    RegisterSpec badExpiresHeader;
    badExpiresHeader.contacts.clear();
    badExpiresHeader.unparsedContacts = {"<sip:alice@h1>"};
    Message message = MakeRegister(badExpiresHeader);
    message.AddHeader(HeaderId::Expires, "soon");
    EXPECT_TRUE(ParserRejects("Expires: soon"));
    EXPECT_EQ(registrar.HandleRegister(message).GetStatusCode(), 400);

    for (const char* contact : {"<sip:alice@h1>;expires=-1", "<sip:alice@h1>;expires=later",
                                "<not a uri>", "<sip:alice@h1>, , <sip:alice@h2>"})
    {
        RegisterSpec bad;
        bad.contacts = {"<sip:alice@h0>"};
        bad.unparsedContacts = {contact};
        EXPECT_TRUE(ParserRejects(std::string("Contact: ") + contact)) << contact;
        const Message response = registrar.HandleRegister(MakeRegister(bad));
        EXPECT_EQ(response.GetStatusCode(), 400) << contact;
    }
    EXPECT_EQ(registrar.GetCounters().badRequest, 5u);
    EXPECT_EQ(m_locations.AorCount(), 0u);
}

// --- MakeResponseTo (RFC 3261 8.2.6) -------------------------------------------------------------

TEST(ProxyMessagesTest, ResponseCopiesTheRequestHeaders)
{
    const Message request = MakeRegister(RegisterSpec{});
    const Message response = MakeResponseTo(request, 486, {}, "t1");
    EXPECT_EQ(response.GetStatusCode(), 486);
    EXPECT_EQ(response.GetReasonPhrase(), "Busy Here");
    const auto vias = response.GetVias();
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(vias[0].Branch(), "z9hG4bK-reg1");
    EXPECT_EQ(vias[1].Branch(), "z9hG4bK-outer");
    EXPECT_EQ(response.GetTo()->Tag(), "t1");
    EXPECT_EQ(response.GetFrom()->Tag(), "from1");
    EXPECT_EQ(response.GetCallId(), request.GetCallId());
    EXPECT_EQ(response.GetCSeq()->method, "REGISTER");
    EXPECT_EQ(response.GetContentLength(), 0);
    EXPECT_FALSE(response.HasHeader(HeaderId::Contact));

    // A To tag already there is kept (an in-dialog request); a 100 gets none but copies the
    // Timestamp (8.2.6.1).
    ParseResult inDialog = Parse("BYE sip:alice@10.0.0.1 SIP/2.0\r\n"
                                 "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-bye\r\n"
                                 "Max-Forwards: 70\r\n"
                                 "To: <sip:alice@example.com>;tag=old\r\n"
                                 "From: <sip:bob@example.com>;tag=b\r\n"
                                 "Call-ID: call-7\r\n"
                                 "CSeq: 2 BYE\r\n"
                                 "Timestamp: 54\r\n"
                                 "Content-Length: 0\r\n\r\n");
    ASSERT_TRUE(inDialog.Ok());
    EXPECT_EQ(MakeResponseTo(inDialog.GetMessage(), 200, {}, "new").GetTo()->Tag(), "old");
    const Message trying = MakeResponseTo(request, 100, {}, "t2");
    EXPECT_TRUE(trying.GetTo()->Tag().empty());
    EXPECT_FALSE(trying.HasHeader(HeaderId::Timestamp));
    EXPECT_EQ(
        MakeResponseTo(inDialog.GetMessage(), 100).FindHeader(HeaderId::Timestamp).value_or(""),
        "54");
    EXPECT_FALSE(MakeResponseTo(inDialog.GetMessage(), 200).HasHeader(HeaderId::Timestamp));
}

TEST(ProxyMessagesTest, LocalTagsDifferBySeedAndSerial)
{
    EXPECT_EQ(MakeLocalTag("a", 1).size(), 16u);
    EXPECT_EQ(MakeLocalTag("a", 1), MakeLocalTag("a", 1));
    EXPECT_NE(MakeLocalTag("a", 1), MakeLocalTag("a", 2));
    EXPECT_NE(MakeLocalTag("a", 1), MakeLocalTag("b", 1));
}

} // namespace
} // namespace sipsim
