/*
 * The INVITE server transaction: RFC 3261 17.2.1 (Figure 7) with the RFC 6026 "Accepted"
 * state and Timer L.
 */
#ifndef SIPSIM_INVITE_SERVER_TRANSACTION_H
#define SIPSIM_INVITE_SERVER_TRANSACTION_H

#include "transaction/transaction.h"

#include <string>

namespace sipsim {

/**
 * RFC 3261 17.2.1 Figure 7 + RFC 6026 7.1.
 *
 * - Proceeding: the INVITE went to the TU. 17.2.1's 100 (Trying) rule is implemented as: the
 *   transaction sends a 100 Trying (8.2.6: Via, From, To without a new tag, Call-ID, CSeq,
 *   Timestamp) when the TU has not sent any response within 200 ms (OnTimerTrying). TU
 *   provisionals are sent; an INVITE retransmission re-sends the most recent provisional.
 * - 2xx from the TU -> Accepted (RFC 6026): sent; further 2xx from the TU are sent too (the
 *   core retransmits its 2xx, 13.3.1.4); INVITE retransmissions are absorbed; ACKs go to the
 *   TU (OnAck); Timer L (64*T1) ends the transaction.
 * - 300-699 from the TU -> Completed: Timer G (unreliable only) retransmits the response at T1
 *   doubling up to T2; an INVITE retransmission re-sends it; Timer H (64*T1) ->
 *   OnFailure(Timeout), Terminated; the ACK -> Confirmed, Timer I (T4, 0 reliable) ends it.
 * - Transport errors: RFC 6026 7.1 ("MUST remain in its current state"): the TU gets
 *   OnFailure(TransportError) once, the state does not change, timers end the transaction.
 */
class InviteServerTransaction : public Transaction
{
  public:
    using State = InviteServerState;

    /// The 100 Trying delay of 17.2.1 ("unless it knows that the TU will generate a
    /// provisional or final response within 200 ms").
    static constexpr Duration kTryingDelay = std::chrono::milliseconds(200);

    /// \param to where responses go (RFC 3261 18.2.2, ResponseDestination)
    InviteServerTransaction(TransactionLayer& layer, TransactionId id, Message invite,
                            const Peer& to);
    ~InviteServerTransaction() override;

    State GetState() const { return m_state; }

    std::string_view GetStateName() const override { return StateName(m_state); }

    bool IsTerminated() const override { return m_state == State::Terminated; }

    void Start() override;
    /// Starts the 200 ms Trying timer when the TU left the INVITE unanswered (17.2.1).
    void AfterTuRequest() override;
    void ReceiveRequest(const Message& request, const Peer& from) override;
    bool SendResponse(Message response) override;
    void OnTransportError() override;

    /// 17.2.1: send 100 Trying when the TU has not answered within 200 ms.
    void OnTimerTrying();
    /// Timer G (17.2.1): retransmit the 300-699 response in Completed; G = min(2*G, T2).
    void OnTimerG();
    /// Timer H (17.2.1): no ACK within 64*T1 in Completed: inform the TU, Terminated.
    void OnTimerH();
    /// Timer I (17.2.1): end of the ACK retransmission wait in Confirmed.
    void OnTimerI();
    /// Timer L (RFC 6026 8.7): end of the Accepted state.
    void OnTimerL();

    /// The To tag of the last final response sent (RFC 2543 ACK matching, 17.2.3).
    const std::string& GetResponseToTag() const { return m_responseToTag; }

    /// 100 Trying for a request (RFC 3261 8.2.6.1): the request's Via, From, To, Call-ID,
    /// CSeq and Timestamp, no To tag added, no body.
    static Message MakeTrying(const Message& request);

  private:
    void SetState(State next) { ChangeState(m_state, next); }

    void StopTimers();
    void Terminate(std::optional<TransactionFailure> failure);

    State m_state = State::Proceeding;
    Duration m_intervalG{0};
    TimerId m_timerTrying = 0;
    TimerId m_timerG = 0;
    TimerId m_timerH = 0;
    TimerId m_timerI = 0;
    TimerId m_timerL = 0;
    std::optional<Message> m_provisional; ///< most recent provisional sent
    std::optional<Message> m_final;       ///< the 300-699 sent, or the last 2xx sent
    std::string m_responseToTag;
    bool m_transportErrorReported = false;
};

} // namespace sipsim

#endif // SIPSIM_INVITE_SERVER_TRANSACTION_H
