/*
 * Responses written by the proxy layer (RFC 3261 8.2.6).
 */
#include "proxy/proxy-messages.h"

#include <cstdio>
#include <string>

namespace sipsim {

Message
MakeResponseTo(const Message& request, uint16_t code, std::string_view reason,
               std::string_view toTag)
{
    return ResponseTo(request, code, reason, toTag);
}

std::string
MakeLocalTag(std::string_view secret, uint64_t serial)
{
    uint64_t h = 14695981039346656037ULL;
    auto mix = [&h](unsigned char c) {
        h ^= c;
        h *= 1099511628211ULL;
    };
    for (const char c : secret)
    {
        mix(static_cast<unsigned char>(c));
    }
    for (int i = 0; i < 8; ++i)
    {
        mix(static_cast<unsigned char>(serial >> (8 * i)));
    }
    char buf[20];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

} // namespace sipsim
