/*
 * The INVITE client transaction: RFC 3261 17.1.1, RFC 6026 7.2.
 */
#include "transaction/invite-client-transaction.h"

namespace sipsim {

InviteClientTransaction::InviteClientTransaction(TransactionLayer& layer, TransactionId id,
                                                 Message invite, const Peer& to)
    : Transaction(layer, id, TransactionKind::InviteClient, std::move(invite), to)
{}

InviteClientTransaction::~InviteClientTransaction()
{
    StopTimers();
}

void
InviteClientTransaction::StopTimers()
{
    StopTimer(m_timerA);
    StopTimer(m_timerB);
    StopTimer(m_timerD);
    StopTimer(m_timerM);
    StopTimer(m_timerCancel);
}

void
InviteClientTransaction::Start()
{
    // 17.1.1.2: enter Calling, send the INVITE, Timer A only on unreliable transports,
    // Timer B on all.
    NotifyInitialState(StateName(m_state));
    if (!IsReliableTransport())
    {
        m_intervalA = Config().TimerA();
        m_timerA = StartTimer(m_intervalA, [this]() { OnTimerA(); });
    }
    const bool deferB = !IsReliableTransport() && Config().TimerA() < Config().TimerB();
    if (!deferB)
    {
        StartTimerB();
    }
    Transmit(GetRequest(), false);
}

void
InviteClientTransaction::StartTimerB()
{
    // Only Calling starts it, and leaving Calling stops it: a set id means it already runs.
    if (m_timerB != 0)
    {
        return;
    }
    m_timerB = StartTimerSinceStart(Config().TimerB(), [this]() { OnTimerB(); });
}

void
InviteClientTransaction::OnTimerA()
{
    // 17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request ...
    // and MUST reset the timer with a value of 2*T1" (doubling each time, no cap).
    StopTimer(m_timerA);
    if (m_state != State::Calling || IsReliableTransport())
    {
        return;
    }
    StartTimerB(); // first, so that B runs before an A due at the same time, as when it started
    m_intervalA *= 2;
    m_timerA = StartTimer(m_intervalA, [this]() { OnTimerA(); });
    Transmit(GetRequest(), true);
}

void
InviteClientTransaction::OnTimerB()
{
    // 17.1.1.2: "If the client transaction is still in the Calling state when timer B fires,
    // the client transaction SHOULD inform the TU that a timeout has occurred."
    StopTimer(m_timerB);
    if (m_state != State::Calling)
    {
        return;
    }
    Terminate(TransactionFailure::Timeout);
}

void
InviteClientTransaction::OnTimerD()
{
    // 17.1.1.2: "If timer D fires while the client transaction is in the Completed state, the
    // client transaction MUST move to the terminated state."
    StopTimer(m_timerD);
    if (m_state != State::Completed)
    {
        return;
    }
    Terminate(std::nullopt);
}

void
InviteClientTransaction::OnTimerM()
{
    // RFC 6026 8.4: "If Timer M fires while the client transaction is in the Accepted state,
    // the client transaction MUST move to the Terminated state."
    StopTimer(m_timerM);
    if (m_state != State::Accepted)
    {
        return;
    }
    Terminate(std::nullopt);
}

void
InviteClientTransaction::StartCancelTimer()
{
    if (m_cancelTimerStarted)
    {
        return; // one CANCEL per INVITE: the timer runs from the first
    }
    m_cancelTimerStarted = true;
    m_timerCancel = StartTimer(64 * Config().t1, [this]() { OnCancelTimer(); });
}

void
InviteClientTransaction::OnCancelTimer()
{
    // RFC 3261 9.1: no final response 64*T1 after the CANCEL: the transaction is destroyed,
    // and the TU hears of it as a timeout (a 408, 8.1.3.1), as for Timer B.
    StopTimer(m_timerCancel);
    if (m_state != State::Calling && m_state != State::Proceeding)
    {
        return;
    }
    Terminate(TransactionFailure::Timeout);
}

void
InviteClientTransaction::ReceiveResponse(const Message& response)
{
    const uint16_t code = response.GetStatusCode();
    if (code < 100 || code > 699)
    {
        ++Counters().responsesAbsorbed;
        return;
    }
    switch (m_state)
    {
        case State::Calling:
        case State::Proceeding:
            if (code < 200)
            {
                // 17.1.1.2: 1xx in Calling -> Proceeding, retransmissions stop; in Proceeding
                // every provisional goes to the TU.
                if (m_state == State::Calling)
                {
                    StopTimer(m_timerA);
                    StopTimer(m_timerB);
                    SetState(State::Proceeding);
                }
                PassResponse(response);
            }
            else if (code < 300)
            {
                // RFC 6026 7.2: a 2xx moves the transaction to Accepted; Timer M.
                StopTimer(m_timerA);
                StopTimer(m_timerB);
                SetState(State::Accepted);
                m_timerM = StartTimer(Config().TimerM(), [this]() { OnTimerM(); });
                PassResponse(response);
            }
            else
            {
                OnFinalFailureResponse(response);
            }
            return;
        case State::Accepted:
            // RFC 6026 7.2: 2xx in Accepted goes to the TU; anything else is absorbed.
            if (code >= 200 && code < 300)
            {
                PassResponse(response);
            }
            else
            {
                ++Counters().responsesAbsorbed;
            }
            return;
        case State::Completed:
            // 17.1.1.2: "Any retransmissions of the final response that are received while in
            // the Completed state MUST cause the ACK to be re-passed to the transport layer for
            // retransmission, but the newly received response MUST NOT be passed up to the TU."
            ++Counters().responsesAbsorbed;
            if (code >= 300 && m_ack)
            {
                Transmit(*m_ack, true);
            }
            return;
        case State::Terminated:
            return;
    }
}

void
InviteClientTransaction::OnFinalFailureResponse(const Message& response)
{
    // 17.1.1.2: 300-699 in Calling or Proceeding: Completed, generate the ACK (sent to the
    // same address, port and transport as the INVITE, even on a reliable transport), pass the
    // response to the TU, and start Timer D.
    StopTimer(m_timerA);
    StopTimer(m_timerB);
    m_ack = MakeAck(GetRequest(), response);
    SetState(State::Completed);
    m_timerD = StartTimer(Config().TimerD(IsReliableTransport()), [this]() { OnTimerD(); });
    Transmit(*m_ack, false);
    PassResponse(response);
}

void
InviteClientTransaction::OnTransportError()
{
    // Figure 5: Calling and Completed have a "Transport Err. / Inform TU" arrow (17.1.4).
    if (m_state == State::Calling || m_state == State::Completed)
    {
        Terminate(TransactionFailure::TransportError);
    }
}

void
InviteClientTransaction::Terminate(std::optional<TransactionFailure> failure)
{
    StopTimers();
    SetState(State::Terminated);
    Finish(failure);
}

Message
InviteClientTransaction::MakeAck(const Message& invite, const Message& response)
{
    Message ack = Message::MakeRequest("ACK", invite.GetRequestUriText());
    const auto vias = invite.GetHeaderValues(HeaderId::Via);
    if (!vias.empty())
    {
        ack.AddHeader(HeaderId::Via, vias.front());
    }
    ack.AddHeader(HeaderId::MaxForwards, "70");
    for (const HeaderField& field : invite.GetHeaders())
    {
        if (field.id == HeaderId::Route)
        {
            ack.AddHeader(HeaderId::Route, field.value);
        }
    }
    if (const auto from = invite.FindHeader(HeaderId::From))
    {
        ack.AddHeader(HeaderId::From, *from);
    }
    if (const auto to = response.FindHeader(HeaderId::To))
    {
        ack.AddHeader(HeaderId::To, *to);
    }
    if (const auto callId = invite.FindHeader(HeaderId::CallId))
    {
        ack.AddHeader(HeaderId::CallId, *callId);
    }
    if (const CSeq* cseq = invite.GetCSeq())
    {
        ack.AddHeader(HeaderId::CSeq, std::to_string(cseq->number) + " ACK");
    }
    ack.AddHeader(HeaderId::ContentLength, "0");
    return ack;
}

} // namespace sipsim
