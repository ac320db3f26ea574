/*
 * SIP header fields (RFC 3261 section 7.3 and 20): names, compact forms, and typed values
 * decoded as views into the message text.
 */
#ifndef SIPSIM_SIP_HEADERS_H
#define SIPSIM_SIP_HEADERS_H

#include "message/sip-text.h"
#include "message/sip-uri.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipsim {

/// Header fields the message layer knows by name. Anything else is HeaderId::Unknown.
enum class HeaderId : uint8_t
{
    Unknown,
    Accept,
    AcceptEncoding,
    AcceptLanguage,
    AlertInfo,
    Allow,
    AuthenticationInfo,
    Authorization,
    CallId,
    CallInfo,
    Contact,
    ContentDisposition,
    ContentEncoding,
    ContentLanguage,
    ContentLength,
    ContentType,
    CSeq,
    Date,
    ErrorInfo,
    Event,
    Expires,
    From,
    InReplyTo,
    MaxForwards,
    MimeVersion,
    MinExpires,
    Organization,
    Priority,
    ProxyAuthenticate,
    ProxyAuthorization,
    ProxyRequire,
    RecordRoute,
    ReplyTo,
    Require,
    RetryAfter,
    Route,
    Server,
    Subject,
    Supported,
    Timestamp,
    To,
    Unsupported,
    UserAgent,
    Via,
    Warning,
    WwwAuthenticate,
    kCount
};

/**
 * Maps a header name, as written, to its id: case-insensitive, compact forms
 * (i m e l f t v c k s, RFC 3261 7.3.3 and 20) included.
 */
HeaderId LookupHeader(std::string_view name);

/// The canonical long name ("Call-ID", "CSeq", "WWW-Authenticate", ...); "" for Unknown.
std::string_view CanonicalName(HeaderId id);

/// True for headers whose grammar allows several comma-separated values on one line.
bool IsListHeader(HeaderId id);

/**
 * Calls f(element) for each comma-separated element of a header value (commas inside
 * quoted strings and <...> do not split), with LWS trimmed. Stops when f returns false.
 * \return false when an element is empty (",,"), true otherwise
 */
template<typename F>
bool ForEachListElement(std::string_view value, F f);

/// Via value (RFC 3261 20.42, 18.2.1): sent-protocol SP sent-by *( SEMI via-params ).
struct Via
{
    std::string_view protocolName;    ///< "SIP"
    std::string_view protocolVersion; ///< "2.0"
    std::string_view transport;       ///< "UDP", "TCP", "TLS", "SCTP" or an extension token
    std::string_view host;            ///< sent-by host
    std::string_view branch;          ///< branch parameter, empty when absent
    ParamList params;                 ///< via-params (branch, received, rport, maddr, ttl, ...)
    int32_t port = -1;                ///< sent-by port, -1 when absent
    int16_t ttl = -1;                 ///< ttl parameter (0..255), -1 when absent

    /// The branch parameter, empty when absent.
    std::string_view Branch() const { return branch; }

    /// True when the branch starts with the RFC 3261 magic cookie "z9hG4bK" (section 8.1.1.7).
    bool HasMagicCookie() const;

    std::optional<std::string_view> Received() const { return params.Get("received"); }

    std::optional<std::string_view> Maddr() const { return params.Get("maddr"); }

    /// rport (RFC 3581): nullopt when absent, an empty view when present without value.
    std::optional<std::string_view> Rport() const { return params.Get("rport"); }

    /// ttl (0..255), -1 when absent.
    int Ttl() const { return ttl; }

    /// Formats a Via value "SIP/2.0/<transport> host[:port];branch=<branch>".
    static std::string Format(std::string_view transport, std::string_view host, int32_t port,
                              std::string_view branch);
};

/// Parses one Via value; nullptr on success, otherwise the fault.
const char* ParseVia(std::string_view value, Via* out);

/**
 * name-addr / addr-spec with header parameters: the value of From, To, Contact (one element),
 * Route, Record-Route, Reply-To (RFC 3261 20.10, 20.20, 20.39, 25.1).
 */
struct NameAddr
{
    std::string_view displayName; ///< as written: a quoted-string with quotes, or tokens
    Uri uri;
    std::string_view tag;                    ///< the tag parameter, empty when absent
    std::optional<std::string_view> q;       ///< the q parameter (Contact), when present
    std::optional<std::string_view> expires; ///< the expires parameter (Contact), when present
    ParamList params;       ///< header parameters after the URI (tag, expires, q, ...)
    bool bracketed = false; ///< written as name-addr (<...>)

    /// The tag parameter, empty when absent.
    std::string_view Tag() const { return tag; }

    /// Display name with quotes and quoted-pairs resolved.
    std::string DisplayNameText() const;

    /// Serializes as name-addr: ["display" ]<uri>[;params].
    std::string ToString() const;
};

/**
 * Parses a name-addr or addr-spec with parameters. An addr-spec without <> must not contain
 * ',', '?' or ';' in its URI (RFC 3261 20): a ';' there starts header parameters.
 */
const char* ParseNameAddr(std::string_view value, NameAddr* out);

/// CSeq (RFC 3261 20.16): a 32-bit sequence number and the method.
struct CSeq
{
    uint32_t number = 0;
    std::string_view method;
};

const char* ParseCSeq(std::string_view value, CSeq* out);

/// Retry-After (RFC 3261 20.33): delta-seconds [comment] *( SEMI retry-param ).
struct RetryAfter
{
    uint32_t seconds = 0;
    std::string_view comment; ///< with its parentheses, empty when absent
    ParamList params;

    /// duration parameter, -1 when absent.
    int64_t Duration() const;
};

const char* ParseRetryAfter(std::string_view value, RetryAfter* out);

/// One Warning value (RFC 3261 20.43): 3DIGIT SP agent SP quoted-string.
struct WarningValue
{
    uint16_t code = 0;
    std::string_view agent;
    std::string_view text; ///< quoted, as written
};

const char* ParseWarning(std::string_view value, WarningValue* out);

/// Content-Type / media-type (RFC 3261 20.15).
struct MediaType
{
    std::string_view type;
    std::string_view subtype;
    ParamList params;
};

const char* ParseMediaType(std::string_view value, MediaType* out);

/**
 * qvalue (RFC 3261 25.1): ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths.
 * False when the text is not a qvalue.
 */
bool ParseQValue(std::string_view text, uint16_t* out);

/// A qvalue of thousandths as the shortest text: "1", "0.5", "0.25", "0.005", "0".
std::string FormatQValue(uint16_t q);

/// delta-seconds for Expires, Min-Expires, contact expires: at most 2^32-1 (RFC 3261 25.1).
const char* ParseDeltaSeconds(std::string_view value, uint32_t* out);

/// Checks an rfc1123-date in GMT (RFC 3261 20.17): "Sat, 13 Nov 2010 23:29:00 GMT".
const char* CheckDate(std::string_view value);

/// Checks generic header parameters: token names, token/host/quoted-string values.
const char* CheckGenericParams(std::string_view raw);

// ------------------------------------------------------------------------------------------------

template<typename F>
bool
ForEachListElement(std::string_view value, F f)
{
    if (text::Find(value, ',') == std::string_view::npos)
    {
        // The common case: one value on the line.
        const std::string_view element = text::Trim(value);
        if (element.empty())
        {
            return false;
        }
        f(element);
        return true;
    }
    size_t start = 0;
    size_t i = 0;
    int angle = 0;
    bool ok = true;
    while (i <= value.size())
    {
        const char c = i < value.size() ? value[i] : ',';
        if (c == '"')
        {
            const size_t end = text::SkipQuoted(value, i);
            i = (end == std::string_view::npos) ? value.size() : end;
            continue;
        }
        if (c == '<')
        {
            ++angle;
        }
        else if (c == '>' && angle > 0)
        {
            --angle;
        }
        else if (c == ',' && angle == 0)
        {
            const std::string_view element = text::Trim(value.substr(start, i - start));
            if (element.empty())
            {
                ok = false;
            }
            else if (!f(element))
            {
                return ok;
            }
            start = i + 1;
        }
        ++i;
    }
    return ok;
}

} // namespace sipsim

#endif // SIPSIM_SIP_HEADERS_H
