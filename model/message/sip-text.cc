#include "message/sip-text.h"

namespace sipsim {
namespace text {
namespace {

constexpr uint16_t
Classify(unsigned c)
{
    uint16_t cls = 0;
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    auto in = [c](const char* set) {
        for (const char* p = set; *p != '\0'; ++p)
        {
            if (static_cast<unsigned char>(*p) == c)
            {
                return true;
            }
        }
        return false;
    };
    if (alnum)
    {
        cls |= kAlnum;
    }
    // RFC 3261 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" /
    // "~")
    if (alnum || in("-.!%*_+`'~"))
    {
        cls |= kToken;
    }
    // word adds "(" ")" "<" ">" ":" "\" DQUOTE "/" "[" "]" "?" "{" "}"
    if (alnum || in("-.!%*_+`'~()<>:\\\"/[]?{}"))
    {
        cls |= kWord;
    }
    // unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
    const bool unreserved = alnum || in("-_.!~*'()");
    if (unreserved)
    {
        cls |= kUnreserved;
    }
    if (in("&=+$,;?/"))
    {
        cls |= kUserUnres;
    }
    if (in("[]/:&+$"))
    {
        cls |= kParamUnres;
    }
    if (in("[]/?:+$"))
    {
        cls |= kHnvUnres;
    }
    if (unreserved || in("&=+$,"))
    {
        cls |= kPasswordCh;
    }
    if (in(":[]"))
    {
        cls |= kHostExtra;
    }
    return cls;
}

struct Table
{
    uint16_t v[256];

    constexpr Table()
        : v{}
    {
        for (unsigned i = 0; i < 256; ++i)
        {
            v[i] = Classify(i);
        }
    }
};

constexpr Table kTable{};

} // namespace

const uint16_t kCharClass[256] = {
#define SIPSIM_ROW(i)                                                                \
    kTable.v[i], kTable.v[i + 1], kTable.v[i + 2], kTable.v[i + 3], kTable.v[i + 4], \
        kTable.v[i + 5], kTable.v[i + 6], kTable.v[i + 7]
    SIPSIM_ROW(0),   SIPSIM_ROW(8),   SIPSIM_ROW(16),  SIPSIM_ROW(24),  SIPSIM_ROW(32),
    SIPSIM_ROW(40),  SIPSIM_ROW(48),  SIPSIM_ROW(56),  SIPSIM_ROW(64),  SIPSIM_ROW(72),
    SIPSIM_ROW(80),  SIPSIM_ROW(88),  SIPSIM_ROW(96),  SIPSIM_ROW(104), SIPSIM_ROW(112),
    SIPSIM_ROW(120), SIPSIM_ROW(128), SIPSIM_ROW(136), SIPSIM_ROW(144), SIPSIM_ROW(152),
    SIPSIM_ROW(160), SIPSIM_ROW(168), SIPSIM_ROW(176), SIPSIM_ROW(184), SIPSIM_ROW(192),
    SIPSIM_ROW(200), SIPSIM_ROW(208), SIPSIM_ROW(216), SIPSIM_ROW(224), SIPSIM_ROW(232),
    SIPSIM_ROW(240), SIPSIM_ROW(248),
#undef SIPSIM_ROW
};

bool
ParseUnsigned(std::string_view s, uint64_t max, uint64_t* out)
{
    if (s.empty())
    {
        return false;
    }
    uint64_t v = 0;
    if (s.size() <= 19)
    {
        // Up to 19 digits cannot overflow 64 bits: compare with max at the end, no division
        // per digit (ports, CSeq numbers, lengths: this runs several times per message).
        for (char c : s)
        {
            if (!IsDigit(c))
            {
                return false;
            }
            v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (v > max)
        {
            return false;
        }
        *out = v;
        return true;
    }
    for (char c : s)
    {
        if (!IsDigit(c))
        {
            return false;
        }
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (max - d) / 10)
        {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

size_t
SkipQuoted(std::string_view s, size_t pos)
{
    for (size_t i = pos + 1; i < s.size(); ++i)
    {
        if (s[i] == '\\')
        {
            ++i; // quoted-pair: the next octet (any but CR/LF) is literal
            if (i < s.size() && (s[i] == '\r' || s[i] == '\n'))
            {
                return std::string_view::npos;
            }
        }
        else if (s[i] == '"')
        {
            return i + 1;
        }
        else if (s[i] == '\r' || s[i] == '\n')
        {
            return std::string_view::npos; // qdtext excludes CR and LF
        }
    }
    return std::string_view::npos;
}

std::string
Unquote(std::string_view quoted)
{
    std::string out;
    if (quoted.size() < 2 || quoted.front() != '"')
    {
        out.assign(quoted);
        return out;
    }
    for (size_t i = 1; i + 1 < quoted.size(); ++i)
    {
        if (quoted[i] == '\\' && i + 2 < quoted.size())
        {
            ++i;
        }
        out.push_back(quoted[i]);
    }
    return out;
}

std::string
Unescape(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i)
    {
        if (s[i] == '%' && i + 2 < s.size() && IsHex(s[i + 1]) && IsHex(s[i + 2]))
        {
            out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
            i += 2;
        }
        else
        {
            out.push_back(s[i]);
        }
    }
    return out;
}

bool
IsEscapedOr(std::string_view s, uint16_t cls)
{
    for (size_t i = 0; i < s.size(); ++i)
    {
        if (s[i] == '%')
        {
            if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2]))
            {
                return false;
            }
            i += 2;
        }
        else if (!Is(s[i], cls))
        {
            return false;
        }
    }
    return true;
}

} // namespace text
} // namespace sipsim
