/*
 * The location service of a registrar and proxy (RFC 3261 10.3, 16.5): the bindings of each
 * address of record to contact addresses, with expiry and q-values.
 */
#ifndef SIPSIM_LOCATION_SERVICE_H
#define SIPSIM_LOCATION_SERVICE_H

#include "message/sip-uri.h"
#include "transaction/timer-service.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

/// One binding of an address of record to a contact (RFC 3261 10.3 step 7).
struct Binding
{
    std::string contact;   ///< the Contact URI, as the REGISTER wrote it (without <>)
    uint16_t q = 1000;     ///< q-value times 1000 (RFC 3261 20.10): 0..1000, 1000 when absent
    Duration expiresAt{0}; ///< absolute expiry: the registrar clock's Now() plus the granted time
    std::string callId;    ///< Call-ID of the REGISTER that made or last refreshed it
    uint32_t cseq = 0;     ///< its CSeq, to reject out-of-order refreshes (10.3 step 7)
};

/**
 * Bindings by address of record. The key of an AOR is "user@host" with the host lowercased
 * (RFC 3261 10.3 step 5: the To URI, canonicalised; the user part is case-sensitive).
 * Expired bindings are never returned and are removed lazily by Lookup and Purge.
 */
class LocationService
{
  public:
    /// "alice@example.com" for sip:alice@Example.COM;transport=udp; "" when the URI has no user.
    static std::string AorKey(const Uri& uri);

    /// The AOR's unexpired bindings, highest q first (ties: most recently updated first).
    std::vector<Binding> Lookup(std::string_view aorKey, Duration now) const;

    /// Adds or refreshes the binding of this contact (matched by the contact URI text).
    void Update(const std::string& aorKey, Binding binding);

    /// Removes one contact's binding; false when there was none.
    bool Remove(const std::string& aorKey, std::string_view contact);

    /// Removes every binding of the AOR (Contact: * with Expires: 0, RFC 3261 10.3 step 6).
    void RemoveAll(const std::string& aorKey);

    /// The binding of this contact (expired or not); nullptr when none.
    const Binding* Find(std::string_view aorKey, std::string_view contact) const;

    /// Drops expired bindings; returns how many.
    size_t Purge(Duration now);

    /// Number of AORs with at least one binding (expired ones included until purged).
    size_t AorCount() const { return m_bindings.size(); }

  private:
    std::map<std::string, std::vector<Binding>, std::less<>> m_bindings;
};

} // namespace sipsim

#endif // SIPSIM_LOCATION_SERVICE_H
