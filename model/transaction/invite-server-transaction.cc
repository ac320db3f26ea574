/*
 * The INVITE server transaction: RFC 3261 17.2.1, RFC 6026 7.1.
 */
#include "transaction/invite-server-transaction.h"

#include <algorithm>

namespace sipsim {

InviteServerTransaction::InviteServerTransaction(TransactionLayer& layer, TransactionId id,
                                                 Message invite, const Peer& to)
    : Transaction(layer, id, TransactionKind::InviteServer, std::move(invite), to)
{}

InviteServerTransaction::~InviteServerTransaction()
{
    StopTimers();
}

void
InviteServerTransaction::StopTimers()
{
    StopTimer(m_timerTrying);
    StopTimer(m_timerG);
    StopTimer(m_timerH);
    StopTimer(m_timerI);
    StopTimer(m_timerL);
}

void
InviteServerTransaction::Start()
{
    NotifyInitialState(StateName(m_state));
    // The 200 ms Trying timer (17.2.1) starts once the TU has seen the INVITE
    // (AfterTuRequest): a TU that answers at once (a proxy's 100, a phone's 180) never needs it.
}

void
InviteServerTransaction::AfterTuRequest()
{
    if (m_state == State::Proceeding && !m_provisional && m_timerTrying == 0)
    {
        m_timerTrying = StartTimer(kTryingDelay, [this]() { OnTimerTrying(); });
    }
}

void
InviteServerTransaction::OnTimerTrying()
{
    // 17.2.1: "The server transaction MUST generate a 100 (Trying) response unless it knows
    // that the TU will generate a provisional or final response within 200 ms".
    StopTimer(m_timerTrying);
    if (m_state != State::Proceeding || m_provisional)
    {
        return;
    }
    m_provisional = MakeTrying(GetRequest());
    Transmit(*m_provisional, false);
}

void
InviteServerTransaction::OnTimerG()
{
    // 17.2.1: "If timer G fires, the response is passed to the transport layer once more for
    // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds" (doubling).
    StopTimer(m_timerG);
    if (m_state != State::Completed || IsReliableTransport() || !m_final)
    {
        return;
    }
    m_intervalG = std::min(2 * m_intervalG, Config().t2);
    m_timerG = StartTimer(m_intervalG, [this]() { OnTimerG(); });
    Transmit(*m_final, true);
}

void
InviteServerTransaction::OnTimerH()
{
    // 17.2.1: "If timer H fires while in the Completed state, it implies that the ACK was
    // never received. In this case, the server transaction MUST transition to the Terminated
    // state, and MUST indicate to the TU that a transaction failure has occurred."
    StopTimer(m_timerH);
    if (m_state != State::Completed)
    {
        return;
    }
    Terminate(TransactionFailure::Timeout);
}

void
InviteServerTransaction::OnTimerI()
{
    // 17.2.1: "Once timer I fires, the server MUST transition to the Terminated state."
    StopTimer(m_timerI);
    if (m_state != State::Confirmed)
    {
        return;
    }
    Terminate(std::nullopt);
}

void
InviteServerTransaction::OnTimerL()
{
    // RFC 6026 8.7: "If Timer L fires while the INVITE server transaction is in the Accepted
    // state, the transaction MUST transition to the Terminated state."
    StopTimer(m_timerL);
    if (m_state != State::Accepted)
    {
        return;
    }
    Terminate(std::nullopt);
}

void
InviteServerTransaction::ReceiveRequest(const Message& request, const Peer& from)
{
    if (request.GetMethod() == Method::Ack)
    {
        switch (m_state)
        {
            case State::Completed:
                // 17.2.1: ACK in Completed -> Confirmed; Timer G stops (Timer H too: it only acts
                // in Completed); Timer I = T4 unreliable, 0 reliable.
                StopTimer(m_timerG);
                StopTimer(m_timerH);
                SetState(State::Confirmed);
                m_timerI
                    = StartTimer(Config().TimerI(IsReliableTransport()), [this]() { OnTimerI(); });
                return;
            case State::Confirmed:
                // 17.2.1: further ACKs are absorbed in Confirmed.
                ++Counters().requestsAbsorbed;
                return;
            case State::Accepted:
            case State::Proceeding:
                // RFC 6026 7.1: ACKs matching an Accepted transaction are passed to the TU (the
                // ACK of a 2xx). In Proceeding an ACK belongs to no response: the TU decides.
                PassAck(request, from);
                return;
            case State::Terminated:
                return;
        }
        return;
    }
    // A retransmission of the INVITE.
    ++Counters().requestsAbsorbed;
    switch (m_state)
    {
        case State::Proceeding:
            // 17.2.1: "If a request retransmission is received while in the Proceeding state, the
            // most recent provisional response that was received from the TU MUST be passed to
            // the transport layer for retransmission."
            if (m_provisional)
            {
                Transmit(*m_provisional, true);
            }
            return;
        case State::Completed:
            // 17.2.1: in Completed, a retransmitted INVITE re-sends the final response.
            if (m_final)
            {
                Transmit(*m_final, true);
            }
            return;
        case State::Accepted:  // RFC 6026 7.1: absorbed
        case State::Confirmed: // 17.2.1: absorbed
        case State::Terminated:
            return;
    }
}

bool
InviteServerTransaction::SendResponse(Message response)
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
    switch (m_state)
    {
        case State::Proceeding:
            StopTimer(m_timerTrying);
            if (code < 200)
            {
                // 17.2.1: provisionals from the TU are sent, no state change.
                m_provisional = std::move(response);
                Transmit(*m_provisional, false);
            }
            else if (code < 300)
            {
                // RFC 6026 7.1: a 2xx from the TU moves to Accepted, Timer L.
                m_responseToTag = std::string(response.GetTo() ? response.GetTo()->Tag() : "");
                m_final = std::move(response);
                SetState(State::Accepted);
                m_timerL = StartTimer(Config().TimerL(), [this]() { OnTimerL(); });
                Transmit(*m_final, false);
            }
            else
            {
                // 17.2.1: 300-699 from the TU: Completed, Timer G (unreliable) and Timer H.
                m_responseToTag = std::string(response.GetTo() ? response.GetTo()->Tag() : "");
                m_final = std::move(response);
                SetState(State::Completed);
                if (!IsReliableTransport())
                {
                    m_intervalG = Config().TimerG();
                    m_timerG = StartTimer(m_intervalG, [this]() { OnTimerG(); });
                }
                m_timerH = StartTimer(Config().TimerH(), [this]() { OnTimerH(); });
                Transmit(*m_final, false);
            }
            return true;
        case State::Accepted:
            // RFC 6026 7.1: "2xx from TU / send response" in Accepted. A copy equal to the last
            // 2xx sent is the core's retransmission (13.3.1.4).
            if (code >= 200 && code < 300)
            {
                const bool copy = m_final && *m_final == response;
                m_final = std::move(response);
                Transmit(*m_final, copy);
                return true;
            }
            return false;
        case State::Completed:
        case State::Confirmed:
        case State::Terminated:
            return false;
    }
    return false;
}

void
InviteServerTransaction::OnTransportError()
{
    // RFC 6026 7.1: "The server transaction MUST NOT discard transaction state based only on
    // encountering a non-recoverable transport error when sending a response. Instead, the
    // associated INVITE server transaction state machine MUST remain in its current state."
    // The TU is informed once (Figure 7's "Inform TU").
    if (m_state == State::Terminated || m_state == State::Confirmed || m_transportErrorReported)
    {
        return;
    }
    m_transportErrorReported = true;
    ReportFailure(TransactionFailure::TransportError);
}

void
InviteServerTransaction::Terminate(std::optional<TransactionFailure> failure)
{
    StopTimers();
    SetState(State::Terminated);
    Finish(failure);
}

Message
InviteServerTransaction::MakeTrying(const Message& request)
{
    Message trying = Message::MakeResponse(100);
    for (const HeaderField& field : request.GetHeaders())
    {
        if (field.id == HeaderId::Via)
        {
            trying.AddHeader(HeaderId::Via, field.value);
        }
    }
    for (const HeaderId id :
         {HeaderId::From, HeaderId::To, HeaderId::CallId, HeaderId::CSeq, HeaderId::Timestamp})
    {
        if (const auto value = request.FindHeader(id))
        {
            trying.AddHeader(id, *value);
        }
    }
    trying.AddHeader(HeaderId::ContentLength, "0");
    return trying;
}

} // namespace sipsim
