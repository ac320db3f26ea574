/*
 * The SIP transaction layer (RFC 3261 17, RFC 6026): creates, matches and owns the client and
 * server transactions of one SIP endpoint, and connects them to the transport below and the
 * transaction user (UA core or proxy core) above. No ns-3 here: time comes through
 * TimerService, and messages leave through TransactionTransport.
 */
#ifndef SIPSIM_TRANSACTION_LAYER_H
#define SIPSIM_TRANSACTION_LAYER_H

#include "message/sip-message.h"
#include "transaction/peer.h"
#include "transaction/timer-service.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sipsim {

/// T1, T2 and T4 (RFC 3261 Table 4); every other timer derives from them.
struct TimerConfig
{
    Duration t1 = std::chrono::milliseconds(500);
    Duration t2 = std::chrono::seconds(4);
    Duration t4 = std::chrono::seconds(5);

    // RFC 3261 17 and RFC 6026 values; "reliable" zeroes the timers the RFC zeroes.
    Duration TimerA() const { return t1; }      ///< initial INVITE retransmit
    Duration TimerB() const { return 64 * t1; } ///< INVITE transaction timeout
    Duration TimerD(bool reliable) const;       ///< max(32 s, 64*T1), 0 reliable
    Duration TimerE() const { return t1; }      ///< initial non-INVITE retransmit
    Duration TimerF() const { return 64 * t1; } ///< non-INVITE transaction timeout
    Duration TimerG() const { return t1; }      ///< initial INVITE response retransmit
    Duration TimerH() const { return 64 * t1; } ///< wait for ACK
    Duration TimerI(bool reliable) const;       ///< T4, 0 reliable
    Duration TimerJ(bool reliable) const;       ///< 64*T1, 0 reliable
    Duration TimerK(bool reliable) const;       ///< T4, 0 reliable
    Duration TimerL() const { return 64 * t1; } ///< RFC 6026: Accepted, server
    Duration TimerM() const { return 64 * t1; } ///< RFC 6026: Accepted, client
};

/// Identifies a transaction for as long as it lives; never reused by a layer. 0 is "none".
using TransactionId = uint64_t;

enum class TransactionKind : uint8_t
{
    InviteClient,
    NonInviteClient,
    InviteServer,
    NonInviteServer,
};

std::string_view TransactionKindName(TransactionKind kind);

/// Why a transaction ended without a final response exchanged.
enum class TransactionFailure : uint8_t
{
    Timeout,        ///< Timer B or F (client), Timer H (server: no ACK for a final response)
    TransportError, ///< the transport could not send (RFC 3261 8.1.3.1, 17.1.4, 17.2.4)
};

/// How a transaction ended (TransactionEnd::cause).
enum class TransactionEndCause : uint8_t
{
    FinalResponse,   ///< a final response received (client) or sent (server), then its timer
    NoFinalResponse, ///< terminated without a final response and without a failure
    Timeout,         ///< Timer B or F (client), Timer H (INVITE server: no ACK)
    TransportError,  ///< the transport could not send (RFC 3261 17.1.4, 17.2.4)
};

class Message;

/**
 * A transaction that reached Terminated (RFC 3261 17), as the layer's end observer hears of
 * it: everything a trace needs, so that no observer reads the layer's tables.
 */
struct TransactionEnd
{
    TransactionId id = 0;
    TransactionKind kind = TransactionKind::InviteClient;
    const Message* request = nullptr; ///< the request that created it; valid during the call
    uint16_t finalStatus = 0;         ///< the first final response received or sent; 0 if none
    std::string_view lastState;       ///< the RFC state it left for Terminated
    TransactionEndCause cause = TransactionEndCause::NoFinalResponse;
};

class Transaction;

/**
 * The transport below the transaction layer (implemented over ns-3 sockets by SipStack, and
 * by an in-memory network in unit tests).
 */
class TransactionTransport
{
  public:
    virtual ~TransactionTransport() = default;

    /// The sent-by address and port this endpoint puts in its Via for that transport.
    virtual Peer GetLocalPeer(TransportProtocol transport) const = 0;

    /**
     * The transport a request of that serialized size actually goes on, given the one chosen
     * by the transaction user (RFC 3261 18.1.1: too large for UDP goes over TCP).
     */
    virtual TransportProtocol SelectTransport(size_t messageSize, TransportProtocol chosen) const
    {
        (void) messageSize;
        return chosen;
    }

    /**
     * Sends one message. retransmission is true for a copy a timer sends again (for traces).
     * \return false on a transport error detected at once (no route, connection refused, ...)
     */
    virtual bool Send(const Message& message, const Peer& to, bool retransmission) = 0;
};

/// The transaction user: the UA core or the proxy core above the layer.
class TransactionUser
{
  public:
    virtual ~TransactionUser() = default;

    /**
     * A new request created a server transaction (not ACK). Answer with
     * TransactionLayer::SendResponse(id, ...), now or later.
     */
    virtual void OnRequest(TransactionId id, const Message& request, const Peer& from) = 0;

    /**
     * An ACK that belongs to no server transaction in Completed/Confirmed: the ACK for a 2xx
     * (RFC 3261 17.2.3, 13.3.1.4), or a stray ACK. Also an ACK matching an INVITE server
     * transaction in the RFC 6026 Accepted state.
     */
    virtual void OnAck(const Message& ack, const Peer& from) = 0;

    /// A response for a client transaction (1xx, 2xx including RFC 6026 Accepted retransmissions,
    /// and the first 300-699).
    virtual void OnResponse(TransactionId id, const Message& response) = 0;

    /**
     * A 2xx to INVITE that matches no client transaction (RFC 3261 17.1.1.2: the core handles
     * it, e.g. by ACKing a retransmitted 2xx). Other stray responses are dropped and counted.
     */
    virtual void OnStrayResponse(const Message& response, const Peer& from) = 0;

    /**
     * A transaction ended on a timer or a transport error (see TransactionFailure). For a
     * client transaction the TU treats Timeout as a 408 and TransportError as a 503 (RFC 3261
     * 8.1.3.1). GetRequest(id) still answers during this call. An INVITE server
     * transaction reports TransportError and stays in its state (RFC 6026 7.1).
     */
    virtual void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) = 0;

    /// The transaction reached Terminated and is about to be destroyed.
    virtual void OnTerminated(TransactionId id, TransactionKind kind) { (void) id, (void) kind; }
};

/// What the layer did with messages that did not simply flow, for traces and tests.
struct TransactionCounters
{
    uint64_t clientTransactions = 0; ///< client transactions created
    uint64_t serverTransactions = 0; ///< server transactions created
    /// copies sent again: by Timers A, E, G; a response re-sent for a retransmitted request;
    /// the ACK re-sent for a retransmitted 300-699; a 2xx copy from the core in Accepted
    uint64_t retransmissionsSent = 0;
    uint64_t requestsAbsorbed = 0;      ///< retransmitted requests absorbed by a server txn
    uint64_t responsesAbsorbed = 0;     ///< retransmitted responses absorbed by a client txn
    uint64_t strayResponsesToCore = 0;  ///< stray 2xx to INVITE handed to the core
    uint64_t strayResponsesDropped = 0; ///< other responses matching no transaction
    uint64_t timeouts = 0;              ///< Timer B, F or H expiries reported
    uint64_t transportErrors = 0;       ///< transport errors reported
    uint64_t malformedDropped = 0;      ///< messages without Via, CSeq or Call-ID dropped
    uint64_t illegalTransitions = 0;    ///< state changes not in the figures (bugs)
};

/**
 * Owns every transaction of one endpoint. Matching follows RFC 3261 17.1.3 (responses: top
 * Via branch and CSeq method) and 17.2.3 (requests: branch, sent-by and method, ACK matching
 * its INVITE; and the RFC 2543 rules when the branch lacks the magic cookie).
 */
class TransactionLayer
{
  public:
    TransactionLayer(TimerService& timers, TransactionTransport& transport,
                     TimerConfig config = {});
    ~TransactionLayer();
    TransactionLayer(const TransactionLayer&) = delete;
    TransactionLayer& operator=(const TransactionLayer&) = delete;

    void SetUser(TransactionUser* user) { m_user = user; }

    void SetTimerConfig(const TimerConfig& config) { m_config = config; }

    const TimerConfig& GetTimerConfig() const { return m_config; }

    /**
     * Starts a client transaction: prepends this endpoint's Via (transport chosen by
     * TransactionTransport::SelectTransport, sent-by from GetLocalPeer, a new branch with the
     * magic cookie, and rport) and sends the request to the peer (whose transport may change
     * per 18.1.1). ACK is not sent this way: see SendAck.
     * \return the transaction id; 0 when no transaction can be made (an ACK, or no CSeq or
     *         Call-ID). When the transport refuses the request (Send returns false) the id is
     *         still returned and the user gets OnFailure(id, TransportError) from a zero-delay
     *         timer, never from inside this call.
     */
    TransactionId SendRequest(Message request, const Peer& to);

    /**
     * Builds and sends the CANCEL of a pending INVITE client transaction (RFC 3261 9.1: same
     * Request-URI, Call-ID, From, To, CSeq number, Route and top Via as the INVITE), as a new
     * non-INVITE client transaction to the INVITE's peer. The caller decides when: 9.1 says
     * not before a provisional response has arrived. Also from 9.1: when the INVITE has no
     * final response 64*T1 after the CANCEL, its transaction ends with OnFailure(Timeout).
     * \return the CANCEL's transaction id (the existing one when a CANCEL was already sent);
     *         0 when the INVITE transaction is gone or has a final response (Completed,
     *         Accepted: 9.1 "SHOULD NOT be sent")
     */
    TransactionId SendCancel(TransactionId invite);

    /// Sends an ACK for a 2xx (not a transaction, RFC 3261 13.2.2.4) with a new Via branch.
    bool SendAck(Message ack, const Peer& to);

    /// Sends a request statelessly with the Via it already has (stateless proxy forwarding).
    bool SendStateless(const Message& message, const Peer& to);

    /**
     * Sends a response through a server transaction. For a 2xx to INVITE the transaction moves
     * to Accepted (RFC 6026) and later 2xx copies from the core (13.3.1.4) are sent through it.
     * \return false when the transaction is gone or the state refuses the response
     */
    bool SendResponse(TransactionId id, Message response);

    /// Sends a response without a transaction, to where 18.2.2 says (stateless servers).
    bool SendStatelessResponse(const Message& response, const Peer& source);

    /**
     * A message from the transport, parsed, with the top Via of a request already stamped
     * (StampReceivedVia). Matches it to a transaction or hands it to the user. A message
     * without Via, CSeq or Call-ID is dropped (TransactionCounters::malformedDropped).
     */
    void ReceiveMessage(const Message& message, const Peer& from);

    /**
     * The transport lost the connection to a peer (17.1.4, 17.2.4): every live transaction
     * whose peer it is gets a transport error, as the figures say: INVITE client in Calling or
     * Completed, non-INVITE client in Trying or Proceeding, non-INVITE server in Proceeding or
     * Completed -> OnFailure(TransportError), Terminated; an INVITE server transaction informs
     * the TU once and keeps its state (RFC 6026 7.1); other states have no such arrow.
     */
    void ReportTransportError(const Peer& peer);

    /**
     * A new branch with the RFC 3261 magic cookie, unique within this layer and
     * deterministic: "z9hG4bK" [prefix "."] counter (1, 2, ...).
     */
    std::string NewBranch();

    /**
     * The prefix NewBranch() puts before its counter (token characters; default none): give
     * every layer of a simulation its own so that branches never collide.
     */
    void SetBranchPrefix(std::string prefix);

    /// A live transaction (for tests and traces); nullptr when gone.
    Transaction* FindTransaction(TransactionId id) const;

    /// The request a live transaction was created for; nullptr when it is gone.
    const Message* GetRequest(TransactionId id) const;

    /// The RFC state name of a live transaction ("Calling", "Accepted", ...); "" when gone.
    std::string_view GetStateName(TransactionId id) const;

    /// Number of live transactions.
    size_t Size() const;

    /// The id of the newest transaction (ids grow by one from 1); 0 before the first.
    TransactionId GetLastId() const;

    /**
     * The INVITE server transaction a CANCEL is for (RFC 3261 9.2): the one 17.2.3 would match
     * if the CANCEL were an INVITE (the same branch and sent-by; for RFC 2543 requests the same
     * Request-URI, tags, Call-ID, CSeq number and top Via), while it is filed (until it has
     * terminated); 0 when there is none. The user agent core and the proxy find the target of
     * a CANCEL here.
     */
    TransactionId FindInviteServer(const Message& cancel) const;

    const TransactionCounters& GetCounters() const { return m_counters; }

    /**
     * Observer of every state change, for traces: (id, kind, from-state, to-state) with the
     * RFC state names; at creation from-state is "" (e.g. "" -> "Calling"). Set by the layer
     * above; may be empty.
     */
    using StateObserver
        = std::function<void(TransactionId, TransactionKind, std::string_view, std::string_view)>;

    void SetStateObserver(StateObserver observer) { m_stateObserver = std::move(observer); }

    /**
     * Observer of every transaction's end, for traces: called once per transaction when it
     * has reached Terminated, before the TU hears of a failure (OnFailure) and before it is
     * unfiled. Set by the layer above; may be empty.
     */
    using EndObserver = std::function<void(const TransactionEnd&)>;

    void SetEndObserver(EndObserver observer) { m_endObserver = std::move(observer); }

  private:
    // Implementation detail owned by model/transaction/transaction-layer.cc.
    struct Impl;
    friend class Transaction;

    /// Files a new client transaction for a request that already has its Via and starts it.
    TransactionId StartClientTransaction(Message request, const Peer& to);
    /// Creates a server transaction for a new request and hands the request to the user.
    void StartServerTransaction(const Message& request, const Peer& from, std::string key);
    void ReceiveRequest(const Message& request, const Peer& from);
    void ReceiveResponse(const Message& response, const Peer& from);
    /// The transaction reached Terminated: OnTerminated, unfiled, destroyed after this event.
    void Retire(TransactionId id);

    TimerService& m_timers;
    TransactionTransport& m_transport;
    TimerConfig m_config;
    TransactionUser* m_user = nullptr;
    TransactionCounters m_counters;
    StateObserver m_stateObserver;
    EndObserver m_endObserver;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sipsim

#endif // SIPSIM_TRANSACTION_LAYER_H
