/*
 * Where a SIP message goes to or comes from: transport protocol, IPv4 address and port
 * (RFC 3261 18: a transport is chosen per message; 18.2.2: where responses are sent).
 */
#ifndef SIPSIM_PEER_H
#define SIPSIM_PEER_H

#include "message/sip-message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipsim {

enum class TransportProtocol : uint8_t
{
    Udp,
    Tcp,
};

/// "UDP" or "TCP", as in a Via sent-protocol.
std::string_view TransportName(TransportProtocol transport);

/// The protocol of a Via transport token (case-insensitive); nullopt for one not modelled.
std::optional<TransportProtocol> LookupTransport(std::string_view name);

/// RFC 3261 17.1.1.2 and friends: the timers the RFC sets to zero on reliable transports.
inline bool
IsReliable(TransportProtocol transport)
{
    return transport != TransportProtocol::Udp;
}

/// An IPv4 address in host byte order ("10.0.0.1" is 0x0a000001), as ns3::Ipv4Address holds it.
using Ipv4 = uint32_t;

/// Dotted-quad text of an address.
std::string FormatIpv4(Ipv4 address);
/// The same text written into buffer (at most 15 characters); the view points into buffer.
std::string_view FormatIpv4(Ipv4 address, char (&buffer)[16]);

/// Parses a dotted quad; nullopt for anything else (host names are not resolved).
std::optional<Ipv4> ParseIpv4(std::string_view text);

/// One end of a SIP hop.
struct Peer
{
    TransportProtocol transport = TransportProtocol::Udp;
    Ipv4 address = 0;
    uint16_t port = 5060;

    /// "UDP 10.0.0.1:5060"
    std::string ToString() const;

    bool operator==(const Peer& o) const
    {
        return transport == o.transport && address == o.address && port == o.port;
    }

    bool operator!=(const Peer& o) const { return !(*this == o); }
};

/// The inverse of Peer::ToString: "UDP 10.0.0.1:5060" (transport as LookupTransport reads it,
/// a dotted quad, a port 1..65535); nullopt for anything else.
std::optional<Peer> ParsePeer(std::string_view text);

/**
 * Where a response to a request goes (RFC 3261 18.2.2, RFC 3581 4), from the request's top
 * Via (as received, with the received and rport parameters the server added per 18.2.1) and
 * the peer the request came from. Reliable transports answer the source (the connection it
 * came on); otherwise received (or the sent-by host) with rport (or the sent-by port, or 5060).
 */
Peer ResponseDestination(const Via& topVia, const Peer& source);

/**
 * Adds the received and rport parameters to a received request's top Via as a server does
 * (RFC 3261 18.2.1, RFC 3581 4): received=<source address> when the sent-by host differs from
 * it (RFC 3581: always when rport is present), and rport=<source port> when the client asked
 * with an empty rport. Other Via values and parameters are kept as written.
 * \return true when the message changed
 */
bool StampReceivedVia(Message* request, const Peer& source);

} // namespace sipsim

#endif // SIPSIM_PEER_H
