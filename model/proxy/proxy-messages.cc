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
    Message response = Message::MakeResponse(code, reason);
    // Header fields in the order of the request: the Vias keep theirs (8.2.6.2, 18.2.2 routes
    // the response by them), the others follow in the order RFC 3261 8.2.6.2 names them.
    for (const HeaderField& field : request.GetHeaders())
    {
        if (field.id == HeaderId::Via)
        {
            response.AddHeader(HeaderId::Via, field.value);
        }
    }
    if (const auto from = request.FindHeader(HeaderId::From))
    {
        response.AddHeader(HeaderId::From, *from);
    }
    if (const auto to = request.FindHeader(HeaderId::To))
    {
        const NameAddr* parsedTo = request.GetTo();
        const bool addTag
            = code > 100 && !toTag.empty() && parsedTo != nullptr && parsedTo->Tag().empty();
        if (addTag)
        {
            std::string tagged(*to);
            tagged.append(";tag=").append(toTag);
            response.AddHeader(HeaderId::To, tagged);
        }
        else
        {
            response.AddHeader(HeaderId::To, *to);
        }
    }
    if (const auto callId = request.FindHeader(HeaderId::CallId))
    {
        response.AddHeader(HeaderId::CallId, *callId);
    }
    if (const auto cseq = request.FindHeader(HeaderId::CSeq))
    {
        response.AddHeader(HeaderId::CSeq, *cseq);
    }
    if (code == 100)
    {
        if (const auto timestamp = request.FindHeader(HeaderId::Timestamp))
        {
            response.AddHeader(HeaderId::Timestamp, *timestamp);
        }
    }
    response.AddHeader(HeaderId::ContentLength, "0");
    return response;
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
