#include "message/sip-parser.h"
#include "test-util.h"

#include <gtest/gtest.h>

namespace sipsim {
namespace {

using test::Crlf;

const char* const kInviteLines[] = {
    "INVITE sip:bob@biloxi.example.com SIP/2.0",
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8",
    "Max-Forwards: 70",
    "To: Bob <sip:bob@biloxi.example.com>",
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
    "Call-ID: a84b4c76e66710",
    "CSeq: 314159 INVITE",
    "Contact: <sip:alice@pc33.atlanta.example.com>",
};

std::string
Invite(std::initializer_list<const char*> extra, const std::string& body = "")
{
    std::string out;
    for (const char* line : kInviteLines)
    {
        out += line;
        out += "\r\n";
    }
    for (const char* line : extra)
    {
        out += line;
        out += "\r\n";
    }
    return out + "\r\n" + body;
}

TEST(Parser, TypicalInviteExposesCachedHeaders)
{
    const ParseResult r
        = Parse(Invite({"Content-Type: application/sdp", "Content-Length: 4"}, "v=0\n"));
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    const Message& m = r.GetMessage();
    EXPECT_TRUE(m.IsRequest());
    EXPECT_EQ(m.GetMethod(), Method::Invite);
    EXPECT_EQ(m.GetRequestUri().user, "bob");
    EXPECT_EQ(m.GetVersion(), "SIP/2.0");
    EXPECT_EQ(m.GetTopVia()->Branch(), "z9hG4bKnashds8");
    EXPECT_EQ(m.GetFrom()->Tag(), "1928301774");
    EXPECT_EQ(m.GetTo()->Tag(), "");
    EXPECT_EQ(m.GetCallId(), "a84b4c76e66710");
    EXPECT_EQ(m.GetCSeq()->number, 314159u);
    EXPECT_EQ(m.GetMaxForwards(), 70);
    EXPECT_EQ(m.GetContentLength(), 4);
    EXPECT_EQ(m.GetBody(), "v=0\n");
    EXPECT_EQ(m.MissingRequiredHeader(), HeaderId::Unknown);
    EXPECT_EQ(m.DuplicatedSingleHeader(), HeaderId::Unknown);
}

TEST(Parser, ResponseStatusLine)
{
    const ParseResult r = Parse(
        Crlf({"SIP/2.0 180 Ringing", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "To: <sip:b@h>;tag=2",
              "From: <sip:a@h>;tag=1", "Call-ID: x", "CSeq: 1 INVITE", "Content-Length: 0"}));
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_TRUE(r.GetMessage().IsResponse());
    EXPECT_EQ(r.GetMessage().GetStatusCode(), 180);
    EXPECT_EQ(r.GetMessage().GetReasonPhrase(), "Ringing");
    EXPECT_EQ(r.GetMessage().MissingRequiredHeader(), HeaderId::Unknown);
}

TEST(Parser, LeadingCrlfsAreIgnored)
{
    const ParseResult r = Parse("\r\n\r\n" + Invite({"Content-Length: 0"}));
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_EQ(r.GetMessage().GetMethod(), Method::Invite);
}

TEST(Parser, FoldedHeaderValuesAreUnfolded)
{
    const ParseResult r = Parse(Invite({"Subject: I know you're there,", "   pick up the phone",
                                        "\tand talk to me!", "Content-Length: 0"}));
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_EQ(r.GetMessage().FindHeader(HeaderId::Subject).value_or(""),
              "I know you're there, pick up the phone and talk to me!");
}

TEST(Parser, MultipleValuesPerLineAndAcrossLines)
{
    const ParseResult r = Parse(
        Crlf({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
              "v: SIP/2.0/TCP c;branch=z9hG4bK3", "To: <sip:b@h>;tag=2", "From: <sip:a@h>;tag=1",
              "Call-ID: x", "CSeq: 1 INVITE", "Allow: INVITE, ACK,CANCEL , BYE", "l: 0"}));
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    const auto vias = r.GetMessage().GetVias();
    ASSERT_EQ(vias.size(), 3u);
    EXPECT_EQ(vias[0].host, "a");
    EXPECT_EQ(vias[2].host, "c");
    EXPECT_EQ(r.GetMessage().GetTokens(HeaderId::Allow).size(), 4u);
}

TEST(Parser, DatagramIgnoresOctetsPastContentLength)
{
    const ParseResult r = Parse(Invite({"Content-Length: 3"}, "abcdef"));
    ASSERT_TRUE(r.Ok());
    EXPECT_EQ(r.GetMessage().GetBody(), "abc");
}

TEST(Parser, DatagramWithoutContentLengthRunsToTheEnd)
{
    const ParseResult r = Parse(Invite({}, "abcdef"));
    ASSERT_TRUE(r.Ok());
    EXPECT_EQ(r.GetMessage().GetBody(), "abcdef");
}

TEST(Parser, StreamFramingRequiresContentLength)
{
    const ParseResult r = Parse(Invite({}, ""), Framing::Stream);
    ASSERT_FALSE(r.Ok());
    EXPECT_EQ(r.GetError().answer, 400);
    EXPECT_TRUE(Parse(Invite({"Content-Length: 0"}), Framing::Stream).Ok());
}

struct Fault
{
    std::string bytes;
    uint16_t answer;
    const char* mentions;
};

class ParserFaults : public ::testing::TestWithParam<Fault>
{};

TEST_P(ParserFaults, AnswerAndDiagnosis)
{
    const ParseResult r = Parse(GetParam().bytes);
    ASSERT_FALSE(r.Ok()) << GetParam().bytes;
    EXPECT_EQ(r.GetError().answer, GetParam().answer) << r.GetError().what;
    EXPECT_NE(r.GetError().what.find(GetParam().mentions), std::string::npos) << r.GetError().what;
    if (r.GetError().answer == 400)
    {
        EXPECT_EQ(r.GetError().answerReason.rfind("Bad ", 0), 0u) << r.GetError().answerReason;
    }
    EXPECT_EQ(r.GetError().answerReason.empty(), r.GetError().answer == 0);
}

std::string
FaultName(const ::testing::TestParamInfo<Fault>& info)
{
    std::string name = std::to_string(info.index) + "_" + info.param.mentions;
    for (char& c : name)
    {
        c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ParserFaults,
    ::testing::Values(Fault{"", 400, "empty"}, Fault{"INVITE sip:a@b SIP/2.0", 400, "CRLF"},
                      Fault{"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", 400, "empty line"},
                      Fault{Invite({"Content-Length: 10"}, "abc"), 400, "larger than"},
                      Fault{Invite({"Content-Length: five"}), 400, "Content-Length"},
                      Fault{Invite({"Content-Length: 0", "l: 0"}), 400, "more than one"},
                      Fault{Invite({"Max-Forwards: 256"}), 400, "Max-Forwards"},
                      Fault{Invite({"Expires: 4294967296"}), 400, "Expires"},
                      Fault{Invite({"Contact: <sip:a@b>;q=1.5"}), 400, "q value"},
                      Fault{Invite({"Contact: <sip:a@b>;expires=99999999999"}), 400, "expires"},
                      Fault{Invite({"Route: sip:p@h;lr"}), 400, "Route"},
                      Fault{Invite({"Require: a b"}), 400, "Require"},
                      Fault{Invite({"Call-ID: a b"}), 400, "Call-ID"},
                      Fault{Invite({"Bad Name: x"}), 400, "header name"},
                      Fault{Invite({"NoColonHere"}), 400, "without ':'"},
                      Fault{" INVITE sip:a@b SIP/2.0\r\n\r\n", 400, "method"},
                      Fault{"INVITE sip:a@b SIP/2.0\r\n continuation\r\n\r\n", 400, "continuation"},
                      Fault{"INVITE sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n", 400, "bare CR"},
                      Fault{"INVITE sip:a@b SIP/2.X\r\n\r\n", 400, "SIP-Version"},
                      Fault{"INVITE sip:a@b SIP/3.0\r\n\r\n", 505, "version"},
                      Fault{"INV(TE sip:a@b SIP/2.0\r\n\r\n", 400, "token"},
                      Fault{"SIP/2.0 99 Too Low\r\n\r\n", 0, "Status-Code"},
                      Fault{"SIP/2.0 700 Too High\r\n\r\n", 0, "Status-Code"},
                      Fault{"SIP/2.0 20 OK\r\n\r\n", 0, "Status-Code"},
                      Fault{"SIP/3.0 200 OK\r\n\r\n", 0, "version"},
                      Fault{"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;;\r\n\r\n", 0, "Via"}),
    FaultName);

TEST(Parser, DuplicateCSeqWithSameMethodParsesAndIsExposed)
{
    // Two CSeq lines are an application-layer fault (RFC 4475 3.3.8): exposed, not rejected.
    const ParseResult r = Parse(Invite({"CSeq: 2 INVITE", "Content-Length: 0"}));
    ASSERT_TRUE(r.Ok());
    EXPECT_EQ(r.GetMessage().DuplicatedSingleHeader(), HeaderId::CSeq);
    EXPECT_EQ(r.GetMessage().GetCSeq()->number, 314159u); // the first one counts
}

TEST(Parser, ErrorEchoesTheHeadersNeededForAStatelessAnswer)
{
    const ParseResult r = Parse(Invite({"Max-Forwards: 999"}));
    ASSERT_FALSE(r.Ok());
    const std::string& echo = r.GetError().echoHeaders;
    EXPECT_NE(echo.find("Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"),
              std::string::npos);
    EXPECT_NE(echo.find("From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"),
              std::string::npos);
    EXPECT_NE(echo.find("Call-ID: a84b4c76e66710\r\n"), std::string::npos);
    EXPECT_NE(echo.find("CSeq: 314159 INVITE\r\n"), std::string::npos);
    EXPECT_EQ(echo.find("Max-Forwards"), std::string::npos);
}

TEST(Parser, EveryTruncationOfAValidMessageIsHandled)
{
    const std::string full = test::ReadData("rfc4475/wsinv.dat");
    for (size_t n = 0; n < full.size(); ++n)
    {
        const ParseResult r = Parse(std::string_view(full).substr(0, n));
        if (!r.Ok())
        {
            EXPECT_FALSE(r.GetError().what.empty());
            EXPECT_EQ(r.GetError().answer, 400) << n << ": " << r.GetError().what;
        }
    }
}

} // namespace
} // namespace sipsim
