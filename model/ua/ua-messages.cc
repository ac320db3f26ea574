/*
 * Message building and routing helpers of the user-agent core.
 */
#include "ua/ua-messages.h"

#include "message/sip-text.h"

namespace sipsim {

Message
BuildResponse(const Message& request, uint16_t code, std::string_view reason,
              std::string_view toTag)
{
    return ResponseTo(request, code, reason, toTag);
}

void
AddCapabilities(Message* message)
{
    message->AddHeader(HeaderId::Allow, kUaAllow);
    message->AddHeader(HeaderId::Accept, kUaAccept);
    message->AddHeader(HeaderId::AcceptEncoding, "identity");
    message->AddHeader(HeaderId::AcceptLanguage, "en");
    message->AddHeader(HeaderId::Supported, "");
}

std::optional<Peer>
ResolveUri(std::string_view text, TransportProtocol defaultTransport)
{
    Uri uri;
    if (ParseUri(text, &uri) != nullptr || !uri.IsSipOrSips())
    {
        return std::nullopt;
    }
    std::string_view host = uri.host;
    const auto maddr = uri.params.Get("maddr");
    if (maddr && !maddr->empty())
    {
        host = *maddr;
    }
    const auto address = ParseIpv4(host);
    if (!address)
    {
        return std::nullopt;
    }
    Peer peer;
    peer.address = *address;
    peer.port = uri.port >= 0 && uri.port <= 65535 ? static_cast<uint16_t>(uri.port) : 5060;
    peer.transport = defaultTransport;
    if (const auto transport = uri.params.Get("transport"))
    {
        if (const auto known = LookupTransport(*transport))
        {
            peer.transport = *known;
        }
    }
    return peer;
}

bool
SameContactUri(const Uri& a, const Uri& b)
{
    if (a.scheme != b.scheme || a.user != b.user || !text::EqualsNoCase(a.host, b.host))
    {
        return false;
    }
    const int32_t portA = a.port < 0 ? 5060 : a.port;
    const int32_t portB = b.port < 0 ? 5060 : b.port;
    if (portA != portB)
    {
        return false;
    }
    const std::string_view transportA = a.params.Get("transport").value_or("udp");
    const std::string_view transportB = b.params.Get("transport").value_or("udp");
    return text::EqualsNoCase(transportA, transportB);
}

std::optional<uint32_t>
RetryAfterSeconds(const Message& response)
{
    const std::optional<RetryAfter> retryAfter = response.GetRetryAfter();
    if (!retryAfter)
    {
        return std::nullopt;
    }
    return retryAfter->seconds;
}

std::string
QuoteDisplayName(std::string_view name)
{
    std::string out;
    out.reserve(name.size() + 2);
    out += '"';
    for (char c : name)
    {
        if (c == '"' || c == '\\')
        {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

uint32_t
Fnv1a32(std::string_view text)
{
    uint32_t hash = 2166136261u;
    for (char c : text)
    {
        hash ^= static_cast<uint8_t>(c);
        hash *= 16777619u;
    }
    return hash;
}

std::string
ToHex(uint64_t value)
{
    static const char kDigits[] = "0123456789abcdef";
    char buffer[16];
    size_t n = 0;
    do
    {
        buffer[n++] = kDigits[value & 0xf];
        value >>= 4;
    }
    while (value != 0);
    std::string out;
    out.reserve(n);
    while (n > 0)
    {
        out += buffer[--n];
    }
    return out;
}

} // namespace sipsim
