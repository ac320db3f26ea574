#include "sdp/sdp.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace sipsim {
namespace sdp {

namespace {

char
Lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool
EqualsNoCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
    {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
    {
        if (Lower(a[i]) != Lower(b[i]))
        {
            return false;
        }
    }
    return true;
}

bool
IsDigit(char c)
{
    return c >= '0' && c <= '9';
}

/// Encoding names: RFC 4566 byte-string in practice restricted to a token-like set.
bool
IsNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' || c == '_'
           || c == '.' || c == '+';
}

std::string_view
Trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    {
        s.remove_suffix(1);
    }
    return s;
}

/// Decimal digits only, no sign, no overflow past max.
std::optional<uint64_t>
ParseUnsigned(std::string_view s, uint64_t max)
{
    if (s.empty())
    {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (char c : s)
    {
        if (!IsDigit(c))
        {
            return std::nullopt;
        }
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (max - d) / 10)
        {
            return std::nullopt;
        }
        v = v * 10 + d;
    }
    return v;
}

/// Splits on runs of spaces (RFC 4566 fields are separated by a single space; be tolerant).
std::vector<std::string_view>
Fields(std::string_view s)
{
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size())
    {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
        {
            ++i;
        }
        const size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t')
        {
            ++i;
        }
        if (i > start)
        {
            out.push_back(s.substr(start, i - start));
        }
    }
    return out;
}

struct StaticEntry
{
    uint8_t payloadType;
    const char* name;
};

/// RFC 3551 6, table 4: the audio encodings this model knows, all with an 8000 Hz clock.
constexpr StaticEntry kStatic[] = {
    {0, "PCMU"}, {3, "GSM"}, {4, "G723"}, {8, "PCMA"}, {9, "G722"}, {15, "G728"}, {18, "G729"},
};

/// Canonical spelling of dynamic encodings the model knows.
constexpr const char* kKnownDynamic[]
    = {"telephone-event", "CN", "G726-32", "iLBC", "opus", "AMR", "AMR-WB", "speex"};

bool
IsSignallingOnly(const Codec& c)
{
    return EqualsNoCase(c.name, "telephone-event") || EqualsNoCase(c.name, "CN");
}

std::optional<Direction>
ParseDirection(std::string_view attr)
{
    if (attr == "sendrecv")
    {
        return Direction::SendRecv;
    }
    if (attr == "sendonly")
    {
        return Direction::SendOnly;
    }
    if (attr == "recvonly")
    {
        return Direction::RecvOnly;
    }
    if (attr == "inactive")
    {
        return Direction::Inactive;
    }
    return std::nullopt;
}

/// c=<nettype> <addrtype> <connection-address> (RFC 4566 5.7); returns the address.
std::optional<std::string>
ParseConnection(std::string_view value)
{
    const auto f = Fields(value);
    if (f.size() != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6"))
    {
        return std::nullopt;
    }
    std::string_view addr = f[2];
    const size_t slash = addr.find('/'); // multicast TTL / count
    if (slash != std::string_view::npos)
    {
        addr = addr.substr(0, slash);
    }
    if (addr.empty())
    {
        return std::nullopt;
    }
    return std::string(addr);
}

std::string
LineError(size_t line, std::string_view what)
{
    return "line " + std::to_string(line) + ": " + std::string(what);
}

void
AppendLine(std::string* out, std::string_view line)
{
    out->append(line);
    out->append("\r\n");
}

/// The session part shared by offers and answers.
void
AppendSessionHeader(std::string* out, const SdpParams& p)
{
    const std::string user = p.username.empty() ? std::string("-") : p.username;
    AppendLine(out, "v=0");
    AppendLine(out, "o=" + user + " " + std::to_string(p.sessionId) + " "
                        + std::to_string(p.sessionVersion) + " IN IP4 " + p.address);
    AppendLine(out, "s=-");
    AppendLine(out, "c=IN IP4 " + p.address);
    AppendLine(out, "t=0 0");
}

void
AppendAudio(std::string* out, uint16_t port, const std::vector<Codec>& codecs, Direction dir)
{
    std::string m = "m=audio " + std::to_string(port) + " RTP/AVP";
    for (const Codec& c : codecs)
    {
        m += " " + std::to_string(c.payloadType);
    }
    AppendLine(out, m);
    for (const Codec& c : codecs)
    {
        AppendLine(out, "a=rtpmap:" + std::to_string(c.payloadType) + " " + c.ToString());
    }
    AppendLine(out, std::string("a=") + ToString(dir));
}

} // namespace

bool
Codec::SameEncoding(const Codec& other) const
{
    return clockRate == other.clockRate && EqualsNoCase(name, other.name);
}

std::string
Codec::ToString() const
{
    return name + "/" + std::to_string(clockRate);
}

std::optional<uint8_t>
StaticPayloadType(std::string_view name, uint32_t clockRate)
{
    if (clockRate != 8000)
    {
        return std::nullopt;
    }
    for (const StaticEntry& e : kStatic)
    {
        if (EqualsNoCase(name, e.name))
        {
            return e.payloadType;
        }
    }
    return std::nullopt;
}

std::optional<Codec>
StaticCodec(uint8_t payloadType)
{
    for (const StaticEntry& e : kStatic)
    {
        if (e.payloadType == payloadType)
        {
            return Codec{e.name, 8000, payloadType};
        }
    }
    return std::nullopt;
}

std::optional<Codec>
ParseCodec(std::string_view text, uint8_t dynamicPayloadType)
{
    text = Trim(text);
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0)
    {
        return std::nullopt;
    }
    const std::string_view name = text.substr(0, slash);
    if (!std::all_of(name.begin(), name.end(), IsNameChar))
    {
        return std::nullopt;
    }
    std::string_view rest = text.substr(slash + 1);
    const size_t slash2 = rest.find('/');
    if (slash2 != std::string_view::npos)
    {
        // encoding parameters: the channel count for audio (RFC 4566 6); the model is mono
        if (rest.substr(slash2 + 1) != "1")
        {
            return std::nullopt;
        }
        rest = rest.substr(0, slash2);
    }
    const auto rate = ParseUnsigned(rest, std::numeric_limits<uint32_t>::max());
    if (!rate || *rate == 0)
    {
        return std::nullopt;
    }
    Codec c;
    c.clockRate = static_cast<uint32_t>(*rate);
    c.name = std::string(name);
    for (const StaticEntry& e : kStatic)
    {
        if (EqualsNoCase(name, e.name))
        {
            c.name = e.name;
        }
    }
    for (const char* known : kKnownDynamic)
    {
        if (EqualsNoCase(name, known))
        {
            c.name = known;
        }
    }
    c.payloadType = StaticPayloadType(c.name, c.clockRate).value_or(dynamicPayloadType);
    return c;
}

std::optional<std::vector<Codec>>
ParseCodecList(std::string_view text, std::string* error)
{
    std::vector<Codec> out;
    unsigned nextDynamic = kFirstDynamicPayloadType;
    size_t pos = 0;
    while (pos <= text.size())
    {
        size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos)
        {
            comma = text.size();
        }
        const std::string_view item = Trim(text.substr(pos, comma - pos));
        pos = comma + 1;
        auto c = ParseCodec(item, static_cast<uint8_t>(std::min(nextDynamic, 127u)));
        if (!c)
        {
            if (error)
            {
                *error = "bad codec '" + std::string(item) + "' (expected name/rate)";
            }
            return std::nullopt;
        }
        if (c->payloadType >= kFirstDynamicPayloadType && nextDynamic > 127)
        {
            if (error)
            {
                *error = "too many dynamic payload types (96..127)";
            }
            return std::nullopt;
        }
        for (const Codec& seen : out)
        {
            if (seen.SameEncoding(*c))
            {
                if (error)
                {
                    *error = "duplicate codec '" + c->ToString() + "'";
                }
                return std::nullopt;
            }
        }
        if (c->payloadType == nextDynamic)
        {
            ++nextDynamic;
        }
        out.push_back(std::move(*c));
    }
    return out;
}

const char*
ToString(Direction d)
{
    switch (d)
    {
        case Direction::SendRecv:
            return "sendrecv";
        case Direction::SendOnly:
            return "sendonly";
        case Direction::RecvOnly:
            return "recvonly";
        case Direction::Inactive:
            return "inactive";
    }
    return "sendrecv";
}

Direction
AnswerDirection(Direction offered, Direction local)
{
    // What the answerer may do: send if the offerer receives, receive if the offerer sends.
    const bool offerSends = offered == Direction::SendRecv || offered == Direction::SendOnly;
    const bool offerRecvs = offered == Direction::SendRecv || offered == Direction::RecvOnly;
    const bool localSends = local == Direction::SendRecv || local == Direction::SendOnly;
    const bool localRecvs = local == Direction::SendRecv || local == Direction::RecvOnly;
    const bool send = offerRecvs && localSends;
    const bool recv = offerSends && localRecvs;
    if (send && recv)
    {
        return Direction::SendRecv;
    }
    if (send)
    {
        return Direction::SendOnly;
    }
    if (recv)
    {
        return Direction::RecvOnly;
    }
    return Direction::Inactive;
}

std::string
BuildSdp(const SdpParams& params)
{
    std::string out;
    out.reserve(160 + 32 * params.codecs.size());
    AppendSessionHeader(&out, params);
    AppendAudio(&out, params.port, params.codecs, params.direction);
    return out;
}

bool
MediaDescription::IsRtp() const
{
    return protocol.size() >= 4 && EqualsNoCase(protocol.substr(0, 4), "RTP/");
}

std::vector<Codec>
MediaDescription::Codecs() const
{
    std::vector<Codec> out;
    for (uint8_t pt : payloadTypes)
    {
        const auto it = rtpmap.find(pt);
        if (it != rtpmap.end())
        {
            out.push_back(it->second);
        }
        else if (auto s = StaticCodec(pt))
        {
            out.push_back(*s);
        }
    }
    return out;
}

const std::string&
SessionDescription::ConnectionAddressFor(const MediaDescription& m) const
{
    return m.connectionAddress.empty() ? connectionAddress : m.connectionAddress;
}

const MediaDescription*
SessionDescription::FirstActiveAudio() const
{
    for (const MediaDescription& m : media)
    {
        if (m.media == "audio" && m.port != 0 && m.IsRtp())
        {
            return &m;
        }
    }
    return nullptr;
}

std::optional<SessionDescription>
ParseSdp(std::string_view body, std::string* error)
{
    auto fail = [error](std::string msg) -> std::optional<SessionDescription> {
        if (error)
        {
            *error = std::move(msg);
        }
        return std::nullopt;
    };

    SessionDescription sd;
    std::optional<Direction> sessionDirection;
    std::vector<bool> mediaHasDirection;
    bool sawVersion = false;
    size_t lineNo = 0;
    size_t pos = 0;
    while (pos < body.size())
    {
        size_t eol = body.find('\n', pos);
        if (eol == std::string_view::npos)
        {
            eol = body.size();
        }
        std::string_view line = body.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
        {
            line.remove_suffix(1);
        }
        if (Trim(line).empty())
        {
            continue;
        }
        if (line.size() < 2 || line[1] != '=')
        {
            return fail(LineError(lineNo, "expected <type>=<value>"));
        }
        const char type = line[0];
        const std::string_view value = line.substr(2);
        if (!sawVersion)
        {
            if (type != 'v' || Trim(value) != "0")
            {
                return fail(LineError(lineNo, "description must start with v=0"));
            }
            sawVersion = true;
            continue;
        }
        MediaDescription* current = sd.media.empty() ? nullptr : &sd.media.back();
        switch (type)
        {
            case 'v':
                return fail(LineError(lineNo, "repeated v= line"));
            case 'o':
            {
                // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
                const auto f = Fields(value);
                if (f.size() != 6)
                {
                    return fail(LineError(lineNo, "o= line needs 6 fields"));
                }
                const auto id = ParseUnsigned(f[1], std::numeric_limits<uint64_t>::max());
                const auto ver = ParseUnsigned(f[2], std::numeric_limits<uint64_t>::max());
                if (!id || !ver)
                {
                    return fail(LineError(lineNo, "o= session id or version not a 64-bit number"));
                }
                sd.originUsername = std::string(f[0]);
                sd.sessionId = *id;
                sd.sessionVersion = *ver;
                sd.originAddress = std::string(f[5]);
                break;
            }
            case 's':
                sd.sessionName = std::string(value);
                break;
            case 'c':
            {
                auto addr = ParseConnection(value);
                if (!addr)
                {
                    return fail(LineError(lineNo, "bad c= line (expected IN IP4|IP6 <address>)"));
                }
                (current ? current->connectionAddress : sd.connectionAddress) = std::move(*addr);
                break;
            }
            case 'm':
            {
                // m=<media> <port>[/<number of ports>] <proto> <fmt> ...
                const auto f = Fields(value);
                if (f.empty())
                {
                    return fail(LineError(lineNo, "empty m= line"));
                }
                if (f.size() < 2)
                {
                    return fail(LineError(lineNo, "m= line without port"));
                }
                if (f.size() < 3)
                {
                    return fail(LineError(lineNo, "m= line without protocol"));
                }
                MediaDescription m;
                m.media = std::string(f[0]);
                std::string_view portText = f[1];
                const size_t slash = portText.find('/');
                if (slash != std::string_view::npos)
                {
                    const auto count = ParseUnsigned(portText.substr(slash + 1), 65535);
                    if (!count || *count == 0)
                    {
                        return fail(LineError(lineNo, "bad port count in m= line"));
                    }
                    m.portCount = static_cast<uint16_t>(*count);
                    portText = portText.substr(0, slash);
                }
                const auto port = ParseUnsigned(portText, 65535);
                if (!port)
                {
                    return fail(LineError(lineNo, "bad port in m= line"));
                }
                m.port = static_cast<uint16_t>(*port);
                m.protocol = std::string(f[2]);
                for (size_t i = 3; i < f.size(); ++i)
                {
                    m.formats.emplace_back(f[i]);
                }
                if (m.IsRtp())
                {
                    for (size_t i = 3; i < f.size(); ++i)
                    {
                        const std::string_view fmt = f[i];
                        const auto pt = ParseUnsigned(fmt, 127);
                        if (!pt)
                        {
                            return fail(LineError(lineNo, "RTP payload type '" + std::string(fmt)
                                                              + "' not in 0..127"));
                        }
                        m.payloadTypes.push_back(static_cast<uint8_t>(*pt));
                    }
                    if (m.payloadTypes.empty() && m.port != 0)
                    {
                        return fail(LineError(lineNo, "m= line without payload types"));
                    }
                }
                sd.media.push_back(std::move(m));
                mediaHasDirection.push_back(false);
                break;
            }
            case 'a':
            {
                const size_t colon = value.find(':');
                const std::string_view name = value.substr(0, colon);
                if (auto dir = ParseDirection(name); dir && colon == std::string_view::npos)
                {
                    if (current)
                    {
                        current->direction = *dir;
                        mediaHasDirection.back() = true;
                    }
                    else
                    {
                        sessionDirection = dir;
                    }
                    break;
                }
                if (name != "rtpmap" || colon == std::string_view::npos)
                {
                    break; // attributes this model does not use are ignored (RFC 4566 5.13)
                }
                // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
                const auto f = Fields(value.substr(colon + 1));
                if (f.size() != 2)
                {
                    return fail(LineError(lineNo, "bad rtpmap (expected <pt> <name>/<rate>)"));
                }
                const auto pt = ParseUnsigned(f[0], 127);
                if (!pt)
                {
                    return fail(LineError(lineNo, "rtpmap payload type not in 0..127"));
                }
                auto codec = ParseCodec(f[1], static_cast<uint8_t>(*pt));
                if (!codec)
                {
                    return fail(
                        LineError(lineNo, "bad rtpmap encoding '" + std::string(f[1]) + "'"));
                }
                codec->payloadType = static_cast<uint8_t>(*pt); // the number on the wire wins
                if (current)
                {
                    current->rtpmap[codec->payloadType] = std::move(*codec);
                }
                break; // a session-level rtpmap has no meaning; ignore it
            }
            default:
                break; // i= u= e= p= b= t= r= z= k= and unknown types: not needed by the model
        }
    }
    if (!sawVersion)
    {
        return fail("empty session description");
    }
    for (size_t i = 0; i < sd.media.size(); ++i)
    {
        MediaDescription& m = sd.media[i];
        if (!mediaHasDirection[i] && sessionDirection)
        {
            m.direction = *sessionDirection;
        }
        if (m.port != 0 && sd.ConnectionAddressFor(m).empty())
        {
            return fail("media " + std::to_string(i + 1) + " (" + m.media
                        + "): no connection address (c= line)");
        }
    }
    return sd;
}

std::vector<Codec>
CommonCodecs(const SessionDescription& offer, const std::vector<Codec>& local)
{
    std::vector<Codec> out;
    const MediaDescription* audio = offer.FirstActiveAudio();
    if (!audio)
    {
        return out;
    }
    bool realCodec = false;
    for (const Codec& offered : audio->Codecs())
    {
        const bool supported = std::any_of(local.begin(), local.end(),
                                           [&](const Codec& l) { return l.SameEncoding(offered); });
        const bool duplicate = std::any_of(out.begin(), out.end(),
                                           [&](const Codec& c) { return c.SameEncoding(offered); });
        if (supported && !duplicate)
        {
            realCodec = realCodec || !IsSignallingOnly(offered);
            out.push_back(offered);
        }
    }
    if (!realCodec)
    {
        out.clear();
    }
    return out;
}

std::optional<std::string>
BuildAnswer(const SessionDescription& offer, const std::vector<Codec>& local,
            const SdpParams& params)
{
    const std::vector<Codec> common = CommonCodecs(offer, local);
    if (common.empty())
    {
        return std::nullopt;
    }
    const MediaDescription* accepted = offer.FirstActiveAudio();
    std::string out;
    AppendSessionHeader(&out, params);
    for (const MediaDescription& m : offer.media)
    {
        if (&m == accepted)
        {
            AppendAudio(&out, params.port, common, AnswerDirection(m.direction, params.direction));
            continue;
        }
        // Rejected stream: same media, protocol and formats, port 0 (RFC 3264 6).
        std::string line = "m=" + m.media + " 0 " + m.protocol;
        for (const std::string& fmt : m.formats)
        {
            line += " " + fmt;
        }
        AppendLine(&out, line);
    }
    return out;
}

} // namespace sdp
} // namespace sipsim
