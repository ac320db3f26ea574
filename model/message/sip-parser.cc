#include "message/sip-parser.h"

#include <cstring>

namespace sipsim {

using namespace text;

/// Fills a Message from bytes; friend of Message.
class Parser
{
  public:
    static ParseResult Run(std::string_view bytes, Framing framing);

  private:
    Parser(std::string_view bytes, Framing framing, Message& message)
        : m_in(bytes)
        , m_framing(framing)
        , m_msg(message)
    {}

    /// Parses into m_msg; false with m_error set on a fault.
    bool Parse();
    bool ParseStartLine(std::string_view line);
    /// Parses header lines from begin up to the empty line; returns the body start or nullptr.
    char* ParseHeaderSection(char* begin, char* end);
    bool CheckField(const HeaderField& field);
    bool CheckRequestAgainstHeaders();
    bool FrameBody(size_t bodyStart);

    /// Records the first fault; always returns false so callers can `return Fail(...)`.
    bool Fail(uint16_t answer, std::string_view reason, std::string_view what,
              std::string_view detail = {});
    /// Completes m_error (answer, echoed headers); returns false.
    bool MakeError();

    std::string_view m_in;
    Framing m_framing;
    Message& m_msg; ///< the message inside the result being returned: parsed in place
    size_t m_textSize = 0;
    bool m_failed = false;
    ParseError m_error;
    bool m_seenContentLength = false;
};

namespace {

/// 1*word-char (RFC 3261 25.1 word).
bool
IsWord(std::string_view v)
{
    for (char c : v)
    {
        if (!Is(c, kWord))
        {
            return false;
        }
    }
    return !v.empty();
}

/// Call-ID = word [ "@" word ] (RFC 3261 25.1).
bool
IsCallId(std::string_view v)
{
    const size_t at = Find(v, '@');
    return IsWord(v.substr(0, at)) && (at == std::string_view::npos || IsWord(v.substr(at + 1)));
}

/// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; "SIP" case-insensitive (RFC 3261 7.1).
bool
IsVersionSyntax(std::string_view v)
{
    if (v.size() < 7 || !EqualsNoCase(v.substr(0, 4), "SIP/"))
    {
        return false;
    }
    const size_t dot = v.find('.', 4);
    if (dot == std::string_view::npos || dot == 4 || dot + 1 == v.size())
    {
        return false;
    }
    for (size_t i = 4; i < v.size(); ++i)
    {
        if (i != dot && !IsDigit(v[i]))
        {
            return false;
        }
    }
    return true;
}

bool
IsVersion20(std::string_view v)
{
    return v.size() == 7 && EqualsNoCase(v, "SIP/2.0");
}

/// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
bool
IsQValue(std::string_view q)
{
    if (q.empty() || (q[0] != '0' && q[0] != '1'))
    {
        return false;
    }
    if (q.size() == 1)
    {
        return true;
    }
    if (q[1] != '.' || q.size() > 5)
    {
        return false;
    }
    for (size_t i = 2; i < q.size(); ++i)
    {
        if (!IsDigit(q[i]) || (q[0] == '1' && q[i] != '0'))
        {
            return false;
        }
    }
    return true;
}

const char*
CheckTokenList(std::string_view value, bool allowEmpty)
{
    if (value.empty())
    {
        return allowEmpty ? nullptr : "empty value";
    }
    const char* err = nullptr;
    const bool ok = ForEachListElement(value, [&err](std::string_view e) {
        if (!IsToken(e))
        {
            err = "invalid token in list";
            return false;
        }
        return true;
    });
    return err ? err : (ok ? nullptr : "empty value in list");
}

/// Finds "\r\n\r\n" at or after from; npos when absent.
size_t
FindEmptyLine(std::string_view s, size_t from)
{
    while (from + 3 < s.size())
    {
        const void* p = std::memchr(s.data() + from, '\r', s.size() - from - 3);
        if (p == nullptr)
        {
            return std::string_view::npos;
        }
        const size_t i = static_cast<size_t>(static_cast<const char*>(p) - s.data());
        if (s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n')
        {
            return i;
        }
        from = i + 1;
    }
    return std::string_view::npos;
}

size_t
SkipLeadingCrlf(std::string_view s)
{
    size_t i = 0;
    while (i + 1 < s.size() && s[i] == '\r' && s[i + 1] == '\n')
    {
        i += 2;
    }
    return i;
}

/// Collects Via, From, To, Call-ID and CSeq lines of raw header text (error path only).
std::string
EchoHeaders(std::string_view raw)
{
    std::string out;
    size_t pos = raw.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < raw.size())
    {
        const size_t start = pos + 2;
        size_t end = raw.find("\r\n", start);
        if (end == start || end == std::string_view::npos)
        {
            break;
        }
        while (end + 2 < raw.size() && IsWs(raw[end + 2]))
        {
            end = raw.find("\r\n", end + 2);
            if (end == std::string_view::npos)
            {
                return out;
            }
        }
        const std::string_view line = raw.substr(start, end - start);
        const size_t colon = line.find(':');
        if (colon != std::string_view::npos)
        {
            const HeaderId id = LookupHeader(Trim(line.substr(0, colon)));
            if (id == HeaderId::Via || id == HeaderId::From || id == HeaderId::To
                || id == HeaderId::CallId || id == HeaderId::CSeq)
            {
                out += CanonicalName(id);
                out += ": ";
                for (char c : Trim(line.substr(colon + 1)))
                {
                    if (c == '\r' || c == '\n')
                    {
                        c = ' ';
                    }
                    out += c;
                }
                out += "\r\n";
            }
        }
        pos = end;
    }
    return out;
}

} // namespace

bool
Parser::Fail(uint16_t answer, std::string_view reason, std::string_view what,
             std::string_view detail)
{
    if (m_failed)
    {
        return false;
    }
    m_failed = true;
    m_error.answer = answer;
    m_error.answerReason.assign(reason);
    m_error.what.assign(what);
    if (!detail.empty())
    {
        m_error.what.append(": ").append(detail);
    }
    return false;
}

bool
Parser::MakeError()
{
    if (!m_error.isRequest)
    {
        // A malformed response is silently discarded (RFC 4475 3.1.2.5, 3.1.2.19).
        m_error.answer = 0;
        m_error.answerReason.clear();
    }
    else
    {
        m_error.echoHeaders = EchoHeaders(m_in);
    }
    return false;
}

ParseResult
Parser::Run(std::string_view bytes, Framing framing)
{
    ParseResult result{Message()};
    Parser p(bytes, framing, result.GetMessage());
    if (!p.Parse())
    {
        result = ParseResult(std::move(p.m_error));
    }
    return result;
}

bool
Parser::Parse()
{
    const size_t start = SkipLeadingCrlf(m_in);
    m_in = m_in.substr(start);
    m_error.isRequest = !(m_in.size() >= 4 && EqualsNoCase(m_in.substr(0, 4), "SIP/"));
    if (m_in.empty())
    {
        Fail(400, "Bad Request", "empty message");
        return MakeError();
    }
    const void* cr = std::memchr(m_in.data(), '\r', m_in.size());
    const size_t lineEnd = cr == nullptr
                               ? m_in.size()
                               : static_cast<size_t>(static_cast<const char*>(cr) - m_in.data());
    if (lineEnd + 1 >= m_in.size() || m_in[lineEnd + 1] != '\n')
    {
        Fail(400, "Bad Request", "start line is not terminated by CRLF");
        return MakeError();
    }

    // One copy of the whole message; every view of the message points into it.
    m_textSize = m_in.size();
    m_msg.m_text.reset(new char[m_textSize]);
    std::memcpy(m_msg.m_text.get(), m_in.data(), m_textSize);
    char* text = m_msg.m_text.get();

    if (!ParseStartLine(std::string_view(text, lineEnd)))
    {
        return MakeError();
    }
    // The header section runs to the first empty line, which the start line may be followed
    // by directly (a message without headers).
    char* body = ParseHeaderSection(text + lineEnd + 2, text + m_textSize);
    if (body == nullptr)
    {
        return MakeError();
    }
    const auto bodyStart = static_cast<size_t>(body - text);
    if (m_msg.m_isRequest && !CheckRequestAgainstHeaders())
    {
        return MakeError();
    }
    if (!FrameBody(bodyStart))
    {
        return MakeError();
    }
    return true;
}

bool
Parser::ParseStartLine(std::string_view line)
{
    Message& m = m_msg;
    if (!m_error.isRequest)
    {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        const size_t sp = line.find(' ');
        m.m_isRequest = false;
        m.m_method = std::string_view();
        m.m_methodId = Method::Extension;
        m.m_version = line.substr(0, sp);
        if (!IsVersion20(m.m_version))
        {
            return Fail(0, "", "response with an unsupported SIP version", m.m_version);
        }
        const std::string_view rest = sp == std::string_view::npos ? "" : line.substr(sp + 1);
        const size_t sp2 = rest.find(' ');
        const std::string_view code = rest.substr(0, sp2);
        uint64_t status = 0;
        if (code.size() != 3 || !ParseUnsigned(code, 999, &status) || status < 100 || status > 699)
        {
            return Fail(0, "", "Status-Code is not a three-digit number from 100 to 699");
        }
        m.m_status = static_cast<uint16_t>(status);
        m.m_reason = sp2 == std::string_view::npos ? std::string_view() : rest.substr(sp2 + 1);
        for (char c : m.m_reason)
        {
            if (c == '\r' || c == '\n')
            {
                return Fail(0, "", "invalid octet in Reason-Phrase");
            }
        }
        return true;
    }

    // Request-Line = Method SP Request-URI SP SIP-Version (exactly one SP each, RFC 3261 7.1)
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp1 == sp2)
    {
        return Fail(400, "Bad Request Line",
                    "Request-Line must be Method SP Request-URI SP SIP-Version");
    }
    m.m_method = line.substr(0, sp1);
    if (!IsToken(m.m_method))
    {
        return Fail(400, "Bad Request Line", "method is not a token");
    }
    m.m_methodId = LookupMethod(m.m_method);
    m.m_version = line.substr(sp2 + 1);
    m.m_requestUriText = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (m.m_version.empty())
    {
        return Fail(400, "Bad Request Line", "whitespace at the end of the Request-Line");
    }
    if (m.m_requestUriText.empty() || IsWs(m.m_requestUriText.front())
        || IsWs(m.m_requestUriText.back()))
    {
        return Fail(400, "Bad Request Line", "extra whitespace between Request-Line elements");
    }
    if (!IsVersionSyntax(m.m_version))
    {
        return Fail(400, "Bad Request Line", "malformed SIP-Version", m.m_version);
    }
    if (!IsVersion20(m.m_version))
    {
        return Fail(505, "Version Not Supported", "unsupported SIP version", m.m_version);
    }
    if (m.m_requestUriText.front() == '<')
    {
        return Fail(400, "Bad Request-URI", "Request-URI must not be enclosed in <>");
    }
    if (const char* err = ParseUri(m.m_requestUriText, &m.m_requestUri))
    {
        return Fail(400, "Bad Request-URI", "Request-URI", err);
    }
    if (m.m_requestUri.IsSipOrSips() && !m.m_requestUri.headers.empty())
    {
        return Fail(400, "Bad Request-URI",
                    "Request-URI must not contain headers (RFC 3261 19.1.1)");
    }
    return true;
}

char*
Parser::ParseHeaderSection(char* begin, char* end)
{
    // Header lines end in CRLF; an empty line ends the section. Folded lines are joined in
    // place: CRLF and the white space after it become one SP (RFC 3261 7.3.1).
    m_msg.m_headers.reserve(24);
    static constexpr const char* kUnterminated
        = "header section is not terminated by an empty line";
    char* p = begin;
    while (true)
    {
        if (end - p < 2)
        {
            Fail(400, "Bad Request", kUnterminated);
            return nullptr;
        }
        if (p[0] == '\r' && p[1] == '\n')
        {
            return p + 2;
        }
        if (IsWs(*p))
        {
            Fail(400, "Bad Request", "header section starts with a continuation line");
            return nullptr;
        }
        char* eol = static_cast<char*>(std::memchr(p, '\r', static_cast<size_t>(end - p)));
        bool folded = false;
        while (eol != nullptr && eol + 2 < end && eol[1] == '\n' && IsWs(eol[2]))
        {
            folded = true;
            eol = static_cast<char*>(
                std::memchr(eol + 2, '\r', static_cast<size_t>(end - eol - 2)));
        }
        if (eol == nullptr || eol + 1 >= end)
        {
            Fail(400, "Bad Request", kUnterminated);
            return nullptr;
        }
        if (eol[1] != '\n')
        {
            Fail(400, "Bad Request", "bare CR in header section");
            return nullptr;
        }
        // field-name = token, then HCOLON = *( SP / HTAB ) ":" SWS
        char* colon = p;
        while (colon < eol && Is(*colon, kToken))
        {
            ++colon;
        }
        const std::string_view name(p, static_cast<size_t>(colon - p));
        while (colon < eol && IsWs(*colon))
        {
            ++colon;
        }
        if (colon == eol || *colon != ':')
        {
            if (std::memchr(colon, ':', static_cast<size_t>(eol - colon)) == nullptr)
            {
                Fail(400, "Bad Request", "header line without ':'",
                     std::string_view(p, static_cast<size_t>(eol - p)));
                return nullptr;
            }
            Fail(400, "Bad Request", "header name is not a token",
                 std::string_view(p, static_cast<size_t>(colon - p + 1)));
            return nullptr;
        }
        if (name.empty())
        {
            Fail(400, "Bad Request", "empty header name");
            return nullptr;
        }
        char* vbegin = colon + 1;
        char* vend = eol;
        if (folded)
        {
            // Move each piece down over the CRLF and white space before it.
            char* w = vbegin;
            char* r = vbegin;
            while (r < eol)
            {
                char* cr = static_cast<char*>(std::memchr(r, '\r', static_cast<size_t>(eol - r)));
                char* pieceEnd = cr == nullptr ? eol : cr;
                if (cr != nullptr && cr[1] != '\n')
                {
                    Fail(400, "Bad Request", "bare CR or LF in header value", name);
                    return nullptr;
                }
                std::memmove(w, r, static_cast<size_t>(pieceEnd - r));
                w += pieceEnd - r;
                if (cr == nullptr)
                {
                    break;
                }
                *w++ = ' ';
                r = cr + 2;
                while (r < eol && IsWs(*r))
                {
                    ++r;
                }
            }
            vend = w;
        }
        const std::string_view value
            = Trim(std::string_view(vbegin, static_cast<size_t>(vend - vbegin)));
        const HeaderField field{LookupHeader(name), name, value};
        m_msg.m_headers.push_back(field);
        if (!CheckField(field))
        {
            return nullptr;
        }
        p = eol + 2;
    }
}

bool
Parser::CheckField(const HeaderField& f)
{
    Message& m = m_msg;
    const char* err = nullptr;
    uint64_t n = 0;
    switch (f.id)
    {
        case HeaderId::Via:
        {
            bool first = true;
            const bool ok = ForEachListElement(f.value, [&](std::string_view e) {
                Via via;
                err = ParseVia(e, &via);
                if (err == nullptr && first && !m.m_hasTopVia)
                {
                    m.m_topVia = via;
                    m.m_hasTopVia = true;
                }
                first = false;
                return err == nullptr;
            });
            if (err == nullptr && !ok)
            {
                err = "empty value in list";
            }
            break;
        }
        case HeaderId::From:
        case HeaderId::To:
        {
            const bool isFrom = f.id == HeaderId::From;
            if (isFrom ? m.m_hasFrom : m.m_hasTo)
            {
                NameAddr ignored;
                err = ParseNameAddr(f.value, &ignored);
                break;
            }
            NameAddr& target = isFrom ? m.m_from : m.m_to;
            err = ParseNameAddr(f.value, &target);
            (isFrom ? m.m_hasFrom : m.m_hasTo) = err == nullptr;
            break;
        }
        case HeaderId::CallId:
            if (!IsCallId(f.value))
            {
                err = "not a valid Call-ID (word [\"@\" word])";
            }
            else if (m.m_callId.empty())
            {
                m.m_callId = f.value;
            }
            break;
        case HeaderId::CSeq:
            if (m.m_hasCSeq)
            {
                CSeq ignored;
                err = ParseCSeq(f.value, &ignored);
                break;
            }
            err = ParseCSeq(f.value, &m.m_cseq);
            m.m_hasCSeq = err == nullptr;
            break;
        case HeaderId::MaxForwards:
            if (!ParseUnsigned(f.value, 255, &n))
            {
                err = "not a number from 0 to 255";
            }
            else if (m.m_maxForwards < 0)
            {
                m.m_maxForwards = static_cast<int>(n);
            }
            break;
        case HeaderId::ContentLength:
            if (m_seenContentLength)
            {
                err = "more than one Content-Length: framing is ambiguous";
            }
            else if (!ParseUnsigned(f.value, 0xffffffffULL, &n))
            {
                err = "not a non-negative number";
            }
            else
            {
                m.m_contentLength = static_cast<int64_t>(n);
            }
            m_seenContentLength = true;
            break;
        case HeaderId::Contact:
        {
            if (f.value == "*")
            {
                break;
            }
            const bool ok = ForEachListElement(f.value, [&err](std::string_view e) {
                NameAddr contact;
                err = ParseNameAddr(e, &contact);
                uint32_t expires = 0;
                const auto& q = contact.q;
                const auto& ex = contact.expires;
                if (err == nullptr && q && !IsQValue(*q))
                {
                    err = "invalid q value";
                }
                if (err == nullptr && ex && ParseDeltaSeconds(*ex, &expires) != nullptr)
                {
                    err = "contact expires is not delta-seconds up to 2**32-1";
                }
                return err == nullptr;
            });
            if (err == nullptr && !ok)
            {
                err = "empty value in list";
            }
            break;
        }
        case HeaderId::Route:
        case HeaderId::RecordRoute:
        {
            const bool ok = ForEachListElement(f.value, [&err](std::string_view e) {
                NameAddr route;
                err = ParseNameAddr(e, &route);
                if (err == nullptr && !route.bracketed)
                {
                    err = "route value must be a name-addr in <>";
                }
                return err == nullptr;
            });
            if (err == nullptr && !ok)
            {
                err = "empty value in list";
            }
            break;
        }
        case HeaderId::Require:
        case HeaderId::ProxyRequire:
            err = CheckTokenList(f.value, false);
            break;
        case HeaderId::Supported:
        case HeaderId::Unsupported:
        case HeaderId::Allow:
            err = CheckTokenList(f.value, true);
            break;
        case HeaderId::Expires:
        case HeaderId::MinExpires:
        {
            uint32_t v = 0;
            err = ParseDeltaSeconds(f.value, &v);
            break;
        }
        case HeaderId::RetryAfter:
        {
            RetryAfter v;
            err = ParseRetryAfter(f.value, &v);
            break;
        }
        case HeaderId::Warning:
        {
            const bool ok = ForEachListElement(f.value, [&err](std::string_view e) {
                WarningValue w;
                err = ParseWarning(e, &w);
                return err == nullptr;
            });
            if (err == nullptr && !ok)
            {
                err = "empty value in list";
            }
            break;
        }
        case HeaderId::ContentType:
        {
            MediaType v;
            err = ParseMediaType(f.value, &v);
            break;
        }
        case HeaderId::Date:
            err = CheckDate(f.value);
            break;
        default:
            // Headers kept verbatim: only the line structure is checked. (The validators
            // above reject a bare LF, quoted strings included.)
            if (std::memchr(f.value.data(), '\n', f.value.size()) != nullptr)
            {
                err = "bare LF in header value";
            }
            break;
    }
    if (err == nullptr)
    {
        return true;
    }
    const std::string_view name = CanonicalName(f.id);
    std::string reason = "Bad ";
    reason += name;
    return Fail(400, reason, name, err);
}

bool
Parser::CheckRequestAgainstHeaders()
{
    Message& m = m_msg;
    // The CSeq method must match the request method (RFC 3261 8.1.1.5; RFC 4475 3.1.2.17/18):
    // for a method the element does not implement the answer is 501.
    if (m.m_hasCSeq && m.m_cseq.method != m.m_method)
    {
        if (m.m_methodId == Method::Extension)
        {
            return Fail(501, "Not Implemented", "CSeq",
                        "method does not match the Request-Line's unknown method");
        }
        return Fail(400, "Bad CSeq", "CSeq", "method does not match the Request-Line");
    }
    return true;
}

bool
Parser::FrameBody(size_t bodyStart)
{
    Message& m = m_msg;
    const size_t available = m_textSize > bodyStart ? m_textSize - bodyStart : 0;
    const char* body = m.m_text.get() + (bodyStart < m_textSize ? bodyStart : m_textSize);
    if (m.m_contentLength < 0)
    {
        if (m_framing == Framing::Stream)
        {
            return Fail(400, "Bad Content-Length",
                        "Content-Length is required on a stream transport (RFC 3261 18.3)");
        }
        // UDP without Content-Length: the body runs to the end of the datagram (18.3).
        m.m_body = std::string_view(body, available);
        return true;
    }
    const auto length = static_cast<uint64_t>(m.m_contentLength);
    if (length > available)
    {
        std::string detail = "Content-Length ";
        detail += std::to_string(length);
        detail += " is larger than the ";
        detail += std::to_string(available);
        detail += " octets of body received";
        return Fail(400, "Bad Content-Length", "Content-Length", detail);
    }
    // Octets past Content-Length are ignored (RFC 3261 18.3, RFC 4475 3.1.1.8).
    m.m_body = std::string_view(body, static_cast<size_t>(length));
    return true;
}

ParseResult
Parse(std::string_view bytes, Framing framing)
{
    try
    {
        return Parser::Run(bytes, framing);
    }
    catch (const std::bad_alloc&)
    {
        ParseError e;
        e.what = "out of memory while parsing";
        e.answer = 503;
        e.answerReason = "Service Unavailable";
        return ParseResult(std::move(e));
    }
}

StreamFrame
FindStreamFrame(std::string_view buffer, size_t maxHeaderBytes)
{
    StreamFrame frame;
    const size_t start = SkipLeadingCrlf(buffer);
    const size_t end = FindEmptyLine(buffer, start);
    if (end == std::string_view::npos)
    {
        if (buffer.size() - start > maxHeaderBytes)
        {
            frame.status = StreamFrame::Status::Error;
            frame.error = "header section longer than the limit without an empty line";
        }
        return frame;
    }
    // Find Content-Length (long or compact form) among the header lines.
    int64_t length = -1;
    size_t pos = buffer.find("\r\n", start);
    while (pos != std::string_view::npos && pos < end)
    {
        const size_t lineStart = pos + 2;
        const size_t lineEnd = buffer.find("\r\n", lineStart);
        const std::string_view line = buffer.substr(lineStart, lineEnd - lineStart);
        const size_t colon = line.find(':');
        if (colon != std::string_view::npos
            && LookupHeader(Trim(line.substr(0, colon))) == HeaderId::ContentLength)
        {
            uint64_t n = 0;
            if (length >= 0)
            {
                frame.status = StreamFrame::Status::Error;
                frame.error = "more than one Content-Length";
                return frame;
            }
            if (!ParseUnsigned(Trim(line.substr(colon + 1)), 0xffffffffULL, &n))
            {
                frame.status = StreamFrame::Status::Error;
                frame.error = "Content-Length is not a non-negative number";
                return frame;
            }
            length = static_cast<int64_t>(n);
        }
        pos = lineEnd;
    }
    if (length < 0)
    {
        frame.status = StreamFrame::Status::Error;
        frame.error = "no Content-Length on a stream transport (RFC 3261 18.3)";
        return frame;
    }
    const size_t total = end + 4 + static_cast<size_t>(length);
    if (buffer.size() >= total)
    {
        frame.status = StreamFrame::Status::Complete;
        frame.length = total;
    }
    return frame;
}

} // namespace sipsim
