/*
 * The SIP transaction layer: RFC 3261 17.1.3 / 17.2.3 matching, creation and destruction of
 * transactions, and the stateless sends around them.
 */
#include "transaction/transaction-layer.h"

#include "message/sip-text.h"
#include "transaction/invite-client-transaction.h"
#include "transaction/invite-server-transaction.h"
#include "transaction/non-invite-client-transaction.h"
#include "transaction/non-invite-server-transaction.h"
#include "transaction/transaction.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace sipsim {

// --- TimerConfig ----------------------------------------------------------------------------

Duration
TimerConfig::TimerD(bool reliable) const
{
    // Table 4: "> 32s for UDP", and 17.1.1.2: "at least 32 seconds". Scaled with T1 too, so
    // that a larger T1 never ends Completed before the server stops retransmitting (64*T1):
    // max(32 s, 64*T1).
    if (reliable)
    {
        return Duration::zero();
    }
    return std::max<Duration>(std::chrono::seconds(32), 64 * t1);
}

Duration
TimerConfig::TimerI(bool reliable) const
{
    return reliable ? Duration::zero() : t4; // 17.2.1
}

Duration
TimerConfig::TimerJ(bool reliable) const
{
    return reliable ? Duration::zero() : 64 * t1; // 17.2.2
}

Duration
TimerConfig::TimerK(bool reliable) const
{
    return reliable ? Duration::zero() : t4; // 17.1.2.2
}

std::string_view
TransactionKindName(TransactionKind kind)
{
    switch (kind)
    {
        case TransactionKind::InviteClient:
            return "InviteClient";
        case TransactionKind::NonInviteClient:
            return "NonInviteClient";
        case TransactionKind::InviteServer:
            return "InviteServer";
        case TransactionKind::NonInviteServer:
            return "NonInviteServer";
    }
    return "";
}

// --- keys -----------------------------------------------------------------------------------

namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";

/// The first Via value as written (with received/rport as stamped).
std::string_view
TopViaText(const Message& message)
{
    std::string_view top;
    for (const HeaderField& field : message.GetHeaders())
    {
        if (field.id == HeaderId::Via)
        {
            ForEachListElement(field.value, [&](std::string_view element) {
                top = element;
                return false;
            });
            break;
        }
    }
    return top;
}

/// Appends the decimal digits of n (no allocation once the buffer has grown).
template<typename Integer>
void
AppendNumber(std::string* out, Integer n)
{
    char digits[24];
    const std::to_chars_result end = std::to_chars(digits, digits + sizeof digits, n);
    out->append(digits, end.ptr);
}

/**
 * 17.1.3: a response matches the client transaction of the branch and the CSeq method.
 * Written into *key, so that a lookup reuses one buffer instead of allocating.
 */
void
ClientKey(std::string_view branch, std::string_view method, std::string* key)
{
    key->assign(branch);
    *key += '\n';
    *key += method;
}

std::string
TagOf(const NameAddr* nameAddr)
{
    return nameAddr != nullptr ? std::string(nameAddr->Tag()) : std::string();
}

/**
 * 17.2.3: the server transaction key of a request. With the magic cookie: branch, sent-by
 * (host compared case-insensitively) and method, ACK counting as INVITE. Without (RFC 2543):
 * Request-URI, To tag, From tag, Call-ID, CSeq and top Via (ACKs are matched separately:
 * their To tag is the one of the response). asMethod, when given, stands for the request's
 * method (and CSeq method): a CANCEL's key as "INVITE" is the key of the INVITE it cancels
 * (9.2).
 */
void
ServerKey(const Message& request, std::string* out, std::string_view asMethod = {})
{
    std::string& key = *out;
    const Via& via = *request.GetTopVia();
    key.clear();
    if (via.HasMagicCookie())
    {
        key = "3261\n";
        key += via.Branch();
        key += '\n';
        for (const char c : via.host)
        {
            key += text::ToLower(c);
        }
        key += ':';
        AppendNumber(&key, via.port);
        key += '\n';
        const std::string_view method = !asMethod.empty() ? asMethod
                                        : request.GetMethod() == Method::Ack
                                            ? "INVITE"
                                            : request.GetMethodName();
        key += method;
        return;
    }
    const CSeq& cseq = *request.GetCSeq();
    key = "2543\n";
    key += request.GetRequestUriText();
    key += '\n';
    key += TagOf(request.GetTo());
    key += '\n';
    key += TagOf(request.GetFrom());
    key += '\n';
    key += request.GetCallId();
    key += '\n';
    AppendNumber(&key, cseq.number);
    key += ' ';
    key += asMethod.empty() ? cseq.method : asMethod;
    key += '\n';
    key += TopViaText(request);
}

/**
 * 8.1.1.7 / 18.1.1: prepends this endpoint's Via ("SIP/2.0/<T> <host>:<port>;branch=..;rport")
 * for the transport the message actually goes on (SelectTransport, given the size with the
 * Via: "Via: " value CRLF) and returns the peer with that transport.
 */
Peer
PrependVia(const TransactionTransport& transport, Message* request, const Peer& to,
           const std::string& branch)
{
    const auto format = [&](TransportProtocol protocol) {
        const Peer local = transport.GetLocalPeer(protocol);
        return Via::Format(TransportName(protocol), FormatIpv4(local.address), local.port, branch)
               + ";rport";
    };
    std::string via = format(to.transport);
    Peer peer = to;
    peer.transport = transport.SelectTransport(request->SerializedSize() + via.size() + 7,
                                               to.transport); // + "Via: " and CRLF
    if (peer.transport != to.transport)
    {
        via = format(peer.transport);
    }
    if (request->HasHeader(HeaderId::Via))
    {
        request->PrependHeader(HeaderId::Via, via);
    }
    else
    {
        // The core wrote no Via: ours goes first (PrependHeader would append it).
        request->InsertHeaderFirst(HeaderId::Via, via);
    }
    return peer;
}

} // namespace

// --- the layer ------------------------------------------------------------------------------

struct TransactionLayer::Impl
{
    std::unordered_map<TransactionId, std::unique_ptr<Transaction>> byId;
    /// Filed transactions by matching key: ClientKey, ServerKey. A key is a view of the
    /// transaction's own GetKey(), so a filed transaction's key is stored once.
    using Index = std::unordered_map<std::string_view, Transaction*>;
    Index clients;
    Index servers;
    /// Terminated transactions, destroyed by a zero-delay timer after the current event.
    std::vector<std::unique_ptr<Transaction>> retired;
    TimerId collectTimer = 0;
    TransactionId lastId = 0;
    uint64_t branchCounter = 0;
    std::string branchPrefix;
    /// Reused by the per-message lookups (ClientKey, ServerKey): no allocation per message.
    std::string lookupKey;

    /// The filed transaction of that key; nullptr when none.
    static Transaction* Find(const Index& index, std::string_view key)
    {
        const auto it = index.find(key);
        return it == index.end() ? nullptr : it->second;
    }

    /// Files txn under its key; it replaces a Terminated one of the same key not yet retired.
    static void File(Index& index, Transaction* txn)
    {
        const std::string_view key = txn->GetKey();
        if (const auto [it, inserted] = index.try_emplace(key, txn); !inserted)
        {
            index.erase(it); // the stored view is the old transaction's text: file anew
            index.emplace(key, txn);
        }
    }
};

TransactionLayer::TransactionLayer(TimerService& timers, TransactionTransport& transport,
                                   TimerConfig config)
    : m_timers(timers)
    , m_transport(transport)
    , m_config(config)
    , m_impl(std::make_unique<Impl>())
{}

TransactionLayer::~TransactionLayer()
{
    m_timers.Cancel(m_impl->collectTimer);
    // Transactions cancel their own timers when destroyed; no callback reaches the user.
    m_impl->byId.clear();
    m_impl->retired.clear();
}

std::string
TransactionLayer::NewBranch()
{
    std::string branch(kMagicCookie);
    if (!m_impl->branchPrefix.empty())
    {
        branch += m_impl->branchPrefix;
        branch += '.';
    }
    branch += std::to_string(++m_impl->branchCounter);
    return branch;
}

void
TransactionLayer::SetBranchPrefix(std::string prefix)
{
    m_impl->branchPrefix = std::move(prefix);
}

Transaction*
TransactionLayer::FindTransaction(TransactionId id) const
{
    const auto it = m_impl->byId.find(id);
    return it == m_impl->byId.end() ? nullptr : it->second.get();
}

const Message*
TransactionLayer::GetRequest(TransactionId id) const
{
    const Transaction* txn = FindTransaction(id);
    return txn != nullptr ? &txn->GetRequest() : nullptr;
}

std::string_view
TransactionLayer::GetStateName(TransactionId id) const
{
    const Transaction* txn = FindTransaction(id);
    return txn != nullptr ? txn->GetStateName() : std::string_view();
}

size_t
TransactionLayer::Size() const
{
    return m_impl->byId.size();
}

TransactionId
TransactionLayer::GetLastId() const
{
    return m_impl->lastId;
}

TransactionId
TransactionLayer::FindInviteServer(const Message& cancel) const
{
    if (cancel.GetTopVia() == nullptr || cancel.GetCSeq() == nullptr)
    {
        return 0;
    }
    std::string key;
    ServerKey(cancel, &key, "INVITE");
    const Transaction* txn = Impl::Find(m_impl->servers, key);
    return txn != nullptr && txn->GetKind() == TransactionKind::InviteServer ? txn->GetId() : 0;
}

TransactionId
TransactionLayer::SendRequest(Message request, const Peer& to)
{
    if (request.GetMethod() == Method::Ack || request.GetCSeq() == nullptr
        || request.GetCallId().empty())
    {
        return 0;
    }
    const Peer peer = PrependVia(m_transport, &request, to, NewBranch());
    return StartClientTransaction(std::move(request), peer);
}

TransactionId
TransactionLayer::StartClientTransaction(Message request, const Peer& to)
{
    const Via* via = request.GetTopVia();
    const CSeq* cseq = request.GetCSeq();
    if (via == nullptr || cseq == nullptr)
    {
        return 0;
    }
    std::string key;
    ClientKey(via->Branch(), cseq->method, &key);
    // The same branch and method again (a second CANCEL of one INVITE): the live one.
    if (const Transaction* live = Impl::Find(m_impl->clients, key);
        live != nullptr && !live->IsTerminated())
    {
        return live->GetId();
    }
    const TransactionId id = ++m_impl->lastId;
    std::unique_ptr<Transaction> txn;
    if (request.GetMethod() == Method::Invite)
    {
        txn = std::make_unique<InviteClientTransaction>(*this, id, std::move(request), to);
    }
    else
    {
        txn = std::make_unique<NonInviteClientTransaction>(*this, id, std::move(request), to);
    }
    txn->SetKey(std::move(key));
    Transaction* raw = txn.get();
    Impl::File(m_impl->clients, raw);
    m_impl->byId.emplace(id, std::move(txn));
    ++m_counters.clientTransactions;
    raw->Start();
    return id;
}

TransactionId
TransactionLayer::SendCancel(TransactionId invite)
{
    auto* txn = dynamic_cast<InviteClientTransaction*>(FindTransaction(invite));
    if (txn == nullptr
        || (txn->GetState() != InviteClientState::Calling
            && txn->GetState() != InviteClientState::Proceeding))
    {
        return 0;
    }
    // 9.1: Request-URI, Call-ID, To, From and CSeq number of the INVITE, method CANCEL; a
    // single Via equal to the INVITE's top Via; its Route header fields; sent to the same
    // destination, port and transport.
    const Message& request = txn->GetRequest();
    Message cancel = Message::MakeRequest("CANCEL", request.GetRequestUriText());
    cancel.AddHeader(HeaderId::Via, TopViaText(request));
    cancel.AddHeader(HeaderId::MaxForwards, "70");
    for (const HeaderField& field : request.GetHeaders())
    {
        if (field.id == HeaderId::Route)
        {
            cancel.AddHeader(HeaderId::Route, field.value);
        }
    }
    for (const HeaderId id : {HeaderId::From, HeaderId::To, HeaderId::CallId})
    {
        if (const auto value = request.FindHeader(id))
        {
            cancel.AddHeader(id, *value);
        }
    }
    cancel.AddHeader(HeaderId::CSeq, std::to_string(request.GetCSeq()->number) + " CANCEL");
    cancel.AddHeader(HeaderId::ContentLength, "0");
    const TransactionId id = StartClientTransaction(std::move(cancel), txn->GetPeer());
    // 9.1: with no final response 64*T1 from now, the INVITE transaction is given up.
    if (auto* again = dynamic_cast<InviteClientTransaction*>(FindTransaction(invite));
        id != 0 && again != nullptr)
    {
        again->StartCancelTimer();
    }
    return id;
}

bool
TransactionLayer::SendAck(Message ack, const Peer& to)
{
    // 13.2.2.4 / 17.1.1.3: the ACK of a 2xx is its own "transaction" with a new branch.
    const Peer peer = PrependVia(m_transport, &ack, to, NewBranch());
    return m_transport.Send(ack, peer, false);
}

bool
TransactionLayer::SendStateless(const Message& message, const Peer& to)
{
    return m_transport.Send(message, to, false);
}

bool
TransactionLayer::SendResponse(TransactionId id, Message response)
{
    Transaction* txn = FindTransaction(id);
    if (txn == nullptr)
    {
        return false;
    }
    return txn->SendResponse(std::move(response));
}

bool
TransactionLayer::SendStatelessResponse(const Message& response, const Peer& source)
{
    const Via* via = response.GetTopVia();
    if (via == nullptr)
    {
        return false;
    }
    return m_transport.Send(response, ResponseDestination(*via, source), false);
}

void
TransactionLayer::ReceiveMessage(const Message& message, const Peer& from)
{
    if (message.GetTopVia() == nullptr || message.GetCSeq() == nullptr
        || message.GetCallId().empty())
    {
        ++m_counters.malformedDropped;
        return;
    }
    if (message.IsRequest())
    {
        ReceiveRequest(message, from);
    }
    else
    {
        ReceiveResponse(message, from);
    }
}

void
TransactionLayer::ReceiveRequest(const Message& request, const Peer& from)
{
    const Via& via = *request.GetTopVia();
    const bool isAck = request.GetMethod() == Method::Ack;
    if (isAck && !via.HasMagicCookie())
    {
        // 17.2.3, RFC 2543 ACK: Request-URI, From tag, Call-ID, CSeq number and top Via of
        // the INVITE, and the To tag of the response the server transaction sent.
        const std::string fromTag = TagOf(request.GetFrom());
        const std::string toTag = TagOf(request.GetTo());
        const std::string_view topVia = TopViaText(request);
        for (const auto& [id, txn] : m_impl->byId)
        {
            auto* server = dynamic_cast<InviteServerTransaction*>(txn.get());
            if (server == nullptr || server->IsTerminated())
            {
                continue;
            }
            const Message& invite = server->GetRequest();
            if (!invite.GetTopVia()->HasMagicCookie()
                && invite.GetRequestUriText() == request.GetRequestUriText()
                && TagOf(invite.GetFrom()) == fromTag && invite.GetCallId() == request.GetCallId()
                && invite.GetCSeq()->number == request.GetCSeq()->number
                && TopViaText(invite) == topVia && server->GetResponseToTag() == toTag)
            {
                server->ReceiveRequest(request, from);
                return;
            }
        }
        if (m_user != nullptr)
        {
            m_user->OnAck(request, from);
        }
        return;
    }
    std::string& key = m_impl->lookupKey;
    ServerKey(request, &key);
    if (Transaction* txn = Impl::Find(m_impl->servers, key); txn != nullptr && !txn->IsTerminated())
    {
        txn->ReceiveRequest(request, from);
        return;
    }
    if (isAck)
    {
        // 17.2.3 / 13.3.1.4: the ACK of a 2xx (new branch) or a stray ACK: the core's.
        if (m_user != nullptr)
        {
            m_user->OnAck(request, from);
        }
        return;
    }
    StartServerTransaction(request, from, key); // a copy: the lookup buffer stays
}

void
TransactionLayer::StartServerTransaction(const Message& request, const Peer& from, std::string key)
{
    const TransactionId id = ++m_impl->lastId;
    const Peer to = ResponseDestination(*request.GetTopVia(), from);
    std::unique_ptr<Transaction> txn;
    if (request.GetMethod() == Method::Invite)
    {
        txn = std::make_unique<InviteServerTransaction>(*this, id, request, to);
    }
    else
    {
        // Every other method, CANCEL included (9.2: the CANCEL has its own transaction; the
        // core answers it 200 or 481).
        txn = std::make_unique<NonInviteServerTransaction>(*this, id, request, to);
    }
    txn->SetKey(std::move(key));
    Transaction* raw = txn.get();
    Impl::File(m_impl->servers, raw);
    m_impl->byId.emplace(id, std::move(txn));
    ++m_counters.serverTransactions;
    raw->Start();
    if (m_user != nullptr)
    {
        m_user->OnRequest(id, raw->GetRequest(), from);
    }
    // The user may have done anything meanwhile; the transaction lives to the end of the event.
    if (Transaction* live = FindTransaction(id))
    {
        live->AfterTuRequest();
    }
}

void
TransactionLayer::ReceiveResponse(const Message& response, const Peer& from)
{
    const Via& via = *response.GetTopVia();
    const CSeq& cseq = *response.GetCSeq();
    // 17.1.3: branch of the top Via and CSeq method.
    ClientKey(via.Branch(), cseq.method, &m_impl->lookupKey);
    if (Transaction* txn = Impl::Find(m_impl->clients, m_impl->lookupKey);
        txn != nullptr && !txn->IsTerminated())
    {
        txn->NoteResponse(response.GetStatusCode());
        txn->ReceiveResponse(response);
        return;
    }
    const uint16_t code = response.GetStatusCode();
    if (code >= 200 && code < 300 && cseq.method == "INVITE")
    {
        // 17.1.1.2 / 13.2.2.4: a 2xx retransmission (or another fork's 2xx) after the client
        // transaction is gone: the core ACKs it.
        ++m_counters.strayResponsesToCore;
        if (m_user != nullptr)
        {
            m_user->OnStrayResponse(response, from);
        }
        return;
    }
    ++m_counters.strayResponsesDropped;
}

void
TransactionLayer::ReportTransportError(const Peer& peer)
{
    std::vector<TransactionId> ids;
    for (const auto& [id, txn] : m_impl->byId)
    {
        if (txn->GetPeer() == peer && !txn->IsTerminated())
        {
            ids.push_back(id);
        }
    }
    std::sort(ids.begin(), ids.end()); // creation order: deterministic callbacks
    for (const TransactionId id : ids)
    {
        if (Transaction* txn = FindTransaction(id); txn != nullptr && !txn->IsTerminated())
        {
            txn->OnTransportError();
        }
    }
}

void
TransactionLayer::Retire(TransactionId id)
{
    const auto it = m_impl->byId.find(id);
    if (it == m_impl->byId.end())
    {
        return;
    }
    const TransactionKind kind = it->second->GetKind();
    if (m_user != nullptr)
    {
        m_user->OnTerminated(id, kind);
    }
    // The user may have done anything meanwhile; look the transaction up again.
    const auto again = m_impl->byId.find(id);
    if (again == m_impl->byId.end())
    {
        return;
    }
    std::unique_ptr<Transaction> txn = std::move(again->second);
    m_impl->byId.erase(again);
    auto& keys = (kind == TransactionKind::InviteClient || kind == TransactionKind::NonInviteClient)
                     ? m_impl->clients
                     : m_impl->servers;
    if (const auto k = keys.find(txn->GetKey()); k != keys.end() && k->second == txn.get())
    {
        keys.erase(k);
    }
    m_impl->retired.push_back(std::move(txn));
    if (m_impl->collectTimer == 0)
    {
        // 17.1.1.2 "destroyed immediately": after the current event, so that the code that
        // terminated it (a timer handler, a TU callback) never runs on a freed object.
        m_impl->collectTimer = m_timers.Schedule(Duration::zero(), [this]() {
            m_impl->collectTimer = 0;
            m_impl->retired.clear();
        });
    }
}

} // namespace sipsim
