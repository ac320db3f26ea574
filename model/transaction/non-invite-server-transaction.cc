/*
 * The non-INVITE server transaction: RFC 3261 17.2.2.
 */
#include "transaction/non-invite-server-transaction.h"

namespace sipsim {

NonInviteServerTransaction::NonInviteServerTransaction(TransactionLayer& layer, TransactionId id,
                                                       Message request, const Peer& to)
    : Transaction(layer, id, TransactionKind::NonInviteServer, std::move(request), to)
{}

NonInviteServerTransaction::~NonInviteServerTransaction()
{
    StopTimer(m_timerJ);
}

void
NonInviteServerTransaction::Start()
{
    NotifyInitialState(StateName(m_state));
}

void
NonInviteServerTransaction::OnTimerJ()
{
    // 17.2.2: "When this timer fires, the server transaction MUST transition to the
    // Terminated state."
    StopTimer(m_timerJ);
    if (m_state != State::Completed)
    {
        return;
    }
    Terminate(std::nullopt);
}

void
NonInviteServerTransaction::ReceiveRequest(const Message& request, const Peer& from)
{
    (void) request;
    (void) from;
    // 17.2.2: in Trying retransmissions are discarded; in Proceeding the most recent
    // provisional is re-sent; in Completed the final response is re-sent.
    ++Counters().requestsAbsorbed;
    if ((m_state == State::Proceeding || m_state == State::Completed) && m_lastResponse)
    {
        Transmit(*m_lastResponse, true);
    }
}

bool
NonInviteServerTransaction::SendResponse(Message response)
{
    if (!response.IsResponse())
    {
        return false;
    }
    const uint16_t code = response.GetStatusCode();
    if (code < 100 || code > 699)
    {
        return false;
    }
    if (m_state != State::Trying && m_state != State::Proceeding)
    {
        // 17.2.2: "Any other final responses passed by the TU to the server transaction MUST
        // be discarded while in the Completed state."
        return false;
    }
    m_lastResponse = std::move(response);
    if (code < 200)
    {
        if (m_state == State::Trying)
        {
            SetState(State::Proceeding);
        }
    }
    else
    {
        // 17.2.2: Completed, Timer J = 64*T1 unreliable, 0 reliable.
        SetState(State::Completed);
        m_timerJ = StartTimer(Config().TimerJ(IsReliableTransport()), [this]() { OnTimerJ(); });
    }
    Transmit(*m_lastResponse, false);
    return true;
}

void
NonInviteServerTransaction::OnTransportError()
{
    // Figure 8: "Trnsprt Err. / Inform TU" out of Proceeding and Completed.
    if (m_state == State::Proceeding || m_state == State::Completed)
    {
        Terminate(TransactionFailure::TransportError);
    }
}

void
NonInviteServerTransaction::Terminate(std::optional<TransactionFailure> failure)
{
    StopTimer(m_timerJ);
    SetState(State::Terminated);
    Finish(failure);
}

} // namespace sipsim
