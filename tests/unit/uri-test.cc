#include "message/sip-uri.h"

#include <gtest/gtest.h>

namespace sipsim {
namespace {

Uri
MustParse(std::string_view text)
{
    Uri uri;
    const char* err = ParseUri(text, &uri);
    EXPECT_EQ(err, nullptr) << text << ": " << (err ? err : "");
    return uri;
}

TEST(Uri, FullSipUri)
{
    const Uri u
        = MustParse("sip:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=hi&x=1");
    EXPECT_EQ(u.scheme, UriScheme::Sip);
    EXPECT_EQ(u.user, "alice");
    EXPECT_TRUE(u.hasPassword);
    EXPECT_EQ(u.password, "secret");
    EXPECT_EQ(u.host, "atlanta.example.com");
    EXPECT_EQ(u.port, 5061);
    EXPECT_EQ(u.params.Get("transport").value_or(""), "tcp");
    EXPECT_TRUE(u.params.Has("lr"));
    EXPECT_TRUE(u.params.Has("LR")); // parameter names are case-insensitive
    EXPECT_EQ(u.params.Get("lr").value_or("x"), "");
    EXPECT_FALSE(u.params.Has("maddr"));
    EXPECT_EQ(u.params.Count(), 2u);
    EXPECT_EQ(u.headers, "subject=hi&x=1");
    EXPECT_EQ(u.ToString(), u.text);
}

TEST(Uri, SipsIpv4AndIpv6Hosts)
{
    EXPECT_EQ(MustParse("sips:bob@192.0.2.4").scheme, UriScheme::Sips);
    EXPECT_EQ(MustParse("sips:bob@192.0.2.4").host, "192.0.2.4");
    const Uri v6 = MustParse("sip:[2001:db8::10]:5070");
    EXPECT_EQ(v6.host, "[2001:db8::10]");
    EXPECT_EQ(v6.port, 5070);
    EXPECT_FALSE(v6.hasUser);
    EXPECT_EQ(MustParse("SIP:Bob@Example.COM").scheme, UriScheme::Sip);
}

TEST(Uri, TelUri)
{
    const Uri u = MustParse("tel:+1-201-555-0123;phone-context=example.com");
    EXPECT_EQ(u.scheme, UriScheme::Tel);
    EXPECT_EQ(u.user, "+1-201-555-0123");
    EXPECT_EQ(u.params.Get("phone-context").value_or(""), "example.com");
}

TEST(Uri, OtherSchemesAreKeptOpaque)
{
    const Uri u = MustParse("mailto:someone@example.com");
    EXPECT_EQ(u.scheme, UriScheme::Other);
    EXPECT_EQ(u.schemeName, "mailto");
    EXPECT_EQ(u.opaque, "someone@example.com");
}

TEST(Uri, EscapedUserAndParameters)
{
    const Uri u = MustParse("sip:I%20have%20spaces@example.net;n%61me=v%61lue");
    EXPECT_EQ(u.UserUnescaped(), "I have spaces");
    EXPECT_EQ(u.ParamUnescaped("name").value_or(""), "value");
}

TEST(Uri, RejectsMalformedUris)
{
    Uri u;
    EXPECT_NE(ParseUri("", &u), nullptr);
    EXPECT_NE(ParseUri("sip:", &u), nullptr);
    EXPECT_NE(ParseUri("sip:@host", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@host:99999", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@host:", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@ho st", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@host;", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@host;;lr", &u), nullptr);
    EXPECT_NE(ParseUri("sip:user@host?", &u), nullptr);
    EXPECT_NE(ParseUri("sip:us%zzer@host", &u), nullptr);
    EXPECT_NE(ParseUri("sip:[2001:db8::1@host", &u), nullptr);
    EXPECT_NE(ParseUri("<sip:user@host>", &u), nullptr);
    EXPECT_NE(ParseUri("1sip:user@host", &u), nullptr);
    EXPECT_NE(ParseUri("tel:", &u), nullptr);
    EXPECT_NE(ParseUri("nocolon", &u), nullptr);
}

TEST(Uri, MakeSipUriEscapesTheUser)
{
    EXPECT_EQ(MakeSipUri("alice", "example.com"), "sip:alice@example.com");
    EXPECT_EQ(MakeSipUri("a b", "example.com", 5060), "sip:a%20b@example.com:5060");
    EXPECT_EQ(MakeSipUri("", "proxy.example.com", -1, true), "sips:proxy.example.com");
    const std::string made = MakeSipUri(std::string("x\0y@z", 5), "h");
    const Uri u = MustParse(made);
    EXPECT_EQ(u.UserUnescaped(), std::string("x\0y@z", 5));
}

} // namespace
} // namespace sipsim
