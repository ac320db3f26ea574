/*
 * The trace recorder: the only ns-3 code that knows the trace format. It connects to the trace
 * sources of stacks (SipStack "Message", "TransactionTerminated"), phones and gateways
 * ("DeviceEvent") and proxies (ProcessingQueue "QueueLength"), turns them into trace.proto
 * records, assembles one CallRecord per call attempt, samples node load periodically, and
 * writes everything through a TraceWriter while a SummaryBuilder sees the same records.
 */
#ifndef SIPSIM_TRACE_RECORDER_H
#define SIPSIM_TRACE_RECORDER_H

#include "node/device-event.h"
#include "trace/trace-file.h"
#include "trace/trace-summary.h"
#include "transport/sip-stack.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ns3/application.h>
#include <ns3/callback.h>
#include <ns3/event-id.h>
#include <ns3/nstime.h>
#include <ns3/object.h>
#include <ns3/ptr.h>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace sipsim {
class SipPhone;
class SipGateway;
class SipProxy;
class ProcessingQueue;
} // namespace sipsim

namespace sipsim::trace {

/// What a TraceRecorder records.
struct RecorderConfig
{
    bool messages = true;     ///< a Message record per SIP message sent or received
    bool transactions = true; ///< a TransactionOutcome per transaction that terminated
    bool userEvents = true;   ///< a UserEvent per DeviceEvent (CallRecords are always made)
    ns3::Time sampleInterval = ns3::Seconds(1); ///< NodeSample period; 0: no periodic samples
};

/**
 * Records one run.
 *
 * Usage: Open (or not: records then only feed the summary and the optional sink), Attach the
 * stacks and AttachPhone / AttachGateway / AttachProxy the applications, Start(end) before
 * Simulator::Run, Finish after it (also after a run stopped by a signal). The recorder must
 * outlive Simulator::Run; Finish disconnects it from every trace source.
 *
 * Records are written in the order the events happen (simulated time, then ns-3's event
 * order), with one exception: a TransactionOutcome is written when the cause of the end is
 * known (the timeout or transport error is reported by the transaction layer just after the
 * transaction enters Terminated), at the next event of its stack or just after the current
 * event, with the time it terminated.
 *
 * TransactionOutcome (documented simplification): a transaction is reported when it enters
 * Terminated. Its status is the first final response received (client) or sent (server) on
 * its branch and method; its result is TIMEOUT or TRANSPORT_ERROR when the layer reported one
 * as it terminated, else FINAL_RESPONSE when it had a final response, else
 * NO_FINAL_RESPONSE. Transactions still alive when the run ends are not reported.
 *
 * CallRecords (caller side, from DeviceEvents, keyed by node, user and call handle): a call
 * starts at CallPlaced (invite_ns; callee = the dialled URI); the first Tone RINGBACK sets
 * first_18x_ns; Answered sets answer_ns; Cleared closes it: after an answer it is COMPLETED
 * with final_status 200 and bye_ns = the clearing time (the phone reports the end when
 * the BYE arrives, or when the 200 answering its own BYE arrives), else FAILED with final_status
 * the Cleared status (failure_cause "486 graceful disconnect": status and receipt action, or the
 * event's text). Post-dial delay = first 18x, else answer, else the clearing of a failed call,
 * minus invite_ns. A gateway's Blocked event is a BLOCKED_NO_TRUNK record. Finish closes every
 * call still open, in (node, user, call) order: RUN_ENDED_IN_CALL after an answer, else
 * RUN_ENDED_SETUP.
 */
class TraceRecorder
{
  public:
    TraceRecorder();
    ~TraceRecorder();
    TraceRecorder(const TraceRecorder&) = delete;
    TraceRecorder& operator=(const TraceRecorder&) = delete;

    void SetConfig(const RecorderConfig& config) { m_config = config; }

    const RecorderConfig& GetConfig() const { return m_config; }

    /// Writes the trace to `path` (through path + ".tmp"). \return false on an I/O error
    bool Open(const std::string& path, const Header& header, bool gzip);

    /// Also hands every record (the Trailer included) to `sink` (tests, live analysis).
    void SetSink(std::function<void(const Record&)> sink) { m_sink = std::move(sink); }

    /// Message and TransactionOutcome records of a stack. `name` is for the caller's logs.
    void Attach(ns3::Ptr<SipStack> stack, const std::string& name = {});

    /// UserEvents, CallRecords and Registrations of a phone's users; samples (active calls).
    void AttachPhone(ns3::Ptr<SipPhone> phone, const std::string& name = {});

    /// The same for a gateway (its PSTN-to-SIP calls); samples (busy trunks, trunk calls).
    void AttachGateway(ns3::Ptr<SipGateway> gateway, const std::string& name = {});

    /**
     * Samples of a proxy's load (queue length and its peak, interval and mean utilization);
     * queue may be null (the samples then say 0). Attach the proxy's stack separately.
     */
    void AttachProxy(ns3::Ptr<SipProxy> proxy, ns3::Ptr<ProcessingQueue> queue,
                     const std::string& name);

    /**
     * Schedules a NodeSample of every attached application every sampleInterval, from now
     * until `end` (inclusive). Call once, before Simulator::Run.
     */
    void Start(ns3::Time end);

    /// A FaultEvent now.
    void RecordFault(const std::string& description, FaultKind kind = OTHER, uint32_t node = 0);

    /**
     * Ends the run: pending transaction outcomes, one last sample of every application, a
     * CallRecord for every call still open (RUN_ENDED_*), then the Trailer; the file is
     * closed and renamed. Disconnects every trace source. Idempotent.
     * \return false when the file could not be written (see GetError)
     */
    bool Finish(bool complete, const std::string& reason);

    /// The summary of every record so far (after Finish: of the whole trace).
    Summary GetSummary() const { return m_summary.Get(); }

    /// Records emitted so far (the Trailer not included).
    uint64_t GetRecordCount() const { return m_records; }

    /// Calls open now (placed, not yet cleared).
    size_t GetOpenCalls() const { return m_openCalls.size(); }

    const std::string& GetError() const { return m_writer.GetError(); }

  private:
    struct StackState
    {
        ns3::Ptr<SipStack> stack;
        std::string name;
        /// Transactions up to this id were created before Attach and are not recorded.
        TransactionId attachedAfter = 0;
    };

    enum class AppKind : uint8_t
    {
        Phone,
        Gateway,
        Proxy,
    };

    struct App
    {
        AppKind kind = AppKind::Phone;
        std::string name;
        ns3::Ptr<ns3::Object> object;
        ns3::Ptr<ProcessingQueue> queue;
        uint32_t node = 0;
        uint32_t peakQueue = 0; ///< since the last sample
        double lastBusy = 0;    ///< busy worker-seconds at the last sample
        ns3::Time lastSample;
    };

    /// One trace-source connection, undone by Disconnect.
    struct Connection
    {
        ns3::Ptr<ns3::Object> object;
        std::string source;
        ns3::CallbackBase callback;
    };

    using CallKey = std::tuple<uint32_t, std::string, uint32_t>; ///< node, user, call

    void Emit(Record& record);
    /// A phone or gateway: its DeviceEvents (UserEvents, CallRecords, Registrations), samples.
    void AttachDevice(ns3::Ptr<ns3::Application> device, AppKind kind, const std::string& name);
    void Connect(ns3::Ptr<ns3::Object> object, const std::string& source,
                 const ns3::CallbackBase& callback);
    void Disconnect();

    // Stacks.
    void OnMessage(const SipMessageTrace& trace);
    void OnTransactionTerminated(uint32_t stack, uint32_t node, const TransactionEnd& end);

    // Devices.
    void OnDeviceEvent(const DeviceEvent& event);
    void CloseCall(const CallKey& key, CallOutcome outcome, uint32_t status,
                   const std::string& cause);
    void OnQueueLength(uint32_t app, uint32_t oldValue, uint32_t newValue);

    // Samples.
    void SampleAll();
    void Sample(App& app);
    void OnSampleTimer();

    RecorderConfig m_config;
    TraceWriter m_writer;
    bool m_writing = false;
    bool m_finished = false;
    uint64_t m_records = 0;
    SummaryBuilder m_summary;
    std::function<void(const Record&)> m_sink;
    std::vector<std::unique_ptr<StackState>> m_stacks;
    std::vector<App> m_apps;
    std::vector<Connection> m_connections;
    std::map<CallKey, CallRecord> m_openCalls; ///< ordered: Finish closes them in key order
    ns3::EventId m_sampleEvent;
    ns3::Time m_end;
};

} // namespace sipsim::trace

#endif // SIPSIM_TRACE_RECORDER_H
