/*
 * sipsim: HTTP Digest authentication as used by SIP.
 */

#include "auth/digest.h"

#include "message/sip-text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <openssl/evp.h>

namespace sipsim {

namespace {

/** Upper bound of simulation times, in ms, keeping arithmetic far from overflow. */
constexpr int64_t MAX_TIME_MS = INT64_C(1) << 52;

std::string
ToLower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
    {
        c = text::ToLower(c);
    }
    return out;
}

/** Joins \p parts with ':' as in the A1, A2 and KD definitions of RFC 7616 section 3.4. */
std::string
JoinColon(std::initializer_list<std::string_view> parts)
{
    std::string out;
    bool first = true;
    for (std::string_view part : parts)
    {
        if (!first)
        {
            out.push_back(':');
        }
        out.append(part);
        first = false;
    }
    return out;
}

/** Converts a time in seconds to whole milliseconds, clamped to [0, MAX_TIME_MS]. */
int64_t
ToMs(double seconds)
{
    double ms = seconds * 1000.0;
    if (!(ms > 0.0)) // also catches NaN
    {
        return 0;
    }
    if (ms >= static_cast<double>(MAX_TIME_MS))
    {
        return MAX_TIME_MS;
    }
    return std::llround(ms);
}

std::string
FormatNc(uint32_t nc)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", static_cast<unsigned>(nc));
    return buf;
}

} // namespace

std::optional<DigestAlgorithm>
ParseDigestAlgorithm(std::string_view name)
{
    if (name.empty() || text::EqualsNoCase(name, "MD5"))
    {
        return DigestAlgorithm::Md5;
    }
    if (text::EqualsNoCase(name, "MD5-sess"))
    {
        return DigestAlgorithm::Md5Sess;
    }
    if (text::EqualsNoCase(name, "SHA-256"))
    {
        return DigestAlgorithm::Sha256;
    }
    if (text::EqualsNoCase(name, "SHA-256-sess"))
    {
        return DigestAlgorithm::Sha256Sess;
    }
    return std::nullopt;
}

const char*
DigestAlgorithmName(DigestAlgorithm algorithm)
{
    switch (algorithm)
    {
        case DigestAlgorithm::Md5:
            return "MD5";
        case DigestAlgorithm::Md5Sess:
            return "MD5-sess";
        case DigestAlgorithm::Sha256:
            return "SHA-256";
        case DigestAlgorithm::Sha256Sess:
            return "SHA-256-sess";
    }
    return "MD5";
}

bool
IsSessionAlgorithm(DigestAlgorithm algorithm)
{
    return algorithm == DigestAlgorithm::Md5Sess || algorithm == DigestAlgorithm::Sha256Sess;
}

std::string
DigestHash(DigestAlgorithm algorithm, std::string_view data)
{
    bool md5 = algorithm == DigestAlgorithm::Md5 || algorithm == DigestAlgorithm::Md5Sess;
    // OpenSSL 3 looks EVP_md5() and EVP_sha256() up in its providers on every use, which cost
    // more than the hash of a short string (a third of a registrar's digest check): the
    // algorithms are fetched once, and each thread reuses one context.
    static EVP_MD* const kMd5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
    static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    static thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(
        EVP_MD_CTX_new(), EVP_MD_CTX_free);
    const EVP_MD* fetched = md5 ? kMd5 : kSha256;
    const EVP_MD* md = fetched != nullptr ? fetched : (md5 ? EVP_md5() : EVP_sha256());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (md == nullptr || context == nullptr || EVP_DigestInit_ex2(context.get(), md, nullptr) != 1
        || EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1
        || EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
    {
        return std::string();
    }
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i)
    {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0x0f]);
    }
    return out;
}

std::string
DigestHa1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
          std::string_view password)
{
    return DigestHash(algorithm, JoinColon({username, realm, password}));
}

std::string
DigestRequestDigest(DigestAlgorithm algorithm, std::string_view ha1, std::string_view nonce,
                    std::string_view nc, std::string_view cnonce, std::string_view qop,
                    std::string_view method, std::string_view digestUri, std::string_view body)
{
    std::string a1Hash(ha1);
    if (IsSessionAlgorithm(algorithm))
    {
        a1Hash = DigestHash(algorithm, JoinColon({ha1, nonce, cnonce}));
    }
    std::string a2 = JoinColon({method, digestUri});
    if (text::EqualsNoCase(qop, "auth-int"))
    {
        std::string bodyHash = DigestHash(algorithm, body);
        if (bodyHash.empty())
        {
            return std::string();
        }
        a2 = JoinColon({a2, bodyHash});
    }
    std::string ha2 = DigestHash(algorithm, a2);
    if (a1Hash.empty() || ha2.empty())
    {
        return std::string();
    }
    if (qop.empty())
    {
        return DigestHash(algorithm, JoinColon({a1Hash, nonce, ha2}));
    }
    return DigestHash(algorithm, JoinColon({a1Hash, nonce, nc, cnonce, qop, ha2}));
}

bool
MakeDigestCredentials(const Challenge& challenge, const DigestClientInput& input, Credentials* out,
                      std::string* error)
{
    auto fail = [error](std::string message) {
        if (error)
        {
            *error = std::move(message);
        }
        return false;
    };
    if (!challenge.IsDigest())
    {
        return fail("challenge scheme '" + challenge.scheme + "' is not Digest");
    }
    std::optional<std::string_view> realm = challenge.Get("realm");
    std::optional<std::string_view> nonce = challenge.Get("nonce");
    if (!realm || !nonce)
    {
        return fail(realm ? "challenge has no nonce" : "challenge has no realm");
    }
    std::optional<std::string_view> algorithmParam = challenge.Get("algorithm");
    std::optional<DigestAlgorithm> algorithm
        = ParseDigestAlgorithm(algorithmParam.value_or(std::string_view()));
    if (!algorithm)
    {
        return fail("unsupported digest algorithm '" + std::string(*algorithmParam) + "'");
    }

    std::string qop;
    if (std::optional<std::string_view> qopParam = challenge.Get("qop"))
    {
        bool auth = false;
        bool authInt = false;
        for (const std::string& option : challenge.GetQopOptions())
        {
            auth = auth || text::EqualsNoCase(option, "auth");
            authInt = authInt || text::EqualsNoCase(option, "auth-int");
        }
        if (!auth && !authInt)
        {
            return fail("no supported qop in '" + std::string(*qopParam) + "'");
        }
        qop = auth ? "auth" : "auth-int";
    }
    bool useCnonce = !qop.empty() || IsSessionAlgorithm(*algorithm);
    if (useCnonce && input.cnonce.empty())
    {
        return fail("a cnonce is required for qop or -sess algorithms");
    }
    if (!out)
    {
        return fail("no output object");
    }

    std::string nc = FormatNc(input.nonceCount);
    std::string response = DigestRequestDigest(
        *algorithm, DigestHa1(*algorithm, input.username, *realm, input.password), *nonce, nc,
        input.cnonce, qop, input.method, input.digestUri, input.body);
    if (response.empty())
    {
        return fail(std::string("hash function unavailable for ")
                    + DigestAlgorithmName(*algorithm));
    }

    // Parameter order of the RFC 7616 section 3.9.1 example.
    Credentials credentials;
    credentials.scheme = "Digest";
    credentials.SetUsername(input.username);
    credentials.SetRealm(std::string(*realm));
    credentials.SetUri(input.digestUri);
    if (algorithmParam)
    {
        credentials.SetAlgorithm(std::string(*algorithmParam));
    }
    credentials.SetNonce(std::string(*nonce));
    if (!qop.empty())
    {
        credentials.SetNonceCount(input.nonceCount);
    }
    if (useCnonce)
    {
        credentials.SetCnonce(input.cnonce);
    }
    if (!qop.empty())
    {
        credentials.SetQop(qop);
    }
    credentials.SetResponse(response);
    if (std::optional<std::string_view> opaque = challenge.Get("opaque"))
    {
        credentials.SetOpaque(std::string(*opaque));
    }
    *out = std::move(credentials);
    return true;
}

const char*
ToString(VerifyResult result)
{
    switch (result)
    {
        case VerifyResult::Ok:
            return "Ok";
        case VerifyResult::Stale:
            return "Stale";
        case VerifyResult::BadNonce:
            return "BadNonce";
        case VerifyResult::BadResponse:
            return "BadResponse";
        case VerifyResult::WrongRealm:
            return "WrongRealm";
        case VerifyResult::UnsupportedAlgorithm:
            return "UnsupportedAlgorithm";
        case VerifyResult::MissingParameter:
            return "MissingParameter";
        case VerifyResult::Replay:
            return "Replay";
    }
    return "Unknown";
}

// ------------------------------------------------------------- DigestServer

DigestServer::DigestServer(std::string realm, std::string secret, DigestAlgorithm algorithm,
                           bool offerQopAuth, double nonceLifetimeSeconds)
    : m_realm(std::move(realm))
    , m_secret(std::move(secret))
    , m_algorithm(algorithm)
    , m_offerQop(offerQopAuth)
    , m_lifetimeMs(ToMs(nonceLifetimeSeconds))
{}

Challenge
DigestServer::MakeChallenge(double nowSeconds, bool stale)
{
    int64_t issuedMs = ToMs(nowSeconds);
    uint64_t counter = ++m_counter;
    char prefix[48];
    std::snprintf(prefix, sizeof(prefix), "%llx.%llx.", static_cast<unsigned long long>(issuedMs),
                  static_cast<unsigned long long>(counter));

    Challenge challenge;
    challenge.scheme = "Digest";
    challenge.SetRealm(m_realm);
    challenge.SetNonce(prefix + NonceMac(issuedMs, counter));
    challenge.SetAlgorithm(DigestAlgorithmName(m_algorithm));
    if (m_offerQop)
    {
        challenge.SetQopOptions({"auth"});
    }
    if (stale)
    {
        challenge.SetStale(true);
    }
    return challenge;
}

VerifyResult
DigestServer::Verify(const Credentials& credentials, std::string_view method,
                     std::string_view password, double nowSeconds, std::string_view body)
{
    std::string ha1 = DigestHa1(m_algorithm, credentials.GetUsername(), m_realm, password);
    return VerifyHa1(credentials, method, ha1, nowSeconds, body);
}

VerifyResult
DigestServer::VerifyHa1(const Credentials& credentials, std::string_view method,
                        std::string_view ha1, double nowSeconds, std::string_view body)
{
    if (!credentials.IsDigest())
    {
        return VerifyResult::UnsupportedAlgorithm;
    }
    for (const char* required : {"username", "realm", "nonce", "uri", "response"})
    {
        if (!credentials.Get(required))
        {
            return VerifyResult::MissingParameter;
        }
    }
    if (credentials.GetRealm() != m_realm)
    {
        return VerifyResult::WrongRealm;
    }
    std::optional<DigestAlgorithm> algorithm = ParseDigestAlgorithm(credentials.GetAlgorithm());
    if (!algorithm || *algorithm != m_algorithm)
    {
        return VerifyResult::UnsupportedAlgorithm;
    }

    std::string qop = credentials.GetQop();
    std::optional<uint32_t> nc;
    if (qop.empty())
    {
        if (m_offerQop)
        {
            return VerifyResult::MissingParameter; // no downgrade to RFC 2069
        }
    }
    else if (!text::EqualsNoCase(qop, "auth") && !text::EqualsNoCase(qop, "auth-int"))
    {
        return VerifyResult::UnsupportedAlgorithm;
    }
    else
    {
        nc = credentials.GetNonceCount();
        if (!nc || !credentials.Get("cnonce"))
        {
            return VerifyResult::MissingParameter;
        }
    }
    if (IsSessionAlgorithm(m_algorithm) && !credentials.Get("cnonce"))
    {
        return VerifyResult::MissingParameter;
    }

    std::string nonce = credentials.GetNonce();
    NonceInfo info = DecodeNonce(nonce);
    int64_t nowMs = ToMs(nowSeconds);
    if (!info.valid || info.issuedMs > nowMs)
    {
        return VerifyResult::BadNonce;
    }

    std::string expected = DigestRequestDigest(
        m_algorithm, ha1, nonce, credentials.Get("nc").value_or(std::string_view()),
        credentials.GetCnonce(), qop, method, credentials.GetUri(), body);
    if (expected.empty() || expected != ToLower(credentials.GetResponse()))
    {
        return VerifyResult::BadResponse;
    }

    // Only a correct digest earns stale=true (RFC 2617 section 3.2.1, stale).
    Prune(nowMs);
    if (IsExpired(info.issuedMs, nowMs))
    {
        return VerifyResult::Stale;
    }
    if (nc)
    {
        auto [it, inserted] = m_nonces.try_emplace(nonce, NonceState{info.issuedMs, 0});
        if (*nc <= it->second.lastNc)
        {
            return VerifyResult::Replay;
        }
        it->second.lastNc = *nc;
    }
    return VerifyResult::Ok;
}

const std::string&
DigestServer::GetRealm() const
{
    return m_realm;
}

DigestAlgorithm
DigestServer::GetAlgorithm() const
{
    return m_algorithm;
}

std::size_t
DigestServer::GetTrackedNonces() const
{
    return m_nonces.size();
}

std::string
DigestServer::NonceMac(int64_t issuedMs, uint64_t counter) const
{
    std::string data = std::to_string(issuedMs) + ":" + std::to_string(counter) + ":" + m_secret;
    return DigestHash(DigestAlgorithm::Sha256, data).substr(0, 32);
}

DigestServer::NonceInfo
DigestServer::DecodeNonce(std::string_view nonce) const
{
    NonceInfo info;
    std::size_t dot1 = nonce.find('.');
    std::size_t dot2 = (dot1 == std::string_view::npos) ? dot1 : nonce.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos)
    {
        return info;
    }
    unsigned long long issued = 0;
    unsigned long long counter = 0;
    const char* begin = nonce.data();
    auto r1 = std::from_chars(begin, begin + dot1, issued, 16);
    auto r2 = std::from_chars(begin + dot1 + 1, begin + dot2, counter, 16);
    if (r1.ec != std::errc() || r1.ptr != begin + dot1 || r2.ec != std::errc()
        || r2.ptr != begin + dot2 || issued > static_cast<unsigned long long>(MAX_TIME_MS))
    {
        return info;
    }
    // Compare against the canonical encoding so that each nonce has one spelling.
    char prefix[48];
    std::snprintf(prefix, sizeof(prefix), "%llx.%llx.", issued, counter);
    info.issuedMs = static_cast<int64_t>(issued);
    std::string mac = NonceMac(info.issuedMs, counter);
    info.valid = !mac.empty() && nonce == prefix + mac;
    return info;
}

bool
DigestServer::IsExpired(int64_t issuedMs, int64_t nowMs) const
{
    return nowMs - issuedMs > m_lifetimeMs;
}

void
DigestServer::Prune(int64_t nowMs)
{
    if (nowMs < m_nextPruneMs)
    {
        return;
    }
    for (auto it = m_nonces.begin(); it != m_nonces.end();)
    {
        it = IsExpired(it->second.issuedMs, nowMs) ? m_nonces.erase(it) : std::next(it);
    }
    m_nextPruneMs = nowMs + m_lifetimeMs / 2;
}

DigestServerSet::DigestServerSet(const std::string& realm, const std::string& secret,
                                 std::vector<DigestAlgorithm> algorithms, bool offerQopAuth,
                                 double nonceLifetimeSeconds)
{
    if (algorithms.empty())
    {
        algorithms.push_back(DigestAlgorithm::Md5);
    }
    for (size_t i = 0; i < algorithms.size(); ++i)
    {
        // The first keeps the key as given: a one-algorithm set issues DigestServer's nonces.
        const std::string key = i == 0 ? secret : secret + ":" + DigestAlgorithmName(algorithms[i]);
        m_servers.emplace_back(realm, key, algorithms[i], offerQopAuth, nonceLifetimeSeconds);
    }
}

std::vector<Challenge>
DigestServerSet::MakeChallenges(double nowSeconds, bool stale)
{
    std::vector<Challenge> challenges;
    challenges.reserve(m_servers.size());
    for (DigestServer& server : m_servers)
    {
        challenges.push_back(server.MakeChallenge(nowSeconds, stale));
    }
    return challenges;
}

VerifyResult
DigestServerSet::Verify(const Credentials& credentials, std::string_view method,
                        std::string_view password, double nowSeconds, std::string_view body)
{
    const auto algorithm = ParseDigestAlgorithm(credentials.GetAlgorithm());
    for (DigestServer& server : m_servers)
    {
        if (algorithm && server.GetAlgorithm() == *algorithm)
        {
            return server.Verify(credentials, method, password, nowSeconds, body);
        }
    }
    return VerifyResult::UnsupportedAlgorithm;
}

} // namespace sipsim
