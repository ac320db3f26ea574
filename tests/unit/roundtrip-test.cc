/*
 * Round trips: parsed text serializes and parses back to an equal message; messages built in
 * code serialize to valid text; setters keep the cached headers right.
 */
#include "message/sip-parser.h"
#include "test-util.h"

#include <gtest/gtest.h>

namespace sipsim {
namespace {

Message
BuildInvite()
{
    Message m = Message::MakeRequest("INVITE", "sip:bob@biloxi.example.com");
    m.AddHeader(HeaderId::Via,
                Via::Format("UDP", "pc33.atlanta.example.com", 5060, "z9hG4bK74bf9"));
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::To, "Bob <sip:bob@biloxi.example.com>");
    m.AddHeader(HeaderId::From, "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl");
    m.AddHeader(HeaderId::CallId, "3848276298220188511@atlanta.example.com");
    m.AddHeader(HeaderId::CSeq, "1 INVITE");
    m.AddHeader(HeaderId::Contact, "<sip:alice@pc33.atlanta.example.com>");
    m.AddHeader("X-Scenario", "round trip");
    m.SetBody("application/sdp", "v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33\r\n");
    return m;
}

TEST(RoundTrip, BuiltMessageSerializesToValidText)
{
    const Message m = BuildInvite();
    const std::string text = m.Serialize();
    EXPECT_EQ(text.size(), m.SerializedSize());
    EXPECT_EQ(text.substr(0, 44), "INVITE sip:bob@biloxi.example.com SIP/2.0\r\nV");
    const ParseResult r = Parse(text, Framing::Stream);
    ASSERT_TRUE(r.Ok()) << r.GetError().what << "\n" << text;
    EXPECT_TRUE(r.GetMessage() == m);
    EXPECT_EQ(r.GetMessage().GetContentLength(), static_cast<int64_t>(m.GetBody().size()));
    EXPECT_EQ(r.GetMessage().GetTopVia()->Branch(), "z9hG4bK74bf9");
    EXPECT_EQ(r.GetMessage().FindHeader("x-scenario").value_or(""), "round trip");
}

TEST(RoundTrip, ResponseBuiltFromRequestHeaders)
{
    const Message invite = BuildInvite();
    Message ringing = Message::MakeResponse(180);
    for (HeaderId id :
         {HeaderId::Via, HeaderId::From, HeaderId::To, HeaderId::CallId, HeaderId::CSeq})
    {
        for (std::string_view v : invite.GetHeaderValues(id))
        {
            ringing.AddHeader(id, v);
        }
    }
    ringing.SetHeader(HeaderId::To,
                      std::string(*invite.FindHeader(HeaderId::To)) + ";tag=8321234356");
    ringing.SetHeader(HeaderId::ContentLength, "0");
    EXPECT_EQ(ringing.GetReasonPhrase(), "Ringing");
    EXPECT_EQ(ringing.GetTo()->Tag(), "8321234356");
    const ParseResult r = Parse(ringing.Serialize());
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_TRUE(r.GetMessage() == ringing);
    EXPECT_EQ(r.GetMessage().GetStatusCode(), 180);
}

TEST(RoundTrip, SettersKeepTheCacheRight)
{
    Message m = BuildInvite();
    m.PrependHeader(HeaderId::Via, Via::Format("UDP", "proxy.example.com", -1, "z9hG4bKp1"));
    EXPECT_EQ(m.GetTopVia()->host, "proxy.example.com");
    EXPECT_EQ(m.GetVias().size(), 2u);
    m.SetHeader(HeaderId::MaxForwards, "69");
    EXPECT_EQ(m.GetMaxForwards(), 69);
    EXPECT_TRUE(m.RemoveFirstValue(HeaderId::Via));
    EXPECT_EQ(m.GetTopVia()->host, "pc33.atlanta.example.com");
    EXPECT_EQ(m.RemoveHeader(HeaderId::Contact), 1u);
    EXPECT_FALSE(m.HasHeader(HeaderId::Contact));
    m.SetRequestUri("sip:bob@192.0.2.4");
    EXPECT_EQ(m.GetRequestUri().host, "192.0.2.4");
    const ParseResult r = Parse(m.Serialize());
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_TRUE(r.GetMessage() == m);
}

TEST(RoundTrip, RemoveFirstValueOfAMultiValueLine)
{
    const ParseResult r = Parse(test::Crlf(
        {"SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
         "To: <sip:b@h>;tag=2", "From: <sip:a@h>;tag=1", "Call-ID: x", "CSeq: 1 INVITE", "l: 0"}));
    ASSERT_TRUE(r.Ok());
    Message m = r.GetMessage();
    ASSERT_TRUE(m.RemoveFirstValue(HeaderId::Via));
    EXPECT_EQ(m.GetTopVia()->host, "b");
    EXPECT_EQ(m.GetVias().size(), 1u);
    ASSERT_TRUE(m.RemoveFirstValue(HeaderId::Via));
    EXPECT_EQ(m.GetTopVia(), nullptr);
    EXPECT_FALSE(m.RemoveFirstValue(HeaderId::Via));
}

TEST(RoundTrip, CopiesAreDeepAndIndependent)
{
    Message original = BuildInvite();
    Message copy = original;
    EXPECT_TRUE(copy == original);
    EXPECT_NE(copy.GetCallId().data(), original.GetCallId().data());
    copy.SetHeader(HeaderId::CallId, "other");
    EXPECT_EQ(original.GetCallId(), "3848276298220188511@atlanta.example.com");
    EXPECT_EQ(copy.GetCallId(), "other");
    EXPECT_FALSE(copy == original);
    Message moved = std::move(copy);
    EXPECT_EQ(moved.GetCallId(), "other");
    EXPECT_EQ(moved.GetTopVia()->Branch(), "z9hG4bK74bf9");
    {
        Message temp = BuildInvite();
        original = temp;
    }
    EXPECT_EQ(original.GetFrom()->Tag(), "9fxced76sl"); // views survive the source's death
}

TEST(RoundTrip, CanonicalFormUsesLongNamesAndUnfoldedValues)
{
    const ParseResult r = Parse(test::ReadData("rfc4475/wsinv.dat"));
    ASSERT_TRUE(r.Ok());
    const std::string text = r.GetMessage().Serialize();
    EXPECT_NE(text.find("\r\nTo: sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\r\nCSeq: 0009 INVITE\r\n"), std::string::npos);
    EXPECT_NE(text.find("\r\nContact: \"Quoted string"), std::string::npos);
    EXPECT_EQ(text.find("\r\nm:"), std::string::npos);
}

} // namespace
} // namespace sipsim

namespace sipsim {
namespace {

TEST(RoundTrip, AuthenticationHeadersDecodeFromTheMessage)
{
    const ParseResult r = Parse(test::ReadData("../../bench/messages/register-auth.sip"));
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    const auto credentials = r.GetMessage().GetCredentials(HeaderId::Authorization);
    ASSERT_EQ(credentials.size(), 1u);
    EXPECT_EQ(credentials[0].GetUsername(), "bob");
    EXPECT_EQ(credentials[0].GetResponse(), "6629fae49393a05397450978507c4ef1");
    EXPECT_TRUE(r.GetMessage().GetChallenges(HeaderId::WwwAuthenticate).empty());

    Message challenge = Message::MakeResponse(401);
    challenge.AddHeader(
        HeaderId::WwwAuthenticate,
        R"(Digest realm="biloxi.example.com", qop="auth", nonce="abc", stale=TRUE)");
    const auto challenges
        = Parse(challenge.Serialize()).GetMessage().GetChallenges(HeaderId::WwwAuthenticate);
    ASSERT_EQ(challenges.size(), 1u);
    EXPECT_EQ(challenges[0].GetRealm(), "biloxi.example.com");
    EXPECT_TRUE(challenges[0].GetStale());
}

} // namespace
} // namespace sipsim
