/*
 * The non-INVITE client transaction: RFC 3261 17.1.2 (Figure 6).
 */
#ifndef SIPSIM_NON_INVITE_CLIENT_TRANSACTION_H
#define SIPSIM_NON_INVITE_CLIENT_TRANSACTION_H

#include "transaction/transaction.h"

namespace sipsim {

/**
 * RFC 3261 17.1.2.2 Figure 6.
 *
 * - Trying: the request is sent; Timer E (unreliable transports only) retransmits it at T1,
 *   then doubling up to T2; Timer F (64*T1) times out (OnFailure(Timeout)).
 * - 1xx -> Proceeding: every 1xx goes to the TU; Timer E keeps running, now every T2.
 * - 200-699 -> Completed: passed to the TU once; retransmissions absorbed; Timer K (T4, 0 on
 *   reliable transports) ends the transaction.
 * - A transport error in Trying or Proceeding -> OnFailure(TransportError), Terminated (the TU
 *   treats it as a 503, RFC 3261 8.1.3.1).
 */
class NonInviteClientTransaction : public Transaction
{
  public:
    using State = NonInviteClientState;

    NonInviteClientTransaction(TransactionLayer& layer, TransactionId id, Message request,
                               const Peer& to);
    ~NonInviteClientTransaction() override;

    State GetState() const { return m_state; }

    std::string_view GetStateName() const override { return StateName(m_state); }

    bool IsTerminated() const override { return m_state == State::Terminated; }

    void Start() override;
    void ReceiveResponse(const Message& response) override;
    void OnTransportError() override;

    /// Timer E (17.1.2.2): retransmit; next interval min(2*E, T2) in Trying, T2 in Proceeding.
    void OnTimerE();
    /// Timer F (17.1.2.2): no final response within 64*T1: timeout.
    void OnTimerF();
    /// Timer K (17.1.2.2): end of the wait for response retransmissions in Completed.
    void OnTimerK();

  private:
    void SetState(State next) { ChangeState(m_state, next); }

    void StopTimers();
    void Terminate(std::optional<TransactionFailure> failure);
    /**
     * Starts Timer F for its RFC time, 64*T1 after the start. Over UDP it is started when
     * Timer E first fires rather than at the start: it fires at the same time, and most
     * transactions end before E fires, so they never schedule and cancel it.
     */
    void StartTimerF();

    State m_state = State::Trying;
    Duration m_intervalE{0};
    TimerId m_timerE = 0;
    TimerId m_timerF = 0;
    TimerId m_timerK = 0;
};

} // namespace sipsim

#endif // SIPSIM_NON_INVITE_CLIENT_TRANSACTION_H
