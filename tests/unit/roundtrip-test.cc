/*
 * Round trips: parsed text serializes and parses back to an equal message; messages built in
 * code serialize to valid text; setters keep the cached headers right.
 */
#include "message/sip-parser.h"
#include "test-util.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <memory>

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

TEST(RoundTrip, InsertHeaderFirstPutsTheFieldOnTop)
{
    Message m = Message::MakeRequest("OPTIONS", "sip:bob@example.com");
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::To, "<sip:bob@example.com>");
    m.AddHeader(HeaderId::From, "<sip:alice@example.com>;tag=1");
    m.AddHeader(HeaderId::CallId, "c1");
    m.AddHeader(HeaderId::CSeq, "1 OPTIONS");
    m.AddHeader(HeaderId::ContentLength, "0");
    EXPECT_EQ(m.GetTopVia(), nullptr);
    m.InsertHeaderFirst(HeaderId::Via, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1;rport");
    ASSERT_NE(m.GetTopVia(), nullptr);
    EXPECT_EQ(m.GetTopVia()->Branch(), "z9hG4bKa1");
    ASSERT_EQ(m.GetHeaders().size(), 7u);
    EXPECT_EQ(m.GetHeaders().front().id, HeaderId::Via);
    EXPECT_EQ(m.GetHeaders()[1].id, HeaderId::MaxForwards);
    const std::string text = m.Serialize();
    EXPECT_EQ(text.find("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1;rport\r\n"),
              text.find("\r\n") + 2); // the line after the request line
    const ParseResult r = Parse(text);
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

TEST(RoundTrip, ReplaceFirstValueKeepsThePlaceAndTheRest)
{
    const ParseResult r
        = Parse(test::Crlf({"OPTIONS sip:b@example.com SIP/2.0",
                            "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, "
                            "SIP/2.0/UDP b.example.com;branch=z9hG4bK2",
                            "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>",
                            "Call-ID: c1", "CSeq: 1 OPTIONS", "Via: SIP/2.0/UDP c.example.com",
                            "Max-Forwards: 70", "Content-Length: 0"}));
    ASSERT_TRUE(r.Ok());
    Message m = r.GetMessage();
    ASSERT_TRUE(m.ReplaceFirstValue(HeaderId::Via,
                                    "SIP/2.0/UDP a.example.com;branch=z9hG4bK1;received=10.0.0.1"));
    ASSERT_NE(m.GetTopVia(), nullptr);
    EXPECT_EQ(m.GetTopVia()->Received(), std::optional<std::string_view>("10.0.0.1"));
    const std::vector<Via> vias = m.GetVias();
    ASSERT_EQ(vias.size(), 3u);
    EXPECT_EQ(vias[1].host, "b.example.com");
    EXPECT_EQ(vias[2].host, "c.example.com");
    // In place: the new top Via is still the first field, under its long name.
    EXPECT_EQ(m.GetHeaders().front().id, HeaderId::Via);
    EXPECT_EQ(m.GetHeaders().front().name, "Via");
    // A one-value field is replaced where it is.
    Message single = Message::MakeRequest("OPTIONS", "sip:b@example.com");
    single.AddHeader(HeaderId::Via, "SIP/2.0/UDP a.example.com;branch=z9hG4bKs");
    single.AddHeader(HeaderId::CallId, "c2");
    ASSERT_TRUE(
        single.ReplaceFirstValue(HeaderId::Via, "SIP/2.0/UDP d.example.com;branch=z9hG4bKt"));
    ASSERT_EQ(single.GetHeaders().size(), 2u);
    EXPECT_EQ(single.GetHeaders()[0].value, "SIP/2.0/UDP d.example.com;branch=z9hG4bKt");
    EXPECT_EQ(single.GetTopVia()->Branch(), "z9hG4bKt");
    EXPECT_FALSE(single.ReplaceFirstValue(HeaderId::Route, "<sip:x@example.com>"));
    EXPECT_EQ(single.GetHeaders().size(), 2u);
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

/// Every decoded view of a Uri, with what it belongs to, for comparing two decodings.
void
ExpectSameUri(const Uri& a, const Uri& b, const std::string& what)
{
    EXPECT_EQ(a.scheme, b.scheme) << what;
    EXPECT_EQ(a.text, b.text) << what;
    EXPECT_EQ(a.schemeName, b.schemeName) << what;
    EXPECT_EQ(a.user, b.user) << what;
    EXPECT_EQ(a.password, b.password) << what;
    EXPECT_EQ(a.host, b.host) << what;
    EXPECT_EQ(a.headers, b.headers) << what;
    EXPECT_EQ(a.opaque, b.opaque) << what;
    EXPECT_EQ(a.params.Raw(), b.params.Raw()) << what;
    EXPECT_EQ(a.port, b.port) << what;
    EXPECT_EQ(a.hasUser, b.hasUser) << what;
    EXPECT_EQ(a.hasPassword, b.hasPassword) << what;
}

void
ExpectSameNameAddr(const NameAddr* a, const NameAddr* b, const std::string& what)
{
    ASSERT_EQ(a == nullptr, b == nullptr) << what;
    if (a == nullptr)
    {
        return;
    }
    EXPECT_EQ(a->displayName, b->displayName) << what;
    ExpectSameUri(a->uri, b->uri, what + " uri");
    EXPECT_EQ(a->tag, b->tag) << what;
    EXPECT_EQ(a->q, b->q) << what;
    EXPECT_EQ(a->expires, b->expires) << what;
    EXPECT_EQ(a->params.Raw(), b->params.Raw()) << what;
    EXPECT_EQ(a->bracketed, b->bracketed) << what;
}

/// The cached headers of copy equal those of a fresh decoding of the same text.
void
ExpectDecodedLikeAFreshParse(const Message& copy, const std::string& what)
{
    const ParseResult fresh = Parse(copy.Serialize());
    ASSERT_TRUE(fresh.Ok()) << what;
    const Message& f = fresh.GetMessage();
    EXPECT_EQ(copy.GetCallId(), f.GetCallId()) << what;
    EXPECT_EQ(copy.GetMaxForwards(), f.GetMaxForwards()) << what;
    EXPECT_EQ(copy.GetContentLength(), f.GetContentLength()) << what;
    ASSERT_EQ(copy.GetCSeq() == nullptr, f.GetCSeq() == nullptr) << what;
    if (copy.GetCSeq() != nullptr)
    {
        EXPECT_EQ(copy.GetCSeq()->number, f.GetCSeq()->number) << what;
        EXPECT_EQ(copy.GetCSeq()->method, f.GetCSeq()->method) << what;
    }
    ASSERT_EQ(copy.GetTopVia() == nullptr, f.GetTopVia() == nullptr) << what;
    if (const Via* v = copy.GetTopVia())
    {
        const Via* w = f.GetTopVia();
        EXPECT_EQ(v->protocolName, w->protocolName) << what;
        EXPECT_EQ(v->protocolVersion, w->protocolVersion) << what;
        EXPECT_EQ(v->transport, w->transport) << what;
        EXPECT_EQ(v->host, w->host) << what;
        EXPECT_EQ(v->branch, w->branch) << what;
        EXPECT_EQ(v->params.Raw(), w->params.Raw()) << what;
        EXPECT_EQ(v->port, w->port) << what;
        EXPECT_EQ(v->ttl, w->ttl) << what;
    }
    ExpectSameNameAddr(copy.GetFrom(), f.GetFrom(), what + " From");
    ExpectSameNameAddr(copy.GetTo(), f.GetTo(), what + " To");
    if (copy.IsRequest())
    {
        ExpectSameUri(copy.GetRequestUri(), f.GetRequestUri(), what + " Request-URI");
    }
}

TEST(RoundTrip, CopiesKeepTheirDecodedHeadersWithoutTheOriginal)
{
    // A copy takes the original's decoded headers with their views moved into its own text:
    // they must equal a fresh decoding, and outlive the original (ASan runs catch a view left
    // in the original's text). Every RFC 4475 message that parses, and built messages after
    // setters that leave unused text behind.
    std::vector<std::pair<std::string, std::unique_ptr<Message>>> originals;
    const std::string dir = std::string(SIPSIM_TEST_DATA) + "/rfc4475";
    DIR* d = opendir(dir.c_str());
    ASSERT_NE(d, nullptr);
    while (dirent* entry = readdir(d))
    {
        const std::string name = entry->d_name;
        if (name.size() > 4 && name.substr(name.size() - 4) == ".dat")
        {
            ParseResult r = Parse(test::ReadData("rfc4475/" + name));
            if (r.Ok())
            {
                originals.emplace_back(name, std::make_unique<Message>(r.GetMessage()));
            }
        }
    }
    closedir(d);
    ASSERT_GE(originals.size(), 20u);
    auto built = std::make_unique<Message>(BuildInvite());
    built->PrependHeader(HeaderId::Via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1");
    built->SetHeader(HeaderId::To, "<sip:carol@chicago.example.com>;tag=t1");
    originals.emplace_back("built, Via prepended", std::move(built));
    auto popped = std::make_unique<Message>(*originals.back().second);
    ASSERT_TRUE(popped->RemoveFirstValue(HeaderId::Via));
    originals.emplace_back("built, Via removed again", std::move(popped));
    auto response
        = std::make_unique<Message>(ResponseTo(*originals.back().second, 180, "", "callee-tag"));
    originals.emplace_back("180 to the built INVITE", std::move(response));

    for (auto& [what, original] : originals)
    {
        auto copy = std::make_unique<Message>(*original);
        if (copy->GetTopVia() != nullptr)
        {
            EXPECT_NE(copy->GetTopVia()->host.data(), original->GetTopVia()->host.data()) << what;
        }
        Message assigned;
        assigned = *copy;
        original.reset();
        ExpectDecodedLikeAFreshParse(*copy, what);
        copy.reset();
        ExpectDecodedLikeAFreshParse(assigned, what + " (assigned from a copy)");
    }
}

TEST(AddedText, StoredTextStaysWhereItIsAcrossChunksAndMoves)
{
    // Short texts share chunks, long ones get their own; no stored view ever moves, and a
    // moved-from store starts afresh instead of writing into the chunk it gave away.
    AddedText store;
    std::vector<std::pair<std::string, std::string_view>> stored;
    for (size_t i = 0; i < 300; ++i)
    {
        const size_t length = (i * 37) % 700; // 0 .. 699: empty, short and chunk-sized texts
        std::string text(length, static_cast<char>('a' + i % 26));
        const std::string_view view = store.Store(text);
        EXPECT_EQ(view, text);
        EXPECT_EQ(view.empty(), text.empty());
        stored.emplace_back(std::move(text), view);
    }
    AddedText moved = std::move(store);
    const std::string_view afterMove = store.Store("written after the move");
    EXPECT_EQ(afterMove, "written after the move");
    for (const auto& [text, view] : stored)
    {
        EXPECT_EQ(view, text); // intact: not overwritten by the moved-from store
    }
    AddedText assigned;
    assigned.Store("to be freed");
    assigned = std::move(moved);
    EXPECT_EQ(moved.Store("x"), "x");
    for (const auto& [text, view] : stored)
    {
        EXPECT_EQ(view, text);
    }
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
