/*
 * libFuzzer target for the SIP parser: any byte string must parse or be rejected cleanly,
 * and whatever parses must serialize to text that parses again to an equal message.
 */
#include "message/sip-parser.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (sipsim::Framing framing : {sipsim::Framing::Datagram, sipsim::Framing::Stream})
    {
        sipsim::ParseResult result = sipsim::Parse(bytes, framing);
        if (!result.Ok())
        {
            const sipsim::ParseError& e = result.GetError();
            if (e.what.empty() || (e.answer != 0 && (e.answer < 400 || e.answer > 599)))
            {
                std::abort(); // every rejection names its fault and a valid answer
            }
            continue;
        }
        const sipsim::Message& message = result.GetMessage();
        const std::string text = message.Serialize();
        if (text.size() != message.SerializedSize())
        {
            std::abort();
        }
        sipsim::ParseResult again = sipsim::Parse(text, framing);
        if (!again.Ok() || !(again.GetMessage() == message))
        {
            std::abort(); // round trip must be stable
        }
        const sipsim::Message copy = message; // deep copy path
        if (!(copy == message))
        {
            std::abort();
        }
    }
    sipsim::FindStreamFrame(bytes);
    return 0;
}
