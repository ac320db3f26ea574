/*
 * Messages the proxy layer writes itself (RFC 3261 8.2.6, 16.7): the proxy, registrar and
 * redirect cores answer requests as a UAS would, without depending on the UA layer.
 */
#ifndef SIPSIM_PROXY_MESSAGES_H
#define SIPSIM_PROXY_MESSAGES_H

#include "message/sip-message.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sipsim {

/**
 * A response to a request, built as RFC 3261 8.2.6 says a UAS (or a proxy answering on its
 * own, 16.7 and 16.3) builds one: every Via value in order (8.2.6.2), From, Call-ID and CSeq
 * copied, To copied with \p toTag appended when the request's To has no tag and the code is
 * above 100, the Timestamp copied into a 100 (8.2.6.1), and Content-Length: 0.
 * \param request the request being answered
 * \param code the status code
 * \param reason the reason phrase; the RFC 3261 21 phrase when empty
 * \param toTag the To tag to add (ignored when empty, for 100, or when To already has one)
 * \return the response, to which the caller adds its own header fields
 */
Message MakeResponseTo(const Message& request, uint16_t code, std::string_view reason = {},
                       std::string_view toTag = {});

/**
 * A To tag for a response the proxy layer generates (RFC 3261 19.3: globally unique, at least
 * 32 bits of randomness). Deterministic, so that a simulation repeats: FNV-1a of \p seed and
 * \p serial as 16 hex digits. Give each generator its own seed and an increasing serial.
 */
std::string MakeLocalTag(std::string_view seed, uint64_t serial);

} // namespace sipsim

#endif // SIPSIM_PROXY_MESSAGES_H
