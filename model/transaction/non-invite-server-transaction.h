/*
 * The non-INVITE server transaction: RFC 3261 17.2.2 (Figure 8).
 */
#ifndef SIPSIM_NON_INVITE_SERVER_TRANSACTION_H
#define SIPSIM_NON_INVITE_SERVER_TRANSACTION_H

#include "transaction/transaction.h"

namespace sipsim {

/**
 * RFC 3261 17.2.2 Figure 8.
 *
 * - Trying: the request went to the TU; retransmissions are absorbed.
 * - 1xx from the TU -> Proceeding: sent; a retransmitted request re-sends the latest
 *   provisional.
 * - 200-699 from the TU -> Completed: sent; a retransmitted request re-sends it; later
 *   responses from the TU are refused; Timer J (64*T1, 0 reliable) ends the transaction.
 * - A transport error in Proceeding or Completed -> OnFailure(TransportError), Terminated.
 */
class NonInviteServerTransaction : public Transaction
{
  public:
    using State = NonInviteServerState;

    /// \param to where responses go (RFC 3261 18.2.2, ResponseDestination)
    NonInviteServerTransaction(TransactionLayer& layer, TransactionId id, Message request,
                               const Peer& to);
    ~NonInviteServerTransaction() override;

    State GetState() const { return m_state; }

    std::string_view GetStateName() const override { return StateName(m_state); }

    bool IsTerminated() const override { return m_state == State::Terminated; }

    void Start() override;
    void ReceiveRequest(const Message& request, const Peer& from) override;
    bool SendResponse(Message response) override;
    void OnTransportError() override;

    /// Timer J (17.2.2): end of the wait for request retransmissions in Completed.
    void OnTimerJ();

  private:
    void SetState(State next) { ChangeState(m_state, next); }

    void Terminate(std::optional<TransactionFailure> failure);

    State m_state = State::Trying;
    TimerId m_timerJ = 0;
    std::optional<Message> m_lastResponse; ///< latest provisional, then the final response
};

} // namespace sipsim

#endif // SIPSIM_NON_INVITE_SERVER_TRANSACTION_H
