/*
 * The non-INVITE client transaction: RFC 3261 17.1.2.
 */
#include "transaction/non-invite-client-transaction.h"

#include <algorithm>

namespace sipsim {

NonInviteClientTransaction::NonInviteClientTransaction(TransactionLayer& layer, TransactionId id,
                                                       Message request, const Peer& to)
    : Transaction(layer, id, TransactionKind::NonInviteClient, std::move(request), to)
{}

NonInviteClientTransaction::~NonInviteClientTransaction()
{
    StopTimers();
}

void
NonInviteClientTransaction::StopTimers()
{
    StopTimer(m_timerE);
    StopTimer(m_timerF);
    StopTimer(m_timerK);
}

void
NonInviteClientTransaction::Start()
{
    // 17.1.2.2: enter Trying, Timer F (all transports), Timer E (unreliable only), send.
    NotifyInitialState(StateName(m_state));
    const bool deferF = !IsReliableTransport() && Config().TimerE() < Config().TimerF();
    if (!deferF)
    {
        StartTimerF();
    }
    if (!IsReliableTransport())
    {
        m_intervalE = Config().TimerE();
        m_timerE = StartTimer(m_intervalE, [this]() { OnTimerE(); });
    }
    Transmit(GetRequest(), false);
}

void
NonInviteClientTransaction::StartTimerF()
{
    // Only Trying and Proceeding start it, and leaving them stops it: a set id means it runs.
    if (m_timerF != 0)
    {
        return;
    }
    m_timerF = StartTimerSinceStart(Config().TimerF(), [this]() { OnTimerF(); });
}

void
NonInviteClientTransaction::OnTimerE()
{
    // 17.1.2.2: in Trying, retransmit and reset E to MIN(2*E, T2); in Proceeding, retransmit
    // and reset E to T2.
    StopTimer(m_timerE);
    if ((m_state != State::Trying && m_state != State::Proceeding) || IsReliableTransport())
    {
        return;
    }
    StartTimerF(); // first, so that F runs before an E due at the same time, as when it started
    m_intervalE = m_state == State::Trying ? std::min(2 * m_intervalE, Config().t2) : Config().t2;
    m_timerE = StartTimer(m_intervalE, [this]() { OnTimerE(); });
    Transmit(GetRequest(), true);
}

void
NonInviteClientTransaction::OnTimerF()
{
    // 17.1.2.2: "If Timer F fires while the client transaction is still in the Trying state
    // [or Proceeding], the client transaction SHOULD inform the TU about the timeout, and
    // then it SHOULD enter the Terminated state."
    StopTimer(m_timerF);
    if (m_state != State::Trying && m_state != State::Proceeding)
    {
        return;
    }
    Terminate(TransactionFailure::Timeout);
}

void
NonInviteClientTransaction::OnTimerK()
{
    // 17.1.2.2: "If Timer K fires while in this state, the client transaction MUST transition
    // to the Terminated state."
    StopTimer(m_timerK);
    if (m_state != State::Completed)
    {
        return;
    }
    Terminate(std::nullopt);
}

void
NonInviteClientTransaction::ReceiveResponse(const Message& response)
{
    const uint16_t code = response.GetStatusCode();
    if (code < 100 || code > 699)
    {
        ++Counters().responsesAbsorbed;
        return;
    }
    switch (m_state)
    {
        case State::Trying:
        case State::Proceeding:
            if (code < 200)
            {
                if (m_state == State::Trying)
                {
                    SetState(State::Proceeding);
                }
                PassResponse(response);
            }
            else
            {
                // 17.1.2.2: a final response: Completed, Timer K (T4 unreliable, 0 reliable);
                // Timers E and F stop.
                StopTimer(m_timerE);
                StopTimer(m_timerF);
                SetState(State::Completed);
                m_timerK
                    = StartTimer(Config().TimerK(IsReliableTransport()), [this]() { OnTimerK(); });
                PassResponse(response);
            }
            return;
        case State::Completed:
            // 17.1.2.2: response retransmissions are buffered/absorbed in Completed.
            ++Counters().responsesAbsorbed;
            return;
        case State::Terminated:
            return;
    }
}

void
NonInviteClientTransaction::OnTransportError()
{
    // Figure 6: "Timer F or Transport Err. / inform TU" out of Trying and Proceeding.
    if (m_state == State::Trying || m_state == State::Proceeding)
    {
        Terminate(TransactionFailure::TransportError);
    }
}

void
NonInviteClientTransaction::Terminate(std::optional<TransactionFailure> failure)
{
    StopTimers();
    SetState(State::Terminated);
    Finish(failure);
}

} // namespace sipsim
