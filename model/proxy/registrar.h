/*
 * A registrar (RFC 3261 10.3): answers REGISTER requests and keeps the location service's
 * bindings, with digest authentication (RFC 3261 22) when configured.
 */
#ifndef SIPSIM_REGISTRAR_H
#define SIPSIM_REGISTRAR_H

#include "auth/digest.h"
#include "message/sip-message.h"
#include "proxy/location-service.h"
#include "transaction/timer-service.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

/// What a registrar serves and how it grants registrations.
struct RegistrarConfig
{
    /// Hosts it is the registrar for ("example.com", "10.1.1.2"), compared case-insensitively.
    std::vector<std::string> domains;
    /// Challenge REGISTERs with 401 (RFC 3261 10.3 step 3, 22.2).
    bool authenticate = false;
    /// Digest realm; empty means the first domain.
    std::string realm;
    /// Digest user name -> password.
    std::map<std::string, std::string> users;
    /// Key of the stateless nonces (see DigestServer).
    std::string nonceSecret = "registrar";
    /// Age after which a nonce is stale.
    Duration nonceLifetime = std::chrono::seconds(300);
    /// Digest algorithms challenged with, the preferred first (RFC 8760: one challenge each).
    std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::Md5};
    /// Granted when the REGISTER names no expiration (10.3 step 7).
    uint32_t defaultExpires = 3600;
    /// A nonzero request below this is answered 423 with Min-Expires (10.3 step 7).
    uint32_t minExpires = 60;
    /// A request above this is granted maxExpires.
    uint32_t maxExpires = 86400;
};

/// What a registrar did with the REGISTERs it handled: one final response each.
struct RegistrarCounters
{
    uint64_t registers = 0;   ///< REGISTERs handled (every call of HandleRegister)
    uint64_t accepted = 0;    ///< 200: bindings updated, removed or queried
    uint64_t challenged = 0;  ///< 401: no, wrong or stale credentials
    uint64_t forbidden = 0;   ///< 403: the user may not register this address of record
    uint64_t notFound = 0;    ///< 404: foreign domain, or To not an AOR of this domain
    uint64_t badRequest = 0;  ///< 400 (bad Contact, expires, q, Contact: *), 405, 416, 420
    uint64_t tooBrief = 0;    ///< 423 Interval Too Brief
    uint64_t outOfOrder = 0;  ///< 500: same Call-ID with a CSeq not above the stored one
    uint64_t staleNonces = 0; ///< the 401s among `challenged` that said stale=true
};

/**
 * RFC 3261 10.3 on a LocationService. It holds no transaction state: the caller runs the
 * server transaction and sends the response HandleRegister returns.
 */
class Registrar
{
  public:
    /**
     * \param locations the location service the bindings go to (shared with a proxy core)
     * \param clock simulated time, for expiry and nonces
     * \param config domains, authentication and expiration policy
     */
    Registrar(LocationService& locations, TimerService& clock, RegistrarConfig config);

    /**
     * RFC 3261 10.3, in its order: Request-URI domain (404), Require (420), authentication
     * (401, 22.2), authorization of the To AOR (403: by default the digest user must be the
     * AOR's user part), the AOR (404), Contact: * (400 unless alone with Expires: 0), then each
     * Contact's expiration (400, 423, clamped to maxExpires), q (400) and Call-ID/CSeq order
     * (500). Nothing changes unless every contact passes. 200 lists every current binding.
     * \param request a REGISTER
     * \return the final response (never 1xx)
     */
    Message HandleRegister(const Message& request);

    /// \return true when \p host is one of the configured domains (case-insensitive)
    bool IsDomain(std::string_view host) const;

    const RegistrarCounters& GetCounters() const { return m_counters; }

    const RegistrarConfig& GetConfig() const { return m_config; }

  private:
    /// One Contact of a REGISTER, checked and ready to commit.
    struct ContactUpdate
    {
        std::string uri;      ///< the contact URI, without <>
        uint32_t expires = 0; ///< granted seconds; 0 removes
        uint16_t q = 1000;    ///< q times 1000
    };

    /// The response with a fresh To tag; counts it.
    Message Respond(const Message& request, uint16_t code, std::string_view reason = {});

    /// 401 with a fresh challenge.
    Message Challenge401(const Message& request, bool stale);

    /// The 200 listing the AOR's current bindings (10.3 step 8).
    Message Accept(const Message& request, const std::string& aor);

    /// Seconds since the start of the simulation, for the DigestServer.
    double NowSeconds() const;

    LocationService& m_locations;
    TimerService& m_clock;
    RegistrarConfig m_config;
    DigestServerSet m_digest;
    RegistrarCounters m_counters;
    uint64_t m_tagSerial = 0;
};

} // namespace sipsim

#endif // SIPSIM_REGISTRAR_H
