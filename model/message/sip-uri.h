/*
 * SIP, SIPS and tel URIs (RFC 3261 section 19.1, 25.1; RFC 3966), as views into message text.
 */
#ifndef SIPSIM_SIP_URI_H
#define SIPSIM_SIP_URI_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipsim {

/**
 * A ';'-separated parameter list kept as the text that follows the first ';'.
 *
 * Used for URI parameters (RFC 3261 19.1.1) and header parameters (generic-param, 25.1).
 * Lookups walk the text; nothing is allocated. Parameter names compare case-insensitively.
 */
class ParamList
{
  public:
    ParamList() = default;

    /// \param raw the text after the leading ';' (may be empty)
    explicit ParamList(std::string_view raw)
        : m_raw(raw)
    {}

    /// The text as written, without the leading ';'.
    std::string_view Raw() const { return m_raw; }

    bool Empty() const { return m_raw.empty(); }

    /// True when a parameter of that name is present (with or without a value).
    bool Has(std::string_view name) const;

    /**
     * The value of the first parameter of that name: an empty view for a parameter without
     * value, std::nullopt when absent. Quoted values are returned with their quotes.
     */
    std::optional<std::string_view> Get(std::string_view name) const;

    /// Number of parameters.
    size_t Count() const;

    /**
     * Calls f(name, value, hasValue) for each parameter, in order, with LWS trimmed.
     * Stops early when f returns false.
     */
    template<typename F>
    void ForEach(F f) const;

  private:
    std::string_view m_raw;
};

/// URI schemes the message layer distinguishes.
enum class UriScheme : uint8_t
{
    Sip,
    Sips,
    Tel,
    Other, ///< any other absoluteURI (RFC 3261 25.1); the text after ':' is in Uri::opaque
};

/**
 * A URI as views into the text it was parsed from (the text must outlive it).
 *
 * sip:user:password@host:port;uri-parameters?headers (RFC 3261 19.1.1). Escapes are kept as
 * written; UserUnescaped() resolves them (RFC 3261 19.1.2: only where the grammar says escaped).
 */
struct Uri
{
    UriScheme scheme = UriScheme::Other;
    std::string_view text;       ///< the whole URI as written
    std::string_view schemeName; ///< scheme as written ("sip", "SIP", "tel", "soap.beep", ...)
    std::string_view user;       ///< user part (tel: the telephone-subscriber number)
    std::string_view password;   ///< password, when hasPassword
    std::string_view host;       ///< host, IPv6 references keep their brackets
    std::string_view headers;    ///< headers after '?', as written
    std::string_view opaque;     ///< for UriScheme::Other: everything after "scheme:"
    ParamList params;            ///< uri-parameters
    int32_t port = -1;           ///< -1 when absent
    bool hasUser = false;
    bool hasPassword = false;

    bool IsSipOrSips() const { return scheme == UriScheme::Sip || scheme == UriScheme::Sips; }

    /// User part with %HH escapes resolved; an escaped NUL stays in the string (RFC 4475 3.1.1.4).
    std::string UserUnescaped() const;

    /// Value of a URI parameter with escapes resolved, or nullopt.
    std::optional<std::string> ParamUnescaped(std::string_view name) const;

    /// The URI text (a parsed URI serializes to exactly what was parsed).
    std::string ToString() const { return std::string(text); }
};

/**
 * Parses a URI. Returns nullptr on success, or a static text naming the fault.
 * \param text the URI; views in out point into it
 */
const char* ParseUri(std::string_view text, Uri* out);

/**
 * Escapes a user part for a sip/sips URI: octets that are not unreserved or
 * user-unreserved become %HH (RFC 3261 19.1.2).
 */
std::string EscapeUser(std::string_view user);

/// Builds "sip:user@host[:port]" (scheme "sips" when secure), escaping the user part.
std::string MakeSipUri(std::string_view user, std::string_view host, int32_t port = -1,
                       bool secure = false);

// ------------------------------------------------------------------------------------------------

namespace detail {
/// Splits the next ';'-separated element of s starting at pos (quotes respected).
std::string_view NextParam(std::string_view s, size_t* pos);
/// Splits a parameter into name and value, trimming LWS; returns whether it has '='.
bool SplitParam(std::string_view param, std::string_view* name, std::string_view* value);
} // namespace detail

template<typename F>
void
ParamList::ForEach(F f) const
{
    size_t pos = 0;
    while (pos <= m_raw.size() && !m_raw.empty())
    {
        std::string_view name;
        std::string_view value;
        const std::string_view param = detail::NextParam(m_raw, &pos);
        const bool hasValue = detail::SplitParam(param, &name, &value);
        if (!f(name, value, hasValue))
        {
            return;
        }
    }
}

} // namespace sipsim

#endif // SIPSIM_SIP_URI_H
