/*
 * The INVITE client transaction: RFC 3261 17.1.1 (Figure 5) with the RFC 6026 "Accepted"
 * state and Timer M.
 */
#ifndef SIPSIM_INVITE_CLIENT_TRANSACTION_H
#define SIPSIM_INVITE_CLIENT_TRANSACTION_H

#include "transaction/transaction.h"

namespace sipsim {

/**
 * RFC 3261 17.1.1.2 Figure 5 + RFC 6026 7.2.
 *
 * - Calling: the INVITE is sent; Timer A (unreliable transports only) retransmits it at T1,
 *   2*T1, 4*T1, ... (no cap); Timer B (64*T1) times out (OnFailure(Timeout)).
 * - 1xx -> Proceeding (retransmissions stop, Timer B stops: Figure 5 has no Timer B arrow out
 *   of Proceeding; the TU ends a hanging INVITE with CANCEL). Once a CANCEL was sent for it
 *   (TransactionLayer::SendCancel), no final response within 64*T1 ends the transaction as a
 *   timeout (RFC 3261 9.1), from Calling or Proceeding: see StartCancelTimer.
 * - 2xx -> Accepted (RFC 6026): passed to the TU; every later 2xx (retransmissions, other
 *   forks) is passed to the TU too; Timer M (64*T1) ends the transaction. The ACK for a 2xx is
 *   the TU's (13.2.2.4, TransactionLayer::SendAck).
 * - 300-699 -> Completed: the transaction sends the ACK itself (17.1.1.3), passes the response
 *   up once, re-sends the ACK for every retransmission of the final response without passing
 *   it up, and ends on Timer D.
 * - A transport error in Calling or Completed -> OnFailure(TransportError), Terminated (the
 *   TU treats it as a 503, RFC 3261 8.1.3.1). Proceeding and Accepted have no transport-error
 *   arrow (nothing is sent there).
 */
class InviteClientTransaction : public Transaction
{
  public:
    using State = InviteClientState;

    InviteClientTransaction(TransactionLayer& layer, TransactionId id, Message invite,
                            const Peer& to);
    ~InviteClientTransaction() override;

    State GetState() const { return m_state; }

    std::string_view GetStateName() const override { return StateName(m_state); }

    bool IsTerminated() const override { return m_state == State::Terminated; }

    void Start() override;
    void ReceiveResponse(const Message& response) override;
    void OnTransportError() override;

    /// Timer A (17.1.1.2): retransmit the INVITE in Calling, double the interval.
    void OnTimerA();
    /// Timer B (17.1.1.2): no final response in Calling within 64*T1: timeout.
    void OnTimerB();
    /// Timer D (17.1.1.2): end of the wait for retransmitted final responses in Completed.
    void OnTimerD();
    /// Timer M (RFC 6026 8.4): end of the Accepted state.
    void OnTimerM();

    /**
     * A CANCEL for this INVITE was sent. RFC 3261 9.1: "If there is no final response for the
     * original request in 64*T1 seconds ..., the client SHOULD then consider the original
     * transaction cancelled and SHOULD destroy the client transaction handling the original
     * request." Starts that 64*T1 timer (once). Without it a transaction in Proceeding whose
     * peer never sends a final response (a lost 487, a dead UAS behind a proxy) lives forever:
     * Figure 5 has no timer out of Proceeding.
     */
    void StartCancelTimer();
    /// The 9.1 timer: still no final response (Calling or Proceeding): timeout, Terminated.
    void OnCancelTimer();

    /// The ACK this transaction sent for a 300-699 response; nullptr when none.
    const Message* GetAck() const { return m_ack ? &*m_ack : nullptr; }

    /**
     * The ACK for a non-2xx final response (RFC 3261 17.1.1.3): the INVITE's Request-URI,
     * Call-ID, From, CSeq number (method ACK), its top Via as the only Via, the To of the
     * response, the INVITE's Route header fields, Max-Forwards 70, no body.
     */
    static Message MakeAck(const Message& invite, const Message& response);

  private:
    void SetState(State next) { ChangeState(m_state, next); }

    void StopTimers();
    /// 300-699 in Calling or Proceeding.
    void OnFinalFailureResponse(const Message& response);
    void Terminate(std::optional<TransactionFailure> failure);
    /**
     * Starts Timer B for its RFC time, 64*T1 after the start. Over UDP it is started when
     * Timer A first fires rather than at the start: it fires at the same time, and most
     * INVITEs get a response before A fires, so they never schedule and cancel it.
     */
    void StartTimerB();

    State m_state = State::Calling;
    Duration m_intervalA{0};
    TimerId m_timerA = 0;
    TimerId m_timerB = 0;
    TimerId m_timerD = 0;
    TimerId m_timerM = 0;
    TimerId m_timerCancel = 0; ///< RFC 3261 9.1: 64*T1 after the CANCEL
    bool m_cancelTimerStarted = false;
    std::optional<Message> m_ack;
};

} // namespace sipsim

#endif // SIPSIM_INVITE_CLIENT_TRANSACTION_H
