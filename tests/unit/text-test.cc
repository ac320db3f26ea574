#include "message/sip-text.h"

#include <gtest/gtest.h>

namespace sipsim {
namespace {

using namespace text;

TEST(Text, TokenCharactersFollowRfc3261Grammar)
{
    EXPECT_TRUE(IsToken("INVITE"));
    EXPECT_TRUE(IsToken("!interesting-Method0123456789_*+`.%indeed'~"));
    EXPECT_FALSE(IsToken(""));
    EXPECT_FALSE(IsToken("a b"));
    EXPECT_FALSE(IsToken("a,b"));
    EXPECT_FALSE(IsToken("a\"b"));
    EXPECT_FALSE(IsToken("a:b"));
}

TEST(Text, CaseInsensitiveEquality)
{
    EXPECT_TRUE(EqualsNoCase("Call-ID", "call-id"));
    EXPECT_FALSE(EqualsNoCase("Call-ID", "Call-IDs"));
    EXPECT_FALSE(EqualsNoCase("To", "Tp"));
}

TEST(Text, ParseUnsignedRejectsOverflowAndNonDigits)
{
    uint64_t v = 0;
    EXPECT_TRUE(ParseUnsigned("0009", 100, &v));
    EXPECT_EQ(v, 9u);
    EXPECT_TRUE(ParseUnsigned("4294967295", 0xffffffffULL, &v));
    EXPECT_EQ(v, 4294967295u);
    EXPECT_FALSE(ParseUnsigned("4294967296", 0xffffffffULL, &v));
    EXPECT_FALSE(ParseUnsigned("36893488147419103232", UINT64_MAX, &v));
    EXPECT_FALSE(ParseUnsigned("-1", 100, &v));
    EXPECT_FALSE(ParseUnsigned("", 100, &v));
    EXPECT_FALSE(ParseUnsigned("12a", 100, &v));
    // Both paths: up to 19 digits (no overflow possible) and longer ones.
    EXPECT_TRUE(ParseUnsigned("255", 255, &v));
    EXPECT_EQ(v, 255u);
    EXPECT_FALSE(ParseUnsigned("256", 255, &v));
    EXPECT_TRUE(ParseUnsigned("9999999999999999999", UINT64_MAX, &v));
    EXPECT_EQ(v, 9999999999999999999u);
    EXPECT_TRUE(ParseUnsigned("18446744073709551615", UINT64_MAX, &v));
    EXPECT_EQ(v, UINT64_MAX);
    EXPECT_FALSE(ParseUnsigned("18446744073709551616", UINT64_MAX, &v));
    EXPECT_TRUE(ParseUnsigned("0000000000000000000000042", 100, &v));
    EXPECT_EQ(v, 42u);
    EXPECT_FALSE(ParseUnsigned("0000000000000000000000101", 100, &v));
    EXPECT_FALSE(ParseUnsigned("9999999999999999999", 100, &v));
}

TEST(Text, QuotedStringsWithQuotedPairs)
{
    const std::string_view s = R"("a \"b\" c" rest)";
    EXPECT_EQ(SkipQuoted(s, 0), 11u);
    EXPECT_EQ(Unquote(s.substr(0, 11)), "a \"b\" c");
    EXPECT_EQ(SkipQuoted(R"("unterminated)", 0), std::string_view::npos);
    EXPECT_EQ(SkipQuoted(R"("ends in backslash\)", 0), std::string_view::npos);
}

TEST(Text, UnescapeResolvesOnlyValidEscapesOnce)
{
    EXPECT_EQ(Unescape("%75se%72"), "user");
    EXPECT_EQ(Unescape("v%61lue%25%34%31"), "value%41");
    EXPECT_EQ(Unescape("a%00b"), std::string("a\0b", 3));
    EXPECT_EQ(Unescape("100%"), "100%");
    EXPECT_EQ(Unescape("%zz"), "%zz");
    EXPECT_TRUE(IsEscapedOr("a%20b", kUnreserved));
    EXPECT_FALSE(IsEscapedOr("a%2", kUnreserved));
    EXPECT_FALSE(IsEscapedOr("a%g0", kUnreserved));
    EXPECT_FALSE(IsEscapedOr("a b", kUnreserved));
}

TEST(Text, TrimRemovesOnlyLinearWhiteSpace)
{
    EXPECT_EQ(Trim(" \t a b \t"), "a b");
    EXPECT_EQ(Trim("   "), "");
    EXPECT_EQ(Trim(""), "");
}

} // namespace
} // namespace sipsim
