#include "message/sip-headers.h"

#include <gtest/gtest.h>
#include <vector>

namespace sipsim {
namespace {

TEST(Headers, LookupIsCaseInsensitiveWithCompactForms)
{
    EXPECT_EQ(LookupHeader("Via"), HeaderId::Via);
    EXPECT_EQ(LookupHeader("vIA"), HeaderId::Via);
    EXPECT_EQ(LookupHeader("v"), HeaderId::Via);
    EXPECT_EQ(LookupHeader("V"), HeaderId::Via);
    EXPECT_EQ(LookupHeader("i"), HeaderId::CallId);
    EXPECT_EQ(LookupHeader("m"), HeaderId::Contact);
    EXPECT_EQ(LookupHeader("e"), HeaderId::ContentEncoding);
    EXPECT_EQ(LookupHeader("l"), HeaderId::ContentLength);
    EXPECT_EQ(LookupHeader("f"), HeaderId::From);
    EXPECT_EQ(LookupHeader("t"), HeaderId::To);
    EXPECT_EQ(LookupHeader("TO"), HeaderId::To);
    EXPECT_EQ(LookupHeader("c"), HeaderId::ContentType);
    EXPECT_EQ(LookupHeader("k"), HeaderId::Supported);
    EXPECT_EQ(LookupHeader("s"), HeaderId::Subject);
    EXPECT_EQ(LookupHeader("call-id"), HeaderId::CallId);
    EXPECT_EQ(LookupHeader("www-authenticate"), HeaderId::WwwAuthenticate);
    EXPECT_EQ(LookupHeader("Proxy-Authorization"), HeaderId::ProxyAuthorization);
    EXPECT_EQ(LookupHeader("X-Custom"), HeaderId::Unknown);
    EXPECT_EQ(LookupHeader("C%6Fntact"), HeaderId::Unknown);
    EXPECT_EQ(LookupHeader(""), HeaderId::Unknown);
    EXPECT_EQ(LookupHeader(std::string(300, 'a')), HeaderId::Unknown);
}

TEST(Headers, EveryKnownIdHasACanonicalNameThatMapsBack)
{
    for (int i = 1; i < static_cast<int>(HeaderId::kCount); ++i)
    {
        const auto id = static_cast<HeaderId>(i);
        const std::string_view name = CanonicalName(id);
        ASSERT_FALSE(name.empty()) << i;
        EXPECT_EQ(LookupHeader(name), id) << name;
    }
}

TEST(Headers, ListSplittingRespectsQuotesAndBrackets)
{
    std::vector<std::string_view> parts;
    EXPECT_TRUE(ForEachListElement(R"("Doe, John" <sip:a@b;x=1,2>;q=0.5 , <sip:c@d>)",
                                   [&](std::string_view e) {
                                       parts.push_back(e);
                                       return true;
                                   }));
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], R"("Doe, John" <sip:a@b;x=1,2>;q=0.5)");
    EXPECT_EQ(parts[1], "<sip:c@d>");
    EXPECT_FALSE(ForEachListElement("a,,b", [](std::string_view) { return true; }));
    EXPECT_FALSE(ForEachListElement("a,", [](std::string_view) { return true; }));
}

TEST(Headers, ViaWithAllParameters)
{
    Via via;
    ASSERT_EQ(ParseVia("SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds;received=192.0.2.9;"
                       "rport=5070;maddr=224.2.0.1;ttl=16",
                       &via),
              nullptr);
    EXPECT_EQ(via.protocolName, "SIP");
    EXPECT_EQ(via.protocolVersion, "2.0");
    EXPECT_EQ(via.transport, "UDP");
    EXPECT_EQ(via.host, "192.0.2.1");
    EXPECT_EQ(via.port, 5062);
    EXPECT_EQ(via.Branch(), "z9hG4bK776asdhds");
    EXPECT_TRUE(via.HasMagicCookie());
    EXPECT_EQ(via.Received().value_or(""), "192.0.2.9");
    EXPECT_EQ(via.Rport().value_or(""), "5070");
    EXPECT_EQ(via.Maddr().value_or(""), "224.2.0.1");
    EXPECT_EQ(via.Ttl(), 16);
}

TEST(Headers, ViaRportWithoutValueAndIpv6SentBy)
{
    Via via;
    ASSERT_EQ(ParseVia("SIP/2.0/TCP [2001:db8::9]:5060 ; rport ; branch=z9hG4bKx", &via), nullptr);
    EXPECT_EQ(via.host, "[2001:db8::9]");
    EXPECT_EQ(via.port, 5060);
    ASSERT_TRUE(via.Rport().has_value());
    EXPECT_TRUE(via.Rport()->empty());
    EXPECT_FALSE(via.Received().has_value());
    EXPECT_EQ(via.Ttl(), -1);
}

TEST(Headers, ViaFaults)
{
    Via via;
    EXPECT_NE(ParseVia("SIP/2.0 host", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP host;;", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP host;ttl=256", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP host:70000", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP host junk", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP host;branch=", &via), nullptr);
    EXPECT_NE(ParseVia("SIP/2.0/UDP host;rport=x", &via), nullptr);
}

TEST(Headers, ViaFormatParsesBack)
{
    const std::string text = Via::Format("TCP", "10.0.0.1", 5060, "z9hG4bK1");
    EXPECT_EQ(text, "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1");
    Via via;
    ASSERT_EQ(ParseVia(text, &via), nullptr);
    EXPECT_EQ(via.Branch(), "z9hG4bK1");
}

TEST(Headers, NameAddrForms)
{
    NameAddr na;
    ASSERT_EQ(ParseNameAddr(R"("Alice \"A\"" <sip:alice@atlanta.com>;tag=1928301774)", &na),
              nullptr);
    EXPECT_EQ(na.DisplayNameText(), "Alice \"A\"");
    EXPECT_TRUE(na.bracketed);
    EXPECT_EQ(na.uri.user, "alice");
    EXPECT_EQ(na.Tag(), "1928301774");

    ASSERT_EQ(ParseNameAddr("Bob Smith <sip:bob@biloxi.com>", &na), nullptr);
    EXPECT_EQ(na.DisplayNameText(), "Bob Smith");

    ASSERT_EQ(ParseNameAddr("sip:carol@chicago.com;tag=x;expires=60", &na), nullptr);
    EXPECT_FALSE(na.bracketed);
    EXPECT_EQ(na.uri.host, "chicago.com");
    EXPECT_TRUE(na.uri.params.Empty());
    EXPECT_EQ(na.params.Get("expires").value_or(""), "60");
    EXPECT_EQ(na.ToString(), "<sip:carol@chicago.com>;tag=x;expires=60");
}

TEST(Headers, NameAddrFaults)
{
    NameAddr na;
    EXPECT_NE(ParseNameAddr("", &na), nullptr);
    EXPECT_NE(ParseNameAddr(R"("open <sip:a@b>)", &na), nullptr);
    EXPECT_NE(ParseNameAddr("<sip:a@b", &na), nullptr);
    EXPECT_NE(ParseNameAddr("< sip:a@b >", &na), nullptr);
    EXPECT_NE(ParseNameAddr("Bell, Alexander <sip:a@b>", &na), nullptr);
    EXPECT_NE(ParseNameAddr("sip:a@b?Route=x", &na), nullptr);
    EXPECT_NE(ParseNameAddr("<sip:a@b> junk", &na), nullptr);
    EXPECT_NE(ParseNameAddr("<sip:a@b>;=x", &na), nullptr);
    EXPECT_NE(ParseNameAddr("<sip:a@b>;tag=\"open", &na), nullptr);
}

TEST(Headers, CSeqBounds)
{
    CSeq c;
    ASSERT_EQ(ParseCSeq("4711 INVITE", &c), nullptr);
    EXPECT_EQ(c.number, 4711u);
    EXPECT_EQ(c.method, "INVITE");
    ASSERT_EQ(ParseCSeq("4294967295 BYE", &c), nullptr);
    EXPECT_EQ(c.number, 4294967295u);
    EXPECT_NE(ParseCSeq("4294967296 BYE", &c), nullptr);
    EXPECT_NE(ParseCSeq("INVITE", &c), nullptr);
    EXPECT_NE(ParseCSeq("12", &c), nullptr);
    EXPECT_NE(ParseCSeq("12INVITE", &c), nullptr);
    EXPECT_NE(ParseCSeq("12 INVITE extra", &c), nullptr);
}

TEST(Headers, RetryAfterWithCommentAndDuration)
{
    RetryAfter r;
    ASSERT_EQ(ParseRetryAfter("18000;duration=3600", &r), nullptr);
    EXPECT_EQ(r.seconds, 18000u);
    EXPECT_EQ(r.Duration(), 3600);
    ASSERT_EQ(ParseRetryAfter("120 (I'm in a meeting)", &r), nullptr);
    EXPECT_EQ(r.seconds, 120u);
    EXPECT_EQ(r.comment, "(I'm in a meeting)");
    EXPECT_EQ(r.Duration(), -1);
    EXPECT_NE(ParseRetryAfter("949302838503028349304023988", &r), nullptr);
    EXPECT_NE(ParseRetryAfter("10 (open", &r), nullptr);
    EXPECT_NE(ParseRetryAfter("soon", &r), nullptr);
}

TEST(Headers, WarningAndMediaTypeAndDate)
{
    WarningValue w;
    ASSERT_EQ(ParseWarning(R"(370 devnull "Choose a bigger pipe")", &w), nullptr);
    EXPECT_EQ(w.code, 370);
    EXPECT_EQ(w.agent, "devnull");
    EXPECT_NE(ParseWarning(R"(1812 overture "In Progress")", &w), nullptr);
    EXPECT_NE(ParseWarning(R"(370 devnull unquoted)", &w), nullptr);

    MediaType mt;
    ASSERT_EQ(ParseMediaType("multipart/mixed;boundary=unique-boundary-1", &mt), nullptr);
    EXPECT_EQ(mt.type, "multipart");
    EXPECT_EQ(mt.params.Get("boundary").value_or(""), "unique-boundary-1");
    EXPECT_NE(ParseMediaType("application", &mt), nullptr);

    EXPECT_EQ(CheckDate("Sat, 13 Nov 2010 23:29:00 GMT"), nullptr);
    EXPECT_NE(CheckDate("Fri, 01 Jan 2010 16:00:00 EST"), nullptr);
    EXPECT_NE(CheckDate("Xyz, 01 Jan 2010 16:00:00 GMT"), nullptr);
    EXPECT_NE(CheckDate("Fri, 01 Foo 2010 16:00:00 GMT"), nullptr);
}

TEST(Headers, DeltaSeconds)
{
    uint32_t v = 0;
    ASSERT_EQ(ParseDeltaSeconds("3600", &v), nullptr);
    EXPECT_EQ(v, 3600u);
    EXPECT_NE(ParseDeltaSeconds("4294967296", &v), nullptr);
    EXPECT_NE(ParseDeltaSeconds("-5", &v), nullptr);
    EXPECT_NE(ParseDeltaSeconds("", &v), nullptr);
}

} // namespace
} // namespace sipsim
