/*
 * A SIP message (RFC 3261 section 7): start line, header fields and body.
 */
#ifndef SIPSIM_SIP_MESSAGE_H
#define SIPSIM_SIP_MESSAGE_H

#include "message/auth-header.h"
#include "message/sip-headers.h"
#include "message/sip-uri.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

/// Methods of RFC 3261 and the common extensions; any other token is Method::Extension.
enum class Method : uint8_t
{
    Extension,
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Prack,
    Subscribe,
    Notify,
    Publish,
    Info,
    Refer,
    Message,
    Update,
};

/// Method from its name (methods are case-sensitive, RFC 3261 7.1).
Method LookupMethod(std::string_view name);

/// Name of a known method; "" for Method::Extension.
std::string_view MethodName(Method method);

/// The default reason phrase of a status code (RFC 3261 21), "" when unknown.
std::string_view DefaultReasonPhrase(uint16_t code);

class Message;

/**
 * A response to request as a UAS or a proxy writes it (RFC 3261 8.2.6): every Via in order,
 * From, To, Call-ID and CSeq copied; To gets ";tag=" toTag when the code is above 100, toTag
 * is not empty and the request's To has no tag; a 100 copies the Timestamp (8.2.6.1); the
 * response has no body (Content-Length: 0). The reason phrase defaults to RFC 3261 21's.
 */
Message ResponseTo(const Message& request, uint16_t code, std::string_view reason = {},
                   std::string_view toTag = {});

/// One header field line as it stands in the message (a line may hold several list values).
struct HeaderField
{
    HeaderId id = HeaderId::Unknown;
    std::string_view name;  ///< as written (compact forms included)
    std::string_view value; ///< unfolded, LWS trimmed at both ends
};

class Parser;

/**
 * A SIP request or response.
 *
 * A message owns its text: header names and values are views into buffers the message
 * holds, so parsing allocates one text buffer and one header vector, never one string per
 * header. The headers the transaction and dialog layers look at on every message (top Via,
 * From, To, Call-ID, CSeq, Max-Forwards, Content-Length) are decoded once and cached; the
 * cache follows every change made through the setters.
 *
 * Copying a message copies its text into one new buffer; moving is cheap.
 */
/**
 * The text a message's setters add: chunks that never move (views point into them), filled in
 * turn, so that building a message allocates a few times instead of once per header value.
 * A move leaves the source empty (its next free byte would be in the destination's chunk).
 */
class AddedText
{
  public:
    AddedText() = default;
    AddedText(AddedText&& other) noexcept;
    AddedText& operator=(AddedText&& other) noexcept;
    AddedText(const AddedText&) = delete;
    AddedText& operator=(const AddedText&) = delete;
    ~AddedText() = default;

    /// A stable copy of s (an empty view for an empty s).
    std::string_view Store(std::string_view s);
    /// Frees every chunk (views into them dangle).
    void Clear();

  private:
    /// The size of a chunk; a longer text gets a chunk of its own size.
    static constexpr size_t kChunkSize = 512;

    std::vector<std::unique_ptr<char[]>> m_chunks;
    char* m_next = nullptr; ///< the first free byte of the last chunk
    size_t m_free = 0;      ///< free bytes from m_next
};

class Message
{
  public:
    /// An empty OPTIONS request with no headers; use MakeRequest / MakeResponse / Parse.
    Message();
    ~Message();
    Message(const Message& other);
    Message& operator=(const Message& other);
    Message(Message&& other) noexcept;
    Message& operator=(Message&& other) noexcept;

    /**
     * A request with the given method and Request-URI and no headers yet.
     * The URI text is parsed; GetRequestUri() reports a URI it cannot parse as scheme Other.
     */
    static Message MakeRequest(std::string_view method, std::string_view requestUri);

    /// A response with the status code and reason phrase (the RFC 3261 21 phrase when empty).
    static Message MakeResponse(uint16_t code, std::string_view reason = {});

    // --- start line ---------------------------------------------------------------------------
    bool IsRequest() const { return m_isRequest; }

    bool IsResponse() const { return !m_isRequest; }

    /// The request's method; Method::Extension for a response (see GetCSeq()->method).
    Method GetMethod() const { return m_methodId; }

    /// The method token as written (requests only).
    std::string_view GetMethodName() const { return m_method; }

    std::string_view GetRequestUriText() const { return m_requestUriText; }

    const Uri& GetRequestUri() const { return m_requestUri; }

    void SetRequestUri(std::string_view uri);

    std::string_view GetVersion() const { return m_version; }

    uint16_t GetStatusCode() const { return m_status; }

    std::string_view GetReasonPhrase() const { return m_reason; }

    // --- header fields ------------------------------------------------------------------------
    const std::vector<HeaderField>& GetHeaders() const { return m_headers; }

    /// Value of the first field with that id.
    std::optional<std::string_view> FindHeader(HeaderId id) const;

    /// Value of the first field with that name (case-insensitive; compact forms resolve).
    std::optional<std::string_view> FindHeader(std::string_view name) const;

    bool HasHeader(HeaderId id) const { return FindHeader(id).has_value(); }

    /// Number of header field lines with that id.
    size_t CountHeaderFields(HeaderId id) const;

    /// Every comma-separated value of every field with that id, in order.
    std::vector<std::string_view> GetHeaderValues(HeaderId id) const;

    /// Appends a field. The value must be valid for the header (no CR/LF).
    void AddHeader(HeaderId id, std::string_view value);

    /// Appends a field by name (unknown names are kept as written).
    void AddHeader(std::string_view name, std::string_view value);

    /// Inserts a field before the first field of that id (or at the end): new top Via, ...
    void PrependHeader(HeaderId id, std::string_view value);

    /// Inserts a field before every other field (a Via put on a request that had none).
    void InsertHeaderFirst(HeaderId id, std::string_view value);

    /// Replaces all fields of that id by one field with the value.
    void SetHeader(HeaderId id, std::string_view value);

    /// Removes all fields of that id; returns how many were removed.
    size_t RemoveHeader(HeaderId id);

    /// Removes the first value of a list header (the top Via of "Via: a, b" leaves "Via: b").
    bool RemoveFirstValue(HeaderId id);
    /**
     * Replaces the first value of the first field of id with value, in place: the new value in a
     * field of its own where that field was, before what is left of it ("Via: a, b" becomes
     * "Via: new" then "Via: b"). Decodes the cached header once. False (and nothing changed)
     * without such a field.
     */
    bool ReplaceFirstValue(HeaderId id, std::string_view value);

    // --- cached typed headers -----------------------------------------------------------------
    /// Call-ID, empty when absent.
    std::string_view GetCallId() const { return m_callId; }

    /// CSeq; nullptr when absent.
    const CSeq* GetCSeq() const { return m_hasCSeq ? &m_cseq : nullptr; }

    /// The topmost Via value; nullptr when there is none.
    const Via* GetTopVia() const { return m_hasTopVia ? &m_topVia : nullptr; }

    const NameAddr* GetFrom() const { return m_hasFrom ? &m_from : nullptr; }

    const NameAddr* GetTo() const { return m_hasTo ? &m_to : nullptr; }

    /// Max-Forwards, -1 when absent.
    int GetMaxForwards() const { return m_maxForwards; }

    /// Content-Length, -1 when absent.
    int64_t GetContentLength() const { return m_contentLength; }

    // --- typed headers decoded on demand --------------------------------------------------------
    std::vector<Via> GetVias() const;
    /// Contact values; empty for "Contact: *" (see IsContactStar).
    std::vector<NameAddr> GetContacts() const;
    bool IsContactStar() const;
    std::vector<NameAddr> GetRoutes() const;
    std::vector<NameAddr> GetRecordRoutes() const;
    /// Option tags of Require, Supported, Proxy-Require, Unsupported, or methods of Allow.
    std::vector<std::string_view> GetTokens(HeaderId id) const;
    std::optional<uint32_t> GetExpires() const;
    std::optional<RetryAfter> GetRetryAfter() const;
    std::vector<WarningValue> GetWarnings() const;
    std::optional<MediaType> GetContentType() const;
    /// WWW-Authenticate or Proxy-Authenticate challenges that parse (one per field).
    std::vector<Challenge> GetChallenges(HeaderId id) const;
    /// Authorization or Proxy-Authorization credentials that parse (one per field).
    std::vector<Credentials> GetCredentials(HeaderId id) const;

    // --- checks later layers need (RFC 4475 3.3) -------------------------------------------------
    /**
     * The first header a request must carry that is missing (RFC 3261 8.1.1: To, From, CSeq,
     * Call-ID, Max-Forwards, Via), or HeaderId::Unknown when all are present. For a response,
     * Max-Forwards is not required.
     */
    HeaderId MissingRequiredHeader() const;

    /// A single-valued header that appears more than once (RFC 4475 3.3.8), or Unknown.
    HeaderId DuplicatedSingleHeader() const;

    // --- body ---------------------------------------------------------------------------------
    std::string_view GetBody() const { return m_body; }

    /// Sets the body and its Content-Type (none when empty) and Content-Length headers.
    void SetBody(std::string_view contentType, std::string_view body);

    // --- text ---------------------------------------------------------------------------------
    /// The message as RFC 3261 text: long header names, one field per line, CRLF endings.
    std::string Serialize() const;

    /// Appends the text to out (reuse a buffer to avoid allocation).
    void SerializeTo(std::string* out) const;

    /// Length of Serialize() without building it.
    size_t SerializedSize() const;

    /// Same start line, header fields (id, name for unknown headers, value) and body.
    bool operator==(const Message& other) const;

    bool operator!=(const Message& other) const { return !(*this == other); }

  private:
    friend class Parser;

    /// Copies s into storage the message owns and returns the stored view.
    std::string_view Store(std::string_view s);
    /// Re-decodes the cached typed headers and the Request-URI from the fields.
    void RefreshCache();
    /// Re-decodes the one cached typed header that fields of this id feed (the first field of
    /// the id); nothing for ids that are not cached. The setters change one id at a time, and
    /// re-decoding every cached header on each of them was a fifth of a registration's cost.
    void RefreshCacheFor(HeaderId id);
    /// Feeds one field to the cache: decoded if it is the first of its cached id to decode.
    void CacheField(const HeaderField& f);
    void CopyFrom(const Message& other);
    /**
     * Takes other's decoded headers (this message's fields being a copy of other's), their views
     * moved into this message's text. False when a view was outside the copied text; the cache
     * is then to be decoded again.
     */
    bool RebaseCacheFrom(const Message& other);

    std::unique_ptr<char[]> m_text; ///< parsed text (or copied text)
    AddedText m_added;              ///< text added by setters
    std::vector<HeaderField> m_headers;

    bool m_isRequest = true;
    Method m_methodId = Method::Options;
    uint16_t m_status = 0;
    std::string_view m_method;
    std::string_view m_requestUriText;
    std::string_view m_version;
    std::string_view m_reason;
    std::string_view m_body;
    Uri m_requestUri;

    std::string_view m_callId;
    CSeq m_cseq;
    Via m_topVia;
    NameAddr m_from;
    NameAddr m_to;
    int64_t m_contentLength = -1;
    int m_maxForwards = -1;
    bool m_hasCSeq = false;
    bool m_hasTopVia = false;
    bool m_hasFrom = false;
    bool m_hasTo = false;
};

} // namespace sipsim

#endif // SIPSIM_SIP_MESSAGE_H
