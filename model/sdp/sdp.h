/*
 * SDP subset for modelling codec negotiation of SIP phones and gateways: session descriptions
 * (RFC 4566) and the offer/answer model (RFC 3264), audio over RTP/AVP (RFC 3551) only.
 * No ns-3, no exceptions: bad input yields std::nullopt and an error text.
 */
#ifndef SIPSIM_SDP_H
#define SIPSIM_SDP_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {
namespace sdp {

/// First payload type of the dynamic range (RFC 3551 3: 96-127).
constexpr uint8_t kFirstDynamicPayloadType = 96;

/**
 * An RTP payload format: encoding name, RTP clock rate and payload type (RFC 4566 6,
 * a=rtpmap; RFC 3551 6 for the static assignments).
 */
struct Codec
{
    std::string name;       ///< encoding name, canonical case for known codecs ("PCMU")
    uint32_t clockRate = 0; ///< RTP clock rate in Hz (G722 uses 8000, RFC 3551 4.5.2)
    uint8_t payloadType = 0;

    /// Same encoding: names compare case-insensitively (RFC 4566 6), clock rates must match.
    bool SameEncoding(const Codec& other) const;

    /// "PCMU/8000"
    std::string ToString() const;
};

/**
 * The static payload type of an encoding (RFC 3551 6, table 4: PCMU 0, GSM 3, G723 4, PCMA 8,
 * G722 9, G728 15, G729 18, all at 8000 Hz), or nullopt for a dynamic one.
 */
std::optional<uint8_t> StaticPayloadType(std::string_view name, uint32_t clockRate);

/// The encoding of a static payload type (RFC 3551 6), or nullopt when not in the table.
std::optional<Codec> StaticCodec(uint8_t payloadType);

/**
 * Parses "name/clock-rate" ("PCMU/8000", "telephone-event/8000"; an optional "/channels"
 * suffix of 1 is accepted). Names are case-insensitive; known names get their canonical case.
 * A static encoding gets its RFC 3551 payload type, any other one dynamicPayloadType.
 * Returns nullopt for anything else (empty name, missing or zero clock rate, overflow, ...).
 */
std::optional<Codec> ParseCodec(std::string_view text,
                                uint8_t dynamicPayloadType = kFirstDynamicPayloadType);

/**
 * Parses a comma-separated codec list ("PCMU/8000,G729/8000,telephone-event/8000"), assigning
 * dynamic payload types 96, 97, ... in order. Returns nullopt and sets *error (when not null)
 * on a bad entry, a duplicate encoding, or more dynamic encodings than the range holds.
 */
std::optional<std::vector<Codec>> ParseCodecList(std::string_view text,
                                                 std::string* error = nullptr);

/// Media direction attributes (RFC 4566 6, RFC 3264 5.1).
enum class Direction : uint8_t
{
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
};

/// "sendrecv", "sendonly", "recvonly", "inactive"
const char* ToString(Direction d);

/**
 * The direction an answerer uses for an offered one (RFC 3264 6.1: sendonly is answered
 * recvonly and vice versa), restricted by what the answerer itself wants (local).
 */
Direction AnswerDirection(Direction offered, Direction local);

/// What BuildSdp writes: one audio stream over RTP/AVP.
struct SdpParams
{
    std::string username = "-";  ///< o= username (RFC 4566 5.2)
    uint64_t sessionId = 0;      ///< o= sess-id
    uint64_t sessionVersion = 0; ///< o= sess-version, increased on each new offer (RFC 3264 8)
    std::string address;         ///< IPv4 address for o= and c=
    uint16_t port = 0;           ///< RTP port of the audio stream (0: rejected/disabled)
    std::vector<Codec> codecs;   ///< in order of preference
    Direction direction = Direction::SendRecv;
};

/**
 * Builds an offer (or any description) with one audio stream:
 * v=0, o=, s=-, c=IN IP4, t=0 0, m=audio PORT RTP/AVP pts, a=rtpmap for every codec (static
 * ones too, RFC 4566 6 allows it), then the direction attribute. Lines end with CRLF (RFC 4566 5).
 */
std::string BuildSdp(const SdpParams& params);

/// One m= section (RFC 4566 5.14) with the attributes this model reads.
struct MediaDescription
{
    std::string media;                         ///< "audio", "video", "image", ...
    uint16_t port = 0;                         ///< 0: stream rejected or disabled (RFC 3264 5.1)
    uint16_t portCount = 1;                    ///< the "/number" after the port, 1 when absent
    std::string protocol;                      ///< "RTP/AVP", "udptl", ...
    std::vector<std::string> formats;          ///< the fmt list as written
    std::vector<uint8_t> payloadTypes;         ///< formats as numbers, for RTP protocols only
    std::map<uint8_t, Codec> rtpmap;           ///< a=rtpmap by payload type
    std::string connectionAddress;             ///< media-level c= address, empty when absent
    Direction direction = Direction::SendRecv; ///< media-level, else session-level attribute

    /// True for "RTP/..." protocols, whose formats are payload types (RFC 4566 5.14).
    bool IsRtp() const;

    /**
     * The codecs in format order: a=rtpmap when present, else the static table (RFC 3551 6).
     * Payload types known neither way are left out.
     */
    std::vector<Codec> Codecs() const;
};

/// A parsed session description (RFC 4566 5).
struct SessionDescription
{
    std::string originUsername; ///< o= fields (RFC 4566 5.2)
    uint64_t sessionId = 0;
    uint64_t sessionVersion = 0;
    std::string originAddress;
    std::string sessionName;       ///< s=
    std::string connectionAddress; ///< session-level c= address, empty when absent
    std::vector<MediaDescription> media;

    /// The address media m is sent to: its own c= line, else the session-level one.
    const std::string& ConnectionAddressFor(const MediaDescription& m) const;

    /// The first audio stream over RTP with a non-zero port, or nullptr.
    const MediaDescription* FirstActiveAudio() const;
};

/**
 * Parses a session description. Tolerant: LF or CRLF line ends, blank lines, unknown line
 * types and attributes are ignored. Never reads out of bounds on any input. Returns nullopt
 * and sets *error (when not null) to e.g. "line 3: m= line without port" when the body is
 * empty, does not start with v=0, or a line this model relies on (o=, c=, m=, a=rtpmap) is
 * malformed, numbers are out of range, or a stream has no connection address (RFC 4566 5.7).
 */
std::optional<SessionDescription> ParseSdp(std::string_view body, std::string* error = nullptr);

/**
 * The local codecs that the offer's first active audio stream also lists, in the offer's
 * order and with the offer's payload types (RFC 3264 6.1: the answerer keeps the offerer's
 * preference and SHOULD use its payload type numbers). Comfort noise and telephone-event
 * alone are not a match: the result is empty unless at least one real audio codec is shared.
 * Empty means mismatch (RFC 3264 would reject with 488; a CPE gateway often answers 415).
 */
std::vector<Codec> CommonCodecs(const SessionDescription& offer, const std::vector<Codec>& local);

/**
 * Builds the answer to an offer (RFC 3264 6): one m= line per offered one, in order. The first
 * active audio stream is accepted with CommonCodecs() on params.port, its direction answered
 * by AnswerDirection(offered, params.direction); every other stream is rejected with port 0
 * (RFC 3264 6). o= and c= come from params; params.codecs is not used (local is).
 * Returns nullopt when no codec is shared (or the offer has no active audio stream).
 */
std::optional<std::string> BuildAnswer(const SessionDescription& offer,
                                       const std::vector<Codec>& local, const SdpParams& params);

} // namespace sdp
} // namespace sipsim

#endif // SIPSIM_SDP_H
