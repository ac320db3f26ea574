#include "trace/trace-recorder.h"

#include "node/processing-queue.h"
#include "node/sip-gateway.h"
#include "node/sip-phone.h"
#include "node/sip-proxy.h"
#include "transaction/transaction.h"

#include <algorithm>
#include <cstdlib>
#include <ns3/node.h>
#include <ns3/simulator.h>

namespace sipsim::trace {

namespace {

TransactionKind
KindOf(::sipsim::TransactionKind kind)
{
    switch (kind)
    {
        case ::sipsim::TransactionKind::InviteClient:
            return INVITE_CLIENT;
        case ::sipsim::TransactionKind::NonInviteClient:
            return NON_INVITE_CLIENT;
        case ::sipsim::TransactionKind::InviteServer:
            return INVITE_SERVER;
        case ::sipsim::TransactionKind::NonInviteServer:
            return NON_INVITE_SERVER;
    }
    return TRANSACTION_KIND_UNSPECIFIED;
}

TransactionResult
ResultOf(TransactionEndCause cause)
{
    switch (cause)
    {
        case TransactionEndCause::FinalResponse:
            return FINAL_RESPONSE;
        case TransactionEndCause::NoFinalResponse:
            return NO_FINAL_RESPONSE;
        case TransactionEndCause::Timeout:
            return TIMEOUT;
        case TransactionEndCause::TransportError:
            return TRANSPORT_ERROR;
    }
    return TRANSACTION_RESULT_UNSPECIFIED;
}

UserEventKind
EventKind(DeviceEventKind kind)
{
    switch (kind)
    {
        case DeviceEventKind::CallPlaced:
            return CALL_PLACED;
        case DeviceEventKind::Ringing:
            return RINGING;
        case DeviceEventKind::Tone:
            return TONE;
        case DeviceEventKind::Notification:
            return NOTIFICATION;
        case DeviceEventKind::Answered:
            return ANSWERED;
        case DeviceEventKind::Retry:
            return RETRY;
        case DeviceEventKind::Rejected:
            return REJECTED;
        case DeviceEventKind::Cleared:
            return CLEARED;
        case DeviceEventKind::Registered:
            return REGISTERED;
        case DeviceEventKind::RegistrationFailed:
            return REGISTRATION_FAILED;
        case DeviceEventKind::Blocked:
            return BLOCKED;
    }
    return USER_EVENT_KIND_UNSPECIFIED;
}

int64_t
NowNs()
{
    return ns3::Simulator::Now().GetNanoSeconds();
}

double
Seconds(int64_t ns)
{
    return static_cast<double>(ns) / 1e9;
}

} // namespace

TraceRecorder::TraceRecorder() = default;

TraceRecorder::~TraceRecorder()
{
    ns3::Simulator::Cancel(m_sampleEvent);
    Disconnect();
}

bool
TraceRecorder::Open(const std::string& path, const Header& header, bool gzip)
{
    m_writing = m_writer.Open(path, header, gzip);
    return m_writing;
}

void
TraceRecorder::Emit(Record& record)
{
    if (m_writing)
    {
        m_writer.Write(record);
    }
    m_summary.Add(record);
    if (m_sink)
    {
        m_sink(record);
    }
    ++m_records;
}

void
TraceRecorder::Connect(ns3::Ptr<ns3::Object> object, const std::string& source,
                       const ns3::CallbackBase& callback)
{
    if (object->TraceConnectWithoutContext(source, callback))
    {
        m_connections.push_back({object, source, callback});
    }
}

void
TraceRecorder::Disconnect()
{
    for (Connection& c : m_connections)
    {
        c.object->TraceDisconnectWithoutContext(c.source, c.callback);
    }
    m_connections.clear();
}

// --- stacks ------------------------------------------------------------------------------------

void
TraceRecorder::Attach(ns3::Ptr<SipStack> stack, const std::string& name)
{
    const auto index = static_cast<uint32_t>(m_stacks.size());
    auto state = std::make_unique<StackState>();
    state->stack = stack;
    state->name = name;
    state->attachedAfter = stack->GetTransactionLayer().GetLastId();
    m_stacks.push_back(std::move(state));
    Connect(stack, "Message", ns3::MakeCallback(&TraceRecorder::OnMessage, this));
    Connect(stack, "TransactionTerminated",
            ns3::MakeCallback(&TraceRecorder::OnTransactionTerminated, this, index));
}

void
TraceRecorder::OnMessage(const SipMessageTrace& trace)
{
    if (!m_config.messages)
    {
        return;
    }
    const ::sipsim::Message& message = *trace.message;
    const CSeq* cseq = message.GetCSeq();
    const Via* via = message.GetTopVia();
    Record record;
    Message* m = record.mutable_message();
    m->set_time_ns(NowNs());
    m->set_node(trace.node);
    m->set_tx(trace.direction == Direction::Tx);
    m->set_transport(trace.transport == TransportProtocol::Tcp ? TCP : UDP);
    if (message.IsRequest())
    {
        m->set_method(std::string(message.GetMethodName()));
    }
    else
    {
        m->set_status(message.GetStatusCode());
    }
    m->set_call_id(std::string(message.GetCallId()));
    if (cseq != nullptr)
    {
        m->set_cseq(cseq->number);
        m->set_cseq_method(std::string(cseq->method));
    }
    if (via != nullptr)
    {
        m->set_branch(std::string(via->Branch()));
    }
    m->set_size(trace.size);
    m->set_retransmission(trace.retransmission);
    m->set_peer(trace.remote.ToString());
    Emit(record);
}

void
TraceRecorder::OnTransactionTerminated(uint32_t index, uint32_t node, const TransactionEnd& end)
{
    if (!m_config.transactions || end.id <= m_stacks[index]->attachedAfter)
    {
        return;
    }
    const ::sipsim::Message& request = *end.request;
    Record record;
    TransactionOutcome& o = *record.mutable_transaction();
    o.set_time_ns(NowNs());
    o.set_node(node);
    o.set_kind(KindOf(end.kind));
    if (const Via* via = request.GetTopVia())
    {
        o.set_branch(std::string(via->Branch()));
    }
    o.set_method(std::string(request.GetMethodName()));
    o.set_status(end.finalStatus);
    o.set_last_state(std::string(end.lastState));
    o.set_call_id(std::string(request.GetCallId()));
    o.set_result(ResultOf(end.cause));
    Emit(record);
}

// --- devices -----------------------------------------------------------------------------------

void
TraceRecorder::AttachPhone(ns3::Ptr<SipPhone> phone, const std::string& name)
{
    AttachDevice(phone, AppKind::Phone, name);
}

void
TraceRecorder::AttachGateway(ns3::Ptr<SipGateway> gateway, const std::string& name)
{
    AttachDevice(gateway, AppKind::Gateway, name);
}

void
TraceRecorder::AttachDevice(ns3::Ptr<ns3::Application> device, AppKind kind,
                            const std::string& name)
{
    App app;
    app.kind = kind;
    app.name = name;
    app.object = device;
    app.node = device->GetNode() ? device->GetNode()->GetId() : 0;
    m_apps.push_back(app);
    Connect(device, "DeviceEvent", ns3::MakeCallback(&TraceRecorder::OnDeviceEvent, this));
}

void
TraceRecorder::AttachProxy(ns3::Ptr<SipProxy> proxy, ns3::Ptr<ProcessingQueue> queue,
                           const std::string& name)
{
    const auto index = static_cast<uint32_t>(m_apps.size());
    App app;
    app.kind = AppKind::Proxy;
    app.name = name;
    app.object = proxy;
    app.queue = queue;
    app.node = proxy->GetNode() ? proxy->GetNode()->GetId() : 0;
    app.lastSample = ns3::Simulator::Now();
    if (queue)
    {
        app.lastBusy = queue->GetBusyWorkerSeconds();
        app.peakQueue = queue->GetQueueLength();
    }
    m_apps.push_back(app);
    if (queue)
    {
        Connect(queue, "QueueLength",
                ns3::MakeCallback(&TraceRecorder::OnQueueLength, this, index));
    }
}

void
TraceRecorder::OnQueueLength(uint32_t app, uint32_t /*oldValue*/, uint32_t newValue)
{
    m_apps[app].peakQueue = std::max(m_apps[app].peakQueue, newValue);
}

void
TraceRecorder::CloseCall(const CallKey& key, CallOutcome outcome, uint32_t status,
                         const std::string& cause)
{
    const auto it = m_openCalls.find(key);
    if (it == m_openCalls.end())
    {
        return;
    }
    Record record;
    CallRecord& c = *record.mutable_call();
    c = std::move(it->second);
    m_openCalls.erase(it);
    const int64_t now = NowNs();
    c.set_end_ns(now);
    c.set_outcome(outcome);
    const bool answered = c.answer_ns() >= 0;
    c.set_final_status(answered ? 200 : status);
    if (outcome == COMPLETED)
    {
        c.set_bye_ns(now);
    }
    if (outcome == FAILED)
    {
        c.set_failure_cause(cause);
    }
    int64_t reached = -1;
    if (c.first_18x_ns() >= 0)
    {
        reached = c.first_18x_ns();
    }
    else if (answered)
    {
        reached = c.answer_ns();
    }
    else if (outcome == FAILED)
    {
        reached = now;
    }
    c.set_post_dial_delay_s(reached >= 0 ? Seconds(reached - c.invite_ns()) : -1.0);
    Emit(record);
}

void
TraceRecorder::OnDeviceEvent(const DeviceEvent& event)
{
    if (m_config.userEvents)
    {
        Record record;
        UserEvent& u = *record.mutable_user_event();
        u.set_time_ns(NowNs());
        u.set_node(event.node);
        u.set_user(event.user);
        u.set_call(event.call);
        u.set_kind(EventKind(event.kind));
        if (event.tone != profile::TONE_UNSPECIFIED)
        {
            u.set_tone(std::string(profile::ToneText(event.tone)));
        }
        u.set_status(event.status);
        if (event.action != profile::RECEIPT_ACTION_UNSPECIFIED)
        {
            u.set_action(std::string(profile::ActionText(event.action)));
        }
        u.set_text(event.text);
        Emit(record);
    }
    const CallKey key{event.node, event.user, event.call};
    switch (event.kind)
    {
        case DeviceEventKind::CallPlaced:
        {
            CallRecord c;
            c.set_caller(event.user);
            c.set_callee(event.text);
            c.set_caller_node(event.node);
            c.set_call(event.call);
            c.set_invite_ns(NowNs());
            c.set_first_18x_ns(-1);
            c.set_answer_ns(-1);
            c.set_bye_ns(-1);
            c.set_end_ns(-1);
            c.set_post_dial_delay_s(-1);
            m_openCalls[key] = std::move(c);
            break;
        }
        case DeviceEventKind::Tone:
        {
            const auto it = m_openCalls.find(key);
            if (it != m_openCalls.end() && event.tone == profile::RINGBACK
                && it->second.first_18x_ns() < 0)
            {
                it->second.set_first_18x_ns(NowNs());
            }
            break;
        }
        case DeviceEventKind::Answered:
        {
            const auto it = m_openCalls.find(key);
            if (it != m_openCalls.end() && it->second.answer_ns() < 0)
            {
                it->second.set_answer_ns(NowNs());
            }
            break;
        }
        case DeviceEventKind::Cleared:
        {
            const auto it = m_openCalls.find(key);
            if (it == m_openCalls.end())
            {
                break;
            }
            if (it->second.answer_ns() >= 0)
            {
                CloseCall(key, COMPLETED, 200, {});
                break;
            }
            std::string cause = std::to_string(event.status);
            if (event.action != profile::RECEIPT_ACTION_UNSPECIFIED)
            {
                cause += " ";
                cause += profile::ActionText(event.action);
            }
            else if (!event.text.empty())
            {
                cause += " " + event.text;
            }
            CloseCall(key, FAILED, event.status, cause);
            break;
        }
        case DeviceEventKind::Blocked:
        {
            Record record;
            CallRecord& c = *record.mutable_call();
            c.set_caller(event.user);
            c.set_callee(event.text);
            c.set_caller_node(event.node);
            c.set_call(event.call);
            c.set_invite_ns(NowNs());
            c.set_first_18x_ns(-1);
            c.set_answer_ns(-1);
            c.set_bye_ns(-1);
            c.set_end_ns(NowNs());
            c.set_post_dial_delay_s(-1);
            c.set_outcome(BLOCKED_NO_TRUNK);
            c.set_failure_cause("blocked: every trunk busy");
            Emit(record);
            break;
        }
        case DeviceEventKind::Registered:
        case DeviceEventKind::RegistrationFailed:
        {
            Record record;
            Registration& r = *record.mutable_registration();
            r.set_time_ns(NowNs());
            r.set_node(event.node);
            r.set_user(event.user);
            r.set_status(event.status);
            const bool ok = event.kind == DeviceEventKind::Registered;
            r.set_ok(ok);
            const std::string prefix = "expires ";
            if (ok && event.text.rfind(prefix, 0) == 0)
            {
                r.set_expires(static_cast<uint32_t>(
                    std::strtoul(event.text.c_str() + prefix.size(), nullptr, 10)));
            }
            Emit(record);
            break;
        }
        default:
            break;
    }
}

void
TraceRecorder::RecordFault(const std::string& description, FaultKind kind, uint32_t node)
{
    Record record;
    FaultEvent& f = *record.mutable_fault();
    f.set_time_ns(NowNs());
    f.set_description(description);
    f.set_kind(kind);
    f.set_node(node);
    Emit(record);
}

// --- samples -----------------------------------------------------------------------------------

void
TraceRecorder::Start(ns3::Time end)
{
    m_end = end;
    if (m_config.sampleInterval.IsStrictlyPositive()
        && ns3::Simulator::Now() + m_config.sampleInterval <= m_end)
    {
        m_sampleEvent = ns3::Simulator::Schedule(m_config.sampleInterval,
                                                 &TraceRecorder::OnSampleTimer, this);
    }
}

void
TraceRecorder::OnSampleTimer()
{
    SampleAll();
    if (ns3::Simulator::Now() + m_config.sampleInterval <= m_end)
    {
        m_sampleEvent = ns3::Simulator::Schedule(m_config.sampleInterval,
                                                 &TraceRecorder::OnSampleTimer, this);
    }
}

void
TraceRecorder::SampleAll()
{
    for (App& app : m_apps)
    {
        Sample(app);
    }
}

void
TraceRecorder::Sample(App& app)
{
    Record record;
    NodeSample& s = *record.mutable_sample();
    s.set_time_ns(NowNs());
    s.set_node(app.node);
    s.set_name(app.name);
    switch (app.kind)
    {
        case AppKind::Phone:
        {
            s.set_role(PHONE);
            const auto phone = ns3::DynamicCast<SipPhone>(app.object);
            uint32_t active = 0;
            for (uint32_t i = 0; i < phone->GetUserCount(); ++i)
            {
                active += phone->IsInCall(i) ? 1 : 0;
            }
            s.set_active_calls(active);
            break;
        }
        case AppKind::Gateway:
        {
            s.set_role(GATEWAY);
            const auto gateway = ns3::DynamicCast<SipGateway>(app.object);
            s.set_busy_trunks(gateway->GetBusyTrunks());
            s.set_active_calls(gateway->GetBusyTrunks());
            break;
        }
        case AppKind::Proxy:
        {
            s.set_role(PROXY);
            if (app.queue)
            {
                const ns3::Time now = ns3::Simulator::Now();
                const uint32_t length = app.queue->GetQueueLength();
                s.set_queue_length(length);
                s.set_peak_queue_length(std::max(app.peakQueue, length));
                const double busy = app.queue->GetBusyWorkerSeconds();
                const double dt = (now - app.lastSample).GetSeconds();
                const double workers = std::max<uint32_t>(1, app.queue->GetWorkers());
                const double utilization
                    = dt > 0 ? std::clamp((busy - app.lastBusy) / (dt * workers), 0.0, 1.0) : 0.0;
                s.set_utilization(utilization);
                s.set_mean_utilization(app.queue->GetMeanUtilization());
                app.lastBusy = busy;
                app.lastSample = now;
                app.peakQueue = length;
            }
            break;
        }
    }
    Emit(record);
}

// --- end -------------------------------------------------------------------------------------

bool
TraceRecorder::Finish(bool complete, const std::string& reason)
{
    if (m_finished)
    {
        return m_writer.GetError().empty();
    }
    m_finished = true;
    ns3::Simulator::Cancel(m_sampleEvent);
    Disconnect();
    SampleAll();
    while (!m_openCalls.empty())
    {
        const auto it = m_openCalls.begin();
        const bool answered = it->second.answer_ns() >= 0;
        CloseCall(it->first, answered ? RUN_ENDED_IN_CALL : RUN_ENDED_SETUP, 0, {});
    }
    Record record;
    Trailer& t = *record.mutable_trailer();
    t.set_complete(complete);
    t.set_stop_reason(reason);
    t.set_records(m_records);
    t.set_end_ns(NowNs());
    m_summary.Add(record);
    if (m_sink)
    {
        m_sink(record);
    }
    if (m_writing)
    {
        m_writing = false;
        return m_writer.Close(complete, reason, NowNs());
    }
    return true;
}

} // namespace sipsim::trace
