/*
 * Heap allocations on the parse hot path. This binary replaces the global operator new to
 * count allocations; the count must not grow with the number of header fields.
 */
#include "message/sip-parser.h"
#include "support/allocation-counter.h"
#include "test-util.h"

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <new>

namespace sipsim {
namespace {

size_t
AllocationsToParse(const std::string& bytes)
{
    const size_t before = test::AllocationCount();
    {
        ParseResult r = Parse(bytes);
        EXPECT_TRUE(r.Ok()) << r.GetError().what;
        EXPECT_NE(r.GetMessage().GetTopVia(), nullptr);
    }
    return test::AllocationCount() - before;
}

std::string
RequestWithHeaders(size_t extraVias)
{
    std::string text = "INVITE sip:bob@example.com SIP/2.0\r\n";
    for (size_t i = 0; i <= extraVias; ++i)
    {
        text += "Via: SIP/2.0/UDP proxy" + std::to_string(i) + ".example.com;branch=z9hG4bK"
                + std::to_string(i) + "\r\n";
    }
    text += "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: \"Alice\" "
            "<sip:alice@example.com>;tag=1\r\n"
            "Call-ID: abc@host\r\nCSeq: 1 INVITE\r\nContact: "
            "<sip:alice@192.0.2.1>\r\nContent-Length: 0\r\n\r\n";
    return text;
}

TEST(Allocation, ParsingAllocatesTheTextAndTheFieldTableOnly)
{
    // Up to 24 fields: one buffer for the text, one for the field table.
    EXPECT_EQ(AllocationsToParse(RequestWithHeaders(0)), 2u);
    EXPECT_EQ(AllocationsToParse(RequestWithHeaders(16)), 2u);
}

TEST(Allocation, DoesNotGrowPerHeader)
{
    // longreq has 34 Via values plus other fields: the field table grows geometrically.
    const size_t many = AllocationsToParse(RequestWithHeaders(200));
    EXPECT_LE(many, 2u + 4u);
    EXPECT_LE(AllocationsToParse(test::ReadData("rfc4475/longreq.dat")), 3u);
}

} // namespace
} // namespace sipsim
