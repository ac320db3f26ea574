#include "json-writer.h"

#include <cstdint>

namespace sipsim {
namespace cli {
namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t
Utf8Length(std::string_view s, size_t i)
{
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    if (c >= 0xc2 && c <= 0xdf)
    {
        n = 2;
    }
    else if (c >= 0xe0 && c <= 0xef)
    {
        n = 3;
    }
    else if (c >= 0xf0 && c <= 0xf4)
    {
        n = 4;
    }
    if (n == 0 || i + n > s.size())
    {
        return 0;
    }
    for (size_t k = 1; k < n; ++k)
    {
        if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80)
        {
            return 0;
        }
    }
    return n;
}

} // namespace

void
AppendJsonString(std::string* out, std::string_view s)
{
    static const char kHex[] = "0123456789abcdef";
    out->push_back('"');
    for (size_t i = 0; i < s.size(); ++i)
    {
        const auto c = static_cast<uint8_t>(s[i]);
        if (c == '"' || c == '\\')
        {
            out->push_back('\\');
            out->push_back(static_cast<char>(c));
        }
        else if (c == '\n')
        {
            out->append("\\n");
        }
        else if (c == '\r')
        {
            out->append("\\r");
        }
        else if (c == '\t')
        {
            out->append("\\t");
        }
        else if (c < 0x20 || c == 0x7f)
        {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
        }
        else if (c < 0x80)
        {
            out->push_back(static_cast<char>(c));
        }
        else if (const size_t n = Utf8Length(s, i))
        {
            out->append(s.substr(i, n));
            i += n - 1;
        }
        else
        {
            // Not UTF-8: keep the octet visible as a Latin-1 code point.
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
        }
    }
    out->push_back('"');
}

} // namespace cli
} // namespace sipsim
