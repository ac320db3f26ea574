/*
 * The processing capacity of a SIP server: a FIFO queue of received messages in front of the
 * transaction layer, served by a number of workers with a service time per kind of message,
 * with tail drop and an optional 503 (Service Unavailable) rejection policy (RFC 3261 21.5.4,
 * RFC 6357 on SIP overload). Protocol work happens after the processing delay.
 */
#ifndef SIPSIM_PROCESSING_QUEUE_H
#define SIPSIM_PROCESSING_QUEUE_H

#include "message/sip-message.h"
#include "transaction/peer.h"
#include "transport/sip-stack.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <ns3/event-id.h>
#include <ns3/nstime.h>
#include <ns3/object.h>
#include <ns3/ptr.h>
#include <ns3/random-variable-stream.h>
#include <ns3/traced-callback.h>
#include <ns3/traced-value.h>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sipsim {

/// What a ProcessingQueue does when it is overloaded (attribute OverloadPolicy).
enum class OverloadPolicy : uint8_t
{
    None,      ///< tail drop at QueueLimit only
    Reject503, ///< past RejectThreshold, new requests get a stateless 503 (+ Retry-After)
};

/// The kind of work a message is for a ProcessingQueue; selects its service time.
enum class WorkKind : uint8_t
{
    Invite,         ///< a new INVITE (InviteTime [+ AuthTime])
    Request,        ///< any other new request, ACK for a 2xx included (RequestTime [+ AuthTime])
    Response,       ///< a new response (ResponseTime)
    Retransmission, ///< a request or response seen before (RetransmissionTime)
    Reject,         ///< a request answered 503 statelessly, or the ACK of that 503 (RejectTime)
};

inline constexpr size_t kWorkKinds = 5;

/// "Invite", "Request", "Response", "Retransmission", "Reject".
std::string_view WorkKindName(WorkKind kind);

/// Why a ProcessingQueue dropped a message (Drop trace).
enum class DropReason : uint8_t
{
    QueueFull, ///< QueueLimit messages were already waiting (tail drop)
    Stopped,   ///< the stack was stopped (node crash) while the message was queued or served
};

std::string_view DropReasonName(DropReason reason);

/// What a ProcessingQueue did, for tests and scenario statistics.
struct ProcessingQueueCounters
{
    uint64_t arrived = 0;                      ///< messages handed to Admit
    uint64_t admitted = 0;                     ///< queued for service (rejections included)
    std::array<uint64_t, kWorkKinds> served{}; ///< completed services, by WorkKind
    uint64_t dropped = 0;                      ///< tail drops (QueueFull)
    uint64_t droppedStopped = 0;               ///< lost because the stack was stopped
    uint64_t rejected503 = 0;                  ///< 503 responses sent (Reject503)
    uint64_t rejectAcks = 0;                   ///< ACKs of those 503s absorbed (cost RejectTime)

    uint64_t Served(WorkKind kind) const { return served[static_cast<size_t>(kind)]; }
};

/**
 * A model of a SIP server's processing capacity, installed between a SipStack and its
 * transaction layer (SipStack::SetAdmission).
 *
 * Every message the stack parses arrives here (after the stack's "Message" trace, so traces
 * show receipt times). It is classified (WorkKind) and waits in a FIFO queue; Workers workers
 * serve the queue; a message in service occupies its worker for a service time drawn from the
 * random variable of its kind, then is handed to the stack (SipStack::Deliver): the transaction
 * layer and the transaction user see it only after its processing delay, and what they send
 * leaves at that time (sending costs nothing extra: the cost of a transaction is folded into
 * the service time of the messages it receives).
 *
 * Classification, at arrival:
 * - a request whose transaction (RFC 3261 17.2.3: top Via branch and sent-by, and method, an
 *   ACK matching its INVITE) was already admitted within TransactionMemory: Retransmission (a
 *   retransmitted request, or the ACK of a non-2xx final response: both are absorbed by the
 *   server transaction); the queue keeps its own table of the keys it admitted, because the
 *   first copy may still be waiting when the retransmission arrives (in FIFO order it is
 *   served first, so the transaction exists when the copy is served);
 * - a response seen before (top Via branch, CSeq, status and To tag): Retransmission;
 * - the ACK of a 503 this queue sent: Reject (a stateless server discards it at once);
 * - otherwise a new INVITE (Invite), other new request (Request) or new response (Response).
 * A new request carrying Authorization or Proxy-Authorization costs AuthTime more (the digest
 * check). Parse errors never reach the queue: the stack answers or drops them at once.
 *
 * Overload:
 * - QueueLimit: an arrival that finds QueueLimit messages waiting (not in service) is dropped
 *   (Drop trace, reason QueueFull). With UDP, the sender's retransmissions (Timers A, E) are
 *   what recovers from it.
 * - Reject503: an arrival that finds RejectThreshold or more messages waiting, and is a new
 *   request that may be refused (not ACK, not CANCEL, not a retransmission, no To tag: not
 *   in a dialog), is not served; it is answered statelessly with 503 (Service Unavailable)
 *   and Retry-After: RetryAfter when nonzero (SipStack::SendStatelessResponse; no transaction
 *   is created). Design choice: the rejection is queued AHEAD of normal work, in its own FIFO
 *   served first by the next free worker, and costs RejectTime of that worker (a front end
 *   that sheds load parses just enough to refuse, and does it first, or the 503 would arrive
 *   after the client's Timer A fired). The rejections waiting count as waiting messages
 *   (QueueLength, QueueLimit): a rejection that finds the queue full is dropped instead.
 *   The Reject trace fires, and rejected503 counts, when the 503 is sent.
 *
 * Statistics: QueueLength (waiting messages, both FIFOs), BusyWorkers and Utilization
 * (BusyWorkers / Workers) trace every change; GetMeanUtilization is the time average of
 * Utilization since Install or ResetStatistics.
 *
 * Stopping the stack (SipStack::Stop, a node crash) loses the queue: the messages waiting or
 * in service when their service ends are dropped (reason Stopped), arrivals are taken as
 * usual (a stopped stack receives nothing).
 *
 * Usage: CreateObject<ProcessingQueue>(), set attributes, Install(stack) once (after
 * SipStack::Install). The queue aggregates itself to the stack's node (node->GetObject
 * <ProcessingQueue>() finds it; one per node) and detaches from the stack on dispose.
 */
class ProcessingQueue
    : public ns3::Object
    , public MessageAdmission
{
  public:
    /// "Drop": a message dropped without service.
    typedef void (*DropTracedCallback)(const Message& message, DropReason reason);
    /// "Reject": a request answered 503 (the request, as received).
    typedef void (*RejectTracedCallback)(const Message& message);
    /// "Served": a message whose service ended, its kind, and how long it waited (not served).
    typedef void (*ServedTracedCallback)(const Message& message, WorkKind kind, ns3::Time wait);

    static ns3::TypeId GetTypeId();

    ProcessingQueue();
    ~ProcessingQueue() override;
    ProcessingQueue(const ProcessingQueue&) = delete;
    ProcessingQueue& operator=(const ProcessingQueue&) = delete;

    /**
     * Puts the queue in front of the stack's transaction layer (SipStack::SetAdmission),
     * aggregates it to the stack's node and starts the statistics. The stack must be
     * installed on its node. Once per queue.
     */
    void Install(ns3::Ptr<SipStack> stack);

    ns3::Ptr<SipStack> GetStack() const { return m_stack; }

    // --- MessageAdmission ---------------------------------------------------------------------
    void Admit(Message message, const Peer& remote) override;

    /// Messages waiting (not in service), rejections included.
    uint32_t GetQueueLength() const { return m_queueLength; }

    uint32_t GetBusyWorkers() const { return m_busyWorkers; }

    uint32_t GetWorkers() const { return m_workers; }

    OverloadPolicy GetOverloadPolicy() const { return static_cast<OverloadPolicy>(m_policy); }

    const ProcessingQueueCounters& GetCounters() const { return m_counters; }

    /// Time average of BusyWorkers / Workers since Install or ResetStatistics (0 before).
    double GetMeanUtilization() const;

    /// Integral of BusyWorkers over time since Install or ResetStatistics (worker-seconds).
    double GetBusyWorkerSeconds() const;

    /// Restarts the counters and the utilization average (e.g. after a warm-up).
    void ResetStatistics();

    /**
     * Assigns fixed streams to the service-time random variables (InviteTime, RequestTime,
     * ResponseTime, RetransmissionTime, AuthTime, RejectTime, in that order).
     * \return the number of streams used (6)
     */
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    /// One message waiting or in service.
    struct Job
    {
        Message message;
        Peer remote;
        WorkKind kind = WorkKind::Request;
        ns3::Time cost;    ///< service time, drawn at arrival
        ns3::Time arrival; ///< when Admit took it
    };

    /// One transaction or response key the queue has seen.
    struct Seen
    {
        ns3::Time last;        ///< last sighting (for TransactionMemory)
        bool rejected = false; ///< the last copy was answered 503 (a new request again)
    };

    /// The retransmission key of a message (see the class comment); empty when it has none.
    static std::string KeyOf(const Message& message);
    /// Whether Reject503 may refuse this request (new, not ACK/CANCEL, no To tag).
    static bool IsRejectable(const Message& message, WorkKind kind);

    WorkKind Classify(const Message& message, const std::string& key) const;
    ns3::Time Draw(const ns3::Ptr<ns3::RandomVariableStream>& variable) const;
    void Remember(const std::string& key, bool rejected);
    void ForgetOld();
    void Drop(const Message& message, DropReason reason);
    void StartService();
    void Complete(uint64_t ticket);
    /// Traces BusyWorkers and Utilization when m_busy changed (accumulating the integral).
    void PublishBusy();
    void UpdateQueueLength();

    // Attributes.
    uint32_t m_workers = 1;
    uint32_t m_queueLimit = 500;
    uint32_t m_rejectThreshold = 100;
    uint32_t m_retryAfter = 0;
    int m_policy = static_cast<int>(OverloadPolicy::None);
    ns3::Time m_memory;
    ns3::Ptr<ns3::RandomVariableStream> m_inviteTime;
    ns3::Ptr<ns3::RandomVariableStream> m_requestTime;
    ns3::Ptr<ns3::RandomVariableStream> m_responseTime;
    ns3::Ptr<ns3::RandomVariableStream> m_retransmissionTime;
    ns3::Ptr<ns3::RandomVariableStream> m_authTime;
    ns3::Ptr<ns3::RandomVariableStream> m_rejectTime;

    ns3::Ptr<SipStack> m_stack;
    std::deque<Job> m_rejects; ///< rejections waiting (served first)
    std::deque<Job> m_waiting; ///< normal work waiting
    std::map<uint64_t, std::pair<Job, ns3::EventId>> m_inService; ///< by ticket
    uint64_t m_nextTicket = 0;
    uint32_t m_busy = 0; ///< workers in service now (m_busyWorkers: as last traced)

    std::unordered_map<std::string, Seen> m_seen;
    std::deque<std::pair<ns3::Time, std::string>> m_seenOrder; ///< sightings, oldest first

    ProcessingQueueCounters m_counters;
    ns3::Time m_statsStart;
    ns3::Time m_lastChange;
    double m_busyIntegral = 0; ///< worker-seconds since m_statsStart, up to m_lastChange

    ns3::TracedValue<uint32_t> m_queueLength;
    ns3::TracedValue<uint32_t> m_busyWorkers;
    ns3::TracedValue<double> m_utilization;
    ns3::TracedCallback<const Message&, DropReason> m_dropTrace;
    ns3::TracedCallback<const Message&> m_rejectTrace;
    ns3::TracedCallback<const Message&, WorkKind, ns3::Time> m_servedTrace;
};

} // namespace sipsim

#endif // SIPSIM_PROCESSING_QUEUE_H
