/*
 * sipsim: value types for the SIP authentication header fields
 * (RFC 3261 sections 20.5, 20.7, 20.27, 20.28, 20.44 and 25.1).
 */

#ifndef SIPSIM_AUTH_HEADER_H
#define SIPSIM_AUTH_HEADER_H

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

/**
 * One auth-param of a challenge or of credentials (RFC 3261 section 25.1:
 * auth-param = auth-param-name EQUAL ( token / quoted-string )).
 *
 * The value is stored unquoted and unescaped; \c quoted records whether it is
 * (or is to be) written as a quoted-string.
 */
struct AuthParam
{
    std::string name;    //!< auth-param-name, a token (compared case-insensitively)
    std::string value;   //!< the value, without quotes or backslash escapes
    bool quoted = false; //!< true: serialized as a quoted-string
};

/** Structural equality: same name, value and quoting. */
bool operator==(const AuthParam& a, const AuthParam& b);
/** Structural inequality. */
bool operator!=(const AuthParam& a, const AuthParam& b);

/**
 * Common part of Challenge and Credentials: an auth-scheme followed by a
 * comma-separated list of auth-params (RFC 3261 section 25.1,
 * other-challenge / other-response, which the Digest forms are instances of).
 */
class AuthHeaderValue
{
  public:
    std::string scheme;            //!< auth-scheme token, e.g. "Digest"
    std::vector<AuthParam> params; //!< auth-params, in header order

    /**
     * Looks up a parameter by name, case-insensitively (RFC 3261 section 7.3.1).
     * \param name the parameter name
     * \return the unquoted, unescaped value of the first match, or nullopt;
     *         the view stays valid until \c params is modified
     */
    std::optional<std::string_view> Get(std::string_view name) const;

    /**
     * Sets a parameter: replaces the value of an existing parameter with the
     * same name (case-insensitive, keeping its position) or appends one.
     * \param name the parameter name, which must be a token
     * \param value the unescaped value
     * \param quoted whether to serialize the value as a quoted-string; a value
     *        that is not a valid token is quoted regardless
     */
    void Set(std::string name, std::string value, bool quoted);

    /**
     * Removes every parameter called \p name (case-insensitive).
     * \param name the parameter name
     * \return true if something was removed
     */
    bool Remove(std::string_view name);

    /** \return true if the scheme is "Digest" (case-insensitive, RFC 3261 section 22.4). */
    bool IsDigest() const;

    /**
     * Serializes as the header field value, e.g.
     * <tt>Digest realm="atlanta.com", nonce="8452c", algorithm=MD5</tt>.
     * Quoted values escape '"', '\\' and control characters with quoted-pair;
     * CR and LF, which no quoted-pair can carry, are written as SP.
     * \return the header field value, which Parse reads back to an equal value
     */
    std::string ToString() const;

  protected:
    /**
     * Parses \p text into \p out (scheme and params).
     * \param text the header field value
     * \param out the destination, assigned only on success
     * \param error if not null, receives a description of a syntax error
     * \return true on success
     */
    static bool ParseInto(std::string_view text, AuthHeaderValue* out, std::string* error);

    /**
     * \param name parameter name
     * \return the value of \p name, or an empty string if absent
     */
    std::string GetOrEmpty(std::string_view name) const;
};

/**
 * Value of a WWW-Authenticate or Proxy-Authenticate header field
 * (RFC 3261 sections 20.44 and 20.27; Digest per RFC 2617 section 3.2.1 and
 * RFC 7616 section 3.3).
 */
class Challenge : public AuthHeaderValue
{
  public:
    /**
     * Parses a challenge (RFC 3261 section 25.1). Any auth-scheme is accepted.
     * Never throws.
     * \param headerValue the header field value, without the header name
     * \param out receives the challenge on success (left unchanged on failure)
     * \param error if not null, receives a human-readable reason on failure
     * \return true on success
     */
    static bool Parse(std::string_view headerValue, Challenge* out, std::string* error);

    /** \return the realm, or "" if absent. */
    std::string GetRealm() const;
    /** \param realm the realm (quoted-string). */
    void SetRealm(std::string realm);
    /** \return the nonce, or "" if absent. */
    std::string GetNonce() const;
    /** \param nonce the nonce (quoted-string). */
    void SetNonce(std::string nonce);
    /** \return the opaque value, or "" if absent. */
    std::string GetOpaque() const;
    /** \param opaque the opaque value (quoted-string). */
    void SetOpaque(std::string opaque);
    /** \return the algorithm token, or "" if absent (meaning MD5). */
    std::string GetAlgorithm() const;
    /** \param algorithm the algorithm (token, unquoted per RFC 7616 section 3.3). */
    void SetAlgorithm(std::string algorithm);
    /** \return the domain (space-separated URIs), or "" if absent. */
    std::string GetDomain() const;
    /** \param domain the domain (quoted-string). */
    void SetDomain(std::string domain);

    /**
     * \return the qop-options (RFC 2617 section 3.2.1: a quoted, comma-separated
     *         list such as "auth,auth-int"), empty if qop is absent
     */
    std::vector<std::string> GetQopOptions() const;
    /** \param options the qop-options, written as one quoted-string. */
    void SetQopOptions(const std::vector<std::string>& options);

    /** \return true if stale is "true" (case-insensitive, RFC 2617 section 3.2.1). */
    bool GetStale() const;
    /** \param stale the stale flag, written as the token true or false. */
    void SetStale(bool stale);
};

/**
 * Value of an Authorization or Proxy-Authorization header field
 * (RFC 3261 sections 20.7 and 20.28; Digest per RFC 2617 section 3.2.2 and
 * RFC 7616 section 3.4).
 */
class Credentials : public AuthHeaderValue
{
  public:
    /**
     * Parses credentials (RFC 3261 section 25.1). Any auth-scheme is accepted.
     * Never throws.
     * \param headerValue the header field value, without the header name
     * \param out receives the credentials on success (left unchanged on failure)
     * \param error if not null, receives a human-readable reason on failure
     * \return true on success
     */
    static bool Parse(std::string_view headerValue, Credentials* out, std::string* error);

    /** \return the username, or "" if absent. */
    std::string GetUsername() const;
    /** \param username the username (quoted-string). */
    void SetUsername(std::string username);
    /** \return the realm, or "" if absent. */
    std::string GetRealm() const;
    /** \param realm the realm (quoted-string). */
    void SetRealm(std::string realm);
    /** \return the nonce, or "" if absent. */
    std::string GetNonce() const;
    /** \param nonce the nonce (quoted-string). */
    void SetNonce(std::string nonce);
    /** \return the digest-uri, or "" if absent. */
    std::string GetUri() const;
    /** \param uri the digest-uri (quoted-string). */
    void SetUri(std::string uri);
    /** \return the response (request-digest), or "" if absent. */
    std::string GetResponse() const;
    /** \param response the request-digest (quoted-string). */
    void SetResponse(std::string response);
    /** \return the algorithm token, or "" if absent (meaning MD5). */
    std::string GetAlgorithm() const;
    /** \param algorithm the algorithm (token). */
    void SetAlgorithm(std::string algorithm);
    /** \return the cnonce, or "" if absent. */
    std::string GetCnonce() const;
    /** \param cnonce the cnonce (quoted-string). */
    void SetCnonce(std::string cnonce);
    /** \return the opaque value, or "" if absent. */
    std::string GetOpaque() const;
    /** \param opaque the opaque value (quoted-string). */
    void SetOpaque(std::string opaque);
    /** \return the chosen qop, or "" if absent. */
    std::string GetQop() const;
    /** \param qop the chosen qop (token, unquoted per RFC 7616 section 3.4). */
    void SetQop(std::string qop);

    /**
     * \return the nonce-count if nc is present and is exactly 8 hex digits
     *         (RFC 2617 section 3.2.2: nc-value = 8LHEX), else nullopt
     */
    std::optional<uint32_t> GetNonceCount() const;
    /** \param nc the nonce-count, written as 8 lowercase hex digits (unquoted). */
    void SetNonceCount(uint32_t nc);
};

/** Structural equality (scheme and params, in order). */
bool operator==(const Challenge& a, const Challenge& b);
/** Structural inequality. */
bool operator!=(const Challenge& a, const Challenge& b);
/** Structural equality (scheme and params, in order). */
bool operator==(const Credentials& a, const Credentials& b);
/** Structural inequality. */
bool operator!=(const Credentials& a, const Credentials& b);

/** Writes ToString() of \p value. */
std::ostream& operator<<(std::ostream& os, const AuthHeaderValue& value);

} // namespace sipsim

#endif /* SIPSIM_AUTH_HEADER_H */
