/*
 * libFuzzer target: the SDP offer/answer subset (sipsim::sdp) on arbitrary bodies, as the
 * phone and gateway models meet them in INVITEs. ParseSdp must never crash; an accepted body
 * must negotiate, and the answer built from it must parse again.
 */
#include "sdp/sdp.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto offer = sipsim::sdp::ParseSdp(body, &error);
    if (!offer)
    {
        if (error.empty())
        {
            std::abort(); // every rejection names its fault
        }
        return 0;
    }
    static const auto local = sipsim::sdp::ParseCodecList("PCMU/8000,PCMA/8000,G729/8000");
    const auto common = sipsim::sdp::CommonCodecs(*offer, *local);
    sipsim::sdp::SdpParams params;
    params.address = "10.0.0.1";
    params.port = 16384;
    const auto answer = sipsim::sdp::BuildAnswer(*offer, *local, params);
    if (answer.has_value() == common.empty())
    {
        std::abort(); // an answer exactly when a codec is in common
    }
    if (answer && !sipsim::sdp::ParseSdp(*answer, &error))
    {
        std::abort(); // our own answer parses
    }
    return 0;
}
