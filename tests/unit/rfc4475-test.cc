/*
 * RFC 4475 torture messages: every message of the archive is a case. Valid messages parse and
 * expose the values the RFC calls out; invalid ones are rejected with the answer INDEX.md lists;
 * transaction- and application-layer messages parse and expose what later layers reject on.
 */
#include "message/auth-header.h"
#include "message/sip-parser.h"
#include "test-util.h"

#include <dirent.h>
#include <functional>
#include <gtest/gtest.h>
#include <set>

namespace sipsim {
namespace {

struct TortureCase
{
    const char* file;
    bool valid;
    uint16_t answer; ///< for invalid messages: expected answer (0 = silently dropped)
    std::function<void(const Message&)> check;
};

std::ostream&
operator<<(std::ostream& os, const TortureCase& c)
{
    return os << c.file;
}

std::string
UserOf(const NameAddr* na)
{
    return na ? na->uri.UserUnescaped() : std::string("<missing>");
}

const std::vector<TortureCase>&
Cases()
{
    static const std::vector<TortureCase> cases = {
        // --- 3.1.1 valid messages ---------------------------------------------------------------
        {"wsinv.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetMethod(), Method::Invite);
             EXPECT_EQ(m.GetMaxForwards(), 68);
             ASSERT_NE(m.GetCSeq(), nullptr);
             EXPECT_EQ(m.GetCSeq()->number, 9u);
             EXPECT_EQ(m.GetCSeq()->method, "INVITE");
             EXPECT_EQ(m.GetCallId(), "wsinv.ndaksdj@192.0.2.1");
             ASSERT_NE(m.GetTopVia(), nullptr);
             EXPECT_EQ(m.GetTopVia()->transport, "UDP");
             EXPECT_EQ(m.GetTopVia()->host, "192.0.2.2");
             EXPECT_EQ(m.GetTopVia()->Branch(), "390skdjuw");
             const auto vias = m.GetVias();
             ASSERT_EQ(vias.size(), 3u);
             EXPECT_EQ(vias[1].transport, "TCP");
             EXPECT_EQ(vias[1].host, "spindle.example.com");
             EXPECT_EQ(vias[1].Branch(), "z9hG4bK9ikj8");
             EXPECT_EQ(vias[2].Branch(), "z9hG4bK30239");
             EXPECT_EQ(m.GetTo()->Tag(), "1918181833n");
             EXPECT_EQ(m.GetFrom()->Tag(), "98asjd8");
             EXPECT_EQ(m.GetFrom()->DisplayNameText(), "J Rosenberg \\\"");
             EXPECT_EQ(m.FindHeader(HeaderId::Subject).value_or("<absent>"), "");
             EXPECT_EQ(m.FindHeader("NewFangledHeader").value_or(""),
                       "newfangled value continued newfangled value");
             EXPECT_EQ(m.FindHeader("UnknownHeaderWithUnusualValue").value_or(""), ";;,,;;,;");
             const auto contacts = m.GetContacts();
             ASSERT_EQ(contacts.size(), 1u);
             EXPECT_EQ(contacts[0].DisplayNameText(), "Quoted string \"\"");
             EXPECT_EQ(contacts[0].params.Get("q").value_or(""), "0.33");
             EXPECT_EQ(contacts[0].params.Get("newparam").value_or(""), "newvalue");
             EXPECT_TRUE(contacts[0].params.Has("secondparam"));
             EXPECT_EQ(m.GetBody().size(), 150u);
             EXPECT_EQ(m.GetRoutes().size(), 1u);
         }},
        {"intmeth.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetMethod(), Method::Extension);
             EXPECT_EQ(m.GetMethodName(), "!interesting-Method0123456789_*+`.%indeed'~");
             EXPECT_EQ(m.GetRequestUri().host, "example.com");
             EXPECT_EQ(m.GetRequestUri().user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
             EXPECT_EQ(m.GetRequestUri().password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
             const std::string dn = m.GetTo()->DisplayNameText();
             EXPECT_EQ(dn, std::string("BEL:\x07 NUL:\0 DEL:\x7f", 17));
             EXPECT_EQ(m.GetCallId(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
             EXPECT_EQ(m.GetTopVia()->Branch(), "z9hG4bK-.!%66*_+`'~");
             EXPECT_EQ(m.GetFrom()->Tag(), "_token~1'+`*%!-.");
             EXPECT_TRUE(m.FindHeader("extensionHeader-!.%*+_`'~").has_value());
         }},
        {"esc01.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetRequestUri().UserUnescaped(), "sips:user@example.com");
             EXPECT_EQ(m.GetRequestUri().host, "example.net");
             EXPECT_EQ(UserOf(m.GetTo()), "user");
             EXPECT_EQ(UserOf(m.GetFrom()), "I have spaces");
             const auto contacts = m.GetContacts();
             ASSERT_EQ(contacts.size(), 1u);
             EXPECT_EQ(contacts[0].uri.UserUnescaped(), "caller");
             EXPECT_TRUE(contacts[0].uri.ParamUnescaped("lr").has_value());
             // No recursive unescaping: v%61lue%25%34%31 is "value%41".
             EXPECT_EQ(contacts[0].uri.ParamUnescaped("name").value_or(""), "value%41");
         }},
        {"escnull.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(UserOf(m.GetTo()), std::string("null-\0-null", 11));
             const auto contacts = m.GetContacts();
             ASSERT_EQ(contacts.size(), 2u);
             EXPECT_EQ(contacts[0].uri.UserUnescaped(), std::string(1, '\0'));
             EXPECT_EQ(contacts[1].uri.UserUnescaped(), std::string(2, '\0'));
             EXPECT_NE(contacts[0].uri.UserUnescaped(), contacts[1].uri.UserUnescaped());
         }},
        {"esc02.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetMethodName(), "RE%47IST%45R");
             EXPECT_EQ(m.GetMethod(), Method::Extension);
             EXPECT_EQ(m.GetTo()->DisplayNameText(), "%Z%45");
             EXPECT_EQ(m.GetContacts().size(), 2u);
             EXPECT_TRUE(m.FindHeader("C%6Fntact").has_value());
         }},
        {"lwsdisp.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetFrom()->DisplayNameText(), "caller");
             EXPECT_EQ(m.GetFrom()->Tag(), "323");
         }},
        {"longreq.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetVias().size(), 34u);
             EXPECT_EQ(m.GetTopVia()->host, "sip33.example.com");
             EXPECT_EQ(m.GetCallId().substr(0, 17), "longreq.onereally");
             EXPECT_GT(m.GetTo()->DisplayNameText().size(), 100u);
             EXPECT_EQ(m.GetTo()->uri.port, 6000);
         }},
        {"dblreq.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetMethod(), Method::Register);
             EXPECT_EQ(m.GetContentLength(), 0);
             EXPECT_TRUE(m.GetBody().empty()); // trailing INVITE octets ignored (18.3)
         }},
        {"semiuri.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetRequestUri().user, "user;par=u%40example.net");
             EXPECT_EQ(m.GetRequestUri().UserUnescaped(), "user;par=u@example.net");
             EXPECT_EQ(m.GetRequestUri().host, "example.com");
             EXPECT_TRUE(m.GetRequestUri().params.Empty());
             EXPECT_EQ(m.GetHeaderValues(HeaderId::Accept).size(), 6u);
         }},
        {"transports.dat", true, 0,
         [](const Message& m) {
             const auto vias = m.GetVias();
             ASSERT_EQ(vias.size(), 5u);
             EXPECT_EQ(vias[0].transport, "UDP");
             EXPECT_EQ(vias[1].transport, "SCTP");
             EXPECT_EQ(vias[2].transport, "TLS");
             EXPECT_EQ(vias[3].transport, "UNKNOWN");
             EXPECT_EQ(vias[4].transport, "TCP");
         }},
        {"mpart01.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetMethod(), Method::Message);
             EXPECT_EQ(static_cast<int64_t>(m.GetBody().size()), m.GetContentLength());
             EXPECT_EQ(std::count(m.GetBody().begin(), m.GetBody().end(), '\0'), 2);
             ASSERT_TRUE(m.GetContentType().has_value());
             EXPECT_EQ(m.GetContentType()->subtype, "mixed");
         }},
        {"unreason.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetStatusCode(), 200);
             EXPECT_EQ(m.GetReasonPhrase(),
                       "= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe "
                       "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe "
                       "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - "
                       "\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5");
         }},
        {"noreason.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetStatusCode(), 100);
             EXPECT_EQ(m.GetReasonPhrase(), "");
         }},
        // --- 3.1.2 invalid messages -------------------------------------------------------------
        {"badinv01.dat", false, 400, nullptr},
        {"clerr.dat", false, 400, nullptr},
        {"ncl.dat", false, 400, nullptr},
        {"scalar02.dat", false, 400, nullptr},
        {"scalarlg.dat", false, 0, nullptr},
        {"quotbal.dat", false, 400, nullptr},
        {"ltgtruri.dat", false, 400, nullptr},
        {"lwsruri.dat", false, 400, nullptr},
        {"lwsstart.dat", false, 400, nullptr},
        {"trws.dat", false, 400, nullptr},
        {"escruri.dat", false, 400, nullptr},
        {"baddate.dat", false, 400, nullptr},
        {"regbadct.dat", false, 400, nullptr},
        {"badaspec.dat", false, 400, nullptr},
        {"baddn.dat", false, 400, nullptr},
        {"variants/baddn.with-final-crlf.dat", false, 400, nullptr},
        {"badvers.dat", false, 505, nullptr},
        {"mismatch01.dat", false, 400, nullptr},
        {"mismatch02.dat", false, 501, nullptr},
        {"bigcode.dat", false, 0, nullptr},
        // --- 3.2 transaction layer --------------------------------------------------------------
        {"badbranch.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetTopVia()->Branch(), "z9hG4bK");
             EXPECT_FALSE(m.GetTopVia()->HasMagicCookie()); // RFC 2543 matching applies
         }},
        // --- 3.3 application layer --------------------------------------------------------------
        {"insuf.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.MissingRequiredHeader(), HeaderId::To);
             EXPECT_FALSE(m.HasHeader(HeaderId::CallId));
             EXPECT_FALSE(m.HasHeader(HeaderId::From));
         }},
        {"unkscm.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetRequestUri().scheme, UriScheme::Other);
             EXPECT_EQ(m.GetRequestUri().schemeName, "nobodyKnowsThisScheme");
             EXPECT_EQ(m.GetRequestUri().opaque, "totallyopaquecontent");
         }},
        {"novelsc.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetRequestUri().scheme, UriScheme::Other);
             EXPECT_EQ(m.GetRequestUri().schemeName, "soap.beep");
         }},
        {"unksm2.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetTo()->uri.schemeName, "isbn");
             EXPECT_EQ(m.GetFrom()->uri.schemeName, "http");
             ASSERT_EQ(m.GetContacts().size(), 1u);
             EXPECT_EQ(m.GetContacts()[0].uri.schemeName, "name");
             EXPECT_FALSE(m.GetTo()->uri.IsSipOrSips());
         }},
        {"bext01.dat", true, 0,
         [](const Message& m) {
             const auto require = m.GetTokens(HeaderId::Require);
             ASSERT_EQ(require.size(), 2u);
             EXPECT_EQ(require[0], "nothingSupportsThis");
             EXPECT_EQ(require[1], "nothingSupportsThisEither");
             EXPECT_EQ(m.GetTokens(HeaderId::ProxyRequire).size(), 2u);
         }},
        {"invut.dat", true, 0,
         [](const Message& m) {
             ASSERT_TRUE(m.GetContentType().has_value());
             EXPECT_EQ(m.GetContentType()->type, "application");
             EXPECT_EQ(m.GetContentType()->subtype, "unknownformat");
         }},
        {"regaut01.dat", true, 0,
         [](const Message& m) {
             const auto value = m.FindHeader(HeaderId::Authorization);
             ASSERT_TRUE(value.has_value());
             Credentials credentials;
             std::string error;
             ASSERT_TRUE(Credentials::Parse(*value, &credentials, &error)) << error;
             EXPECT_EQ(credentials.scheme, "NoOneKnowsThisScheme");
         }},
        {"multi01.dat", true, 0,
         [](const Message& m) {
             EXPECT_NE(m.DuplicatedSingleHeader(), HeaderId::Unknown);
             EXPECT_EQ(m.CountHeaderFields(HeaderId::CallId), 2u);
             EXPECT_EQ(m.CountHeaderFields(HeaderId::MaxForwards), 2u);
         }},
        {"mcl01.dat", false, 400, nullptr},
        {"bcast.dat", true, 0,
         [](const Message& m) {
             const auto vias = m.GetVias();
             ASSERT_EQ(vias.size(), 2u);
             EXPECT_EQ(vias[1].host, "255.255.255.255");
         }},
        {"zeromf.dat", true, 0, [](const Message& m) { EXPECT_EQ(m.GetMaxForwards(), 0); }},
        {"cparam01.dat", true, 0,
         [](const Message& m) {
             const auto contacts = m.GetContacts();
             ASSERT_EQ(contacts.size(), 1u);
             EXPECT_FALSE(contacts[0].bracketed);
             EXPECT_TRUE(contacts[0].uri.params.Empty()); // a contact-param, not a url-param
             EXPECT_TRUE(contacts[0].params.Has("unknownparam"));
         }},
        {"cparam02.dat", true, 0,
         [](const Message& m) {
             const auto contacts = m.GetContacts();
             ASSERT_EQ(contacts.size(), 1u);
             EXPECT_TRUE(contacts[0].uri.params.Has("unknownparam")); // a url-param
             EXPECT_TRUE(contacts[0].params.Empty());
         }},
        {"regescrt.dat", true, 0,
         [](const Message& m) {
             const auto contacts = m.GetContacts();
             ASSERT_EQ(contacts.size(), 1u);
             EXPECT_EQ(contacts[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
         }},
        {"sdp01.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.FindHeader(HeaderId::Accept).value_or(""), "text/nobodyKnowsThis");
         }},
        // --- 3.4 backward compatibility ---------------------------------------------------------
        {"inv2543.dat", true, 0,
         [](const Message& m) {
             EXPECT_EQ(m.GetContentLength(), -1);
             EXPECT_FALSE(m.GetBody().empty()); // body runs to the end of the datagram
             EXPECT_EQ(m.GetBody().substr(0, 5), "v=0\r\n");
             EXPECT_EQ(m.GetTopVia()->Branch(), "");
             EXPECT_EQ(m.GetFrom()->Tag(), "");
             EXPECT_EQ(m.GetMaxForwards(), -1);
         }},
        // Not referenced by the RFC: a Request-Line without SIP-Version is malformed.
        {"test.dat", false, 400, nullptr},
    };
    return cases;
}

class Rfc4475 : public ::testing::TestWithParam<TortureCase>
{};

TEST_P(Rfc4475, BehavesAsTheRfcSays)
{
    const TortureCase& c = GetParam();
    const std::string bytes = test::ReadData(std::string("rfc4475/") + c.file);
    const ParseResult result = Parse(bytes, Framing::Datagram);
    if (c.valid)
    {
        ASSERT_TRUE(result.Ok()) << c.file << ": " << result.GetError().what;
        c.check(result.GetMessage());
        // A parsed message serializes to text that parses to an equal message.
        const std::string text = result.GetMessage().Serialize();
        const ParseResult again = Parse(text, Framing::Datagram);
        ASSERT_TRUE(again.Ok()) << again.GetError().what << "\n" << text;
        EXPECT_TRUE(again.GetMessage() == result.GetMessage()) << text;
        EXPECT_EQ(text, again.GetMessage().Serialize());
        c.check(again.GetMessage());
    }
    else
    {
        ASSERT_FALSE(result.Ok()) << c.file << " parsed but must be rejected";
        const ParseError& e = result.GetError();
        EXPECT_EQ(e.answer, c.answer) << c.file << ": " << e.what;
        EXPECT_FALSE(e.what.empty());
        if (c.answer != 0)
        {
            EXPECT_TRUE(e.isRequest);
            EXPECT_FALSE(e.answerReason.empty());
            // What a stateless answer needs is echoed (test.dat has no Via to echo).
            const bool hasVia = bytes.find("\nVia:") != std::string::npos
                                || bytes.find("\nv:") != std::string::npos;
            EXPECT_EQ(e.echoHeaders.find("Via: ") != std::string::npos, hasVia) << e.echoHeaders;
            EXPECT_NE(e.echoHeaders.find("Call-ID: "), std::string::npos) << e.echoHeaders;
        }
        else
        {
            EXPECT_FALSE(e.isRequest);
        }
    }
}

std::string
CaseName(const ::testing::TestParamInfo<TortureCase>& info)
{
    std::string name = info.param.file;
    name = name.substr(name.rfind('/') + 1);
    name = name.substr(0, name.find('.'));
    if (std::string(info.param.file).find("variants/") == 0)
    {
        name += "_variant";
    }
    for (char& ch : name)
    {
        ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Archive, Rfc4475, ::testing::ValuesIn(Cases()), CaseName);

TEST(Rfc4475Archive, EveryMessageHasACase)
{
    std::set<std::string> listed;
    for (const TortureCase& c : Cases())
    {
        listed.insert(c.file);
    }
    const std::string dir = std::string(SIPSIM_TEST_DATA) + "/rfc4475";
    DIR* d = opendir(dir.c_str());
    ASSERT_NE(d, nullptr);
    size_t files = 0;
    while (dirent* entry = readdir(d))
    {
        const std::string name = entry->d_name;
        if (name.size() > 4 && name.substr(name.size() - 4) == ".dat")
        {
            ++files;
            EXPECT_EQ(listed.count(name), 1u) << name << " has no case";
        }
    }
    closedir(d);
    EXPECT_EQ(files, 50u);
}

TEST(Rfc4475Archive, BadDisplayNameIsRejectedForItsDisplayNameWhenTerminated)
{
    const ParseResult r = Parse(test::ReadData("rfc4475/variants/baddn.with-final-crlf.dat"));
    ASSERT_FALSE(r.Ok());
    EXPECT_NE(r.GetError().what.find("display name"), std::string::npos) << r.GetError().what;
}

TEST(Rfc4475Archive, ContentLengthPastTheDatagramIsAnErrorButTcpFramingWaits)
{
    const std::string bytes = test::ReadData("rfc4475/clerr.dat");
    EXPECT_EQ(Parse(bytes).GetError().answer, 400);
    EXPECT_EQ(FindStreamFrame(bytes).status, StreamFrame::Status::Incomplete);
}

TEST(Rfc4475Archive, NegativeAndDuplicateContentLengthAreStreamFramingErrors)
{
    EXPECT_EQ(FindStreamFrame(test::ReadData("rfc4475/ncl.dat")).status,
              StreamFrame::Status::Error);
    EXPECT_EQ(FindStreamFrame(test::ReadData("rfc4475/mcl01.dat")).status,
              StreamFrame::Status::Error);
}

} // namespace
} // namespace sipsim
