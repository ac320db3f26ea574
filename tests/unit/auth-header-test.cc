/*
 * Unit tests for the WWW-Authenticate / Authorization value types
 * (model/message/auth-header.h).
 */

#include "message/auth-header.h"

#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace sipsim {
namespace {

Challenge
MustParseChallenge(std::string_view text)
{
    Challenge c;
    std::string error;
    EXPECT_TRUE(Challenge::Parse(text, &c, &error)) << text << ": " << error;
    return c;
}

Credentials
MustParseCredentials(std::string_view text)
{
    Credentials c;
    std::string error;
    EXPECT_TRUE(Credentials::Parse(text, &c, &error)) << text << ": " << error;
    return c;
}

// RFC 3261 section 20.44 example, with its line folding.
TEST(AuthHeaderTest, ParsesRfc3261WwwAuthenticateExample)
{
    Challenge c = MustParseChallenge("Digest realm=\"atlanta.com\",\r\n"
                                     "     domain=\"sip:boxesbybob.com\", qop=\"auth\",\r\n"
                                     "     nonce=\"f84f1cec41e6cbe5aea9c8e88d359\",\r\n"
                                     "     opaque=\"\", stale=FALSE, algorithm=MD5");
    EXPECT_EQ(c.scheme, "Digest");
    EXPECT_TRUE(c.IsDigest());
    ASSERT_EQ(c.params.size(), 7u);
    EXPECT_EQ(c.GetRealm(), "atlanta.com");
    EXPECT_EQ(c.GetDomain(), "sip:boxesbybob.com");
    EXPECT_EQ(c.GetQopOptions(), std::vector<std::string>{"auth"});
    EXPECT_EQ(c.GetNonce(), "f84f1cec41e6cbe5aea9c8e88d359");
    ASSERT_TRUE(c.Get("opaque").has_value());
    EXPECT_EQ(*c.Get("opaque"), "");
    EXPECT_FALSE(c.GetStale());
    EXPECT_EQ(c.GetAlgorithm(), "MD5");
    EXPECT_TRUE(c.params[0].quoted);  // realm
    EXPECT_FALSE(c.params[5].quoted); // stale
    EXPECT_EQ(c.params[5].value, "FALSE");
}

// RFC 3261 section 20.7 example.
TEST(AuthHeaderTest, ParsesRfc3261AuthorizationExample)
{
    Credentials c = MustParseCredentials("Digest username=\"Alice\", realm=\"atlanta.com\",\r\n"
                                         "      nonce=\"84a4cc6f3082121f32b42a2187831a9e\",\r\n"
                                         "      response=\"7587245234b3434cc3412213e5f113a5432\"");
    EXPECT_EQ(c.GetUsername(), "Alice");
    EXPECT_EQ(c.GetRealm(), "atlanta.com");
    EXPECT_EQ(c.GetNonce(), "84a4cc6f3082121f32b42a2187831a9e");
    EXPECT_EQ(c.GetResponse(), "7587245234b3434cc3412213e5f113a5432");
    EXPECT_EQ(c.GetUri(), "");
    EXPECT_FALSE(c.Get("uri").has_value());
    EXPECT_FALSE(c.GetNonceCount().has_value());
}

// RFC 7616 section 3.9.1 challenge: the scheme is followed by a line fold.
TEST(AuthHeaderTest, ParsesFoldAfterSchemeAndQopList)
{
    Challenge c
        = MustParseChallenge("Digest\r\n"
                             "    realm=\"http-auth@example.org\",\r\n"
                             "    qop=\"auth, auth-int\",\r\n"
                             "    algorithm=SHA-256,\r\n"
                             "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
                             "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
    EXPECT_EQ(c.GetRealm(), "http-auth@example.org");
    EXPECT_EQ(c.GetQopOptions(), (std::vector<std::string>{"auth", "auth-int"}));
    EXPECT_EQ(c.GetAlgorithm(), "SHA-256");
    EXPECT_EQ(c.GetNonce(), "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
    EXPECT_EQ(c.GetOpaque(), "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
}

TEST(AuthHeaderTest, QopOptionsToleratesSpacingAndEmptyItems)
{
    Challenge c = MustParseChallenge("Digest qop=\" auth-int ,, auth\t\", realm=\"r\"");
    EXPECT_EQ(c.GetQopOptions(), (std::vector<std::string>{"auth-int", "auth"}));
    Challenge unquoted = MustParseChallenge("Digest qop=auth, realm=\"r\"");
    EXPECT_EQ(unquoted.GetQopOptions(), std::vector<std::string>{"auth"});
    Challenge none = MustParseChallenge("Digest realm=\"r\"");
    EXPECT_TRUE(none.GetQopOptions().empty());
}

TEST(AuthHeaderTest, UnescapesQuotedPairs)
{
    Challenge c = MustParseChallenge(R"(Digest realm="say \"hi\" \\ bye", nonce="a\bc")");
    EXPECT_EQ(c.GetRealm(), "say \"hi\" \\ bye");
    EXPECT_EQ(c.GetNonce(), "abc");
    EXPECT_EQ(c.ToString(), R"(Digest realm="say \"hi\" \\ bye", nonce="abc")");
}

TEST(AuthHeaderTest, AcceptsLwsAroundEqualsAndCommas)
{
    Credentials c = MustParseCredentials("  Digest   username = \"bob\" ,realm\t=\t\"biloxi.com\""
                                         "  ,\r\n\t nc =00000001\r\n , qop= auth  ");
    ASSERT_EQ(c.params.size(), 4u);
    EXPECT_EQ(c.GetUsername(), "bob");
    EXPECT_EQ(c.GetRealm(), "biloxi.com");
    EXPECT_EQ(c.GetNonceCount(), 1u);
    EXPECT_EQ(c.GetQop(), "auth");
    EXPECT_EQ(c.ToString(), "Digest username=\"bob\", realm=\"biloxi.com\", nc=00000001, qop=auth");
}

TEST(AuthHeaderTest, UnfoldsLineBreakInsideQuotedString)
{
    Challenge c = MustParseChallenge("Digest realm=\"two\r\n words\"");
    EXPECT_EQ(c.GetRealm(), "two words");
}

// RFC 4475 section 3.1.2.12 (regaut01): an unknown scheme must still parse.
TEST(AuthHeaderTest, ParsesUnknownScheme)
{
    Credentials c = MustParseCredentials("NoOneKnowsThisScheme opaque-data=here");
    EXPECT_EQ(c.scheme, "NoOneKnowsThisScheme");
    EXPECT_FALSE(c.IsDigest());
    ASSERT_EQ(c.params.size(), 1u);
    EXPECT_EQ(c.Get("opaque-data"), std::optional<std::string_view>("here"));
    EXPECT_FALSE(c.params[0].quoted);
    EXPECT_EQ(c.ToString(), "NoOneKnowsThisScheme opaque-data=here");
}

TEST(AuthHeaderTest, NamesAndSchemeAreCaseInsensitive)
{
    Challenge c = MustParseChallenge("dIgEsT REALM=\"r\", Stale=True");
    EXPECT_TRUE(c.IsDigest());
    EXPECT_EQ(c.Get("realm"), std::optional<std::string_view>("r"));
    EXPECT_EQ(c.GetRealm(), "r");
    EXPECT_TRUE(c.GetStale());
    EXPECT_EQ(c.scheme, "dIgEsT"); // spelling is preserved
    EXPECT_FALSE(c.Get("nonce").has_value());
}

TEST(AuthHeaderTest, StaleFlag)
{
    EXPECT_TRUE(MustParseChallenge("Digest stale=TRUE").GetStale());
    EXPECT_TRUE(MustParseChallenge("Digest stale=\"true\"").GetStale());
    EXPECT_FALSE(MustParseChallenge("Digest stale=false").GetStale());
    EXPECT_FALSE(MustParseChallenge("Digest stale=yes").GetStale());
    EXPECT_FALSE(MustParseChallenge("Digest realm=\"r\"").GetStale());
}

struct MalformedCase
{
    const char* input;
    const char* errorFragment;
};

TEST(AuthHeaderTest, RejectsMalformedInputWithError)
{
    const std::string withNul("Digest realm=\"a\0b\"", 18);
    const std::vector<MalformedCase> cases = {
        {"", "empty header value"},
        {"  \t ", "empty header value"},
        {"Digest realm=\"unterminated", "unterminated quoted string in auth-param 'realm'"},
        {"Digest realm=\"ends with backslash\\", "unterminated quoted string"},
        {"Digest realm", "missing '=' after auth-param name 'realm'"},
        {"Digest realm \"x\"", "missing '='"},
        {"Digest realm=", "expected token or quoted-string value"},
        {"Digest realm=,nonce=\"x\"", "expected token or quoted-string value"},
        {"Digest", "not followed by any auth-param"},
        {"Digest   ", "not followed by any auth-param"},
        {"Digest,realm=\"x\"", "expected whitespace after auth-scheme"},
        {"\"Digest\" realm=x", "expected auth-scheme token"},
        {"Digest realm=\"x\",", "trailing ','"},
        {"Digest realm=\"x\",,nonce=\"y\"", "expected auth-param name"},
        {"Digest realm=\"x\" nonce=\"y\"", "expected ',' between auth-params"},
        {"Digest realm=\"x\", REALM=\"y\"", "duplicate auth-param 'REALM'"},
        {"Digest realm=\"a\x01z\"", "control character in quoted string"},
        {"Digest realm=\"a\\\r\nb\"", "invalid quoted-pair"},
        {"Digest uri=sip:bob@biloxi.com", "expected ',' between auth-params, found ':'"},
        {"Digest realm=\"x\"\r\nVia: SIP/2.0/UDP h",
         "expected ',' between auth-params, found byte 0x0d"},
        {"\xff\xfe\x80 realm=x", "expected auth-scheme token, found byte 0xff"},
        {"Digest \x80\x81=\"x\"", "expected auth-param name"},
    };
    for (const MalformedCase& tc : cases)
    {
        Challenge challenge;
        challenge.scheme = "Untouched";
        std::string error;
        EXPECT_FALSE(Challenge::Parse(tc.input, &challenge, &error)) << tc.input;
        EXPECT_NE(error.find(tc.errorFragment), std::string::npos)
            << "input: " << tc.input << "\nerror: " << error;
        EXPECT_EQ(challenge.scheme, "Untouched") << "output modified on failure";

        Credentials credentials;
        EXPECT_FALSE(Credentials::Parse(tc.input, &credentials, nullptr)) << tc.input;
        EXPECT_TRUE(credentials.params.empty());
    }
    std::string error;
    EXPECT_FALSE(Challenge::Parse(withNul, nullptr, &error));
    EXPECT_NE(error.find("control character"), std::string::npos) << error;
}

TEST(AuthHeaderTest, NullOutputIsAnError)
{
    std::string error;
    EXPECT_FALSE(Challenge::Parse("Digest realm=\"r\"", nullptr, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(Credentials::Parse("Digest realm=\"r\"", nullptr, nullptr));
}

TEST(AuthHeaderTest, RoundTripsRealHeaderValues)
{
    const std::vector<std::string> values = {
        "Digest realm=\"atlanta.com\",\r\n domain=\"sip:boxesbybob.com\", qop=\"auth\","
        "\r\n nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=MD5",
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
        "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        "NoOneKnowsThisScheme opaque-data=here",
        "Digest realm=\"q\\\"uote\\\\d\", nonce=\"caf\xc3\xa9\tx\"",
    };
    for (const std::string& text : values)
    {
        Credentials first = MustParseCredentials(text);
        Credentials second = MustParseCredentials(first.ToString());
        EXPECT_EQ(second, first) << text;
        EXPECT_EQ(second.ToString(), first.ToString());

        Challenge challenge = MustParseChallenge(text);
        EXPECT_EQ(MustParseChallenge(challenge.ToString()), challenge) << text;
    }
}

TEST(AuthHeaderTest, RoundTripsBuiltValuesWithAwkwardCharacters)
{
    Challenge c;
    c.scheme = "Digest";
    c.SetRealm("back\\slash \"quote\"");
    c.SetNonce("");
    const std::string opaque("ctl\x01\x1f\x7f nul\0end", 14);
    c.SetOpaque(opaque);
    c.SetDomain("sip:a.example.com sip:b.example.com");
    c.Set("x-token", "plain-token", false);
    c.Set("x-not-a-token", "has space", false); // cannot be a token: quoted anyway
    c.Set("x-utf8", "\xe2\x82\xac", true);
    std::string text = c.ToString();
    Challenge back;
    std::string error;
    ASSERT_TRUE(Challenge::Parse(text, &back, &error)) << text << ": " << error;
    EXPECT_EQ(back, c) << text;
    EXPECT_EQ(back.GetOpaque(), opaque);
    EXPECT_NE(text.find("x-not-a-token=\"has space\""), std::string::npos) << text;
    EXPECT_NE(text.find("x-token=plain-token"), std::string::npos) << text;
}

TEST(AuthHeaderTest, LineBreaksInValuesCannotInjectHeaders)
{
    Credentials c;
    c.scheme = "Digest";
    c.SetUsername("evil\r\nVia: SIP/2.0/UDP attacker");
    std::string text = c.ToString();
    EXPECT_EQ(text.find('\r'), std::string::npos);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    Credentials back = MustParseCredentials(text);
    EXPECT_EQ(back.GetUsername(), "evil  Via: SIP/2.0/UDP attacker");
    EXPECT_EQ(back.params.size(), 1u);
}

TEST(AuthHeaderTest, SetReplacesCaseInsensitivelyAndRemoveDeletes)
{
    Challenge c = MustParseChallenge("Digest REALM=\"old\", nonce=\"n\"");
    c.Set("realm", "new", true);
    ASSERT_EQ(c.params.size(), 2u);
    EXPECT_EQ(c.params[0].value, "new");
    EXPECT_EQ(c.GetRealm(), "new");
    c.Set("opaque", "o", true);
    ASSERT_EQ(c.params.size(), 3u);
    EXPECT_EQ(c.params[2].name, "opaque");
    EXPECT_TRUE(c.Remove("NONCE"));
    EXPECT_FALSE(c.Remove("nonce"));
    EXPECT_FALSE(c.Get("nonce").has_value());
    EXPECT_EQ(c.ToString(), "Digest REALM=\"new\", opaque=\"o\"");
}

// RFC 7616 sections 3.3 and 3.4: which directives are quoted.
TEST(AuthHeaderTest, ConvenienceSettersFollowRfcQuoting)
{
    Challenge c;
    c.scheme = "Digest";
    c.SetRealm("biloxi.com");
    c.SetDomain("sip:biloxi.com");
    c.SetNonce("n1");
    c.SetOpaque("");
    c.SetStale(true);
    c.SetAlgorithm("SHA-256");
    c.SetQopOptions({"auth", "auth-int"});
    EXPECT_EQ(c.ToString(),
              "Digest realm=\"biloxi.com\", domain=\"sip:biloxi.com\", nonce=\"n1\", opaque=\"\", "
              "stale=true, algorithm=SHA-256, qop=\"auth,auth-int\"");
    c.SetStale(false);
    EXPECT_FALSE(c.GetStale());
    EXPECT_EQ(c.GetQopOptions(), (std::vector<std::string>{"auth", "auth-int"}));

    Credentials r;
    r.scheme = "Digest";
    r.SetUsername("bob");
    r.SetRealm("biloxi.com");
    r.SetNonce("n1");
    r.SetUri("sip:bob@biloxi.com");
    r.SetResponse("0123abcd");
    r.SetAlgorithm("MD5");
    r.SetCnonce("c1");
    r.SetOpaque("o1");
    r.SetQop("auth");
    r.SetNonceCount(0x2a);
    EXPECT_EQ(r.ToString(),
              "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"n1\", "
              "uri=\"sip:bob@biloxi.com\", response=\"0123abcd\", algorithm=MD5, cnonce=\"c1\", "
              "opaque=\"o1\", qop=auth, nc=0000002a");
    EXPECT_EQ(r.GetUsername(), "bob");
    EXPECT_EQ(r.GetUri(), "sip:bob@biloxi.com");
    EXPECT_EQ(r.GetResponse(), "0123abcd");
    EXPECT_EQ(r.GetAlgorithm(), "MD5");
    EXPECT_EQ(r.GetCnonce(), "c1");
    EXPECT_EQ(r.GetOpaque(), "o1");
    EXPECT_EQ(r.GetNonceCount(), 42u);
    EXPECT_EQ(MustParseCredentials(r.ToString()), r);
}

TEST(AuthHeaderTest, NonceCountMustBeEightHexDigits)
{
    EXPECT_EQ(MustParseCredentials("Digest nc=00000001").GetNonceCount(), 1u);
    EXPECT_EQ(MustParseCredentials("Digest nc=0000000A").GetNonceCount(), 10u);
    EXPECT_EQ(MustParseCredentials("Digest nc=ffffffff").GetNonceCount(), 0xffffffffu);
    EXPECT_FALSE(MustParseCredentials("Digest nc=1").GetNonceCount().has_value());
    EXPECT_FALSE(MustParseCredentials("Digest nc=000000001").GetNonceCount().has_value());
    EXPECT_FALSE(MustParseCredentials("Digest nc=0000000g").GetNonceCount().has_value());
    EXPECT_FALSE(MustParseCredentials("Digest nc=-0000001").GetNonceCount().has_value());
    Credentials c;
    c.SetNonceCount(0xffffffffu);
    EXPECT_EQ(c.Get("nc"), std::optional<std::string_view>("ffffffff"));
}

TEST(AuthHeaderTest, StreamsAsHeaderValue)
{
    Challenge c = MustParseChallenge("Digest   realm = \"r\"");
    std::ostringstream os;
    os << c;
    EXPECT_EQ(os.str(), "Digest realm=\"r\"");
}

// Mutated and random inputs: never crash; success implies a faithful round trip.
TEST(AuthHeaderTest, SurvivesMutatedAndRandomInput)
{
    const std::vector<std::string> seeds = {
        "Digest realm=\"atlanta.com\", nonce=\"f84f1cec\", qop=\"auth,auth-int\", stale=FALSE",
        "Digest username=\"a\\\"b\", uri=\"sip:x@y\", nc=00000001, response=\"00ff\"",
        "NoOneKnowsThisScheme opaque-data=here",
    };
    const std::string alphabet = "Digest=\",\\ \t\r\nabc\x01\x7f\xff";
    std::mt19937 rng(20240601);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 20000; ++i)
    {
        std::string text;
        if (i % 4 == 3)
        {
            std::size_t length = rng() % 40;
            for (std::size_t k = 0; k < length; ++k)
            {
                text.push_back(static_cast<char>(rng() & 0xff));
            }
        }
        else
        {
            text = seeds[rng() % seeds.size()];
            int edits = 1 + static_cast<int>(rng() % 3);
            for (int e = 0; e < edits && !text.empty(); ++e)
            {
                std::size_t pos = rng() % text.size();
                char ch = alphabet[rng() % alphabet.size()];
                switch (rng() % 3)
                {
                    case 0:
                        text[pos] = ch;
                        break;
                    case 1:
                        text.insert(pos, 1, ch);
                        break;
                    default:
                        text.erase(pos, 1);
                        break;
                }
            }
        }
        Credentials parsed;
        std::string error;
        if (Credentials::Parse(text, &parsed, &error))
        {
            ++accepted;
            Credentials again;
            ASSERT_TRUE(Credentials::Parse(parsed.ToString(), &again, &error))
                << parsed.ToString() << ": " << error;
            ASSERT_EQ(again, parsed) << text;
        }
        else
        {
            ++rejected;
            ASSERT_FALSE(error.empty()) << text;
        }
    }
    EXPECT_GT(accepted, 1000);
    EXPECT_GT(rejected, 1000);
}

} // namespace
} // namespace sipsim
