/*
 * sipsim: value types for the SIP authentication header fields.
 */

#include "message/auth-header.h"

#include "message/sip-text.h"

#include <cstdio>
#include <ostream>

namespace sipsim {

namespace {

/** token characters of RFC 3261 section 25.1. */
bool
IsTokenChar(char ch)
{
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    {
        return true;
    }
    switch (c)
    {
        case '-':
        case '.':
        case '!':
        case '%':
        case '*':
        case '_':
        case '+':
        case '`':
        case '\'':
        case '~':
            return true;
        default:
            return false;
    }
}

bool
IsToken(std::string_view s)
{
    if (s.empty())
    {
        return false;
    }
    for (char c : s)
    {
        if (!IsTokenChar(c))
        {
            return false;
        }
    }
    return true;
}

/** Describes the character at \p pos for an error message. */
std::string
Where(std::string_view text, std::size_t pos)
{
    if (pos >= text.size())
    {
        return "at end of input";
    }
    unsigned char c = static_cast<unsigned char>(text[pos]);
    char buf[48];
    if (c > 0x20 && c < 0x7f)
    {
        std::snprintf(buf, sizeof(buf), "'%c' at offset %zu", c, pos);
    }
    else
    {
        std::snprintf(buf, sizeof(buf), "byte 0x%02x at offset %zu", c, pos);
    }
    return buf;
}

/** Recursive-descent reader for the auth-param list grammar of RFC 3261 section 25.1. */
class Reader
{
  public:
    explicit Reader(std::string_view text)
        : m_text(text)
    {}

    bool Parse(std::string* scheme, std::vector<AuthParam>* params)
    {
        SkipLws();
        if (AtEnd())
        {
            return Fail("empty header value");
        }
        *scheme = ReadToken();
        if (scheme->empty())
        {
            return Fail("expected auth-scheme token, found " + Where(m_text, m_pos));
        }
        if (!SkipLws())
        {
            if (AtEnd())
            {
                return Fail("auth-scheme '" + *scheme + "' is not followed by any auth-param");
            }
            return Fail("expected whitespace after auth-scheme, found " + Where(m_text, m_pos));
        }
        if (AtEnd())
        {
            return Fail("auth-scheme '" + *scheme + "' is not followed by any auth-param");
        }
        while (true)
        {
            AuthParam param;
            if (!ReadParam(&param))
            {
                return false;
            }
            for (const AuthParam& p : *params)
            {
                if (text::EqualsNoCase(p.name, param.name))
                {
                    return Fail("duplicate auth-param '" + param.name + "'");
                }
            }
            params->push_back(std::move(param));
            SkipLws();
            if (AtEnd())
            {
                return true;
            }
            if (m_text[m_pos] != ',')
            {
                return Fail("expected ',' between auth-params, found " + Where(m_text, m_pos));
            }
            ++m_pos;
            SkipLws();
            if (AtEnd())
            {
                return Fail("trailing ',' without auth-param");
            }
        }
    }

    const std::string& Error() const { return m_error; }

  private:
    bool AtEnd() const { return m_pos >= m_text.size(); }

    bool IsWsp(std::size_t pos) const
    {
        return pos < m_text.size() && (m_text[pos] == ' ' || m_text[pos] == '\t');
    }

    /**
     * Length of a line fold (CRLF or bare LF followed by WSP, RFC 3261
     * section 25.1 LWS) starting at \p pos, or 0.
     */
    std::size_t FoldLength(std::size_t pos) const
    {
        if (pos + 2 < m_text.size() && m_text[pos] == '\r' && m_text[pos + 1] == '\n'
            && IsWsp(pos + 2))
        {
            return 2;
        }
        if (pos + 1 < m_text.size() && m_text[pos] == '\n' && IsWsp(pos + 1))
        {
            return 1;
        }
        return 0;
    }

    /** Skips LWS; \return true if anything was skipped. */
    bool SkipLws()
    {
        std::size_t start = m_pos;
        while (!AtEnd())
        {
            if (IsWsp(m_pos))
            {
                ++m_pos;
            }
            else if (std::size_t fold = FoldLength(m_pos))
            {
                m_pos += fold;
            }
            else
            {
                break;
            }
        }
        return m_pos != start;
    }

    std::string ReadToken()
    {
        std::size_t start = m_pos;
        while (!AtEnd() && IsTokenChar(m_text[m_pos]))
        {
            ++m_pos;
        }
        return std::string(m_text.substr(start, m_pos - start));
    }

    bool ReadParam(AuthParam* param)
    {
        param->name = ReadToken();
        if (param->name.empty())
        {
            return Fail("expected auth-param name, found " + Where(m_text, m_pos));
        }
        SkipLws();
        if (AtEnd() || m_text[m_pos] != '=')
        {
            return Fail("missing '=' after auth-param name '" + param->name + "', found "
                        + Where(m_text, m_pos));
        }
        ++m_pos;
        SkipLws();
        if (!AtEnd() && m_text[m_pos] == '"')
        {
            param->quoted = true;
            return ReadQuoted(param);
        }
        param->quoted = false;
        param->value = ReadToken();
        if (param->value.empty())
        {
            return Fail("expected token or quoted-string value for auth-param '" + param->name
                        + "', found " + Where(m_text, m_pos));
        }
        return true;
    }

    /** quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE */
    bool ReadQuoted(AuthParam* param)
    {
        std::size_t open = m_pos++;
        std::string& out = param->value;
        while (!AtEnd())
        {
            unsigned char c = static_cast<unsigned char>(m_text[m_pos]);
            if (c == '"')
            {
                ++m_pos;
                return true;
            }
            if (c == '\\')
            {
                if (m_pos + 1 >= m_text.size())
                {
                    break;
                }
                unsigned char next = static_cast<unsigned char>(m_text[m_pos + 1]);
                if (next == '\r' || next == '\n' || next > 0x7f)
                {
                    return Fail("invalid quoted-pair in auth-param '" + param->name + "' at offset "
                                + std::to_string(m_pos));
                }
                out.push_back(static_cast<char>(next));
                m_pos += 2;
            }
            else if (std::size_t fold = FoldLength(m_pos))
            {
                m_pos += fold; // unfold: the WSP after the line break is kept
            }
            else if ((c < 0x20 && c != '\t') || c == 0x7f)
            {
                return Fail("control character in quoted string of auth-param '" + param->name
                            + "', " + Where(m_text, m_pos));
            }
            else
            {
                out.push_back(static_cast<char>(c));
                ++m_pos;
            }
        }
        return Fail("unterminated quoted string in auth-param '" + param->name
                    + "' (opened at offset " + std::to_string(open) + ")");
    }

    bool Fail(std::string message)
    {
        m_error = std::move(message);
        return false;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::string m_error;
};

void
AppendQuoted(std::string* out, std::string_view value)
{
    out->push_back('"');
    for (char ch : value)
    {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n')
        {
            out->push_back(' ');
            continue;
        }
        if (c == '"' || c == '\\' || (c < 0x20 && c != '\t') || c == 0x7f)
        {
            out->push_back('\\');
        }
        out->push_back(ch);
    }
    out->push_back('"');
}

bool
SameParams(const AuthHeaderValue& a, const AuthHeaderValue& b)
{
    return a.scheme == b.scheme && a.params == b.params;
}

} // namespace

bool
operator==(const AuthParam& a, const AuthParam& b)
{
    return a.name == b.name && a.value == b.value && a.quoted == b.quoted;
}

bool
operator!=(const AuthParam& a, const AuthParam& b)
{
    return !(a == b);
}

std::optional<std::string_view>
AuthHeaderValue::Get(std::string_view name) const
{
    for (const AuthParam& p : params)
    {
        if (text::EqualsNoCase(p.name, name))
        {
            return std::string_view(p.value);
        }
    }
    return std::nullopt;
}

void
AuthHeaderValue::Set(std::string name, std::string value, bool quoted)
{
    bool mustQuote = quoted || !IsToken(value);
    for (AuthParam& p : params)
    {
        if (text::EqualsNoCase(p.name, name))
        {
            p.value = std::move(value);
            p.quoted = mustQuote;
            return;
        }
    }
    params.push_back(AuthParam{std::move(name), std::move(value), mustQuote});
}

bool
AuthHeaderValue::Remove(std::string_view name)
{
    std::size_t before = params.size();
    std::vector<AuthParam> kept;
    for (AuthParam& p : params)
    {
        if (!text::EqualsNoCase(p.name, name))
        {
            kept.push_back(std::move(p));
        }
    }
    params = std::move(kept);
    return params.size() != before;
}

bool
AuthHeaderValue::IsDigest() const
{
    return text::EqualsNoCase(scheme, "Digest");
}

std::string
AuthHeaderValue::ToString() const
{
    std::string out = scheme;
    for (std::size_t i = 0; i < params.size(); ++i)
    {
        out += (i == 0) ? " " : ", ";
        out += params[i].name;
        out.push_back('=');
        if (params[i].quoted || !IsToken(params[i].value))
        {
            AppendQuoted(&out, params[i].value);
        }
        else
        {
            out += params[i].value;
        }
    }
    return out;
}

bool
AuthHeaderValue::ParseInto(std::string_view text, AuthHeaderValue* out, std::string* error)
{
    Reader reader(text);
    std::string scheme;
    std::vector<AuthParam> params;
    if (!reader.Parse(&scheme, &params))
    {
        if (error)
        {
            *error = reader.Error();
        }
        return false;
    }
    if (!out)
    {
        if (error)
        {
            *error = "no output object";
        }
        return false;
    }
    out->scheme = std::move(scheme);
    out->params = std::move(params);
    return true;
}

std::string
AuthHeaderValue::GetOrEmpty(std::string_view name) const
{
    return std::string(Get(name).value_or(std::string_view()));
}

// ---------------------------------------------------------------- Challenge

bool
Challenge::Parse(std::string_view headerValue, Challenge* out, std::string* error)
{
    return ParseInto(headerValue, out, error);
}

std::string
Challenge::GetRealm() const
{
    return GetOrEmpty("realm");
}

void
Challenge::SetRealm(std::string realm)
{
    Set("realm", std::move(realm), true);
}

std::string
Challenge::GetNonce() const
{
    return GetOrEmpty("nonce");
}

void
Challenge::SetNonce(std::string nonce)
{
    Set("nonce", std::move(nonce), true);
}

std::string
Challenge::GetOpaque() const
{
    return GetOrEmpty("opaque");
}

void
Challenge::SetOpaque(std::string opaque)
{
    Set("opaque", std::move(opaque), true);
}

std::string
Challenge::GetAlgorithm() const
{
    return GetOrEmpty("algorithm");
}

void
Challenge::SetAlgorithm(std::string algorithm)
{
    Set("algorithm", std::move(algorithm), false);
}

std::string
Challenge::GetDomain() const
{
    return GetOrEmpty("domain");
}

void
Challenge::SetDomain(std::string domain)
{
    Set("domain", std::move(domain), true);
}

std::vector<std::string>
Challenge::GetQopOptions() const
{
    std::vector<std::string> options;
    std::string_view rest = Get("qop").value_or(std::string_view());
    while (!rest.empty())
    {
        std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = (comma == std::string_view::npos) ? std::string_view() : rest.substr(comma + 1);
        std::size_t first = item.find_first_not_of(" \t");
        if (first != std::string_view::npos)
        {
            std::size_t last = item.find_last_not_of(" \t");
            options.emplace_back(item.substr(first, last - first + 1));
        }
    }
    return options;
}

void
Challenge::SetQopOptions(const std::vector<std::string>& options)
{
    std::string joined;
    for (const std::string& option : options)
    {
        joined += joined.empty() ? "" : ",";
        joined += option;
    }
    Set("qop", std::move(joined), true);
}

bool
Challenge::GetStale() const
{
    return text::EqualsNoCase(Get("stale").value_or(std::string_view()), "true");
}

void
Challenge::SetStale(bool stale)
{
    Set("stale", stale ? "true" : "false", false);
}

// -------------------------------------------------------------- Credentials

bool
Credentials::Parse(std::string_view headerValue, Credentials* out, std::string* error)
{
    return ParseInto(headerValue, out, error);
}

std::string
Credentials::GetUsername() const
{
    return GetOrEmpty("username");
}

void
Credentials::SetUsername(std::string username)
{
    Set("username", std::move(username), true);
}

std::string
Credentials::GetRealm() const
{
    return GetOrEmpty("realm");
}

void
Credentials::SetRealm(std::string realm)
{
    Set("realm", std::move(realm), true);
}

std::string
Credentials::GetNonce() const
{
    return GetOrEmpty("nonce");
}

void
Credentials::SetNonce(std::string nonce)
{
    Set("nonce", std::move(nonce), true);
}

std::string
Credentials::GetUri() const
{
    return GetOrEmpty("uri");
}

void
Credentials::SetUri(std::string uri)
{
    Set("uri", std::move(uri), true);
}

std::string
Credentials::GetResponse() const
{
    return GetOrEmpty("response");
}

void
Credentials::SetResponse(std::string response)
{
    Set("response", std::move(response), true);
}

std::string
Credentials::GetAlgorithm() const
{
    return GetOrEmpty("algorithm");
}

void
Credentials::SetAlgorithm(std::string algorithm)
{
    Set("algorithm", std::move(algorithm), false);
}

std::string
Credentials::GetCnonce() const
{
    return GetOrEmpty("cnonce");
}

void
Credentials::SetCnonce(std::string cnonce)
{
    Set("cnonce", std::move(cnonce), true);
}

std::string
Credentials::GetOpaque() const
{
    return GetOrEmpty("opaque");
}

void
Credentials::SetOpaque(std::string opaque)
{
    Set("opaque", std::move(opaque), true);
}

std::string
Credentials::GetQop() const
{
    return GetOrEmpty("qop");
}

void
Credentials::SetQop(std::string qop)
{
    Set("qop", std::move(qop), false);
}

std::optional<uint32_t>
Credentials::GetNonceCount() const
{
    std::optional<std::string_view> nc = Get("nc");
    if (!nc || nc->size() != 8)
    {
        return std::nullopt;
    }
    uint32_t value = 0;
    for (char c : *nc)
    {
        uint32_t digit;
        if (c >= '0' && c <= '9')
        {
            digit = static_cast<uint32_t>(c - '0');
        }
        else if (text::ToLower(c) >= 'a' && text::ToLower(c) <= 'f')
        {
            digit = static_cast<uint32_t>(text::ToLower(c) - 'a' + 10);
        }
        else
        {
            return std::nullopt;
        }
        value = (value << 4) | digit;
    }
    return value;
}

void
Credentials::SetNonceCount(uint32_t nc)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", static_cast<unsigned>(nc));
    Set("nc", buf, false);
}

// ---------------------------------------------------------------- operators

bool
operator==(const Challenge& a, const Challenge& b)
{
    return SameParams(a, b);
}

bool
operator!=(const Challenge& a, const Challenge& b)
{
    return !SameParams(a, b);
}

bool
operator==(const Credentials& a, const Credentials& b)
{
    return SameParams(a, b);
}

bool
operator!=(const Credentials& a, const Credentials& b)
{
    return !SameParams(a, b);
}

std::ostream&
operator<<(std::ostream& os, const AuthHeaderValue& value)
{
    return os << value.ToString();
}

} // namespace sipsim
