/*
 * Peers, transports and the Via rules of RFC 3261 18.2.1 / 18.2.2 and RFC 3581.
 */
#include "transaction/peer.h"

#include "message/sip-text.h"

#include <charconv>

namespace sipsim {

std::string_view
TransportName(TransportProtocol transport)
{
    switch (transport)
    {
        case TransportProtocol::Udp:
            return "UDP";
        case TransportProtocol::Tcp:
            return "TCP";
    }
    return "UDP";
}

std::optional<TransportProtocol>
LookupTransport(std::string_view name)
{
    if (text::EqualsNoCase(name, "UDP"))
    {
        return TransportProtocol::Udp;
    }
    if (text::EqualsNoCase(name, "TCP"))
    {
        return TransportProtocol::Tcp;
    }
    return std::nullopt;
}

std::string_view
FormatIpv4(Ipv4 address, char (&buffer)[16])
{
    char* out = buffer;
    for (int shift = 24; shift >= 0; shift -= 8)
    {
        const unsigned octet = (address >> shift) & 0xffu;
        if (octet >= 100)
        {
            *out++ = static_cast<char>('0' + octet / 100);
        }
        if (octet >= 10)
        {
            *out++ = static_cast<char>('0' + octet / 10 % 10);
        }
        *out++ = static_cast<char>('0' + octet % 10);
        if (shift > 0)
        {
            *out++ = '.';
        }
    }
    return std::string_view(buffer, static_cast<size_t>(out - buffer));
}

std::string
FormatIpv4(Ipv4 address)
{
    char buffer[16];
    return std::string(FormatIpv4(address, buffer));
}

std::optional<Ipv4>
ParseIpv4(std::string_view text)
{
    Ipv4 address = 0;
    size_t pos = 0;
    for (int part = 0; part < 4; ++part)
    {
        if (part > 0)
        {
            if (pos >= text.size() || text[pos] != '.')
            {
                return std::nullopt;
            }
            ++pos;
        }
        const size_t start = pos;
        while (pos < text.size() && pos - start < 4 && text[pos] >= '0' && text[pos] <= '9')
        {
            ++pos;
        }
        const size_t digits = pos - start;
        if (digits == 0 || digits > 3)
        {
            return std::nullopt;
        }
        unsigned value = 0;
        for (size_t i = start; i < pos; ++i)
        {
            value = value * 10 + static_cast<unsigned>(text[i] - '0');
        }
        if (value > 255)
        {
            return std::nullopt;
        }
        address = (address << 8) | value;
    }
    if (pos != text.size())
    {
        return std::nullopt;
    }
    return address;
}

std::string
Peer::ToString() const
{
    std::string out(TransportName(transport));
    out += ' ';
    out += FormatIpv4(address);
    out += ':';
    out += std::to_string(port);
    return out;
}

namespace {

/// A port number 0..65535 written in decimal; nullopt otherwise.
std::optional<uint16_t>
ParsePort(std::string_view text)
{
    if (text.empty() || text.size() > 5)
    {
        return std::nullopt;
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > 65535)
    {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

} // namespace

std::optional<Peer>
ParsePeer(std::string_view text)
{
    const size_t space = text.find(' ');
    const size_t colon = text.rfind(':');
    if (space == std::string_view::npos || colon == std::string_view::npos || colon < space)
    {
        return std::nullopt;
    }
    const auto transport = LookupTransport(text.substr(0, space));
    const auto address = ParseIpv4(text.substr(space + 1, colon - space - 1));
    const auto port = ParsePort(text.substr(colon + 1));
    if (!transport || !address || !port || *port == 0)
    {
        return std::nullopt;
    }
    Peer peer;
    peer.transport = *transport;
    peer.address = *address;
    peer.port = *port;
    return peer;
}

Peer
ResponseDestination(const Via& topVia, const Peer& source)
{
    // RFC 3261 18.2.2: over a reliable transport the response goes back on the connection
    // the request came on, i.e. to the source. The maddr parameter (multicast) is ignored:
    // the simulator has no multicast.
    if (IsReliable(source.transport))
    {
        return source;
    }
    Peer to;
    to.transport = source.transport;
    // "received" when present, otherwise the sent-by host if it is an address (names are not
    // resolved here, so a host name falls back to the source address).
    to.address = source.address;
    if (const auto received = topVia.Received())
    {
        if (const auto address = ParseIpv4(*received))
        {
            to.address = *address;
        }
    }
    else if (const auto address = ParseIpv4(topVia.host))
    {
        to.address = *address;
    }
    // RFC 3581 4: a numeric rport wins; else the sent-by port; else the default 5060.
    std::optional<uint16_t> port;
    if (const auto rport = topVia.Rport())
    {
        port = ParsePort(*rport);
    }
    if (!port && topVia.port >= 0 && topVia.port <= 65535)
    {
        port = static_cast<uint16_t>(topVia.port);
    }
    to.port = port.value_or(5060);
    return to;
}

bool
StampReceivedVia(Message* request, const Peer& source)
{
    const Via* top = request->GetTopVia();
    if (top == nullptr)
    {
        return false;
    }
    char addressText[16];
    const std::string_view sourceAddress = FormatIpv4(source.address, addressText);
    const auto rport = top->Rport();
    const bool fillRport = rport.has_value() && rport->empty();
    // RFC 3581 4: with rport the server always adds received; RFC 3261 18.2.1 otherwise only
    // when the sent-by host differs from the source address.
    const bool addReceived = fillRport || !text::EqualsNoCase(top->host, sourceAddress);
    if (!addReceived && !fillRport)
    {
        return false;
    }
    // Rebuild the top Via value: sent-protocol and sent-by as written, then the parameters,
    // with rport given its value and received (re)set.
    std::string value;
    value.reserve(top->params.Raw().size() + top->host.size() + 64);
    value += top->protocolName;
    value += '/';
    value += top->protocolVersion;
    value += '/';
    value += top->transport;
    value += ' ';
    value += top->host;
    if (top->port >= 0)
    {
        value += ':';
        value += std::to_string(top->port);
    }
    top->params.ForEach([&](std::string_view name, std::string_view val, bool hasValue) {
        if (text::EqualsNoCase(name, "received"))
        {
            return true; // replaced below
        }
        value += ';';
        value += name;
        if (fillRport && text::EqualsNoCase(name, "rport"))
        {
            value += '=';
            value += std::to_string(source.port);
        }
        else if (hasValue)
        {
            value += '=';
            value += val;
        }
        return true;
    });
    if (addReceived)
    {
        value += ";received=";
        value += sourceAddress;
    }
    request->ReplaceFirstValue(HeaderId::Via, value);
    return true;
}

} // namespace sipsim
