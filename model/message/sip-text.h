/*
 * SIP text primitives: character classes and small string_view helpers shared by the
 * message layer (RFC 3261 section 25.1, basic rules). No allocation anywhere in this file.
 */
#ifndef SIPSIM_SIP_TEXT_H
#define SIPSIM_SIP_TEXT_H

#include <cstdint>
#include <string>
#include <string_view>

namespace sipsim {
namespace text {

/// Character class bits, one table lookup per octet.
enum CharClass : uint16_t
{
    kAlnum = 1 << 0,      ///< ALPHA / DIGIT
    kToken = 1 << 1,      ///< token chars: alphanum / "-" "." "!" "%" "*" "_" "+" "`" "'" "~"
    kWord = 1 << 2,       ///< word chars (Call-ID): token plus "(" ")" "<" ">" ":" "\" DQUOTE ...
    kUnreserved = 1 << 3, ///< unreserved = alphanum / mark
    kUserUnres = 1 << 4,  ///< user-unreserved: "&" "=" "+" "$" "," ";" "?" "/"
    kParamUnres = 1 << 5, ///< param-unreserved: "[" "]" "/" ":" "&" "+" "$"
    kHnvUnres = 1 << 6,   ///< hnv-unreserved: "[" "]" "/" "?" ":" "+" "$"
    kPasswordCh = 1 << 7, ///< password: unreserved / "&" "=" "+" "$" ","
    kHostExtra = 1 << 8,  ///< ":" "[" "]": with token, the octets of a gen-value host
};

/// Table of CharClass bits for every octet.
extern const uint16_t kCharClass[256];

inline bool
Is(char c, uint16_t cls)
{
    return (kCharClass[static_cast<uint8_t>(c)] & cls) != 0;
}

inline bool
IsDigit(char c)
{
    return c >= '0' && c <= '9';
}

inline bool
IsAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool
IsWs(char c)
{
    return c == ' ' || c == '\t';
}

inline bool
IsHex(char c)
{
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline int
HexValue(char c)
{
    if (IsDigit(c))
    {
        return c - '0';
    }
    return (c | 0x20) - 'a' + 10;
}

inline char
ToLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

/**
 * Index of the first c in s at or after from, npos when absent. A plain loop: header values
 * are short, and a library call costs more than the scan.
 */
inline size_t
Find(std::string_view s, char c, size_t from = 0)
{
    for (size_t i = from; i < s.size(); ++i)
    {
        if (s[i] == c)
        {
            return i;
        }
    }
    return std::string_view::npos;
}

/// Case-insensitive ASCII equality.
inline bool
EqualsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        if (ToLower(a[i]) != ToLower(b[i]))
        {
            return false;
        }
    }
    return true;
}

/// True when every octet of s is a token character and s is not empty.
inline bool
IsToken(std::string_view s)
{
    for (char c : s)
    {
        if (!Is(c, kToken))
        {
            return false;
        }
    }
    return !s.empty();
}

/// Removes SP and HTAB at both ends (values are unfolded before they get here).
inline std::string_view
Trim(std::string_view s)
{
    size_t b = 0;
    size_t e = s.size();
    while (b < e && IsWs(s[b]))
    {
        ++b;
    }
    while (e > b && IsWs(s[e - 1]))
    {
        --e;
    }
    return s.substr(b, e - b);
}

/// Parses 1*DIGIT into a value no greater than max; false on empty, non-digit or overflow.
bool ParseUnsigned(std::string_view s, uint64_t max, uint64_t* out);

/**
 * Scans a quoted-string starting at s[pos] == '"' (RFC 3261 25.1: quoted-pair allowed inside).
 * \return the index one past the closing quote, or std::string_view::npos if unterminated.
 */
size_t SkipQuoted(std::string_view s, size_t pos);

/// Returns the content of a quoted-string with quoted-pairs resolved (allocates).
std::string Unquote(std::string_view quoted);

/// Resolves %HH escapes (RFC 3261 25.1 "escaped"); a NUL stays a NUL. Allocates.
std::string Unescape(std::string_view s);

/// True when every octet of s is in cls or starts a valid %HH escape (RFC 3261 25.1 escaped).
bool IsEscapedOr(std::string_view s, uint16_t cls);

} // namespace text
} // namespace sipsim

#endif // SIPSIM_SIP_TEXT_H
