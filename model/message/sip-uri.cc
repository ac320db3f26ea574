#include "message/sip-uri.h"

#include "message/sip-text.h"

namespace sipsim {

using namespace text;

namespace detail {

std::string_view
NextParam(std::string_view s, size_t* pos)
{
    const size_t start = *pos;
    size_t i = start;
    while (i < s.size() && s[i] != ';')
    {
        if (s[i] == '"')
        {
            const size_t end = SkipQuoted(s, i);
            i = (end == std::string_view::npos) ? s.size() : end;
            continue;
        }
        ++i;
    }
    *pos = i + 1; // past the ';' (or past the end)
    return s.substr(start, i - start);
}

bool
SplitParam(std::string_view param, std::string_view* name, std::string_view* value)
{
    const size_t eq = Find(param, '=');
    if (eq == std::string_view::npos)
    {
        *name = Trim(param);
        *value = std::string_view();
        return false;
    }
    *name = Trim(param.substr(0, eq));
    *value = Trim(param.substr(eq + 1));
    return true;
}

} // namespace detail

bool
ParamList::Has(std::string_view name) const
{
    return Get(name).has_value();
}

std::optional<std::string_view>
ParamList::Get(std::string_view name) const
{
    std::optional<std::string_view> found;
    ForEach([&](std::string_view n, std::string_view v, bool) {
        if (EqualsNoCase(n, name))
        {
            found = v;
            return false;
        }
        return true;
    });
    return found;
}

size_t
ParamList::Count() const
{
    size_t n = 0;
    ForEach([&n](std::string_view, std::string_view, bool) {
        ++n;
        return true;
    });
    return n;
}

namespace {

/**
 * host [":" port] at the start of s (RFC 3261 25.1: hostname / IPv4address / IPv6reference).
 * \param end receives the index one past the hostport
 */
const char*
ParseHostPort(std::string_view s, Uri* out, size_t* end)
{
    size_t i = 0;
    if (!s.empty() && s[0] == '[')
    {
        i = 1;
        while (i < s.size() && (IsHex(s[i]) || s[i] == ':' || s[i] == '.'))
        {
            ++i;
        }
        if (i >= s.size() || s[i] != ']')
        {
            return "invalid IPv6 reference in URI host";
        }
        ++i;
    }
    else
    {
        while (i < s.size() && (Is(s[i], kAlnum) || s[i] == '-' || s[i] == '.'))
        {
            ++i;
        }
    }
    if (i == 0)
    {
        return "URI has no host";
    }
    out->host = s.substr(0, i);
    if (i < s.size() && s[i] == ':')
    {
        const size_t start = ++i;
        while (i < s.size() && IsDigit(s[i]))
        {
            ++i;
        }
        uint64_t port = 0;
        if (!ParseUnsigned(s.substr(start, i - start), 65535, &port))
        {
            return "invalid URI port";
        }
        out->port = static_cast<int32_t>(port);
    }
    if (i < s.size() && s[i] != ';' && s[i] != '?')
    {
        return "invalid character in URI host";
    }
    *end = i;
    return nullptr;
}

/// uri-parameters (RFC 3261 25.1): *( ";" pname ["=" pvalue] ), paramchar or escaped.
const char*
CheckUriParams(std::string_view s)
{
    size_t pos = 0;
    while (pos <= s.size())
    {
        const std::string_view param = detail::NextParam(s, &pos);
        const size_t eq = Find(param, '=');
        const std::string_view name = param.substr(0, eq);
        if (name.empty())
        {
            return "empty URI parameter";
        }
        if (!IsEscapedOr(name, kUnreserved | kParamUnres))
        {
            return "invalid character in URI parameter";
        }
        if (eq != std::string_view::npos
            && (eq + 1 == param.size()
                || !IsEscapedOr(param.substr(eq + 1), kUnreserved | kParamUnres)))
        {
            return "invalid URI parameter value";
        }
    }
    return nullptr;
}

/// headers = "?" header *( "&" header ); header = hname "=" hvalue (RFC 3261 25.1).
const char*
CheckUriHeaders(std::string_view s)
{
    size_t start = 0;
    while (start <= s.size())
    {
        size_t end = Find(s, '&', start);
        if (end == std::string_view::npos)
        {
            end = s.size();
        }
        const std::string_view h = s.substr(start, end - start);
        const size_t eq = Find(h, '=');
        if (eq == 0 || eq == std::string_view::npos)
        {
            return "invalid header in URI";
        }
        if (!IsEscapedOr(h.substr(0, eq), kUnreserved | kHnvUnres)
            || !IsEscapedOr(h.substr(eq + 1), kUnreserved | kHnvUnres))
        {
            return "invalid character in URI header";
        }
        start = end + 1;
    }
    return nullptr;
}

const char*
ParseSipUri(std::string_view rest, Uri* out)
{
    // Split off headers, then parameters. The user part may contain ';' and '?'
    // (user-unreserved), so userinfo is cut first at the '@'.
    size_t hostStart = 0;
    const size_t at = Find(rest, '@');
    if (at != std::string_view::npos)
    {
        const std::string_view userinfo = rest.substr(0, at);
        const size_t colon = Find(userinfo, ':');
        out->hasUser = true;
        out->user = userinfo.substr(0, colon);
        if (out->user.empty())
        {
            return "empty user part in URI";
        }
        if (!IsEscapedOr(out->user, kUnreserved | kUserUnres))
        {
            return "invalid character in URI user part";
        }
        if (colon != std::string_view::npos)
        {
            out->hasPassword = true;
            out->password = userinfo.substr(colon + 1);
            if (!IsEscapedOr(out->password, kPasswordCh))
            {
                return "invalid character in URI password";
            }
        }
        hostStart = at + 1;
    }
    const std::string_view tail = rest.substr(hostStart);
    size_t i = 0;
    if (const char* err = ParseHostPort(tail, out, &i))
    {
        return err;
    }
    if (i < tail.size() && tail[i] == ';')
    {
        const size_t q = Find(tail, '?', i);
        out->params = ParamList(tail.substr(i + 1, q == std::string_view::npos ? q : q - i - 1));
        if (const char* err = CheckUriParams(out->params.Raw()))
        {
            return err;
        }
        i = q == std::string_view::npos ? tail.size() : q;
    }
    if (i < tail.size())
    {
        // tail[i] == '?'
        out->headers = tail.substr(i + 1);
        return CheckUriHeaders(out->headers);
    }
    return nullptr;
}

const char*
ParseTelUri(std::string_view rest, Uri* out)
{
    const size_t semi = Find(rest, ';');
    out->user = rest.substr(0, semi);
    out->hasUser = true;
    if (out->user.empty())
    {
        return "empty telephone number in tel URI";
    }
    for (char c : out->user)
    {
        if (!IsHex(c) && c != '+' && c != '*' && c != '#' && c != '-' && c != '.' && c != '('
            && c != ')')
        {
            return "invalid character in tel URI number";
        }
    }
    if (semi != std::string_view::npos)
    {
        out->params = ParamList(rest.substr(semi + 1));
        return CheckUriParams(out->params.Raw());
    }
    return nullptr;
}

} // namespace

const char*
ParseUri(std::string_view text, Uri* out)
{
    *out = Uri();
    out->text = text;
    const size_t colon = Find(text, ':');
    if (colon == std::string_view::npos || colon == 0)
    {
        return "URI has no scheme";
    }
    out->schemeName = text.substr(0, colon);
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    if (!IsAlpha(out->schemeName[0]))
    {
        return "invalid URI scheme";
    }
    for (char c : out->schemeName)
    {
        if (!Is(c, kAlnum) && c != '+' && c != '-' && c != '.')
        {
            return "invalid URI scheme";
        }
    }
    const std::string_view rest = text.substr(colon + 1);
    if (EqualsNoCase(out->schemeName, "sip"))
    {
        out->scheme = UriScheme::Sip;
        return ParseSipUri(rest, out);
    }
    if (EqualsNoCase(out->schemeName, "sips"))
    {
        out->scheme = UriScheme::Sips;
        return ParseSipUri(rest, out);
    }
    if (EqualsNoCase(out->schemeName, "tel"))
    {
        out->scheme = UriScheme::Tel;
        return ParseTelUri(rest, out);
    }
    out->scheme = UriScheme::Other;
    out->opaque = rest;
    if (rest.empty())
    {
        return "empty URI after scheme";
    }
    for (char c : rest)
    {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"')
        {
            return "invalid character in URI";
        }
    }
    return nullptr;
}

std::string
Uri::UserUnescaped() const
{
    return Unescape(user);
}

std::optional<std::string>
Uri::ParamUnescaped(std::string_view name) const
{
    // Parameter names may themselves be escaped (RFC 4475 esc01: ";%6C%72" is "lr").
    std::optional<std::string> found;
    params.ForEach([&](std::string_view n, std::string_view v, bool) {
        if (EqualsNoCase(Unescape(n), name))
        {
            found = Unescape(v);
            return false;
        }
        return true;
    });
    return found;
}

std::string
EscapeUser(std::string_view user)
{
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(user.size());
    for (char c : user)
    {
        if (Is(c, kUnreserved | kUserUnres))
        {
            out.push_back(c);
        }
        else
        {
            const auto u = static_cast<unsigned char>(c);
            out.push_back('%');
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        }
    }
    return out;
}

std::string
MakeSipUri(std::string_view user, std::string_view host, int32_t port, bool secure)
{
    std::string out = secure ? "sips:" : "sip:";
    if (!user.empty())
    {
        out += EscapeUser(user);
        out += '@';
    }
    out += host;
    if (port >= 0)
    {
        out += ':';
        out += std::to_string(port);
    }
    return out;
}

} // namespace sipsim
