/*
 * Unit tests for Digest authentication (model/auth/digest.h).
 *
 * Published vectors: RFC 2617 section 3.5, RFC 7616 section 3.9.1,
 * draft-smith-sipping-auth-examples-01 sections 3.1 and 3.2. The remaining
 * expected digests were computed independently with Python's hashlib.
 */

#include "auth/digest.h"

#include <cctype>
#include <gtest/gtest.h>
#include <string>
#include <utility>

namespace sipsim {
namespace {

Challenge
ParseChallengeOrDie(std::string_view text)
{
    Challenge c;
    std::string error;
    EXPECT_TRUE(Challenge::Parse(text, &c, &error)) << text << ": " << error;
    return c;
}

Credentials
ParseCredentialsOrDie(std::string_view text)
{
    Credentials c;
    std::string error;
    EXPECT_TRUE(Credentials::Parse(text, &c, &error)) << text << ": " << error;
    return c;
}

Credentials
Answer(const Challenge& challenge, const DigestClientInput& input)
{
    Credentials c;
    std::string error;
    EXPECT_TRUE(MakeDigestCredentials(challenge, input, &c, &error)) << error;
    return c;
}

DigestClientInput
MufasaInput(const char* password)
{
    DigestClientInput in;
    in.username = "Mufasa";
    in.password = password;
    in.method = "GET";
    in.digestUri = "/dir/index.html";
    in.nonceCount = 1;
    return in;
}

/** The RFC 7616 section 3.9.1 challenge, with the given algorithm. */
std::string
Rfc7616Challenge(const std::string& algorithm)
{
    return "Digest\r\n"
           "    realm=\"http-auth@example.org\",\r\n"
           "    qop=\"auth, auth-int\",\r\n"
           "    algorithm="
           + algorithm
           + ",\r\n"
             "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
             "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
}

/** The RFC 7616 section 3.9.1 Authorization value. */
std::string
Rfc7616Authorization(const std::string& algorithm, const std::string& response)
{
    return "Digest username=\"Mufasa\",\r\n"
           "    realm=\"http-auth@example.org\",\r\n"
           "    uri=\"/dir/index.html\",\r\n"
           "    algorithm="
           + algorithm
           + ",\r\n"
             "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
             "    nc=00000001,\r\n"
             "    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
             "    qop=auth,\r\n"
             "    response=\""
           + response
           + "\",\r\n"
             "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
}

const char RFC7616_CNONCE[] = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

TEST(DigestTest, AlgorithmNames)
{
    EXPECT_EQ(ParseDigestAlgorithm(""), DigestAlgorithm::Md5);
    EXPECT_EQ(ParseDigestAlgorithm("md5"), DigestAlgorithm::Md5);
    EXPECT_EQ(ParseDigestAlgorithm("MD5-SESS"), DigestAlgorithm::Md5Sess);
    EXPECT_EQ(ParseDigestAlgorithm("sha-256"), DigestAlgorithm::Sha256);
    EXPECT_EQ(ParseDigestAlgorithm("SHA-256-sess"), DigestAlgorithm::Sha256Sess);
    EXPECT_FALSE(ParseDigestAlgorithm("SHA-512-256").has_value());
    EXPECT_FALSE(ParseDigestAlgorithm("MD5 ").has_value());
    for (DigestAlgorithm a : {DigestAlgorithm::Md5, DigestAlgorithm::Md5Sess,
                              DigestAlgorithm::Sha256, DigestAlgorithm::Sha256Sess})
    {
        EXPECT_EQ(ParseDigestAlgorithm(DigestAlgorithmName(a)), a);
    }
    EXPECT_STREQ(DigestAlgorithmName(DigestAlgorithm::Sha256Sess), "SHA-256-sess");
    EXPECT_TRUE(IsSessionAlgorithm(DigestAlgorithm::Md5Sess));
    EXPECT_FALSE(IsSessionAlgorithm(DigestAlgorithm::Sha256));
}

TEST(DigestTest, HashIsLowercaseHex)
{
    EXPECT_EQ(DigestHash(DigestAlgorithm::Md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(DigestHash(DigestAlgorithm::Sha256Sess, "abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 2617 section 3.5 inputs; draft-smith-sipping-auth-examples-01 3.2 HA1.
    EXPECT_EQ(DigestHa1(DigestAlgorithm::Md5, "bob", "biloxi.com", "zanzibar"),
              "12af60467a33e8518da5c68bbff12b11");
}

// RFC 2617 section 3.5.
TEST(DigestTest, Rfc2617Example)
{
    Challenge challenge
        = ParseChallengeOrDie("Digest\r\n"
                              "    realm=\"testrealm@host.com\",\r\n"
                              "    qop=\"auth,auth-int\",\r\n"
                              "    nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
                              "    opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    DigestClientInput in = MufasaInput("Circle Of Life");
    in.cnonce = "0a4f113b";
    Credentials ours = Answer(challenge, in);
    EXPECT_EQ(ours.GetResponse(), "6629fae49393a05397450978507c4ef1");
    EXPECT_FALSE(ours.Get("algorithm").has_value()) << "absent in the challenge";

    Credentials rfc = ParseCredentialsOrDie("Digest username=\"Mufasa\",\r\n"
                                            "    realm=\"testrealm@host.com\",\r\n"
                                            "    nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
                                            "    uri=\"/dir/index.html\",\r\n"
                                            "    qop=auth,\r\n"
                                            "    nc=00000001,\r\n"
                                            "    cnonce=\"0a4f113b\",\r\n"
                                            "    response=\"6629fae49393a05397450978507c4ef1\",\r\n"
                                            "    opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    ASSERT_EQ(ours.params.size(), rfc.params.size());
    for (const AuthParam& p : rfc.params)
    {
        EXPECT_EQ(ours.Get(p.name), std::optional<std::string_view>(p.value)) << p.name;
    }
}

// RFC 7616 section 3.9.1, MD5 and SHA-256: our Authorization value is the RFC's.
TEST(DigestTest, Rfc7616Examples)
{
    const std::pair<std::string, std::string> vectors[] = {
        {"MD5", "8ca523f5e9506fed4657c9700eebdbec"},
        {"SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
    };
    for (const auto& [algorithm, response] : vectors)
    {
        DigestClientInput in = MufasaInput("Circle of Life");
        in.cnonce = RFC7616_CNONCE;
        Credentials ours = Answer(ParseChallengeOrDie(Rfc7616Challenge(algorithm)), in);
        EXPECT_EQ(ours.GetResponse(), response) << algorithm;
        EXPECT_EQ(ours, ParseCredentialsOrDie(Rfc7616Authorization(algorithm, response)))
            << ours.ToString();
    }
}

// RFC 2069 compatibility: no qop in the challenge.
TEST(DigestTest, NoQopUsesRfc2069Form)
{
    Challenge challenge = ParseChallengeOrDie(
        "Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    Credentials c = Answer(challenge, MufasaInput("Circle Of Life"));
    EXPECT_EQ(c.GetResponse(), "670fd8c2df070c60b045671b8b24ff02");
    EXPECT_FALSE(c.Get("qop").has_value());
    EXPECT_FALSE(c.Get("nc").has_value());
    EXPECT_FALSE(c.Get("cnonce").has_value());
    EXPECT_EQ(c.GetOpaque(), "5ccc069c403ebaf9f0171e9517f40e41");
}

// draft-smith-sipping-auth-examples-01 section 3.1 (no qop) and 3.2 (qop=auth): INVITE.
TEST(DigestTest, SipInviteExamples)
{
    DigestClientInput in;
    in.username = "bob";
    in.password = "zanzibar";
    in.method = "INVITE";
    in.digestUri = "sip:bob@biloxi.com";
    in.cnonce = "0a4f113b";

    Challenge noQop = ParseChallengeOrDie("Digest realm=\"biloxi.com\", "
                                          "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                                          "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    EXPECT_EQ(Answer(noQop, in).GetResponse(), "bf57e4e0d0bffc0fbaedce64d59add5e");

    Challenge qop = ParseChallengeOrDie("Digest realm=\"biloxi.com\", qop=\"auth,auth-int\", "
                                        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                                        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    Credentials c = Answer(qop, in);
    EXPECT_EQ(c.GetResponse(), "89eb0059246c02b2f6ee02c7961d5ea3");
    EXPECT_EQ(c.GetQop(), "auth");
    EXPECT_EQ(c.GetUri(), "sip:bob@biloxi.com");
}

// A REGISTER to an Asterisk-style registrar (no qop, algorithm=MD5 echoed).
TEST(DigestTest, SipRegisterExample)
{
    Challenge challenge
        = ParseChallengeOrDie("Digest algorithm=MD5, realm=\"asterisk\", nonce=\"24a52b3a\"");
    DigestClientInput in;
    in.username = "anthony";
    in.password = "foo";
    in.method = "REGISTER";
    in.digestUri = "sip:divmod.com";
    Credentials c = Answer(challenge, in);
    EXPECT_EQ(c.ToString(),
              "Digest username=\"anthony\", realm=\"asterisk\", uri=\"sip:divmod.com\", "
              "algorithm=MD5, nonce=\"24a52b3a\", response=\"925bd204843bf802a1ed8a2494557c01\"");
}

TEST(DigestTest, AuthIntHashesTheBody)
{
    Challenge challenge = ParseChallengeOrDie("Digest realm=\"biloxi.com\", qop=\"auth-int\", "
                                              "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
    DigestClientInput in;
    in.username = "bob";
    in.password = "zanzibar";
    in.method = "INVITE";
    in.digestUri = "sip:bob@biloxi.com";
    in.cnonce = "0a4f113b";
    in.body = "v=0\r\no=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com\r\n";
    Credentials c = Answer(challenge, in);
    EXPECT_EQ(c.GetQop(), "auth-int");
    EXPECT_EQ(c.GetResponse(), "c28bd5bd8e2033f82df24a704ff686f1");

    // SHA-256 with auth-int and nc=2, RFC 7616 inputs.
    DigestClientInput sha = MufasaInput("Circle of Life");
    sha.cnonce = RFC7616_CNONCE;
    sha.nonceCount = 2;
    sha.body = "hello";
    std::string text = Rfc7616Challenge("SHA-256");
    text.replace(text.find("auth, auth-int"), 14, "auth-int");
    Credentials s = Answer(ParseChallengeOrDie(text), sha);
    EXPECT_EQ(s.Get("nc"), std::optional<std::string_view>("00000002"));
    EXPECT_EQ(s.GetResponse(), "1b7f7c6dd0750679ac31e6dc72ffb419e459551ff308dd07ccb4693f06bc8fa6");
}

TEST(DigestTest, SessionAlgorithms)
{
    const std::pair<std::string, std::string> vectors[] = {
        {"MD5-sess", "e783283f46242139c486a698fec7211d"},
        {"SHA-256-sess", "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"},
    };
    for (const auto& [algorithm, response] : vectors)
    {
        DigestClientInput in = MufasaInput("Circle of Life");
        in.cnonce = RFC7616_CNONCE;
        Credentials c = Answer(ParseChallengeOrDie(Rfc7616Challenge(algorithm)), in);
        EXPECT_EQ(c.GetResponse(), response) << algorithm;
        EXPECT_EQ(c.GetAlgorithm(), algorithm);
    }
}

TEST(DigestTest, ClientRejectsWhatItCannotAnswer)
{
    DigestClientInput in = MufasaInput("pw");
    in.cnonce = "c";
    struct Case
    {
        const char* challenge;
        const char* error;
    };
    const Case cases[] = {
        {"Basic realm=\"r\"", "not Digest"},
        {"Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256", "unsupported digest algorithm"},
        {"Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"", "no supported qop"},
        {"Digest realm=\"r\", nonce=\"n\", qop=\"\"", "no supported qop"},
        {"Digest realm=\"r\"", "no nonce"},
        {"Digest nonce=\"n\"", "no realm"},
    };
    for (const Case& tc : cases)
    {
        Credentials out;
        std::string error;
        EXPECT_FALSE(MakeDigestCredentials(ParseChallengeOrDie(tc.challenge), in, &out, &error))
            << tc.challenge;
        EXPECT_NE(error.find(tc.error), std::string::npos) << tc.challenge << ": " << error;
        EXPECT_TRUE(out.params.empty());
    }
    in.cnonce.clear();
    std::string error;
    Credentials out;
    EXPECT_FALSE(MakeDigestCredentials(ParseChallengeOrDie("Digest realm=\"r\", nonce=\"n\", "
                                                           "qop=\"auth\""),
                                       in, &out, &error));
    EXPECT_NE(error.find("cnonce"), std::string::npos) << error;
    EXPECT_FALSE(MakeDigestCredentials(ParseChallengeOrDie("Digest realm=\"r\", nonce=\"n\", "
                                                           "algorithm=MD5-sess"),
                                       in, &out, nullptr));
}

// ------------------------------------------------------------------- server

/** One client request through the text form of both header fields. */
Credentials
ClientAnswers(const Challenge& challenge, const std::string& password, uint32_t nc = 1,
              const std::string& body = "")
{
    DigestClientInput in;
    in.username = "alice";
    in.password = password;
    in.method = "REGISTER";
    in.digestUri = "sip:atlanta.example.com";
    in.cnonce = "cn" + std::to_string(nc);
    in.nonceCount = nc;
    in.body = body;
    Credentials c = Answer(ParseChallengeOrDie(challenge.ToString()), in);
    return ParseCredentialsOrDie(c.ToString());
}

TEST(DigestServerTest, ChallengeIsDeterministicAndComplete)
{
    DigestServer a("atlanta.example.com", "s3cret", DigestAlgorithm::Sha256, true, 60);
    DigestServer b("atlanta.example.com", "s3cret", DigestAlgorithm::Sha256, true, 60);
    Challenge c1 = a.MakeChallenge(10.0);
    EXPECT_EQ(c1, b.MakeChallenge(10.0));
    EXPECT_TRUE(c1.IsDigest());
    EXPECT_EQ(c1.GetRealm(), "atlanta.example.com");
    EXPECT_EQ(c1.GetAlgorithm(), "SHA-256");
    EXPECT_EQ(c1.GetQopOptions(), std::vector<std::string>{"auth"});
    EXPECT_FALSE(c1.Get("stale").has_value());
    EXPECT_FALSE(c1.GetNonce().empty());
    Challenge c2 = a.MakeChallenge(10.0, true);
    EXPECT_NE(c2.GetNonce(), c1.GetNonce()) << "the counter makes nonces unique";
    EXPECT_TRUE(c2.GetStale());
    EXPECT_EQ(a.GetRealm(), "atlanta.example.com");
    EXPECT_EQ(a.GetAlgorithm(), DigestAlgorithm::Sha256);
}

TEST(DigestServerTest, AcceptsCorrectPasswordRejectsWrongOne)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    Challenge challenge = server.MakeChallenge(1.0);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "wonderland"), "REGISTER", "wonderland", 2.0),
              VerifyResult::Ok);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "guess", 2), "REGISTER", "wonderland", 2.0),
              VerifyResult::BadResponse);
    // Same credentials, other method: the digest covers the method.
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "wonderland", 3), "INVITE", "wonderland", 2.0),
              VerifyResult::BadResponse);
}

TEST(DigestServerTest, VerifiesWithStoredHa1)
{
    DigestServer server("atlanta.example.com", "k", DigestAlgorithm::Sha256, true, 60);
    std::string ha1 = DigestHa1(DigestAlgorithm::Sha256, "alice", "atlanta.example.com", "pw");
    Challenge challenge = server.MakeChallenge(0.0);
    EXPECT_EQ(server.VerifyHa1(ClientAnswers(challenge, "pw"), "REGISTER", ha1, 0.5),
              VerifyResult::Ok);
    EXPECT_EQ(server.VerifyHa1(ClientAnswers(challenge, "px", 2), "REGISTER", ha1, 0.5),
              VerifyResult::BadResponse);
}

TEST(DigestServerTest, ExpiredNonceIsStaleOnlyWithCorrectDigest)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 30);
    Challenge challenge = server.MakeChallenge(100.0);
    Credentials good = ClientAnswers(challenge, "pw");
    EXPECT_EQ(server.Verify(good, "REGISTER", "pw", 131.0), VerifyResult::Stale);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "bad"), "REGISTER", "pw", 131.0),
              VerifyResult::BadResponse);
    EXPECT_EQ(server.Verify(good, "REGISTER", "pw", 130.0), VerifyResult::Ok) << "at the limit";

    // The caller rechallenges with stale=true and the client retries silently.
    Challenge fresh = server.MakeChallenge(131.0, true);
    EXPECT_TRUE(ParseChallengeOrDie(fresh.ToString()).GetStale());
    EXPECT_EQ(server.Verify(ClientAnswers(fresh, "pw"), "REGISTER", "pw", 132.0), VerifyResult::Ok);
}

TEST(DigestServerTest, RejectsForeignAndTamperedNonces)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    DigestServer other("atlanta.example.com", "another secret", DigestAlgorithm::Md5, true, 60);
    const std::string nonce = server.MakeChallenge(5.0).GetNonce();

    auto verifyWithNonce = [&server](const std::string& n) {
        Challenge c;
        c.scheme = "Digest";
        c.SetRealm("atlanta.example.com");
        c.SetNonce(n);
        c.SetAlgorithm("MD5");
        c.SetQopOptions({"auth"});
        // The client computes a correct digest for the forged nonce.
        return server.Verify(ClientAnswers(c, "pw"), "REGISTER", "pw", 6.0);
    };
    EXPECT_EQ(verifyWithNonce(nonce), VerifyResult::Ok);

    std::string flipped = nonce;
    flipped.back() = (flipped.back() == '0') ? '1' : '0';
    EXPECT_EQ(verifyWithNonce(flipped), VerifyResult::BadNonce) << "MAC altered";

    std::string newer = nonce;
    newer.replace(0, newer.find('.'), "1770"); // claims issue time 6.0 s
    EXPECT_EQ(verifyWithNonce(newer), VerifyResult::BadNonce) << "time altered";

    std::string upper = nonce;
    for (char& ch : upper)
    {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    EXPECT_EQ(verifyWithNonce(upper), VerifyResult::BadNonce) << "non-canonical spelling";

    EXPECT_EQ(verifyWithNonce(other.MakeChallenge(5.0).GetNonce()), VerifyResult::BadNonce);
    EXPECT_EQ(verifyWithNonce("dcd98b7102dd2f0e8b11d0f600bfb0c093"), VerifyResult::BadNonce);
    EXPECT_EQ(verifyWithNonce(".."), VerifyResult::BadNonce);
    EXPECT_EQ(verifyWithNonce(""), VerifyResult::BadNonce);
    EXPECT_EQ(verifyWithNonce("ffffffffffffffffffffff.1.00"), VerifyResult::BadNonce);
}

TEST(DigestServerTest, NonceFromTheFutureIsRejected)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    Challenge challenge = server.MakeChallenge(100.0);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "pw"), "REGISTER", "pw", 50.0),
              VerifyResult::BadNonce);
}

TEST(DigestServerTest, DetectsReplayedNonceCount)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    Challenge challenge = server.MakeChallenge(0.0);
    Credentials first = ClientAnswers(challenge, "pw", 1);
    EXPECT_EQ(server.Verify(first, "REGISTER", "pw", 1.0), VerifyResult::Ok);
    EXPECT_EQ(server.Verify(first, "REGISTER", "pw", 2.0), VerifyResult::Replay);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "pw", 2), "REGISTER", "pw", 3.0),
              VerifyResult::Ok);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "pw", 5), "REGISTER", "pw", 4.0),
              VerifyResult::Ok);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "pw", 4), "REGISTER", "pw", 5.0),
              VerifyResult::Replay);
    // A wrong digest does not advance the count.
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "xx", 9), "REGISTER", "pw", 6.0),
              VerifyResult::BadResponse);
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "pw", 6), "REGISTER", "pw", 7.0),
              VerifyResult::Ok);
    // nc is per nonce.
    Challenge second = server.MakeChallenge(8.0);
    EXPECT_EQ(server.Verify(ClientAnswers(second, "pw", 1), "REGISTER", "pw", 9.0),
              VerifyResult::Ok);
}

TEST(DigestServerTest, ForgetsExpiredNonces)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 10);
    Challenge old = server.MakeChallenge(0.0);
    Credentials oldCredentials = ClientAnswers(old, "pw");
    EXPECT_EQ(server.Verify(oldCredentials, "REGISTER", "pw", 1.0), VerifyResult::Ok);
    EXPECT_EQ(server.GetTrackedNonces(), 1u);
    Challenge fresh = server.MakeChallenge(20.0);
    EXPECT_EQ(server.Verify(ClientAnswers(fresh, "pw"), "REGISTER", "pw", 20.0), VerifyResult::Ok);
    EXPECT_EQ(server.GetTrackedNonces(), 1u) << "the expired nonce was pruned";
    EXPECT_EQ(server.Verify(oldCredentials, "REGISTER", "pw", 21.0), VerifyResult::Stale);
}

TEST(DigestServerTest, WrongRealm)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    Challenge challenge = server.MakeChallenge(0.0);
    challenge.SetRealm("biloxi.example.com");
    EXPECT_EQ(server.Verify(ClientAnswers(challenge, "pw"), "REGISTER", "pw", 1.0),
              VerifyResult::WrongRealm);
}

TEST(DigestServerTest, MissingParameters)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    Challenge challenge = server.MakeChallenge(0.0);
    for (const char* name : {"username", "realm", "nonce", "uri", "response", "nc", "cnonce"})
    {
        Credentials c = ClientAnswers(challenge, "pw");
        ASSERT_TRUE(c.Remove(name)) << name;
        EXPECT_EQ(server.Verify(c, "REGISTER", "pw", 1.0), VerifyResult::MissingParameter) << name;
    }
    Credentials malformedNc = ClientAnswers(challenge, "pw");
    malformedNc.Set("nc", "1", false);
    EXPECT_EQ(server.Verify(malformedNc, "REGISTER", "pw", 1.0), VerifyResult::MissingParameter);

    // Downgrade to the RFC 2069 form when qop was offered.
    Credentials noQop = ClientAnswers(challenge, "pw");
    noQop.Remove("qop");
    EXPECT_EQ(server.Verify(noQop, "REGISTER", "pw", 1.0), VerifyResult::MissingParameter);
}

TEST(DigestServerTest, UnsupportedSchemeAlgorithmOrQop)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, true, 60);
    Challenge challenge = server.MakeChallenge(0.0);

    Credentials sha = ClientAnswers(challenge, "pw");
    sha.SetAlgorithm("SHA-256");
    EXPECT_EQ(server.Verify(sha, "REGISTER", "pw", 1.0), VerifyResult::UnsupportedAlgorithm);

    Credentials unknown = ClientAnswers(challenge, "pw");
    unknown.SetAlgorithm("SHA-512-256");
    EXPECT_EQ(server.Verify(unknown, "REGISTER", "pw", 1.0), VerifyResult::UnsupportedAlgorithm);

    Credentials conf = ClientAnswers(challenge, "pw");
    conf.SetQop("auth-conf");
    EXPECT_EQ(server.Verify(conf, "REGISTER", "pw", 1.0), VerifyResult::UnsupportedAlgorithm);

    Credentials basic;
    ASSERT_TRUE(Credentials::Parse("Basic realm=\"atlanta.example.com\"", &basic, nullptr));
    EXPECT_EQ(server.Verify(basic, "REGISTER", "pw", 1.0), VerifyResult::UnsupportedAlgorithm);
}

TEST(DigestServerTest, AllAlgorithmsRoundTrip)
{
    for (DigestAlgorithm algorithm : {DigestAlgorithm::Md5, DigestAlgorithm::Md5Sess,
                                      DigestAlgorithm::Sha256, DigestAlgorithm::Sha256Sess})
    {
        DigestServer server("atlanta.example.com", "s3cret", algorithm, true, 60);
        Challenge challenge = server.MakeChallenge(1.0);
        Credentials c = ClientAnswers(challenge, "pw");
        EXPECT_EQ(c.GetAlgorithm(), DigestAlgorithmName(algorithm));
        bool md5 = algorithm == DigestAlgorithm::Md5 || algorithm == DigestAlgorithm::Md5Sess;
        EXPECT_EQ(c.GetResponse().size(), md5 ? 32u : 64u);
        EXPECT_EQ(server.Verify(c, "REGISTER", "pw", 2.0), VerifyResult::Ok)
            << DigestAlgorithmName(algorithm);
        EXPECT_EQ(server.Verify(ClientAnswers(challenge, "no", 2), "REGISTER", "pw", 2.0),
                  VerifyResult::BadResponse)
            << DigestAlgorithmName(algorithm);
        // The digest covers the cnonce (and, for -sess, so does the session key).
        Credentials otherCnonce = ClientAnswers(challenge, "pw", 3);
        otherCnonce.SetCnonce("changed");
        EXPECT_EQ(server.Verify(otherCnonce, "REGISTER", "pw", 2.0), VerifyResult::BadResponse)
            << DigestAlgorithmName(algorithm);
    }
}

TEST(DigestServerTest, AuthIntProtectsTheBody)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Sha256, true, 60);
    Challenge challenge = server.MakeChallenge(0.0);
    challenge.SetQopOptions({"auth-int"});
    const std::string body = "v=0\r\ns=-\r\n";
    Credentials c = ClientAnswers(challenge, "pw", 1, body);
    EXPECT_EQ(c.GetQop(), "auth-int");
    EXPECT_EQ(server.Verify(c, "REGISTER", "pw", 1.0, "v=0\r\ns=tampered\r\n"),
              VerifyResult::BadResponse);
    EXPECT_EQ(server.Verify(c, "REGISTER", "pw", 1.0, body), VerifyResult::Ok);
}

TEST(DigestServerTest, WithoutQopUsesRfc2069Form)
{
    DigestServer server("atlanta.example.com", "s3cret", DigestAlgorithm::Md5, false, 60);
    Challenge challenge = server.MakeChallenge(0.0);
    EXPECT_FALSE(challenge.Get("qop").has_value());
    Credentials c = ClientAnswers(challenge, "pw");
    EXPECT_FALSE(c.Get("qop").has_value());
    EXPECT_EQ(server.Verify(c, "REGISTER", "pw", 1.0), VerifyResult::Ok);
    EXPECT_EQ(server.Verify(c, "REGISTER", "wrong", 1.0), VerifyResult::BadResponse);
    EXPECT_EQ(server.GetTrackedNonces(), 0u) << "no nonce-count to track";
}

TEST(DigestServerTest, ResultNames)
{
    EXPECT_STREQ(ToString(VerifyResult::Ok), "Ok");
    EXPECT_STREQ(ToString(VerifyResult::Stale), "Stale");
    EXPECT_STREQ(ToString(VerifyResult::BadNonce), "BadNonce");
    EXPECT_STREQ(ToString(VerifyResult::BadResponse), "BadResponse");
    EXPECT_STREQ(ToString(VerifyResult::WrongRealm), "WrongRealm");
    EXPECT_STREQ(ToString(VerifyResult::UnsupportedAlgorithm), "UnsupportedAlgorithm");
    EXPECT_STREQ(ToString(VerifyResult::MissingParameter), "MissingParameter");
    EXPECT_STREQ(ToString(VerifyResult::Replay), "Replay");
}

} // namespace
} // namespace sipsim

namespace sipsim {
namespace {

TEST(DigestServerSet, ChallengesOncePerAlgorithmAndVerifiesByTheAnsweredOne)
{
    DigestServerSet set("r", "k", {DigestAlgorithm::Sha256, DigestAlgorithm::Md5});
    const auto challenges = set.MakeChallenges(1.0);
    ASSERT_EQ(challenges.size(), 2u);
    EXPECT_EQ(challenges[0].GetAlgorithm(), "SHA-256");
    EXPECT_EQ(challenges[1].GetAlgorithm(), "MD5");
    DigestClientInput input;
    input.username = "alice";
    input.password = "pw";
    input.method = "REGISTER";
    input.digestUri = "sip:r";
    input.cnonce = "c0ffee";
    for (const Challenge& challenge : challenges)
    {
        Credentials credentials;
        std::string error;
        ASSERT_TRUE(MakeDigestCredentials(challenge, input, &credentials, &error)) << error;
        EXPECT_EQ(set.Verify(credentials, "REGISTER", "pw", 2.0), VerifyResult::Ok)
            << challenge.GetAlgorithm();
        EXPECT_EQ(set.Verify(credentials, "REGISTER", "wrong", 2.0), VerifyResult::BadResponse);
    }
    // An algorithm the set does not offer.
    DigestServerSet md5Only("r", "k", {DigestAlgorithm::Md5});
    Credentials sha;
    std::string error;
    ASSERT_TRUE(MakeDigestCredentials(challenges[0], input, &sha, &error)) << error;
    EXPECT_EQ(md5Only.Verify(sha, "REGISTER", "pw", 2.0), VerifyResult::UnsupportedAlgorithm);
    // One algorithm: the nonces of a DigestServer with the same key.
    DigestServer single("r", "k", DigestAlgorithm::Md5);
    EXPECT_EQ(md5Only.MakeChallenges(3.0)[0].ToString(), single.MakeChallenge(3.0).ToString());
}

} // namespace
} // namespace sipsim
