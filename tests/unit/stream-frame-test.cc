#include "message/sip-parser.h"
#include "test-util.h"

#include <gtest/gtest.h>

namespace sipsim {
namespace {

const std::string kOptions
    = test::Crlf({"OPTIONS sip:b@h SIP/2.0", "Via: SIP/2.0/TCP a;branch=z9hG4bK1",
                  "Max-Forwards: 70", "To: <sip:b@h>", "From: <sip:a@h>;tag=1", "Call-ID: s1",
                  "CSeq: 1 OPTIONS", "Content-Length: 5"},
                 "hello");

TEST(StreamFrame, SplitsBackToBackMessagesAndWaitsForPartialOnes)
{
    const std::string stream = "\r\n" + kOptions + kOptions;
    const StreamFrame first = FindStreamFrame(stream);
    ASSERT_EQ(first.status, StreamFrame::Status::Complete);
    EXPECT_EQ(first.length, 2 + kOptions.size());
    const ParseResult r = Parse(std::string_view(stream).substr(0, first.length), Framing::Stream);
    ASSERT_TRUE(r.Ok()) << r.GetError().what;
    EXPECT_EQ(r.GetMessage().GetBody(), "hello");
    const StreamFrame second = FindStreamFrame(std::string_view(stream).substr(first.length));
    EXPECT_EQ(second.status, StreamFrame::Status::Complete);
    EXPECT_EQ(second.length, kOptions.size());
    for (size_t n = 0; n < kOptions.size(); ++n)
    {
        EXPECT_EQ(FindStreamFrame(std::string_view(kOptions).substr(0, n)).status,
                  StreamFrame::Status::Incomplete)
            << n;
    }
}

TEST(StreamFrame, ErrorsCloseTheConnection)
{
    std::string noLength = kOptions;
    noLength.replace(noLength.find("Content-Length: 5"), 17, "Subject: none");
    EXPECT_EQ(FindStreamFrame(noLength).status, StreamFrame::Status::Error);
    std::string huge(70000, 'a');
    EXPECT_EQ(FindStreamFrame(huge).status, StreamFrame::Status::Error);
    EXPECT_EQ(FindStreamFrame(std::string_view(huge).substr(0, 100)).status,
              StreamFrame::Status::Incomplete);
}

} // namespace
} // namespace sipsim
