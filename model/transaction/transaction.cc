/*
 * Common part of the RFC 3261 17 transaction state machines.
 */
#include "transaction/transaction.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace sipsim {

Transaction::Transaction(TransactionLayer& layer, TransactionId id, TransactionKind kind,
                         Message request, const Peer& peer)
    : m_layer(layer)
    , m_id(id)
    , m_kind(kind)
    , m_request(std::move(request))
    , m_peer(peer)
    , m_created(layer.m_timers.Now())
{}

Transaction::~Transaction()
{
    m_layer.m_timers.Cancel(m_transportErrorTimer);
}

void
Transaction::ReceiveResponse(const Message& response)
{
    (void) response;
}

void
Transaction::ReceiveRequest(const Message& request, const Peer& from)
{
    (void) request;
    (void) from;
}

bool
Transaction::SendResponse(Message response)
{
    (void) response;
    return false;
}

TimerService&
Transaction::Timers() const
{
    return m_layer.m_timers;
}

const TimerConfig&
Transaction::Config() const
{
    return m_layer.m_config;
}

TransactionCounters&
Transaction::Counters() const
{
    return m_layer.m_counters;
}

TimerId
Transaction::StartTimer(Duration delay, std::function<void()> fn)
{
    return m_layer.m_timers.Schedule(delay, std::move(fn));
}

TimerId
Transaction::StartTimerSinceStart(Duration sinceStart, std::function<void()> fn)
{
    const Duration delay = m_created + sinceStart - m_layer.m_timers.Now();
    return StartTimer(std::max(delay, Duration::zero()), std::move(fn));
}

void
Transaction::StopTimer(TimerId& timer)
{
    if (timer != 0)
    {
        m_layer.m_timers.Cancel(timer);
        timer = 0;
    }
}

bool
Transaction::Transmit(const Message& message, bool retransmission)
{
    if (retransmission)
    {
        ++m_layer.m_counters.retransmissionsSent;
    }
    const bool sent = m_layer.m_transport.Send(message, m_peer, retransmission);
    if (sent && message.IsResponse())
    {
        NoteResponse(message.GetStatusCode());
    }
    if (!sent && m_transportErrorTimer == 0 && !m_finished)
    {
        // Reported after the current event: the caller (often the TU, inside SendResponse or
        // SendRequest) never sees a callback from inside its own call.
        m_transportErrorTimer = m_layer.m_timers.Schedule(Duration::zero(), [this]() {
            m_transportErrorTimer = 0;
            OnTransportError();
        });
    }
    return sent;
}

void
Transaction::PassResponse(const Message& response) const
{
    if (m_layer.m_user != nullptr)
    {
        m_layer.m_user->OnResponse(m_id, response);
    }
}

void
Transaction::PassAck(const Message& ack, const Peer& from) const
{
    if (m_layer.m_user != nullptr)
    {
        m_layer.m_user->OnAck(ack, from);
    }
}

void
Transaction::ReportFailure(TransactionFailure failure) const
{
    if (failure == TransactionFailure::Timeout)
    {
        ++m_layer.m_counters.timeouts;
    }
    else
    {
        ++m_layer.m_counters.transportErrors;
    }
    if (m_layer.m_user != nullptr)
    {
        m_layer.m_user->OnFailure(m_id, m_kind, failure);
    }
}

void
Transaction::Finish(std::optional<TransactionFailure> failure)
{
    if (m_finished)
    {
        return;
    }
    m_finished = true;
    StopTimer(m_transportErrorTimer);
    if (m_layer.m_endObserver)
    {
        TransactionEnd end;
        end.id = m_id;
        end.kind = m_kind;
        end.request = &m_request;
        end.finalStatus = m_finalStatus;
        end.lastState = m_stateBeforeTerminated;
        if (failure)
        {
            end.cause = *failure == TransactionFailure::Timeout
                            ? TransactionEndCause::Timeout
                            : TransactionEndCause::TransportError;
        }
        else
        {
            end.cause = m_finalStatus >= 200 ? TransactionEndCause::FinalResponse
                                             : TransactionEndCause::NoFinalResponse;
        }
        m_layer.m_endObserver(end);
    }
    if (failure)
    {
        ReportFailure(*failure);
    }
    m_layer.Retire(m_id);
}

void
Transaction::NotifyStateChange(std::string_view from, std::string_view to)
{
    if (to == "Terminated")
    {
        m_stateBeforeTerminated = from;
    }
    if (m_layer.m_stateObserver)
    {
        m_layer.m_stateObserver(m_id, m_kind, from, to);
    }
}

void
Transaction::IllegalTransition(std::string_view from, std::string_view to) const
{
    ++m_layer.m_counters.illegalTransitions;
#ifdef NDEBUG
    (void) from, (void) to;
#else
    std::fprintf(stderr, "sipsim: illegal %.*s transaction state change %.*s -> %.*s\n",
                 static_cast<int>(TransactionKindName(m_kind).size()),
                 TransactionKindName(m_kind).data(), static_cast<int>(from.size()), from.data(),
                 static_cast<int>(to.size()), to.data());
    std::abort();
#endif
}

} // namespace sipsim
