/*
 * sipsim: HTTP Digest authentication as used by SIP
 * (RFC 2617, RFC 7616; SIP profile in RFC 3261 section 22.4).
 */

#ifndef SIPSIM_DIGEST_H
#define SIPSIM_DIGEST_H

#include "message/auth-header.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipsim {

/** Digest algorithms (RFC 2617 section 3.2.1, RFC 7616 section 3.3 and 6.1). */
enum class DigestAlgorithm
{
    Md5,       //!< "MD5" (also the meaning of an absent algorithm parameter)
    Md5Sess,   //!< "MD5-sess"
    Sha256,    //!< "SHA-256"
    Sha256Sess //!< "SHA-256-sess"
};

/**
 * Parses an algorithm parameter value, case-insensitively.
 * \param name the value, e.g. "SHA-256"; empty means absent, i.e. MD5
 * \return the algorithm, or nullopt if it is not supported
 */
std::optional<DigestAlgorithm> ParseDigestAlgorithm(std::string_view name);

/**
 * \param algorithm the algorithm
 * \return its canonical name: "MD5", "MD5-sess", "SHA-256" or "SHA-256-sess"
 */
const char* DigestAlgorithmName(DigestAlgorithm algorithm);

/**
 * \param algorithm the algorithm
 * \return true for the "-sess" variants (RFC 7616 section 3.4.2)
 */
bool IsSessionAlgorithm(DigestAlgorithm algorithm);

/**
 * The H() function of RFC 7616 section 3.4.1: MD5 or SHA-256 of \p data as
 * lowercase hex.
 * \param algorithm selects the hash function
 * \param data the input
 * \return the lowercase hex digest, or "" if the hash is unavailable in libcrypto
 */
std::string DigestHash(DigestAlgorithm algorithm, std::string_view data);

/**
 * The non-session HA1 = H(username ":" realm ":" password) (RFC 7616
 * section 3.4.2), the value a registrar may store instead of the password.
 * \param algorithm selects the hash function (the "-sess" step is not applied)
 * \param username the user name
 * \param realm the realm
 * \param password the password
 * \return the lowercase hex HA1
 */
std::string DigestHa1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                      std::string_view password);

/**
 * Computes the request-digest (the "response" parameter).
 *
 * With qop "auth" or "auth-int": KD(HA1, nonce:nc:cnonce:qop:HA2) (RFC 2617
 * section 3.2.2.1, RFC 7616 section 3.4.1); with an empty qop, the RFC 2069
 * form H(HA1:nonce:HA2). For "-sess" algorithms HA1 is first replaced by
 * H(HA1:nonce:cnonce) (RFC 7616 section 3.4.2). HA2 is H(method:uri), or
 * H(method:uri:H(body)) for auth-int (RFC 7616 section 3.4.3).
 *
 * \param algorithm the algorithm
 * \param ha1 the non-session HA1, see DigestHa1()
 * \param nonce the server nonce
 * \param nc the nonce-count as sent (8 hex digits); unused without qop
 * \param cnonce the client nonce; unused without qop unless "-sess"
 * \param qop "auth", "auth-int" or "" (no qop)
 * \param method the request method, e.g. "REGISTER"
 * \param digestUri the digest-uri (the uri parameter)
 * \param body the message body, used for auth-int only
 * \return the lowercase hex request-digest, or "" on a hash failure
 */
std::string DigestRequestDigest(DigestAlgorithm algorithm, std::string_view ha1,
                                std::string_view nonce, std::string_view nc,
                                std::string_view cnonce, std::string_view qop,
                                std::string_view method, std::string_view digestUri,
                                std::string_view body);

/** What a client needs, besides the challenge, to answer it. */
struct DigestClientInput
{
    std::string username;    //!< user name in the realm
    std::string password;    //!< password
    std::string method;      //!< request method (RFC 3261 section 22.4: the Method of the request)
    std::string digestUri;   //!< Request-URI of the request, copied to the uri parameter
    std::string cnonce;      //!< client nonce; required when a qop or "-sess" is used
    uint32_t nonceCount = 1; //!< number of requests sent with this nonce, including this one
    std::string body;        //!< message body, for qop=auth-int
};

/**
 * Answers a Digest challenge (RFC 3261 section 22.2 and 22.3, RFC 7616
 * section 3.4). Prefers qop=auth when offered, else auth-int; without qop in
 * the challenge, produces the RFC 2069 compatible form. The opaque and
 * algorithm parameters of the challenge are echoed. Never throws.
 * \param challenge the WWW-Authenticate or Proxy-Authenticate value
 * \param input the user's secrets and the request being authorized
 * \param out receives the Authorization / Proxy-Authorization value on success
 * \param error if not null, receives the reason on failure (not Digest, missing
 *        realm or nonce, unsupported algorithm, no supported qop, missing cnonce)
 * \return true on success
 */
bool MakeDigestCredentials(const Challenge& challenge, const DigestClientInput& input,
                           Credentials* out, std::string* error);

/** Outcome of DigestServer::Verify(). */
enum class VerifyResult
{
    Ok,                   //!< credentials are valid
    Stale,                //!< correct digest but the nonce expired: rechallenge with stale=true
    BadNonce,             //!< the nonce was not issued by this server (or is malformed)
    BadResponse,          //!< wrong digest, e.g. wrong password
    WrongRealm,           //!< realm differs from this server's realm
    UnsupportedAlgorithm, //!< not Digest, or an algorithm or qop this server does not accept
    MissingParameter,     //!< a required parameter is absent or malformed
    Replay                //!< nonce-count not greater than the last one accepted for this nonce
};

/**
 * \param result a verification result
 * \return its name, e.g. "Ok" or "BadNonce"
 */
const char* ToString(VerifyResult result);

/**
 * Deterministic Digest authenticator for registrars and proxies (RFC 3261
 * section 22.4, RFC 7616 section 3.3 and 5.4). Uses no randomness and no
 * wall clock: the caller supplies the (simulated) time.
 *
 * A nonce is "<issue time in ms>.<counter>.<mac>" in hex, where mac is
 * SHA-256(time ":" counter ":" secret) truncated to 128 bits, so the server
 * recognizes its own nonces and their age without storing them. The last
 * nonce-count accepted per nonce is kept to detect replays, and forgotten once
 * the nonce has expired.
 */
class DigestServer
{
  public:
    /**
     * \param realm the protection realm, e.g. the registrar's domain
     * \param secret the key of the nonce MAC
     * \param algorithm the algorithm offered and required
     * \param offerQopAuth whether challenges offer qop="auth" (RFC 7616) and
     *        credentials must then carry a qop; if false, challenges have no
     *        qop (RFC 2069 form). Credentials with qop auth or auth-int are
     *        accepted either way.
     * \param nonceLifetimeSeconds age after which a nonce is stale
     */
    DigestServer(std::string realm, std::string secret,
                 DigestAlgorithm algorithm = DigestAlgorithm::Md5, bool offerQopAuth = true,
                 double nonceLifetimeSeconds = 300.0);

    /**
     * Issues a challenge with a fresh nonce.
     * \param nowSeconds the current simulation time
     * \param stale whether to set stale=true (after Verify() returned Stale)
     * \return the WWW-Authenticate / Proxy-Authenticate value
     */
    Challenge MakeChallenge(double nowSeconds, bool stale = false);

    /**
     * Verifies credentials against a known password.
     * \param credentials the Authorization / Proxy-Authorization value
     * \param method the method of the request carrying them
     * \param password the password of credentials.GetUsername()
     * \param nowSeconds the current simulation time
     * \param body the message body (for qop=auth-int)
     * \return the verification outcome
     */
    VerifyResult Verify(const Credentials& credentials, std::string_view method,
                        std::string_view password, double nowSeconds, std::string_view body = {});

    /**
     * Like Verify() but with a stored HA1 (see DigestHa1()) instead of the password.
     * \param credentials the Authorization / Proxy-Authorization value
     * \param method the method of the request carrying them
     * \param ha1 DigestHa1(GetAlgorithm(), username, realm, password)
     * \param nowSeconds the current simulation time
     * \param body the message body (for qop=auth-int)
     * \return the verification outcome
     */
    VerifyResult VerifyHa1(const Credentials& credentials, std::string_view method,
                           std::string_view ha1, double nowSeconds, std::string_view body = {});

    /** \return the realm. */
    const std::string& GetRealm() const;
    /** \return the algorithm. */
    DigestAlgorithm GetAlgorithm() const;
    /** \return how many nonces currently have a recorded nonce-count. */
    std::size_t GetTrackedNonces() const;

  private:
    /** Result of decoding a nonce. */
    struct NonceInfo
    {
        bool valid = false;   //!< the MAC matches
        int64_t issuedMs = 0; //!< issue time in milliseconds
    };

    /**
     * \param nonce a nonce from credentials
     * \return whether it is one of ours, and when it was issued
     */
    NonceInfo DecodeNonce(std::string_view nonce) const;

    /**
     * \param issuedMs issue time in milliseconds
     * \param counter the nonce counter
     * \return the MAC of the pair under m_secret
     */
    std::string NonceMac(int64_t issuedMs, uint64_t counter) const;

    /**
     * \param issuedMs issue time of a nonce in milliseconds
     * \param nowMs the current time in milliseconds
     * \return true if the nonce is older than the lifetime
     */
    bool IsExpired(int64_t issuedMs, int64_t nowMs) const;

    /**
     * Forgets the nonce-counts of expired nonces (at most every half lifetime).
     * \param nowMs the current time in milliseconds
     */
    void Prune(int64_t nowMs);

    /** Per-nonce replay state. */
    struct NonceState
    {
        int64_t issuedMs = 0; //!< issue time, for pruning
        uint32_t lastNc = 0;  //!< highest nonce-count accepted
    };

    std::string m_realm;                                  //!< protection realm
    std::string m_secret;                                 //!< nonce MAC key
    DigestAlgorithm m_algorithm;                          //!< required algorithm
    bool m_offerQop;                                      //!< whether qop="auth" is offered
    int64_t m_lifetimeMs;                                 //!< nonce lifetime
    uint64_t m_counter = 0;                               //!< nonces issued so far
    int64_t m_nextPruneMs = 0;                            //!< when Prune() next does work
    std::unordered_map<std::string, NonceState> m_nonces; //!< last nc per nonce
};

/**
 * A server that offers several digest algorithms at once (RFC 8760 2.4): one challenge per
 * algorithm, the preferred first (a client answers the first it supports, RFC 8760 2.3), and
 * credentials verified by the DigestServer of the algorithm they name. With one algorithm it
 * is that DigestServer.
 */
class DigestServerSet
{
  public:
    /**
     * \param algorithms offered in this order; empty: MD5
     * (the other parameters as DigestServer's; each further algorithm gets its own nonce key)
     */
    DigestServerSet(const std::string& realm, const std::string& secret,
                    std::vector<DigestAlgorithm> algorithms, bool offerQopAuth = true,
                    double nonceLifetimeSeconds = 300.0);

    /// One challenge per algorithm, in preference order.
    std::vector<Challenge> MakeChallenges(double nowSeconds, bool stale = false);

    /// DigestServer::Verify by the server of the credentials' algorithm (absent: MD5);
    /// UnsupportedAlgorithm for one not offered.
    VerifyResult Verify(const Credentials& credentials, std::string_view method,
                        std::string_view password, double nowSeconds, std::string_view body = {});

  private:
    std::vector<DigestServer> m_servers;
};

} // namespace sipsim

#endif /* SIPSIM_DIGEST_H */
