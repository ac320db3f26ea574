#include "sdp/sdp.h"

#include <gtest/gtest.h>
#include <random>
#include <string>

namespace sipsim {
namespace sdp {
namespace {

std::vector<Codec>
Codecs(std::string_view list)
{
    std::string err;
    auto c = ParseCodecList(list, &err);
    EXPECT_TRUE(c.has_value()) << list << ": " << err;
    return c.value_or(std::vector<Codec>{});
}

SessionDescription
MustParse(std::string_view body)
{
    std::string err;
    auto sd = ParseSdp(body, &err);
    EXPECT_TRUE(sd.has_value()) << err << "\n" << body;
    return sd.value_or(SessionDescription{});
}

std::string
ParseError(std::string_view body)
{
    std::string err;
    EXPECT_FALSE(ParseSdp(body, &err).has_value()) << body;
    EXPECT_FALSE(err.empty());
    return err;
}

SdpParams
Params(std::string addr, uint16_t port, std::string_view codecs)
{
    SdpParams p;
    p.sessionId = 1234;
    p.sessionVersion = 1;
    p.address = std::move(addr);
    p.port = port;
    if (!codecs.empty())
    {
        p.codecs = Codecs(codecs);
    }
    return p;
}

std::vector<std::string>
Names(const std::vector<Codec>& codecs)
{
    std::vector<std::string> out;
    for (const Codec& c : codecs)
    {
        out.push_back(c.name + ":" + std::to_string(c.payloadType));
    }
    return out;
}

// --- Codecs ------------------------------------------------------------------------------------

TEST(SdpCodec, StaticPayloadTypes)
{
    const auto pcmu = ParseCodec("PCMU/8000");
    ASSERT_TRUE(pcmu);
    EXPECT_EQ(pcmu->name, "PCMU");
    EXPECT_EQ(pcmu->clockRate, 8000u);
    EXPECT_EQ(pcmu->payloadType, 0);
    EXPECT_EQ(ParseCodec("PCMA/8000")->payloadType, 8);
    EXPECT_EQ(ParseCodec("G729/8000")->payloadType, 18);
    EXPECT_EQ(ParseCodec("G722/8000")->payloadType, 9);
    EXPECT_EQ(ParseCodec("GSM/8000")->payloadType, 3);
    EXPECT_EQ(ParseCodec("G723/8000")->payloadType, 4);
    EXPECT_EQ(ParseCodec("G728/8000")->payloadType, 15);
    EXPECT_EQ(ParseCodec("PCMU/8000/1")->payloadType, 0);
}

TEST(SdpCodec, CaseInsensitiveNamesGetCanonicalCase)
{
    EXPECT_EQ(ParseCodec("pcmu/8000")->name, "PCMU");
    EXPECT_EQ(ParseCodec("pcma/8000")->payloadType, 8);
    EXPECT_EQ(ParseCodec("Telephone-Event/8000")->name, "telephone-event");
    EXPECT_EQ(ParseCodec("x-custom/8000")->name, "x-custom");
    EXPECT_TRUE(ParseCodec("PCMU/8000")->SameEncoding(*ParseCodec("pcmu/8000")));
}

TEST(SdpCodec, DynamicPayloadTypes)
{
    EXPECT_EQ(ParseCodec("telephone-event/8000")->payloadType, 96);
    EXPECT_EQ(ParseCodec("telephone-event/8000", 101)->payloadType, 101);
    // Static only at the RFC 3551 clock rate.
    EXPECT_EQ(ParseCodec("PCMU/16000")->payloadType, 96);

    const auto list = Codecs("G729/8000, telephone-event/8000,PCMU/8000,CN/8000");
    EXPECT_EQ(Names(list),
              (std::vector<std::string>{"G729:18", "telephone-event:96", "PCMU:0", "CN:97"}));
}

TEST(SdpCodec, Rejects)
{
    for (const char* bad :
         {"", "PCMU", "PCMU/", "/8000", "PCMU/0", "PCMU/abc", "PCMU/-8000", "PCMU/99999999999",
          "PCMU/4294967296", "PC MU/8000", "PCMU/8000/2", "PCMU/8000/", "PCMU 8000"})
    {
        EXPECT_FALSE(ParseCodec(bad).has_value()) << bad;
    }
    EXPECT_EQ(ParseCodec("x/4294967295")->clockRate, 4294967295u);

    std::string err;
    EXPECT_FALSE(ParseCodecList("PCMU/8000,,PCMA/8000", &err));
    EXPECT_NE(err.find("bad codec"), std::string::npos) << err;
    EXPECT_FALSE(ParseCodecList("PCMU/8000,pcmu/8000", &err));
    EXPECT_NE(err.find("duplicate"), std::string::npos) << err;

    std::string many;
    for (int i = 0; i < 33; ++i)
    {
        many += (i ? "," : "") + std::string("x") + std::to_string(i) + "/8000";
    }
    EXPECT_FALSE(ParseCodecList(many, &err));
    EXPECT_NE(err.find("too many"), std::string::npos) << err;
    // 32 dynamic ones fit (96..127), statics after that still do.
    const size_t cut = many.rfind(',');
    EXPECT_EQ(Codecs(many.substr(0, cut) + ",PCMA/8000").back().payloadType, 8);
}

// --- Build / parse -----------------------------------------------------------------------------

TEST(Sdp, BuildExactText)
{
    SdpParams p = Params("192.0.2.10", 49170, "PCMU/8000,telephone-event/8000");
    EXPECT_EQ(BuildSdp(p), "v=0\r\n"
                           "o=- 1234 1 IN IP4 192.0.2.10\r\n"
                           "s=-\r\n"
                           "c=IN IP4 192.0.2.10\r\n"
                           "t=0 0\r\n"
                           "m=audio 49170 RTP/AVP 0 96\r\n"
                           "a=rtpmap:0 PCMU/8000\r\n"
                           "a=rtpmap:96 telephone-event/8000\r\n"
                           "a=sendrecv\r\n");
}

TEST(Sdp, RoundTrip)
{
    SdpParams p = Params("10.0.0.7", 4000, "G729/8000,PCMA/8000,PCMU/8000,telephone-event/8000");
    p.username = "gw";
    p.sessionId = 18446744073709551615ull;
    p.sessionVersion = 42;
    p.direction = Direction::SendOnly;
    const SessionDescription sd = MustParse(BuildSdp(p));
    EXPECT_EQ(sd.originUsername, "gw");
    EXPECT_EQ(sd.sessionId, 18446744073709551615ull);
    EXPECT_EQ(sd.sessionVersion, 42u);
    EXPECT_EQ(sd.originAddress, "10.0.0.7");
    EXPECT_EQ(sd.sessionName, "-");
    EXPECT_EQ(sd.connectionAddress, "10.0.0.7");
    ASSERT_EQ(sd.media.size(), 1u);
    const MediaDescription& m = sd.media[0];
    EXPECT_EQ(m.media, "audio");
    EXPECT_EQ(m.port, 4000);
    EXPECT_EQ(m.protocol, "RTP/AVP");
    EXPECT_EQ(m.payloadTypes, (std::vector<uint8_t>{18, 8, 0, 96}));
    EXPECT_EQ(m.direction, Direction::SendOnly);
    EXPECT_EQ(Names(m.Codecs()), Names(p.codecs));
    EXPECT_EQ(sd.ConnectionAddressFor(m), "10.0.0.7");
    EXPECT_EQ(sd.FirstActiveAudio(), &sd.media[0]);
}

TEST(Sdp, StaticTypesWithoutRtpmapAndLfLineEnds)
{
    const SessionDescription sd = MustParse("v=0\n"
                                            "o=alice 2890844526 2890844526 IN IP4 host.example\n"
                                            "s=\n"
                                            "c=IN IP4 192.0.2.1\n"
                                            "t=0 0\n"
                                            "m=audio 49170 RTP/AVP 8 0 18 101 120\n"
                                            "a=rtpmap:101 telephone-event/8000\n"
                                            "a=fmtp:101 0-15\n"
                                            "a=ptime:20\n");
    ASSERT_EQ(sd.media.size(), 1u);
    // 120 has neither rtpmap nor a static assignment: left out of Codecs().
    EXPECT_EQ(Names(sd.media[0].Codecs()),
              (std::vector<std::string>{"PCMA:8", "PCMU:0", "G729:18", "telephone-event:101"}));
}

TEST(Sdp, MediaLevelConnectionAndDirection)
{
    const SessionDescription sd = MustParse("v=0\r\n"
                                            "o=- 1 1 IN IP4 192.0.2.1\r\n"
                                            "s=-\r\n"
                                            "t=0 0\r\n"
                                            "a=recvonly\r\n"
                                            "m=audio 5004 RTP/AVP 0\r\n"
                                            "c=IN IP4 198.51.100.1/127\r\n"
                                            "m=video 5006 RTP/AVP 31\r\n"
                                            "c=IN IP6 2001:db8::1\r\n"
                                            "a=inactive\r\n"
                                            "m=image 6000 udptl t38\r\n"
                                            "c=IN IP4 198.51.100.2\r\n");
    ASSERT_EQ(sd.media.size(), 3u);
    EXPECT_EQ(sd.connectionAddress, "");
    EXPECT_EQ(sd.ConnectionAddressFor(sd.media[0]), "198.51.100.1");
    EXPECT_EQ(sd.media[0].direction, Direction::RecvOnly); // session-level attribute
    EXPECT_EQ(sd.ConnectionAddressFor(sd.media[1]), "2001:db8::1");
    EXPECT_EQ(sd.media[1].direction, Direction::Inactive);
    EXPECT_FALSE(sd.media[2].IsRtp());
    EXPECT_EQ(sd.media[2].formats, (std::vector<std::string>{"t38"}));
    EXPECT_TRUE(sd.media[2].payloadTypes.empty());
}

TEST(Sdp, PortCountAndRejectedStream)
{
    const SessionDescription sd = MustParse("v=0\r\nc=IN IP4 192.0.2.1\r\n"
                                            "m=audio 0 RTP/AVP 0\r\n"
                                            "m=audio 49170/2 RTP/AVP 0\r\n");
    ASSERT_EQ(sd.media.size(), 2u);
    EXPECT_EQ(sd.media[1].portCount, 2);
    EXPECT_EQ(sd.FirstActiveAudio(), &sd.media[1]);
}

// --- Malformed input ---------------------------------------------------------------------------

TEST(SdpMalformed, Errors)
{
    EXPECT_EQ(ParseError(""), "empty session description");
    EXPECT_EQ(ParseError("\r\n\r\n"), "empty session description");
    EXPECT_EQ(ParseError("o=- 1 1 IN IP4 1.2.3.4\r\n"), "line 1: description must start with v=0");
    EXPECT_EQ(ParseError("v=1\r\n"), "line 1: description must start with v=0");
    EXPECT_EQ(ParseError("v=0\r\nv=0\r\n"), "line 2: repeated v= line");
    EXPECT_EQ(ParseError("v=0\r\nhello\r\n"), "line 2: expected <type>=<value>");
    EXPECT_EQ(ParseError("v=0\r\ns=-\r\nm=audio\r\n"), "line 3: m= line without port");
    EXPECT_EQ(ParseError("v=0\r\nm=\r\n"), "line 2: empty m= line");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 4000\r\n"), "line 2: m= line without protocol");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 65536 RTP/AVP 0\r\n"), "line 2: bad port in m= line");
    EXPECT_EQ(ParseError("v=0\r\nm=audio -1 RTP/AVP 0\r\n"), "line 2: bad port in m= line");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 4000/0 RTP/AVP 0\r\n"),
              "line 2: bad port count in m= line");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 99999999999999999999999 RTP/AVP 0\r\n"),
              "line 2: bad port in m= line");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 4000 RTP/AVP 128\r\n"),
              "line 2: RTP payload type '128' not in 0..127");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 4000 RTP/AVP PCMU\r\n"),
              "line 2: RTP payload type 'PCMU' not in 0..127");
    EXPECT_EQ(ParseError("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP\r\n"),
              "line 3: m= line without payload types");
    EXPECT_EQ(ParseError("v=0\r\no=- 1 1 IN IP4\r\n"), "line 2: o= line needs 6 fields");
    EXPECT_EQ(ParseError("v=0\r\no=- 18446744073709551616 1 IN IP4 1.2.3.4\r\n"),
              "line 2: o= session id or version not a 64-bit number");
    EXPECT_EQ(ParseError("v=0\r\nc=IN IP4\r\n"),
              "line 2: bad c= line (expected IN IP4|IP6 <address>)");
    EXPECT_EQ(ParseError("v=0\r\nc=IN IP4 /24\r\n"),
              "line 2: bad c= line (expected IN IP4|IP6 <address>)");
    EXPECT_EQ(ParseError("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"),
              "media 1 (audio): no connection address (c= line)");
    EXPECT_EQ(ParseError("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96\r\n"),
              "line 4: bad rtpmap (expected <pt> <name>/<rate>)");
    EXPECT_EQ(ParseError("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 96\r\n"
                         "a=rtpmap:300 x/8000\r\n"),
              "line 4: rtpmap payload type not in 0..127");
    EXPECT_EQ(ParseError("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 96\r\n"
                         "a=rtpmap:96 opus\r\n"),
              "line 4: bad rtpmap encoding 'opus'");
}

TEST(SdpMalformed, ParsesWithoutErrorPointer)
{
    EXPECT_FALSE(ParseSdp("garbage").has_value());
    EXPECT_FALSE(ParseSdp(std::string_view("v=0\0\r\n", 6)).has_value());
}

TEST(SdpMalformed, RandomGarbageNeverCrashes)
{
    const std::string valid = BuildSdp(Params("192.0.2.1", 4000, "PCMU/8000,telephone-event/8000"));
    const std::string alphabet = "v=0o mcat/:\r\n 0123456789RTP/AVPINIP4-";
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i)
    {
        std::string s = valid;
        const int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits && !s.empty(); ++e)
        {
            const size_t at = rng() % s.size();
            switch (rng() % 3)
            {
                case 0:
                    s[at] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    s.erase(at, 1 + rng() % 10);
                    break;
                default:
                    s.insert(at, 1, static_cast<char>(rng() % 256));
                    break;
            }
        }
        std::string err;
        auto sd = ParseSdp(s, &err);
        if (sd)
        {
            (void) CommonCodecs(*sd, Codecs("PCMU/8000"));
        }
        else
        {
            EXPECT_FALSE(err.empty());
        }
    }
}

// --- Offer / answer ----------------------------------------------------------------------------

TEST(SdpNegotiation, OverlapKeepsOffererOrder)
{
    const SessionDescription offer
        = MustParse(BuildSdp(Params("192.0.2.1", 4000, "G729/8000,PCMA/8000,PCMU/8000")));
    // The answerer prefers PCMU, but RFC 3264 6.1: the offerer's order wins.
    const auto common = CommonCodecs(offer, Codecs("PCMU/8000,PCMA/8000"));
    EXPECT_EQ(Names(common), (std::vector<std::string>{"PCMA:8", "PCMU:0"}));
}

TEST(SdpNegotiation, NoOverlap)
{
    const SessionDescription offer = MustParse(BuildSdp(Params("192.0.2.1", 4000, "G729/8000")));
    EXPECT_TRUE(CommonCodecs(offer, Codecs("PCMU/8000,PCMA/8000")).empty());
    EXPECT_FALSE(BuildAnswer(offer, Codecs("PCMU/8000"), Params("192.0.2.2", 5000, "PCMU/8000"))
                     .has_value());
}

TEST(SdpNegotiation, TelephoneEventAloneIsNoMatch)
{
    const SessionDescription offer
        = MustParse(BuildSdp(Params("192.0.2.1", 4000, "G729/8000,telephone-event/8000")));
    EXPECT_TRUE(CommonCodecs(offer, Codecs("PCMU/8000,telephone-event/8000")).empty());
}

TEST(SdpNegotiation, DynamicPayloadTypeMappedByName)
{
    // The offerer uses 101 for telephone-event, the answerer's own list has it at 96.
    const SessionDescription offer = MustParse("v=0\r\n"
                                               "o=- 1 1 IN IP4 192.0.2.1\r\n"
                                               "s=-\r\n"
                                               "c=IN IP4 192.0.2.1\r\n"
                                               "t=0 0\r\n"
                                               "m=audio 4000 RTP/AVP 0 101\r\n"
                                               "a=rtpmap:101 TELEPHONE-EVENT/8000\r\n");
    const auto local = Codecs("telephone-event/8000,PCMU/8000");
    ASSERT_EQ(local[0].payloadType, 96);
    const auto common = CommonCodecs(offer, local);
    EXPECT_EQ(Names(common), (std::vector<std::string>{"PCMU:0", "telephone-event:101"}));

    const auto answer = BuildAnswer(offer, local, Params("192.0.2.2", 5000, ""));
    ASSERT_TRUE(answer);
    EXPECT_NE(answer->find("m=audio 5000 RTP/AVP 0 101\r\n"), std::string::npos) << *answer;
    EXPECT_NE(answer->find("a=rtpmap:101 telephone-event/8000\r\n"), std::string::npos);
}

TEST(SdpNegotiation, DynamicTypeNeedsSameClockRate)
{
    const SessionDescription offer = MustParse("v=0\r\nc=IN IP4 192.0.2.1\r\n"
                                               "m=audio 4000 RTP/AVP 96\r\n"
                                               "a=rtpmap:96 G722/16000\r\n");
    EXPECT_TRUE(CommonCodecs(offer, Codecs("G722/8000")).empty());
    EXPECT_EQ(CommonCodecs(offer, Codecs("g722/16000")).size(), 1u);
}

TEST(SdpNegotiation, AnswerText)
{
    const SessionDescription offer = MustParse("v=0\r\n"
                                               "o=- 7 7 IN IP4 192.0.2.1\r\n"
                                               "s=-\r\n"
                                               "c=IN IP4 192.0.2.1\r\n"
                                               "t=0 0\r\n"
                                               "m=video 4002 RTP/AVP 31\r\n"
                                               "m=audio 4000 RTP/AVP 18 8 0\r\n"
                                               "a=sendonly\r\n"
                                               "m=image 6000 udptl t38\r\n");
    const auto answer
        = BuildAnswer(offer, Codecs("PCMU/8000,PCMA/8000"), Params("192.0.2.2", 5000, ""));
    ASSERT_TRUE(answer);
    EXPECT_EQ(*answer, "v=0\r\n"
                       "o=- 1234 1 IN IP4 192.0.2.2\r\n"
                       "s=-\r\n"
                       "c=IN IP4 192.0.2.2\r\n"
                       "t=0 0\r\n"
                       "m=video 0 RTP/AVP 31\r\n"
                       "m=audio 5000 RTP/AVP 8 0\r\n"
                       "a=rtpmap:8 PCMA/8000\r\n"
                       "a=rtpmap:0 PCMU/8000\r\n"
                       "a=recvonly\r\n"
                       "m=image 0 udptl t38\r\n");
    // The answer parses back, with the same number of m= lines as the offer.
    const SessionDescription back = MustParse(*answer);
    EXPECT_EQ(back.media.size(), 3u);
    EXPECT_EQ(back.FirstActiveAudio(), &back.media[1]);
}

TEST(SdpNegotiation, NoActiveAudio)
{
    const SessionDescription offer = MustParse("v=0\r\nc=IN IP4 192.0.2.1\r\n"
                                               "m=audio 0 RTP/AVP 0\r\n"
                                               "m=image 6000 udptl t38\r\n");
    EXPECT_TRUE(CommonCodecs(offer, Codecs("PCMU/8000")).empty());
    EXPECT_FALSE(BuildAnswer(offer, Codecs("PCMU/8000"), Params("192.0.2.2", 5000, "")));
}

TEST(SdpNegotiation, AnswerDirections)
{
    using D = Direction;
    EXPECT_EQ(AnswerDirection(D::SendRecv, D::SendRecv), D::SendRecv);
    EXPECT_EQ(AnswerDirection(D::SendOnly, D::SendRecv), D::RecvOnly);
    EXPECT_EQ(AnswerDirection(D::RecvOnly, D::SendRecv), D::SendOnly);
    EXPECT_EQ(AnswerDirection(D::Inactive, D::SendRecv), D::Inactive);
    EXPECT_EQ(AnswerDirection(D::SendRecv, D::RecvOnly), D::RecvOnly);
    EXPECT_EQ(AnswerDirection(D::SendOnly, D::SendOnly), D::Inactive);
}

} // namespace
} // namespace sdp
} // namespace sipsim
