#include "message/sip-headers.h"

#include <array>
#include <cstdio>

namespace sipsim {

using namespace text;

namespace {

struct NameEntry
{
    std::string_view name;
    HeaderId id;
};

// Long names (RFC 3261 20 and the extensions a SIP deployment commonly carries), then the
// compact forms of RFC 3261 7.3.3 (and "o" for Event, RFC 6665).
constexpr NameEntry kNames[] = {
    {"Accept", HeaderId::Accept},
    {"Accept-Encoding", HeaderId::AcceptEncoding},
    {"Accept-Language", HeaderId::AcceptLanguage},
    {"Alert-Info", HeaderId::AlertInfo},
    {"Allow", HeaderId::Allow},
    {"Authentication-Info", HeaderId::AuthenticationInfo},
    {"Authorization", HeaderId::Authorization},
    {"Call-ID", HeaderId::CallId},
    {"Call-Info", HeaderId::CallInfo},
    {"Contact", HeaderId::Contact},
    {"Content-Disposition", HeaderId::ContentDisposition},
    {"Content-Encoding", HeaderId::ContentEncoding},
    {"Content-Language", HeaderId::ContentLanguage},
    {"Content-Length", HeaderId::ContentLength},
    {"Content-Type", HeaderId::ContentType},
    {"CSeq", HeaderId::CSeq},
    {"Date", HeaderId::Date},
    {"Error-Info", HeaderId::ErrorInfo},
    {"Event", HeaderId::Event},
    {"Expires", HeaderId::Expires},
    {"From", HeaderId::From},
    {"In-Reply-To", HeaderId::InReplyTo},
    {"Max-Forwards", HeaderId::MaxForwards},
    {"MIME-Version", HeaderId::MimeVersion},
    {"Min-Expires", HeaderId::MinExpires},
    {"Organization", HeaderId::Organization},
    {"Priority", HeaderId::Priority},
    {"Proxy-Authenticate", HeaderId::ProxyAuthenticate},
    {"Proxy-Authorization", HeaderId::ProxyAuthorization},
    {"Proxy-Require", HeaderId::ProxyRequire},
    {"Record-Route", HeaderId::RecordRoute},
    {"Reply-To", HeaderId::ReplyTo},
    {"Require", HeaderId::Require},
    {"Retry-After", HeaderId::RetryAfter},
    {"Route", HeaderId::Route},
    {"Server", HeaderId::Server},
    {"Subject", HeaderId::Subject},
    {"Supported", HeaderId::Supported},
    {"Timestamp", HeaderId::Timestamp},
    {"To", HeaderId::To},
    {"Unsupported", HeaderId::Unsupported},
    {"User-Agent", HeaderId::UserAgent},
    {"Via", HeaderId::Via},
    {"Warning", HeaderId::Warning},
    {"WWW-Authenticate", HeaderId::WwwAuthenticate},
    {"i", HeaderId::CallId},
    {"m", HeaderId::Contact},
    {"e", HeaderId::ContentEncoding},
    {"l", HeaderId::ContentLength},
    {"c", HeaderId::ContentType},
    {"f", HeaderId::From},
    {"s", HeaderId::Subject},
    {"k", HeaderId::Supported},
    {"t", HeaderId::To},
    {"v", HeaderId::Via},
    {"o", HeaderId::Event},
};

constexpr size_t kMaxNameLength = 20;

constexpr bool
LongNamesInIdOrder()
{
    for (size_t i = 1; i < static_cast<size_t>(HeaderId::kCount); ++i)
    {
        if (kNames[i - 1].id != static_cast<HeaderId>(i))
        {
            return false;
        }
    }
    return true;
}

static_assert(LongNamesInIdOrder(), "CanonicalName indexes kNames by HeaderId");

/**
 * Case-insensitive equality for token strings: OR-ing 0x20 folds case, and no two token
 * characters differ only in that bit, so the comparison is exact.
 */
inline bool
EqualsTokenNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        if ((a[i] | 0x20) != (b[i] | 0x20))
        {
            return false;
        }
    }
    return true;
}

/// Hash of a header name from its length and first and last octets, case-insensitively.
inline size_t
NameHash(std::string_view name)
{
    return (name.size() * 7 + static_cast<size_t>(ToLower(name[0])) * 31
            + static_cast<size_t>(ToLower(name[name.size() - 1])))
           & 255;
}

/// Open-addressing table of kNames indexes (+1; 0 is empty), built once at load time.
struct NameTable
{
    std::array<uint8_t, 256> slots{};

    NameTable()
    {
        for (size_t i = 0; i < std::size(kNames); ++i)
        {
            size_t h = NameHash(kNames[i].name);
            while (slots[h] != 0)
            {
                h = (h + 1) & 255;
            }
            slots[h] = static_cast<uint8_t>(i + 1);
        }
    }
};

const NameTable kNameTable;

/// A tiny scanner over a header value.
struct Cursor
{
    std::string_view s;
    size_t p = 0;

    bool AtEnd() const { return p >= s.size(); }

    char Peek() const { return p < s.size() ? s[p] : '\0'; }

    size_t SkipWs()
    {
        const size_t start = p;
        while (p < s.size() && IsWs(s[p]))
        {
            ++p;
        }
        return p - start;
    }

    bool Eat(char c)
    {
        if (Peek() == c)
        {
            ++p;
            return true;
        }
        return false;
    }

    std::string_view Token()
    {
        const size_t start = p;
        while (p < s.size() && Is(s[p], kToken))
        {
            ++p;
        }
        return s.substr(start, p - start);
    }

    std::string_view Rest() const { return p < s.size() ? s.substr(p) : std::string_view(); }
};

} // namespace

HeaderId
LookupHeader(std::string_view name)
{
    if (name.empty() || name.size() > kMaxNameLength)
    {
        return HeaderId::Unknown;
    }
    for (size_t h = NameHash(name); kNameTable.slots[h] != 0; h = (h + 1) & 255)
    {
        const NameEntry& e = kNames[kNameTable.slots[h] - 1];
        if (EqualsTokenNoCase(e.name, name))
        {
            return e.id;
        }
    }
    return HeaderId::Unknown;
}

std::string_view
CanonicalName(HeaderId id)
{
    // kNames lists every long name once, in HeaderId order, before the compact forms.
    const auto i = static_cast<size_t>(id);
    if (i == 0 || i >= static_cast<size_t>(HeaderId::kCount))
    {
        return std::string_view();
    }
    return kNames[i - 1].name;
}

bool
IsListHeader(HeaderId id)
{
    switch (id)
    {
        case HeaderId::Accept:
        case HeaderId::AcceptEncoding:
        case HeaderId::AcceptLanguage:
        case HeaderId::AlertInfo:
        case HeaderId::Allow:
        case HeaderId::CallInfo:
        case HeaderId::Contact:
        case HeaderId::ContentEncoding:
        case HeaderId::ContentLanguage:
        case HeaderId::ErrorInfo:
        case HeaderId::InReplyTo:
        case HeaderId::ProxyRequire:
        case HeaderId::RecordRoute:
        case HeaderId::Require:
        case HeaderId::Route:
        case HeaderId::Supported:
        case HeaderId::Unsupported:
        case HeaderId::Via:
        case HeaderId::Warning:
            return true;
        default:
            return false;
    }
}

/**
 * Walks generic parameters once (RFC 3261 25.1: generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string, SEMI and EQUAL with optional LWS), checking each
 * and handing it to onParam(name, value, hasValue), which may return an error.
 */
template<typename F>
const char*
ScanParams(std::string_view raw, F&& onParam)
{
    const size_t n = raw.size();
    size_t i = 0;
    auto skipWs = [&]() {
        while (i < n && IsWs(raw[i]))
        {
            ++i;
        }
    };
    while (true)
    {
        skipWs();
        const size_t nameStart = i;
        while (i < n && Is(raw[i], kToken))
        {
            ++i;
        }
        const std::string_view name = raw.substr(nameStart, i - nameStart);
        if (name.empty())
        {
            return (i >= n || raw[i] == ';' || raw[i] == '=') ? "empty header parameter"
                                                              : "invalid header parameter name";
        }
        skipWs();
        std::string_view value;
        bool hasValue = false;
        if (i < n && raw[i] == '=')
        {
            ++i;
            skipWs();
            const size_t valueStart = i;
            if (i < n && raw[i] == '"')
            {
                i = SkipQuoted(raw, i);
                if (i == std::string_view::npos)
                {
                    return "unterminated quoted string in header parameter";
                }
            }
            else
            {
                while (i < n && Is(raw[i], kToken | kHostExtra))
                {
                    ++i;
                }
            }
            value = raw.substr(valueStart, i - valueStart);
            if (value.empty())
            {
                return "header parameter has '=' but no valid value";
            }
            hasValue = true;
            skipWs();
        }
        if (const char* err = onParam(name, value, hasValue))
        {
            return err;
        }
        if (i >= n)
        {
            return nullptr;
        }
        if (raw[i] != ';')
        {
            return "invalid character in header parameter";
        }
        ++i;
    }
}

const char*
CheckGenericParams(std::string_view raw)
{
    return ScanParams(
        raw, [](std::string_view, std::string_view, bool) -> const char* { return nullptr; });
}

// --- Via ----------------------------------------------------------------------------------------

bool
Via::HasMagicCookie() const
{
    const std::string_view b = Branch();
    return b.size() > 7 && b.substr(0, 7) == "z9hG4bK";
}

std::string
Via::Format(std::string_view transport, std::string_view host, int32_t port,
            std::string_view branch)
{
    std::string out = "SIP/2.0/";
    out += transport;
    out += ' ';
    out += host;
    if (port >= 0)
    {
        out += ':';
        out += std::to_string(port);
    }
    if (!branch.empty())
    {
        out += ";branch=";
        out += branch;
    }
    return out;
}

const char*
ParseVia(std::string_view value, Via* out)
{
    *out = Via();
    Cursor c{value};
    c.SkipWs();
    // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SLASH = SWS "/" SWS)
    out->protocolName = c.Token();
    c.SkipWs();
    if (out->protocolName.empty() || !c.Eat('/'))
    {
        return "malformed Via sent-protocol";
    }
    c.SkipWs();
    out->protocolVersion = c.Token();
    c.SkipWs();
    if (out->protocolVersion.empty() || !c.Eat('/'))
    {
        return "malformed Via sent-protocol";
    }
    c.SkipWs();
    out->transport = c.Token();
    if (out->transport.empty())
    {
        return "malformed Via transport";
    }
    if (c.SkipWs() == 0)
    {
        return "missing sent-by in Via";
    }
    // sent-by = host [ COLON port ]
    const size_t hostStart = c.p;
    if (c.Peek() == '[')
    {
        const size_t close = value.find(']', c.p);
        if (close == std::string_view::npos)
        {
            return "unterminated IPv6 reference in Via";
        }
        c.p = close + 1;
    }
    else
    {
        while (!c.AtEnd() && (Is(c.Peek(), kAlnum) || c.Peek() == '-' || c.Peek() == '.'))
        {
            ++c.p;
        }
    }
    out->host = value.substr(hostStart, c.p - hostStart);
    if (out->host.empty())
    {
        return "missing sent-by host in Via";
    }
    c.SkipWs();
    if (c.Eat(':'))
    {
        c.SkipWs();
        const size_t portStart = c.p;
        while (!c.AtEnd() && IsDigit(c.Peek()))
        {
            ++c.p;
        }
        uint64_t port = 0;
        if (!ParseUnsigned(value.substr(portStart, c.p - portStart), 65535, &port))
        {
            return "invalid port in Via sent-by";
        }
        out->port = static_cast<int32_t>(port);
        c.SkipWs();
    }
    if (c.AtEnd())
    {
        return nullptr;
    }
    if (!c.Eat(';'))
    {
        return "unexpected text after Via sent-by";
    }
    out->params = ParamList(c.Rest());
    // One walk over the parameters checks them and picks out those the stack uses.
    return ScanParams(
        out->params.Raw(), [out](std::string_view name, std::string_view v, bool) -> const char* {
            uint64_t n = 0;
            if (EqualsTokenNoCase(name, "branch"))
            {
                if (!IsToken(v))
                {
                    return "invalid Via branch";
                }
                if (out->branch.empty())
                {
                    out->branch = v;
                }
            }
            else if (EqualsTokenNoCase(name, "ttl"))
            {
                if (!ParseUnsigned(v, 255, &n))
                {
                    return "Via ttl out of range";
                }
                out->ttl = static_cast<int16_t>(n);
            }
            else if (EqualsTokenNoCase(name, "rport") && !v.empty() && !ParseUnsigned(v, 65535, &n))
            {
                return "invalid Via rport";
            }
            return nullptr;
        });
}

// --- name-addr / addr-spec ----------------------------------------------------------------------

std::string
NameAddr::DisplayNameText() const
{
    if (!displayName.empty() && displayName[0] == '"')
    {
        return Unquote(displayName);
    }
    return std::string(displayName);
}

std::string
NameAddr::ToString() const
{
    std::string out;
    out.reserve(displayName.size() + uri.text.size() + params.Raw().size() + 4);
    if (!displayName.empty())
    {
        out += displayName;
        out += ' ';
    }
    out += '<';
    out += uri.text;
    out += '>';
    if (!params.Empty())
    {
        out += ';';
        out += params.Raw();
    }
    return out;
}

const char*
ParseNameAddr(std::string_view value, NameAddr* out)
{
    *out = NameAddr();
    const std::string_view v = Trim(value);
    if (v.empty())
    {
        return "empty name-addr";
    }
    size_t lt = std::string_view::npos;
    size_t semi = std::string_view::npos;
    if (v[0] == '"')
    {
        const size_t end = SkipQuoted(v, 0);
        if (end == std::string_view::npos)
        {
            return "unterminated quoted string in display name";
        }
        out->displayName = v.substr(0, end);
        size_t i = end;
        while (i < v.size() && IsWs(v[i]))
        {
            ++i;
        }
        if (i >= v.size() || v[i] != '<')
        {
            return "quoted display name not followed by <URI>";
        }
        lt = i;
    }
    else
    {
        // One scan decides the form: a '<' before any ';' makes a name-addr.
        size_t i = 0;
        while (i < v.size() && v[i] != '<' && v[i] != ';')
        {
            ++i;
        }
        semi = (i < v.size() && v[i] == ';') ? i : std::string_view::npos;
        lt = (i < v.size() && v[i] == '<') ? i : std::string_view::npos;
        if (lt != std::string_view::npos)
        {
            // display-name = *(token LWS): RFC 4475 3.1.1.6 accepts no LWS before '<'.
            const std::string_view dn = Trim(v.substr(0, lt));
            for (char ch : dn)
            {
                if (!Is(ch, kToken) && !IsWs(ch))
                {
                    return "invalid character in unquoted display name";
                }
            }
            out->displayName = dn;
        }
    }
    std::string_view rest;
    if (lt != std::string_view::npos)
    {
        const size_t gt = Find(v, '>', lt);
        if (gt == std::string_view::npos)
        {
            return "missing '>' after URI";
        }
        const std::string_view spec = v.substr(lt + 1, gt - lt - 1);
        if (!spec.empty() && (IsWs(spec.front()) || IsWs(spec.back())))
        {
            return "whitespace inside <> around the URI";
        }
        if (const char* err = ParseUri(spec, &out->uri))
        {
            return err;
        }
        out->bracketed = true;
        rest = Trim(v.substr(gt + 1));
    }
    else
    {
        // addr-spec: the first ';' starts header parameters (RFC 3261 20.10).
        const std::string_view spec = Trim(v.substr(0, semi));
        for (char ch : spec)
        {
            if (ch == ',' || ch == '?')
            {
                return Find(v, '<') != std::string_view::npos
                           ? "invalid character in unquoted display name"
                           : "URI containing ',' or '?' must be enclosed in <> (RFC 3261 20)";
            }
        }
        if (const char* err = ParseUri(spec, &out->uri))
        {
            return err;
        }
        rest = semi == std::string_view::npos ? std::string_view() : v.substr(semi);
    }
    if (rest.empty())
    {
        return nullptr;
    }
    if (rest[0] != ';')
    {
        return "unexpected text after URI";
    }
    out->params = ParamList(rest.substr(1));
    return ScanParams(out->params.Raw(),
                      [out](std::string_view name, std::string_view pv, bool) -> const char* {
                          if (name.size() == 3 && EqualsTokenNoCase(name, "tag"))
                          {
                              if (out->tag.empty())
                              {
                                  out->tag = pv;
                              }
                          }
                          else if (name.size() == 1 && (name[0] | 0x20) == 'q')
                          {
                              out->q = pv;
                          }
                          else if (name.size() == 7 && EqualsTokenNoCase(name, "expires"))
                          {
                              out->expires = pv;
                          }
                          return nullptr;
                      });
}

// --- scalar headers -----------------------------------------------------------------------------

const char*
ParseCSeq(std::string_view value, CSeq* out)
{
    Cursor c{Trim(value)};
    const size_t start = c.p;
    while (!c.AtEnd() && IsDigit(c.Peek()))
    {
        ++c.p;
    }
    uint64_t n = 0;
    if (!ParseUnsigned(c.s.substr(start, c.p - start), 0xffffffffULL, &n))
    {
        return c.p == start ? "CSeq has no sequence number"
                            : "CSeq sequence number larger than 2**32-1";
    }
    if (c.SkipWs() == 0)
    {
        return "CSeq has no method";
    }
    out->method = c.Token();
    if (out->method.empty() || !c.AtEnd())
    {
        return "malformed CSeq method";
    }
    out->number = static_cast<uint32_t>(n);
    return nullptr;
}

bool
ParseQValue(std::string_view text, uint16_t* out)
{
    const std::string_view v = text::Trim(text);
    if (v.empty() || (v[0] != '0' && v[0] != '1'))
    {
        return false;
    }
    const bool one = v[0] == '1';
    uint16_t thousandths = one ? 1000 : 0;
    if (v.size() > 1)
    {
        if (v[1] != '.' || v.size() > 5)
        {
            return false;
        }
        uint16_t scale = 100;
        for (size_t i = 2; i < v.size(); ++i, scale /= 10)
        {
            const char c = v[i];
            if (c < '0' || c > '9' || (one && c != '0'))
            {
                return false;
            }
            thousandths += static_cast<uint16_t>((c - '0') * scale);
        }
    }
    *out = thousandths;
    return true;
}

std::string
FormatQValue(uint16_t q)
{
    if (q == 0 || q >= 1000)
    {
        return q == 0 ? "0" : "1";
    }
    char buf[8];
    std::snprintf(buf, sizeof(buf), "0.%03u", static_cast<unsigned>(q % 1000));
    std::string s(buf);
    while (s.back() == '0')
    {
        s.pop_back();
    }
    return s;
}

const char*
ParseDeltaSeconds(std::string_view value, uint32_t* out)
{
    uint64_t n = 0;
    const std::string_view v = Trim(value);
    if (!ParseUnsigned(v, 0xffffffffULL, &n))
    {
        for (char ch : v)
        {
            if (!IsDigit(ch))
            {
                return "delta-seconds is not a number";
            }
        }
        return v.empty() ? "empty delta-seconds" : "delta-seconds larger than 2**32-1";
    }
    *out = static_cast<uint32_t>(n);
    return nullptr;
}

int64_t
RetryAfter::Duration() const
{
    uint64_t v = 0;
    const auto d = params.Get("duration");
    if (!d || !ParseUnsigned(*d, 0xffffffffULL, &v))
    {
        return -1;
    }
    return static_cast<int64_t>(v);
}

const char*
ParseRetryAfter(std::string_view value, RetryAfter* out)
{
    *out = RetryAfter();
    Cursor c{Trim(value)};
    const size_t start = c.p;
    while (!c.AtEnd() && IsDigit(c.Peek()))
    {
        ++c.p;
    }
    if (const char* err = ParseDeltaSeconds(c.s.substr(start, c.p - start), &out->seconds))
    {
        return err;
    }
    c.SkipWs();
    if (c.Peek() == '(')
    {
        int depth = 0;
        const size_t open = c.p;
        for (; !c.AtEnd(); ++c.p)
        {
            if (c.Peek() == '\\')
            {
                ++c.p;
                continue;
            }
            depth += c.Peek() == '(' ? 1 : (c.Peek() == ')' ? -1 : 0);
            if (depth == 0)
            {
                break;
            }
        }
        if (depth != 0)
        {
            return "unterminated comment in Retry-After";
        }
        ++c.p;
        out->comment = c.s.substr(open, c.p - open);
        c.SkipWs();
    }
    if (c.AtEnd())
    {
        return nullptr;
    }
    if (!c.Eat(';'))
    {
        return "unexpected text in Retry-After";
    }
    out->params = ParamList(c.Rest());
    if (const char* err = CheckGenericParams(out->params.Raw()))
    {
        return err;
    }
    const auto d = out->params.Get("duration");
    uint32_t dv = 0;
    if (d && ParseDeltaSeconds(*d, &dv) != nullptr)
    {
        return "invalid Retry-After duration";
    }
    return nullptr;
}

const char*
ParseWarning(std::string_view value, WarningValue* out)
{
    const std::string_view v = Trim(value);
    // warn-code = 3DIGIT
    if (v.size() < 4 || !IsDigit(v[0]) || !IsDigit(v[1]) || !IsDigit(v[2]) || v[3] != ' ')
    {
        return "Warning code is not three digits";
    }
    out->code = static_cast<uint16_t>((v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0'));
    const size_t sp = v.find(' ', 4);
    if (sp == std::string_view::npos || sp == 4)
    {
        return "Warning has no agent";
    }
    out->agent = v.substr(4, sp - 4);
    out->text = v.substr(sp + 1);
    if (out->text.empty() || out->text[0] != '"' || SkipQuoted(out->text, 0) != out->text.size())
    {
        return "Warning text is not a quoted string";
    }
    return nullptr;
}

const char*
ParseMediaType(std::string_view value, MediaType* out)
{
    *out = MediaType();
    Cursor c{Trim(value)};
    out->type = c.Token();
    c.SkipWs();
    if (out->type.empty() || !c.Eat('/'))
    {
        return "malformed media type";
    }
    c.SkipWs();
    out->subtype = c.Token();
    if (out->subtype.empty())
    {
        return "malformed media subtype";
    }
    c.SkipWs();
    if (c.AtEnd())
    {
        return nullptr;
    }
    if (!c.Eat(';'))
    {
        return "unexpected text in media type";
    }
    out->params = ParamList(c.Rest());
    return CheckGenericParams(out->params.Raw());
}

const char*
CheckDate(std::string_view value)
{
    // rfc1123-date = wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT
    static constexpr std::string_view kDays = "Mon Tue Wed Thu Fri Sat Sun";
    static constexpr std::string_view kMonths = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
    const std::string_view v = Trim(value);
    static constexpr std::string_view kShape = "Www, DD Nnn YYYY HH:mm:ss GMT";
    if (v.size() != kShape.size())
    {
        return "malformed Date";
    }
    for (size_t i = 0; i < v.size(); ++i)
    {
        const char s = kShape[i];
        const bool digit = s == 'D' || s == 'Y' || s == 'H' || s == 'm' || s == 's';
        if ((digit && !IsDigit(v[i])) || ((s == ',' || s == ' ' || s == ':') && v[i] != s))
        {
            return "malformed Date";
        }
    }
    if (v.substr(26) != "GMT")
    {
        return "Date time zone must be GMT (RFC 3261 20.17)";
    }
    const std::string_view day = v.substr(0, 3);
    const std::string_view month = v.substr(8, 3);
    if (kDays.find(day) == std::string_view::npos || kDays.find(day) % 4 != 0
        || kMonths.find(month) == std::string_view::npos || kMonths.find(month) % 4 != 0)
    {
        return "malformed Date";
    }
    return nullptr;
}

} // namespace sipsim
