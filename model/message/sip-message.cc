#include "message/sip-message.h"

#include <cassert>
#include <cstring>

namespace sipsim {

using namespace text;

namespace {

struct MethodEntry
{
    std::string_view name;
    Method method;
};

constexpr MethodEntry kMethods[] = {
    {"INVITE", Method::Invite},   {"ACK", Method::Ack},
    {"BYE", Method::Bye},         {"CANCEL", Method::Cancel},
    {"OPTIONS", Method::Options}, {"REGISTER", Method::Register},
    {"PRACK", Method::Prack},     {"SUBSCRIBE", Method::Subscribe},
    {"NOTIFY", Method::Notify},   {"PUBLISH", Method::Publish},
    {"INFO", Method::Info},       {"REFER", Method::Refer},
    {"MESSAGE", Method::Message}, {"UPDATE", Method::Update},
};

/// First value of a (possibly list) header field.
std::string_view
FirstElement(std::string_view value)
{
    std::string_view first;
    ForEachListElement(value, [&first](std::string_view e) {
        first = e;
        return false;
    });
    return first;
}

template<typename T, typename ParseFn>
std::vector<T>
DecodeList(const std::vector<HeaderField>& headers, HeaderId id, ParseFn parse)
{
    std::vector<T> out;
    for (const HeaderField& f : headers)
    {
        if (f.id != id)
        {
            continue;
        }
        ForEachListElement(f.value, [&](std::string_view e) {
            T v;
            if (parse(e, &v) == nullptr)
            {
                out.push_back(v);
            }
            return true;
        });
    }
    return out;
}

} // namespace

Method
LookupMethod(std::string_view name)
{
    for (const MethodEntry& e : kMethods)
    {
        if (e.name == name)
        {
            return e.method;
        }
    }
    return Method::Extension;
}

std::string_view
MethodName(Method method)
{
    for (const MethodEntry& e : kMethods)
    {
        if (e.method == method)
        {
            return e.name;
        }
    }
    return std::string_view();
}

std::string_view
DefaultReasonPhrase(uint16_t code)
{
    switch (code)
    {
        // RFC 3261 section 21
        case 100:
            return "Trying";
        case 180:
            return "Ringing";
        case 181:
            return "Call Is Being Forwarded";
        case 182:
            return "Queued";
        case 183:
            return "Session Progress";
        case 200:
            return "OK";
        case 202:
            return "Accepted";
        case 300:
            return "Multiple Choices";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Moved Temporarily";
        case 305:
            return "Use Proxy";
        case 380:
            return "Alternative Service";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 402:
            return "Payment Required";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 407:
            return "Proxy Authentication Required";
        case 408:
            return "Request Timeout";
        case 409:
            // RFC 2543 7.4 (RFC 3261 dropped it; the vendor tables still list it)
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            // RFC 2543 7.4 (likewise)
            return "Length Required";
        case 413:
            return "Request Entity Too Large";
        case 414:
            return "Request-URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Unsupported URI Scheme";
        case 420:
            return "Bad Extension";
        case 421:
            return "Extension Required";
        case 423:
            return "Interval Too Brief";
        case 480:
            return "Temporarily Unavailable";
        case 481:
            return "Call/Transaction Does Not Exist";
        case 482:
            return "Loop Detected";
        case 483:
            return "Too Many Hops";
        case 484:
            return "Address Incomplete";
        case 485:
            return "Ambiguous";
        case 486:
            return "Busy Here";
        case 487:
            return "Request Terminated";
        case 488:
            return "Not Acceptable Here";
        case 491:
            return "Request Pending";
        case 493:
            return "Undecipherable";
        case 500:
            return "Server Internal Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Server Time-out";
        case 505:
            return "Version Not Supported";
        case 513:
            return "Message Too Large";
        case 600:
            return "Busy Everywhere";
        case 603:
            return "Decline";
        case 604:
            return "Does Not Exist Anywhere";
        case 606:
            return "Not Acceptable";
        default:
            return std::string_view();
    }
}

// --- construction -------------------------------------------------------------------------------

namespace {
/// Header fields a built message has room for before its table grows: a request or response
/// of the stack has 8 to 14 (one allocation instead of five doublings).
constexpr size_t kBuiltHeaderFields = 16;
} // namespace

Message::Message()
    : m_method("OPTIONS")
    , m_version("SIP/2.0")
{}

Message::~Message() = default;
Message::Message(Message&& other) noexcept = default;
Message& Message::operator=(Message&& other) noexcept = default;

Message::Message(const Message& other)
{
    CopyFrom(other);
}

Message&
Message::operator=(const Message& other)
{
    if (this != &other)
    {
        CopyFrom(other);
    }
    return *this;
}

void
Message::CopyFrom(const Message& other)
{
    // All views of the copy point into one new buffer.
    size_t total = other.m_method.size() + other.m_requestUriText.size() + other.m_version.size()
                   + other.m_reason.size() + other.m_body.size();
    for (const HeaderField& f : other.m_headers)
    {
        total += f.name.size() + f.value.size();
    }
    std::unique_ptr<char[]> text(new char[total == 0 ? 1 : total]);
    char* cursor = text.get();
    auto copy = [&cursor](std::string_view v) {
        if (v.empty())
        {
            return std::string_view();
        }
        std::memcpy(cursor, v.data(), v.size());
        const std::string_view stored(cursor, v.size());
        cursor += v.size();
        return stored;
    };
    m_isRequest = other.m_isRequest;
    m_methodId = other.m_methodId;
    m_status = other.m_status;
    m_method = copy(other.m_method);
    m_requestUriText = copy(other.m_requestUriText);
    m_version = copy(other.m_version);
    m_reason = copy(other.m_reason);
    m_body = copy(other.m_body);
    m_headers = other.m_headers;
    for (HeaderField& f : m_headers)
    {
        f.name = copy(f.name);
        f.value = copy(f.value);
    }
    m_added.Clear();
    m_text = std::move(text);
    if (!RebaseCacheFrom(other))
    {
        RefreshCache();
    }
}

namespace {

/**
 * Moves views from the text of one message to the same text in its copy: a view inside a
 * source range [from, from + size] is moved to the same offset from to. The ranges are the
 * request-URI text and the header values, which the copy holds at other addresses.
 */
class ViewMover
{
  public:
    ViewMover(std::string_view requestUriFrom, std::string_view requestUriTo,
              const std::vector<HeaderField>& from, const std::vector<HeaderField>& to)
        : m_uriFrom(requestUriFrom)
        , m_uriTo(requestUriTo)
        , m_from(from)
        , m_to(to)
    {}

    /// False once a view was found in none of the ranges (the caller then decodes again).
    bool Ok() const { return m_ok; }

    void Move(std::string_view& v)
    {
        if (v.data() == nullptr)
        {
            return;
        }
        if (Within(v, m_uriFrom))
        {
            v = std::string_view(m_uriTo.data() + (v.data() - m_uriFrom.data()), v.size());
            return;
        }
        // The views of one decoded header are in one field: try the last one found first, then
        // the others in order, wrapping around (no division per step).
        size_t i = m_last < m_from.size() ? m_last : 0;
        for (size_t n = 0; n < m_from.size(); ++n)
        {
            if (Within(v, m_from[i].value))
            {
                m_last = i;
                v = std::string_view(m_to[i].value.data() + (v.data() - m_from[i].value.data()),
                                     v.size());
                return;
            }
            i = i + 1 == m_from.size() ? 0 : i + 1;
        }
        m_ok = false;
    }

    void Move(std::optional<std::string_view>& v)
    {
        if (v)
        {
            Move(*v);
        }
    }

    void Move(ParamList& params)
    {
        std::string_view raw = params.Raw();
        Move(raw);
        params = ParamList(raw);
    }

    void Move(Uri& uri)
    {
        Move(uri.text);
        Move(uri.schemeName);
        Move(uri.user);
        Move(uri.password);
        Move(uri.host);
        Move(uri.headers);
        Move(uri.opaque);
        Move(uri.params);
    }

    void Move(Via& via)
    {
        Move(via.protocolName);
        Move(via.protocolVersion);
        Move(via.transport);
        Move(via.host);
        Move(via.branch);
        Move(via.params);
    }

    void Move(NameAddr& nameAddr)
    {
        Move(nameAddr.displayName);
        Move(nameAddr.uri);
        Move(nameAddr.tag);
        Move(nameAddr.q);
        Move(nameAddr.expires);
        Move(nameAddr.params);
    }

  private:
    static bool Within(std::string_view v, std::string_view range)
    {
        // Compared as addresses: a view may end where its range ends (or be empty there).
        const auto p = reinterpret_cast<uintptr_t>(v.data());
        const auto begin = reinterpret_cast<uintptr_t>(range.data());
        return range.data() != nullptr && p >= begin && p + v.size() <= begin + range.size();
    }

    std::string_view m_uriFrom;
    std::string_view m_uriTo;
    const std::vector<HeaderField>& m_from;
    const std::vector<HeaderField>& m_to;
    size_t m_last = 0;
    bool m_ok = true;
};

} // namespace

bool
Message::RebaseCacheFrom(const Message& other)
{
    // The copy's fields hold the same text as other's, so other's decoded headers are this
    // message's too once their views are moved to this message's text. Decoding them again
    // (RefreshCache) was a sixth of the cost of a proxied call: each message is copied into
    // its transaction, and each hop copies it again.
    m_callId = other.m_callId;
    m_cseq = other.m_hasCSeq ? other.m_cseq : CSeq();
    m_topVia = other.m_hasTopVia ? other.m_topVia : Via();
    m_from = other.m_hasFrom ? other.m_from : NameAddr();
    m_to = other.m_hasTo ? other.m_to : NameAddr();
    m_requestUri = other.m_requestUri;
    m_hasCSeq = other.m_hasCSeq;
    m_hasTopVia = other.m_hasTopVia;
    m_hasFrom = other.m_hasFrom;
    m_hasTo = other.m_hasTo;
    m_maxForwards = other.m_maxForwards;
    m_contentLength = other.m_contentLength;
    ViewMover mover(other.m_requestUriText, m_requestUriText, other.m_headers, m_headers);
    mover.Move(m_callId);
    mover.Move(m_cseq.method);
    mover.Move(m_topVia);
    mover.Move(m_from);
    mover.Move(m_to);
    if (m_isRequest)
    {
        mover.Move(m_requestUri);
    }
    else
    {
        m_requestUri = Uri();
    }
    return mover.Ok();
}

Message
Message::MakeRequest(std::string_view method, std::string_view requestUri)
{
    Message m;
    m.m_headers.reserve(kBuiltHeaderFields);
    m.m_isRequest = true;
    m.m_method = m.Store(method);
    m.m_methodId = LookupMethod(method);
    m.SetRequestUri(requestUri);
    return m;
}

Message
Message::MakeResponse(uint16_t code, std::string_view reason)
{
    Message m;
    m.m_headers.reserve(kBuiltHeaderFields);
    m.m_isRequest = false;
    m.m_method = std::string_view();
    m.m_methodId = Method::Extension;
    m.m_status = code;
    m.m_reason = m.Store(reason.empty() ? DefaultReasonPhrase(code) : reason);
    return m;
}

std::string_view
Message::Store(std::string_view s)
{
    return m_added.Store(s);
}

AddedText::AddedText(AddedText&& other) noexcept
    : m_chunks(std::move(other.m_chunks))
    , m_next(other.m_next)
    , m_free(other.m_free)
{
    other.m_chunks.clear();
    other.m_next = nullptr;
    other.m_free = 0;
}

AddedText&
AddedText::operator=(AddedText&& other) noexcept
{
    if (this != &other)
    {
        m_chunks = std::move(other.m_chunks);
        m_next = other.m_next;
        m_free = other.m_free;
        other.m_chunks.clear();
        other.m_next = nullptr;
        other.m_free = 0;
    }
    return *this;
}

std::string_view
AddedText::Store(std::string_view s)
{
    if (s.empty())
    {
        return std::string_view();
    }
    if (s.size() > m_free)
    {
        if (s.size() >= kChunkSize / 2)
        {
            // A long text (a body, say) gets a chunk of its own; the last chunk stays the one
            // being filled.
            std::unique_ptr<char[]> own(new char[s.size()]);
            std::memcpy(own.get(), s.data(), s.size());
            const std::string_view stored(own.get(), s.size());
            m_chunks.insert(m_chunks.empty() ? m_chunks.end() : m_chunks.end() - 1, std::move(own));
            return stored;
        }
        m_chunks.push_back(std::unique_ptr<char[]>(new char[kChunkSize]));
        m_next = m_chunks.back().get();
        m_free = kChunkSize;
    }
    std::memcpy(m_next, s.data(), s.size());
    const std::string_view stored(m_next, s.size());
    m_next += s.size();
    m_free -= s.size();
    return stored;
}

void
AddedText::Clear()
{
    m_chunks.clear();
    m_next = nullptr;
    m_free = 0;
}

void
Message::SetRequestUri(std::string_view uri)
{
    m_requestUriText = Store(uri);
    if (ParseUri(m_requestUriText, &m_requestUri) != nullptr)
    {
        m_requestUri = Uri();
        m_requestUri.text = m_requestUriText;
    }
}

// --- header fields ------------------------------------------------------------------------------

std::optional<std::string_view>
Message::FindHeader(HeaderId id) const
{
    for (const HeaderField& f : m_headers)
    {
        if (f.id == id)
        {
            return f.value;
        }
    }
    return std::nullopt;
}

std::optional<std::string_view>
Message::FindHeader(std::string_view name) const
{
    const HeaderId id = LookupHeader(name);
    for (const HeaderField& f : m_headers)
    {
        if (f.id == id && (id != HeaderId::Unknown || EqualsNoCase(f.name, name)))
        {
            return f.value;
        }
    }
    return std::nullopt;
}

size_t
Message::CountHeaderFields(HeaderId id) const
{
    size_t n = 0;
    for (const HeaderField& f : m_headers)
    {
        n += f.id == id ? 1 : 0;
    }
    return n;
}

std::vector<std::string_view>
Message::GetHeaderValues(HeaderId id) const
{
    std::vector<std::string_view> out;
    for (const HeaderField& f : m_headers)
    {
        if (f.id != id)
        {
            continue;
        }
        if (!IsListHeader(id))
        {
            out.push_back(f.value);
            continue;
        }
        ForEachListElement(f.value, [&out](std::string_view e) {
            out.push_back(e);
            return true;
        });
    }
    return out;
}

void
Message::AddHeader(HeaderId id, std::string_view value)
{
    m_headers.push_back(HeaderField{id, CanonicalName(id), Store(Trim(value))});
    // An appended field changes a cached value only when no earlier field of its id decoded
    // (the first one that decodes is cached): CacheField decodes it just then.
    CacheField(m_headers.back());
}

void
Message::AddHeader(std::string_view name, std::string_view value)
{
    const HeaderId id = LookupHeader(name);
    const std::string_view stored = id == HeaderId::Unknown ? Store(name) : CanonicalName(id);
    m_headers.push_back(HeaderField{id, stored, Store(Trim(value))});
    CacheField(m_headers.back());
}

void
Message::PrependHeader(HeaderId id, std::string_view value)
{
    auto it = m_headers.begin();
    while (it != m_headers.end() && it->id != id)
    {
        ++it;
    }
    m_headers.insert(it, HeaderField{id, CanonicalName(id), Store(Trim(value))});
    RefreshCacheFor(id);
}

void
Message::InsertHeaderFirst(HeaderId id, std::string_view value)
{
    m_headers.insert(m_headers.begin(), HeaderField{id, CanonicalName(id), Store(Trim(value))});
    RefreshCacheFor(id);
}

void
Message::SetHeader(HeaderId id, std::string_view value)
{
    const HeaderField field{id, CanonicalName(id), Store(Trim(value))};
    bool placed = false;
    for (auto it = m_headers.begin(); it != m_headers.end();)
    {
        if (it->id != id)
        {
            ++it;
        }
        else if (!placed)
        {
            *it = field;
            placed = true;
            ++it;
        }
        else
        {
            it = m_headers.erase(it);
        }
    }
    if (!placed)
    {
        m_headers.push_back(field);
    }
    RefreshCacheFor(id);
}

size_t
Message::RemoveHeader(HeaderId id)
{
    const size_t before = m_headers.size();
    for (auto it = m_headers.begin(); it != m_headers.end();)
    {
        it = it->id == id ? m_headers.erase(it) : it + 1;
    }
    RefreshCacheFor(id);
    return before - m_headers.size();
}

namespace {

/// Where the second element of a list value starts (past the first top-level comma); npos
/// when the value has one element.
size_t
SecondElementOffset(std::string_view value)
{
    size_t cut = std::string_view::npos;
    size_t count = 0;
    ForEachListElement(value, [&](std::string_view e) {
        if (++count == 2)
        {
            cut = static_cast<size_t>(e.data() - value.data());
            return false;
        }
        return true;
    });
    return cut;
}

} // namespace

bool
Message::RemoveFirstValue(HeaderId id)
{
    for (auto it = m_headers.begin(); it != m_headers.end(); ++it)
    {
        if (it->id != id)
        {
            continue;
        }
        const size_t cut = SecondElementOffset(it->value);
        if (cut == std::string_view::npos)
        {
            m_headers.erase(it);
        }
        else
        {
            it->value = it->value.substr(cut);
        }
        RefreshCacheFor(id);
        return true;
    }
    return false;
}

bool
Message::ReplaceFirstValue(HeaderId id, std::string_view value)
{
    for (auto it = m_headers.begin(); it != m_headers.end(); ++it)
    {
        if (it->id != id)
        {
            continue;
        }
        const HeaderField field{id, CanonicalName(id), Store(Trim(value))};
        const size_t cut = SecondElementOffset(it->value);
        if (cut == std::string_view::npos)
        {
            *it = field;
        }
        else
        {
            it->value = it->value.substr(cut);
            m_headers.insert(it, field);
        }
        RefreshCacheFor(id);
        return true;
    }
    return false;
}

void
Message::RefreshCache()
{
    m_callId = std::string_view();
    m_hasCSeq = m_hasTopVia = m_hasFrom = m_hasTo = false;
    m_maxForwards = -1;
    m_contentLength = -1;
    if (m_isRequest && ParseUri(m_requestUriText, &m_requestUri) != nullptr)
    {
        m_requestUri = Uri();
        m_requestUri.text = m_requestUriText;
    }
    for (const HeaderField& f : m_headers)
    {
        CacheField(f);
    }
}

void
Message::RefreshCacheFor(HeaderId id)
{
    switch (id)
    {
        case HeaderId::Via:
            m_hasTopVia = false;
            break;
        case HeaderId::From:
            m_hasFrom = false;
            break;
        case HeaderId::To:
            m_hasTo = false;
            break;
        case HeaderId::CallId:
            m_callId = std::string_view();
            break;
        case HeaderId::CSeq:
            m_hasCSeq = false;
            break;
        case HeaderId::MaxForwards:
            m_maxForwards = -1;
            break;
        case HeaderId::ContentLength:
            m_contentLength = -1;
            break;
        default:
            return; // not cached
    }
    for (const HeaderField& f : m_headers)
    {
        if (f.id == id)
        {
            CacheField(f);
        }
    }
}

void
Message::CacheField(const HeaderField& f)
{
    // The first field of each cached id that decodes (RefreshCache's rule).
    uint64_t n = 0;
    switch (f.id)
    {
        case HeaderId::Via:
            if (!m_hasTopVia)
            {
                m_hasTopVia = ParseVia(FirstElement(f.value), &m_topVia) == nullptr;
            }
            break;
        case HeaderId::From:
            if (!m_hasFrom)
            {
                m_hasFrom = ParseNameAddr(f.value, &m_from) == nullptr;
            }
            break;
        case HeaderId::To:
            if (!m_hasTo)
            {
                m_hasTo = ParseNameAddr(f.value, &m_to) == nullptr;
            }
            break;
        case HeaderId::CallId:
            if (m_callId.empty())
            {
                m_callId = f.value;
            }
            break;
        case HeaderId::CSeq:
            if (!m_hasCSeq)
            {
                m_hasCSeq = ParseCSeq(f.value, &m_cseq) == nullptr;
            }
            break;
        case HeaderId::MaxForwards:
            if (m_maxForwards < 0 && ParseUnsigned(f.value, 255, &n))
            {
                m_maxForwards = static_cast<int>(n);
            }
            break;
        case HeaderId::ContentLength:
            if (m_contentLength < 0 && ParseUnsigned(f.value, 0xffffffffULL, &n))
            {
                m_contentLength = static_cast<int64_t>(n);
            }
            break;
        default:
            break;
    }
}

// --- typed headers on demand --------------------------------------------------------------------

std::vector<Via>
Message::GetVias() const
{
    return DecodeList<Via>(m_headers, HeaderId::Via, ParseVia);
}

std::vector<NameAddr>
Message::GetContacts() const
{
    if (IsContactStar())
    {
        return {};
    }
    return DecodeList<NameAddr>(m_headers, HeaderId::Contact, ParseNameAddr);
}

bool
Message::IsContactStar() const
{
    const auto contact = FindHeader(HeaderId::Contact);
    return contact && *contact == "*";
}

std::vector<NameAddr>
Message::GetRoutes() const
{
    return DecodeList<NameAddr>(m_headers, HeaderId::Route, ParseNameAddr);
}

std::vector<NameAddr>
Message::GetRecordRoutes() const
{
    return DecodeList<NameAddr>(m_headers, HeaderId::RecordRoute, ParseNameAddr);
}

std::vector<std::string_view>
Message::GetTokens(HeaderId id) const
{
    return GetHeaderValues(id);
}

std::optional<uint32_t>
Message::GetExpires() const
{
    uint32_t v = 0;
    const auto h = FindHeader(HeaderId::Expires);
    if (!h || ParseDeltaSeconds(*h, &v) != nullptr)
    {
        return std::nullopt;
    }
    return v;
}

std::optional<RetryAfter>
Message::GetRetryAfter() const
{
    RetryAfter v;
    const auto h = FindHeader(HeaderId::RetryAfter);
    if (!h || ParseRetryAfter(*h, &v) != nullptr)
    {
        return std::nullopt;
    }
    return v;
}

std::vector<WarningValue>
Message::GetWarnings() const
{
    return DecodeList<WarningValue>(m_headers, HeaderId::Warning, ParseWarning);
}

std::optional<MediaType>
Message::GetContentType() const
{
    MediaType v;
    const auto h = FindHeader(HeaderId::ContentType);
    if (!h || ParseMediaType(*h, &v) != nullptr)
    {
        return std::nullopt;
    }
    return v;
}

namespace {

template<typename T>
std::vector<T>
DecodeAuth(const std::vector<HeaderField>& headers, HeaderId id)
{
    std::vector<T> out;
    std::string error;
    for (const HeaderField& f : headers)
    {
        T v;
        if (f.id == id && T::Parse(f.value, &v, &error))
        {
            out.push_back(std::move(v));
        }
    }
    return out;
}

} // namespace

std::vector<Challenge>
Message::GetChallenges(HeaderId id) const
{
    return DecodeAuth<Challenge>(m_headers, id);
}

std::vector<Credentials>
Message::GetCredentials(HeaderId id) const
{
    return DecodeAuth<Credentials>(m_headers, id);
}

HeaderId
Message::MissingRequiredHeader() const
{
    static constexpr HeaderId kRequired[]
        = {HeaderId::To,     HeaderId::From,        HeaderId::CSeq,
           HeaderId::CallId, HeaderId::MaxForwards, HeaderId::Via};
    for (HeaderId id : kRequired)
    {
        if (id == HeaderId::MaxForwards && !m_isRequest)
        {
            continue;
        }
        if (!HasHeader(id))
        {
            return id;
        }
    }
    return HeaderId::Unknown;
}

HeaderId
Message::DuplicatedSingleHeader() const
{
    static constexpr HeaderId kSingle[] = {
        HeaderId::To,          HeaderId::From,          HeaderId::CSeq,        HeaderId::CallId,
        HeaderId::MaxForwards, HeaderId::ContentLength, HeaderId::ContentType, HeaderId::Expires};
    for (HeaderId id : kSingle)
    {
        if (CountHeaderFields(id) > 1)
        {
            return id;
        }
    }
    return HeaderId::Unknown;
}

void
Message::SetBody(std::string_view contentType, std::string_view body)
{
    m_body = Store(body);
    if (contentType.empty())
    {
        RemoveHeader(HeaderId::ContentType);
    }
    else
    {
        SetHeader(HeaderId::ContentType, contentType);
    }
    SetHeader(HeaderId::ContentLength, std::to_string(body.size()));
}

// --- text ---------------------------------------------------------------------------------------

size_t
Message::SerializedSize() const
{
    size_t n = m_isRequest ? m_method.size() + 1 + m_requestUriText.size() + 1 + m_version.size()
                           : m_version.size() + 5 + m_reason.size();
    n += 2;
    for (const HeaderField& f : m_headers)
    {
        const std::string_view name = f.id == HeaderId::Unknown ? f.name : CanonicalName(f.id);
        n += name.size() + 2 + f.value.size() + 2;
    }
    return n + 2 + m_body.size();
}

void
Message::SerializeTo(std::string* out) const
{
    // One resize and plain copies: the size is known (SerializedSize), and a string append per
    // piece (four per header line) cost more than the copying itself.
    const size_t start = out->size();
    const size_t size = SerializedSize();
    out->resize(start + size);
    char* p = out->data() + start;
    const auto put = [&p](std::string_view piece) {
        if (!piece.empty()) // an empty view may have no data pointer: no memcpy from null
        {
            std::memcpy(p, piece.data(), piece.size());
            p += piece.size();
        }
    };
    if (m_isRequest)
    {
        put(m_method);
        *p++ = ' ';
        put(m_requestUriText);
        *p++ = ' ';
        put(m_version);
    }
    else
    {
        put(m_version);
        *p++ = ' ';
        *p++ = static_cast<char>('0' + m_status / 100 % 10);
        *p++ = static_cast<char>('0' + m_status / 10 % 10);
        *p++ = static_cast<char>('0' + m_status % 10);
        *p++ = ' ';
        put(m_reason);
    }
    *p++ = '\r';
    *p++ = '\n';
    for (const HeaderField& f : m_headers)
    {
        put(f.id == HeaderId::Unknown ? f.name : CanonicalName(f.id));
        *p++ = ':';
        *p++ = ' ';
        put(f.value);
        *p++ = '\r';
        *p++ = '\n';
    }
    *p++ = '\r';
    *p++ = '\n';
    put(m_body);
    assert(p == out->data() + start + size);
}

std::string
Message::Serialize() const
{
    std::string out;
    SerializeTo(&out);
    return out;
}

bool
Message::operator==(const Message& o) const
{
    if (m_isRequest != o.m_isRequest || m_body != o.m_body || !EqualsNoCase(m_version, o.m_version)
        || m_headers.size() != o.m_headers.size())
    {
        return false;
    }
    if (m_isRequest ? (m_method != o.m_method || m_requestUriText != o.m_requestUriText)
                    : (m_status != o.m_status || m_reason != o.m_reason))
    {
        return false;
    }
    for (size_t i = 0; i < m_headers.size(); ++i)
    {
        const HeaderField& a = m_headers[i];
        const HeaderField& b = o.m_headers[i];
        if (a.id != b.id || a.value != b.value
            || (a.id == HeaderId::Unknown && !EqualsNoCase(a.name, b.name)))
        {
            return false;
        }
    }
    return true;
}

Message
ResponseTo(const Message& request, uint16_t code, std::string_view reason, std::string_view toTag)
{
    Message response = Message::MakeResponse(code, reason);
    // 8.2.6.2: Via (all of them, in order), From, Call-ID and CSeq copied, To with a tag.
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
        const NameAddr* parsed = request.GetTo();
        if (code > 100 && !toTag.empty() && parsed != nullptr && parsed->Tag().empty())
        {
            std::string value(*to);
            value += ";tag=";
            value += toTag;
            response.AddHeader(HeaderId::To, value);
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
        // 8.2.6.1: a 100 (Trying) copies the Timestamp.
        if (const auto timestamp = request.FindHeader(HeaderId::Timestamp))
        {
            response.AddHeader(HeaderId::Timestamp, *timestamp);
        }
    }
    response.AddHeader(HeaderId::ContentLength, "0");
    return response;
}

} // namespace sipsim
