/*
 * Parsing SIP messages from bytes (RFC 3261 section 7, 18.3, 25), with the error a server
 * answers for each fault (RFC 3261 8.2, 21; RFC 4475).
 */
#ifndef SIPSIM_SIP_PARSER_H
#define SIPSIM_SIP_PARSER_H

#include "message/sip-message.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sipsim {

/// How the bytes were framed by the transport (RFC 3261 18.3).
enum class Framing : uint8_t
{
    /// One UDP datagram: octets past Content-Length are ignored; without Content-Length the
    /// body runs to the end of the datagram; a Content-Length past the end is an error.
    Datagram,
    /// One message cut from a stream by FindStreamFrame: Content-Length is mandatory.
    Stream,
};

/// Why a message was rejected, and what a server sends back.
struct ParseError
{
    /// What is wrong, naming the header or part: "Via: empty header parameter".
    std::string what;
    /// Status code a server answers (400, 505, 501, ...); 0 when the message must be silently
    /// dropped (a malformed response, RFC 3261 / RFC 4475 3.1.2.5).
    uint16_t answer = 0;
    /// Reason phrase for the answer; says what is wrong ("Bad CSeq", RFC 3261 21.4.1).
    std::string answerReason;
    /// True when the bytes looked like a request (the start line is not a Status-Line).
    bool isRequest = true;
    /**
     * The Via, From, To, Call-ID and CSeq lines of a rejected request, as "Name: value\r\n"
     * text, so that a stateless error answer can be built (RFC 3261 8.2.6.2). Best effort:
     * empty when the header section could not be read.
     */
    std::string echoHeaders;
};

/// Either a message or a ParseError. No exception escapes parsing.
class ParseResult
{
  public:
    ParseResult(Message message)
        : m_value(std::move(message))
    {}

    ParseResult(ParseError error)
        : m_value(std::move(error))
    {}

    bool Ok() const { return m_value.index() == 0; }

    explicit operator bool() const { return Ok(); }

    Message& GetMessage() { return std::get<0>(m_value); }

    const Message& GetMessage() const { return std::get<0>(m_value); }

    const ParseError& GetError() const { return std::get<1>(m_value); }

  private:
    std::variant<Message, ParseError> m_value;
};

/**
 * Parses one SIP message.
 * \param bytes the datagram, or one frame cut by FindStreamFrame
 * \param framing how bytes were framed
 */
ParseResult Parse(std::string_view bytes, Framing framing = Framing::Datagram);

/// Result of looking for one message at the start of a stream buffer.
struct StreamFrame
{
    enum class Status : uint8_t
    {
        Incomplete, ///< need more bytes
        Complete,   ///< the first `length` octets are one message
        Error,      ///< unrecoverable framing error: close the connection (RFC 4475 3.1.2.3)
    };

    Status status = Status::Incomplete;
    size_t length = 0; ///< with Complete: octets of the message, CRLFs before it included
    std::string error; ///< with Error
};

/**
 * Finds the end of the first message in a stream (TCP) buffer: the header section up to the
 * empty line, then Content-Length octets (RFC 3261 18.3; keep-alive CRLFs before a start line
 * are skipped, 7.5). A missing, negative, non-numeric or repeated Content-Length is an error.
 * \param maxHeaderBytes a header section longer than this without an end is an error
 */
StreamFrame FindStreamFrame(std::string_view buffer, size_t maxHeaderBytes = 65536);

} // namespace sipsim

#endif // SIPSIM_SIP_PARSER_H
