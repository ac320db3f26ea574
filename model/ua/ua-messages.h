/*
 * Message building and routing helpers shared by the user-agent core (RFC 3261 8.1.2, 8.2.6,
 * 11.2, 19.1.4).
 */
#ifndef SIPSIM_UA_MESSAGES_H
#define SIPSIM_UA_MESSAGES_H

#include "message/sip-message.h"
#include "transaction/peer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipsim {

/// The methods a user agent of this layer accepts (Allow, RFC 3261 20.5).
inline constexpr std::string_view kUaAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS";
/// The body types it accepts (Accept, 20.1).
inline constexpr std::string_view kUaAccept = "application/sdp";

/**
 * A response to request (RFC 3261 8.2.6): the same Via fields, From, Call-ID and CSeq, the To
 * with toTag added when the request's To has none (8.2.6.2; never for 100, and not when toTag
 * is empty), and Content-Length 0. The reason phrase defaults to RFC 3261 21's.
 */
Message BuildResponse(const Message& request, uint16_t code, std::string_view reason = {},
                      std::string_view toTag = {});

/// Adds Allow, Accept, Accept-Encoding, Accept-Language and Supported (RFC 3261 11.2).
void AddCapabilities(Message* message);

/**
 * The peer a request for that URI is sent to when the host is an IPv4 address (host names
 * are not resolved in the simulator; RFC 3263 is not modelled): maddr when present, the port
 * or 5060, and the transport parameter or defaultTransport.
 */
std::optional<Peer> ResolveUri(std::string_view uri, TransportProtocol defaultTransport);

/**
 * RFC 3261 19.1.4, reduced to what binding matching needs: same scheme, user, host
 * (case-insensitive), port (absent = 5060) and transport parameter.
 */
bool SameContactUri(const Uri& a, const Uri& b);

/**
 * The delta-seconds of the Retry-After header of a response (RFC 3261 20.33), ignoring its
 * comment and parameters (duration included); nullopt when there is none or it is malformed.
 * A convenience over Message::GetRetryAfter for UaListener::OnInviteRejected.
 */
std::optional<uint32_t> RetryAfterSeconds(const Message& response);

/// A display name as a quoted-string (RFC 3261 25.1), escaping '"' and '\'.
std::string QuoteDisplayName(std::string_view name);

/// 32-bit FNV-1a, for deterministic identifiers.
uint32_t Fnv1a32(std::string_view text);

/// Lower-case hexadecimal without leading zeros ("0" for 0).
std::string ToHex(uint64_t value);

} // namespace sipsim

#endif // SIPSIM_UA_MESSAGES_H
