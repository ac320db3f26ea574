/*
 * The common part of the four RFC 3261 transaction state machines (section 17): the request,
 * the peer, timers, the transport and the transaction user, reached through the owning
 * TransactionLayer.
 */
#ifndef SIPSIM_TRANSACTION_H
#define SIPSIM_TRANSACTION_H

#include "transaction/transaction-layer.h"
#include "transaction/transaction-states.h"

#include <optional>
#include <string>
#include <string_view>

namespace sipsim {

/**
 * One client or server transaction (RFC 3261 17). Created and owned by a TransactionLayer;
 * destroyed after it reaches the Terminated state (17.1.1.2: "destroyed immediately"; here
 * after the current event, so that no callback runs on a freed object).
 *
 * Timer handlers (OnTimerA() ...) are public so that tests can fire a timer in any state; a
 * handler called in a state where the RFC does not run that timer does nothing.
 */
class Transaction
{
  public:
    Transaction(TransactionLayer& layer, TransactionId id, TransactionKind kind, Message request,
                const Peer& peer);
    virtual ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    TransactionId GetId() const { return m_id; }

    TransactionKind GetKind() const { return m_kind; }

    /// The request that created the transaction (for a client: as sent, with its Via).
    const Message& GetRequest() const { return m_request; }

    /// Client: where requests go (after 18.1.1 transport selection). Server: where responses
    /// go (18.2.2, ResponseDestination).
    const Peer& GetPeer() const { return m_peer; }

    /// True when timers A/E/G are not run and D/I/J/K are zero (RFC 3261 17.1.1.2, 17.2.1).
    bool IsReliableTransport() const { return IsReliable(m_peer.transport); }

    /// The matching key the layer filed the transaction under.
    const std::string& GetKey() const { return m_key; }

    void SetKey(std::string key) { m_key = std::move(key); }

    /// The RFC name of the current state.
    virtual std::string_view GetStateName() const = 0;

    /**
     * The status code of the first final response (200-699) this transaction received (a
     * client: one the layer matched to it, 17.1.3) or sent (a server); 0 before any.
     */
    uint16_t GetFinalStatus() const { return m_finalStatus; }

    /// Notes a response received or sent: the first final one is kept (GetFinalStatus).
    void NoteResponse(uint16_t status)
    {
        if (m_finalStatus == 0 && status >= 200)
        {
            m_finalStatus = status;
        }
    }

    virtual bool IsTerminated() const = 0;

    /// Starts the machine: a client sends its request; a server starts its first timers.
    virtual void Start() = 0;

    /// A server transaction's request has been handed to the TU (OnRequest returned).
    virtual void AfterTuRequest() {}

    /// A response matched to this client transaction (RFC 3261 17.1.3). Servers ignore it.
    virtual void ReceiveResponse(const Message& response);

    /// A request matched to this server transaction (a retransmission, or the ACK of an
    /// INVITE server transaction, 17.2.3). Clients ignore it.
    virtual void ReceiveRequest(const Message& request, const Peer& from);

    /// A response from the TU for a server transaction. \return false when refused.
    virtual bool SendResponse(Message response);

    /**
     * A transport error: a Send for this transaction failed (reported from a zero-delay timer)
     * or the transport lost the peer (TransactionLayer::ReportTransportError).
     */
    virtual void OnTransportError() = 0;

  protected:
    TimerService& Timers() const;
    const TimerConfig& Config() const;
    TransactionCounters& Counters() const;

    /// Schedules fn after delay; 0 never.
    TimerId StartTimer(Duration delay, std::function<void()> fn);

    /**
     * Schedules fn for sinceStart after the transaction was created (at once if that is past):
     * a timer that runs from the start but is only scheduled when first needed (B, F).
     */
    TimerId StartTimerSinceStart(Duration sinceStart, std::function<void()> fn);

    /// Cancels a timer (no effect when it fired or is 0) and clears the id.
    void StopTimer(TimerId& timer);

    /**
     * Sends a message to the peer. retransmission marks (and counts, in
     * TransactionCounters::retransmissionsSent) a copy sent again. A failed send is reported
     * to this machine as OnTransportError() from a zero-delay timer, never from inside.
     */
    bool Transmit(const Message& message, bool retransmission);

    /// Hands a response to the TU (OnResponse).
    void PassResponse(const Message& response) const;

    /// Hands an ACK to the TU (OnAck).
    void PassAck(const Message& ack, const Peer& from) const;

    /// Informs the TU of a failure (OnFailure) and counts it.
    void ReportFailure(TransactionFailure failure) const;

    /**
     * Checks and performs a state change. Every state change goes through here: an arrow
     * that is not in the figure's table (transaction-states.h) is a bug: abort in a debug
     * build, counted in TransactionCounters::illegalTransitions and refused otherwise.
     */
    template<typename State>
    bool ChangeState(State& current, State next)
    {
        if (!IsLegalTransition(current, next))
        {
            IllegalTransition(StateName(current), StateName(next));
            return false;
        }
        const State from = current;
        current = next;
        NotifyStateChange(StateName(from), StateName(next));
        return true;
    }

    /// The state observer hears of the first state (from "").
    void NotifyInitialState(std::string_view state) { NotifyStateChange("", state); }

    /**
     * After the machine entered Terminated (its own timers stopped): reports the failure to
     * the TU, if any, and hands the transaction back to the layer for destruction.
     */
    void Finish(std::optional<TransactionFailure> failure);

  private:
    void NotifyStateChange(std::string_view from, std::string_view to);
    void IllegalTransition(std::string_view from, std::string_view to) const;

    TransactionLayer& m_layer;
    TransactionId m_id;
    TransactionKind m_kind;
    Message m_request;
    Peer m_peer;
    Duration m_created{0}; ///< TimerService::Now when the transaction was made
    std::string m_key;
    TimerId m_transportErrorTimer = 0;
    uint16_t m_finalStatus = 0;
    std::string_view m_stateBeforeTerminated; ///< a StateName (static storage)
    bool m_finished = false;
};

} // namespace sipsim

#endif // SIPSIM_TRANSACTION_H
