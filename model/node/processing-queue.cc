#include "node/processing-queue.h"

#include "message/sip-text.h"

#include <algorithm>
#include <ns3/abort.h>
#include <ns3/double.h>
#include <ns3/enum.h>
#include <ns3/log.h>
#include <ns3/node.h>
#include <ns3/pointer.h>
#include <ns3/simulator.h>
#include <ns3/string.h>
#include <ns3/trace-source-accessor.h>
#include <ns3/uinteger.h>
#include <utility>
#include <vector>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("ProcessingQueue");
NS_OBJECT_ENSURE_REGISTERED(ProcessingQueue);

std::string_view
WorkKindName(WorkKind kind)
{
    switch (kind)
    {
        case WorkKind::Invite:
            return "Invite";
        case WorkKind::Request:
            return "Request";
        case WorkKind::Response:
            return "Response";
        case WorkKind::Retransmission:
            return "Retransmission";
        case WorkKind::Reject:
            return "Reject";
    }
    return "?";
}

std::string_view
DropReasonName(DropReason reason)
{
    switch (reason)
    {
        case DropReason::QueueFull:
            return "QueueFull";
        case DropReason::Stopped:
            return "Stopped";
    }
    return "?";
}

ns3::TypeId
ProcessingQueue::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::ProcessingQueue")
              .SetParent<ns3::Object>()
              .SetGroupName("Sipsim")
              .AddConstructor<ProcessingQueue>()
              .AddAttribute("Workers", "Messages served in parallel.", ns3::UintegerValue(1),
                            ns3::MakeUintegerAccessor(&ProcessingQueue::m_workers),
                            ns3::MakeUintegerChecker<uint32_t>(1))
              .AddAttribute("QueueLimit",
                            "Messages waiting (not in service) beyond which arrivals are "
                            "dropped (tail drop).",
                            ns3::UintegerValue(500),
                            ns3::MakeUintegerAccessor(&ProcessingQueue::m_queueLimit),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("InviteTime", "Service time of a new INVITE, seconds.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.002]"),
                            ns3::MakePointerAccessor(&ProcessingQueue::m_inviteTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("RequestTime",
                            "Service time of any other new request (ACK of a 2xx included), "
                            "seconds.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.001]"),
                            ns3::MakePointerAccessor(&ProcessingQueue::m_requestTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("ResponseTime", "Service time of a new response, seconds.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.0005]"),
                            ns3::MakePointerAccessor(&ProcessingQueue::m_responseTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("RetransmissionTime",
                            "Service time of a retransmitted request or response (matched and "
                            "absorbed by a transaction), seconds.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.0002]"),
                            ns3::MakePointerAccessor(&ProcessingQueue::m_retransmissionTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("AuthTime",
                            "Added to the service time of a new request carrying Authorization "
                            "or Proxy-Authorization (the digest check), seconds.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.001]"),
                            ns3::MakePointerAccessor(&ProcessingQueue::m_authTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("OverloadPolicy",
                            "None: tail drop at QueueLimit only. Reject503: past RejectThreshold "
                            "waiting messages, new out-of-dialog requests (not ACK or CANCEL) "
                            "are answered 503 statelessly.",
                            ns3::EnumValue(static_cast<int>(OverloadPolicy::None)),
                            ns3::MakeEnumAccessor(&ProcessingQueue::m_policy),
                            ns3::MakeEnumChecker(static_cast<int>(OverloadPolicy::None), "None",
                                                 static_cast<int>(OverloadPolicy::Reject503),
                                                 "Reject503"))
              .AddAttribute("RejectThreshold",
                            "Reject503: waiting messages from which new requests are rejected.",
                            ns3::UintegerValue(100),
                            ns3::MakeUintegerAccessor(&ProcessingQueue::m_rejectThreshold),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute(
                  "RetryAfter", "Reject503: Retry-After of the 503, seconds; 0: no Retry-After.",
                  ns3::UintegerValue(0), ns3::MakeUintegerAccessor(&ProcessingQueue::m_retryAfter),
                  ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("RejectTime",
                            "Worker time one 503 rejection costs (and the ACK of one), seconds.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.0003]"),
                            ns3::MakePointerAccessor(&ProcessingQueue::m_rejectTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("TransactionMemory",
                            "How long after its last copy a transaction key is remembered to "
                            "classify retransmissions (64*T1 with the default T1).",
                            ns3::TimeValue(ns3::Seconds(32)),
                            ns3::MakeTimeAccessor(&ProcessingQueue::m_memory),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddTraceSource("QueueLength", "Messages waiting (not in service).",
                              ns3::MakeTraceSourceAccessor(&ProcessingQueue::m_queueLength),
                              "ns3::TracedValueCallback::Uint32")
              .AddTraceSource("BusyWorkers", "Workers serving a message.",
                              ns3::MakeTraceSourceAccessor(&ProcessingQueue::m_busyWorkers),
                              "ns3::TracedValueCallback::Uint32")
              .AddTraceSource("Utilization", "BusyWorkers / Workers, on every change.",
                              ns3::MakeTraceSourceAccessor(&ProcessingQueue::m_utilization),
                              "ns3::TracedValueCallback::Double")
              .AddTraceSource("Drop", "A message dropped without service, and why.",
                              ns3::MakeTraceSourceAccessor(&ProcessingQueue::m_dropTrace),
                              "sipsim::ProcessingQueue::DropTracedCallback")
              .AddTraceSource("Reject", "A request answered 503 (when the 503 is sent).",
                              ns3::MakeTraceSourceAccessor(&ProcessingQueue::m_rejectTrace),
                              "sipsim::ProcessingQueue::RejectTracedCallback")
              .AddTraceSource("Served",
                              "A message whose service ended: its kind and its waiting time.",
                              ns3::MakeTraceSourceAccessor(&ProcessingQueue::m_servedTrace),
                              "sipsim::ProcessingQueue::ServedTracedCallback");
    return tid;
}

ProcessingQueue::ProcessingQueue()
    : m_queueLength(0)
    , m_busyWorkers(0)
    , m_utilization(0.0)
{}

ProcessingQueue::~ProcessingQueue() = default;

void
ProcessingQueue::DoDispose()
{
    for (auto& entry : m_inService)
    {
        entry.second.second.Cancel();
    }
    m_inService.clear();
    m_waiting.clear();
    m_rejects.clear();
    m_seen.clear();
    m_seenOrder.clear();
    if (m_stack && m_stack->GetAdmission() == this)
    {
        m_stack->SetAdmission(nullptr);
    }
    m_stack = nullptr;
    m_inviteTime = nullptr;
    m_requestTime = nullptr;
    m_responseTime = nullptr;
    m_retransmissionTime = nullptr;
    m_authTime = nullptr;
    m_rejectTime = nullptr;
    ns3::Object::DoDispose();
}

void
ProcessingQueue::Install(ns3::Ptr<SipStack> stack)
{
    NS_ABORT_MSG_IF(!stack, "ProcessingQueue::Install: no stack");
    NS_ABORT_MSG_IF(m_stack, "ProcessingQueue::Install: already installed");
    ns3::Ptr<ns3::Node> node = stack->GetNode();
    NS_ABORT_MSG_IF(!node, "ProcessingQueue::Install: install the SipStack on its node first");
    NS_ABORT_MSG_IF(node->GetObject<ProcessingQueue>(),
                    "ProcessingQueue::Install: node " << node->GetId() << " already has one");
    m_stack = stack;
    stack->SetAdmission(this);
    node->AggregateObject(this);
    ResetStatistics();
}

int64_t
ProcessingQueue::AssignStreams(int64_t stream)
{
    m_inviteTime->SetStream(stream);
    m_requestTime->SetStream(stream + 1);
    m_responseTime->SetStream(stream + 2);
    m_retransmissionTime->SetStream(stream + 3);
    m_authTime->SetStream(stream + 4);
    m_rejectTime->SetStream(stream + 5);
    return 6;
}

// --- classification ----------------------------------------------------------------------------

std::string
ProcessingQueue::KeyOf(const Message& message)
{
    const Via* via = message.GetTopVia();
    const CSeq* cseq = message.GetCSeq();
    if (via == nullptr || cseq == nullptr)
    {
        return {};
    }
    std::string key;
    if (message.IsResponse())
    {
        // A retransmitted response repeats the branch, CSeq, status and To tag.
        key = "S\n";
        key += via->Branch();
        key += '\n';
        key += std::to_string(cseq->number);
        key += ' ';
        key += cseq->method;
        key += '\n';
        key += std::to_string(message.GetStatusCode());
        key += '\n';
        if (message.GetTo() != nullptr)
        {
            key += message.GetTo()->Tag();
        }
        return key;
    }
    // RFC 3261 17.2.3: branch, sent-by and method, an ACK matching its INVITE.
    const std::string_view method
        = message.GetMethod() == Method::Ack ? std::string_view("INVITE") : cseq->method;
    if (via->HasMagicCookie())
    {
        key = "Q\n";
        key += via->Branch();
    }
    else
    {
        // RFC 2543 requests: Call-ID, CSeq number and From tag stand for the branch.
        key = "Q2543\n";
        key += message.GetCallId();
        key += '\n';
        key += std::to_string(cseq->number);
        key += '\n';
        if (message.GetFrom() != nullptr)
        {
            key += message.GetFrom()->Tag();
        }
    }
    key += '\n';
    for (const char c : via->host)
    {
        key += text::ToLower(c);
    }
    key += ':';
    key += std::to_string(via->port);
    key += '\n';
    key += method;
    return key;
}

bool
ProcessingQueue::IsRejectable(const Message& message, WorkKind kind)
{
    if (!message.IsRequest() || (kind != WorkKind::Invite && kind != WorkKind::Request))
    {
        return false;
    }
    const Method method = message.GetMethod();
    if (method == Method::Ack || method == Method::Cancel)
    {
        return false;
    }
    // In-dialog requests (a To tag) belong to calls already admitted: never refused.
    return message.GetTo() == nullptr || message.GetTo()->Tag().empty();
}

WorkKind
ProcessingQueue::Classify(const Message& message, const std::string& key) const
{
    if (!key.empty())
    {
        const auto it = m_seen.find(key);
        if (it != m_seen.end())
        {
            if (message.IsResponse() || !it->second.rejected)
            {
                return WorkKind::Retransmission;
            }
            if (message.GetMethod() == Method::Ack)
            {
                return WorkKind::Reject; // the ACK of our stateless 503
            }
            // A request answered 503 before: no transaction was kept, it is new again.
        }
    }
    if (message.IsResponse())
    {
        return WorkKind::Response;
    }
    return message.GetMethod() == Method::Invite ? WorkKind::Invite : WorkKind::Request;
}

ns3::Time
ProcessingQueue::Draw(const ns3::Ptr<ns3::RandomVariableStream>& variable) const
{
    const double seconds = variable->GetValue();
    return seconds > 0 ? ns3::Seconds(seconds) : ns3::Time(0);
}

void
ProcessingQueue::Remember(const std::string& key, bool rejected)
{
    if (key.empty())
    {
        return;
    }
    const ns3::Time now = ns3::Simulator::Now();
    m_seen[key] = Seen{now, rejected};
    m_seenOrder.emplace_back(now, key);
}

void
ProcessingQueue::ForgetOld()
{
    const ns3::Time now = ns3::Simulator::Now();
    while (!m_seenOrder.empty() && m_seenOrder.front().first + m_memory < now)
    {
        const auto it = m_seen.find(m_seenOrder.front().second);
        if (it != m_seen.end() && it->second.last == m_seenOrder.front().first)
        {
            m_seen.erase(it); // not seen again since
        }
        m_seenOrder.pop_front();
    }
}

// --- service -----------------------------------------------------------------------------------

void
ProcessingQueue::Admit(Message message, const Peer& remote)
{
    ++m_counters.arrived;
    ForgetOld();
    const std::string key = KeyOf(message);
    WorkKind kind = Classify(message, key);
    const uint32_t waiting = m_queueLength;
    const bool reject = GetOverloadPolicy() == OverloadPolicy::Reject503
                        && waiting >= m_rejectThreshold && IsRejectable(message, kind);
    if (waiting >= m_queueLimit)
    {
        Drop(message, DropReason::QueueFull);
        return;
    }
    Job job;
    job.remote = remote;
    job.arrival = ns3::Simulator::Now();
    if (reject)
    {
        kind = WorkKind::Reject;
    }
    job.kind = kind;
    switch (kind)
    {
        case WorkKind::Invite:
            job.cost = Draw(m_inviteTime);
            break;
        case WorkKind::Request:
            job.cost = Draw(m_requestTime);
            break;
        case WorkKind::Response:
            job.cost = Draw(m_responseTime);
            break;
        case WorkKind::Retransmission:
            job.cost = Draw(m_retransmissionTime);
            break;
        case WorkKind::Reject:
            job.cost = Draw(m_rejectTime);
            break;
    }
    if ((kind == WorkKind::Invite || kind == WorkKind::Request)
        && (message.HasHeader(HeaderId::Authorization)
            || message.HasHeader(HeaderId::ProxyAuthorization)))
    {
        job.cost += Draw(m_authTime);
    }
    // A rejected request (and the ACK of its 503) leaves no transaction behind.
    Remember(key, kind == WorkKind::Reject);
    job.message = std::move(message);
    NS_LOG_LOGIC("admit " << WorkKindName(kind) << " cost " << job.cost.As(ns3::Time::US)
                          << " waiting " << waiting);
    ++m_counters.admitted;
    if (reject)
    {
        m_rejects.push_back(std::move(job)); // ahead of normal work
    }
    else
    {
        m_waiting.push_back(std::move(job));
    }
    StartService(); // then QueueLength: a message served at once is never traced as waiting
}

void
ProcessingQueue::Drop(const Message& message, DropReason reason)
{
    NS_LOG_LOGIC("drop (" << DropReasonName(reason) << ")");
    if (reason == DropReason::QueueFull)
    {
        ++m_counters.dropped;
    }
    else
    {
        ++m_counters.droppedStopped;
    }
    m_dropTrace(message, reason);
}

void
ProcessingQueue::StartService()
{
    while (m_busy < m_workers && (!m_rejects.empty() || !m_waiting.empty()))
    {
        std::deque<Job>& from = m_rejects.empty() ? m_waiting : m_rejects;
        const uint64_t ticket = ++m_nextTicket;
        auto& slot = m_inService[ticket];
        slot.first = std::move(from.front());
        from.pop_front();
        slot.second
            = ns3::Simulator::Schedule(slot.first.cost, &ProcessingQueue::Complete, this, ticket);
        ++m_busy;
    }
    PublishBusy();
    UpdateQueueLength();
}

void
ProcessingQueue::Complete(uint64_t ticket)
{
    const auto it = m_inService.find(ticket);
    if (it == m_inService.end())
    {
        return;
    }
    Job job = std::move(it->second.first);
    m_inService.erase(it);
    --m_busy; // published by StartService: a worker that takes the next job at once stays busy
    if (!m_stack || !m_stack->IsRunning())
    {
        Drop(job.message, DropReason::Stopped); // the node crashed with the message in hand
    }
    else
    {
        ++m_counters.served[static_cast<size_t>(job.kind)];
        m_servedTrace(job.message, job.kind, ns3::Simulator::Now() - job.arrival - job.cost);
        if (job.kind != WorkKind::Reject)
        {
            m_stack->Deliver(job.message, job.remote);
        }
        else if (job.message.GetMethod() == Method::Ack)
        {
            ++m_counters.rejectAcks; // absorbed: a stateless server keeps nothing to match
        }
        else
        {
            std::vector<std::pair<std::string, std::string>> headers;
            if (m_retryAfter != 0)
            {
                headers.emplace_back("Retry-After", std::to_string(m_retryAfter));
            }
            if (m_stack->SendStatelessResponse(job.message, job.remote, 503, "Service Unavailable",
                                               headers))
            {
                ++m_counters.rejected503;
                m_rejectTrace(job.message);
            }
        }
    }
    StartService();
}

void
ProcessingQueue::PublishBusy()
{
    if (m_busy == m_busyWorkers)
    {
        return;
    }
    const ns3::Time now = ns3::Simulator::Now();
    m_busyIntegral += static_cast<double>(m_busyWorkers) * (now - m_lastChange).GetSeconds();
    m_lastChange = now;
    m_busyWorkers = m_busy;
    m_utilization = static_cast<double>(m_busy) / static_cast<double>(m_workers);
}

void
ProcessingQueue::UpdateQueueLength()
{
    const auto length = static_cast<uint32_t>(m_rejects.size() + m_waiting.size());
    if (length != m_queueLength)
    {
        m_queueLength = length;
    }
}

// --- statistics --------------------------------------------------------------------------------

double
ProcessingQueue::GetBusyWorkerSeconds() const
{
    const ns3::Time now = ns3::Simulator::Now();
    return m_busyIntegral + static_cast<double>(m_busyWorkers) * (now - m_lastChange).GetSeconds();
}

double
ProcessingQueue::GetMeanUtilization() const
{
    const double elapsed = (ns3::Simulator::Now() - m_statsStart).GetSeconds();
    if (elapsed <= 0)
    {
        return 0;
    }
    return GetBusyWorkerSeconds() / (static_cast<double>(m_workers) * elapsed);
}

void
ProcessingQueue::ResetStatistics()
{
    m_counters = ProcessingQueueCounters{};
    m_busyIntegral = 0;
    m_statsStart = ns3::Simulator::Now();
    m_lastChange = m_statsStart;
}

} // namespace sipsim
