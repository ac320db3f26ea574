/*
 * The trace recorder on a small ns-3 topology: two SipPhones on two nodes (alice 10.1.1.1,
 * bob 10.1.1.2, 100 Mb/s, 5 ms), alice calling bob three times:
 *   1 s:  bob answers after 2 s, alice hangs up 5 s later       -> COMPLETED
 *   20 s: bob has do-not-disturb on (486)                       -> FAILED 486
 *   40 s: bob's phone rings; the run ends at 41 s (answer at 42) -> RUN_ENDED_SETUP
 * The call records' times are checked exactly against the Message records of the same trace;
 * two runs give byte-identical files; a run stopped by a (simulated) SIGINT leaves a valid
 * trace marked incomplete; the summary matches the records.
 */
#include "node/sip-phone-helper.h"
#include "node/sip-phone.h"
#include "trace/signal-stop.h"
#include "trace/trace-file.h"
#include "trace/trace-recorder.h"
#include "trace/trace-summary.h"
#include "transport/sip-stack-helper.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace sipsim::trace {
namespace {

namespace fs = std::filesystem;
using ns3::Seconds;
using ns3::Simulator;

std::string
TempPath(const std::string& name)
{
    const fs::path dir
        = fs::temp_directory_path() / ("sipsim-trace-rec-" + std::to_string(getpid()));
    fs::create_directories(dir);
    return (dir / name).string();
}

std::string
Slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void
ResetNs3()
{
    Simulator::Destroy();
    ns3::Config::Reset();
    ns3::Ipv4AddressGenerator::Reset();
    ns3::RngSeedManager::SetSeed(11);
    ns3::RngSeedManager::SetRun(2);
}

struct RunOptions
{
    std::string path;
    bool gzip = false;
    double stopAt = 41;   ///< simulated end (s)
    double signalAt = -1; ///< a simulated SIGINT at this time; < 0: none
};

/// The three-call scenario; returns the recorder's summary.
Summary
RunScenario(const RunOptions& options)
{
    ResetNs3();
    ns3::NodeContainer nodes;
    nodes.Create(2);
    ns3::InternetStackHelper internet;
    internet.Install(nodes);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::StringValue("5ms"));
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    addresses.Assign(p2p.Install(nodes));
    SipStackHelper stacks;
    const auto stackList = stacks.Install(nodes);

    SipPhoneHelper helper;
    helper.SetAttribute("AnswerDelay", ns3::StringValue("ns3::ConstantRandomVariable[Constant=2]"));
    helper.SetAttribute("HoldingTime", ns3::StringValue("ns3::ConstantRandomVariable[Constant=5]"));
    ns3::ApplicationContainer apps = helper.Install(nodes);
    const auto alice = ns3::DynamicCast<SipPhone>(apps.Get(0));
    const auto bob = ns3::DynamicCast<SipPhone>(apps.Get(1));
    PhoneUser a;
    a.aor = "sip:alice@10.1.1.1";
    alice->AddUser(a);
    PhoneUser b;
    b.aor = "sip:bob@10.1.1.2";
    bob->AddUser(b);
    SipPhoneHelper::AssignStreams(apps, 50);

    TraceRecorder recorder;
    Header header;
    header.set_program_version("test");
    header.set_scenario_name("two-phones");
    header.set_scenario_text("alice calls bob three times");
    header.set_seed(11);
    header.set_run(2);
    EXPECT_TRUE(recorder.Open(options.path, header, options.gzip)) << recorder.GetError();
    recorder.Attach(stackList[0], "alice");
    recorder.Attach(stackList[1], "bob");
    recorder.AttachPhone(alice, "alice");
    recorder.AttachPhone(bob, "bob");
    recorder.Start(Seconds(options.stopAt));

    Simulator::Schedule(Seconds(1), [alice]() { alice->Call(0, "sip:bob@10.1.1.2"); });
    Simulator::Schedule(Seconds(19), [bob]() { bob->SetDoNotDisturb(0, true); });
    Simulator::Schedule(Seconds(20), [alice]() { alice->Call(0, "sip:bob@10.1.1.2"); });
    Simulator::Schedule(Seconds(39), [bob]() { bob->SetDoNotDisturb(0, false); });
    Simulator::Schedule(Seconds(40), [alice]() { alice->Call(0, "sip:bob@10.1.1.2"); });
    if (options.signalAt >= 0)
    {
        InstallStopSignalHandlers();
        // The signal arrives at signalAt; the run stops there, as StopWatcher stops a real run
        // after the event it is running.
        Simulator::Schedule(Seconds(options.signalAt), []() {
            RaiseStopSignalForTest(SIGINT);
            Simulator::Stop();
        });
    }
    Simulator::Stop(Seconds(options.stopAt));
    Simulator::Run();
    const bool interrupted = StopSignalReceived() != 0;
    const std::string reason = interrupted ? StopSignalName() : "end";
    EXPECT_TRUE(recorder.Finish(!interrupted, reason)) << recorder.GetError();
    if (options.signalAt >= 0)
    {
        RestoreStopSignalHandlers();
    }
    const Summary summary = recorder.GetSummary();
    Simulator::Destroy();
    ns3::Config::Reset();
    ns3::Ipv4AddressGenerator::Reset();
    return summary;
}

class TraceRecorderTest : public ::testing::Test
{
  protected:
    void TearDown() override
    {
        Simulator::Destroy();
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
    }
};

std::vector<CallRecord>
Calls(const TraceContents& trace)
{
    std::vector<CallRecord> out;
    for (const Record& r : trace.records)
    {
        if (r.has_call())
        {
            out.push_back(r.call());
        }
    }
    return out;
}

/// Time of the n-th (0-based) message record matching pred.
template<typename Pred>
int64_t
MessageTime(const TraceContents& trace, Pred pred, size_t n = 0)
{
    for (const Record& r : trace.records)
    {
        if (r.has_message() && pred(r.message()) && n-- == 0)
        {
            return r.message().time_ns();
        }
    }
    return -2;
}

TEST_F(TraceRecorderTest, OneCallRecordPerAttemptWithExactTimes)
{
    const std::string path = TempPath("calls.trace");
    const Summary summary = RunScenario({path});
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    const TraceContents trace = ReadTrace(path);
    ASSERT_TRUE(trace.ok) << trace.error;
    EXPECT_EQ(trace.header.schema_version(), kSchemaVersion);
    EXPECT_EQ(trace.header.scenario_name(), "two-phones");
    EXPECT_EQ(trace.header.seed(), 11u);
    EXPECT_EQ(trace.header.run(), 2u);
    ASSERT_TRUE(trace.records.back().has_trailer());
    EXPECT_TRUE(trace.records.back().trailer().complete());
    EXPECT_EQ(trace.records.back().trailer().stop_reason(), "end");
    EXPECT_EQ(trace.records.back().trailer().end_ns(), Seconds(41).GetNanoSeconds());
    EXPECT_EQ(trace.records.back().trailer().records(), trace.records.size() - 1);

    size_t messages = 0;
    size_t samples = 0;
    size_t userEvents = 0;
    for (const Record& r : trace.records)
    {
        messages += r.has_message() ? 1 : 0;
        samples += r.has_sample() ? 1 : 0;
        userEvents += r.has_user_event() ? 1 : 0;
    }
    EXPECT_GT(messages, 20u);
    // Every second per phone, and one at Finish; the stop event at 41 s runs before the sample
    // scheduled for 41 s (it was scheduled first).
    EXPECT_EQ(samples, 2u * 40 + 2);
    EXPECT_GT(userEvents, 0u);

    const std::vector<CallRecord> calls = Calls(trace);
    ASSERT_EQ(calls.size(), 3u);
    const auto aliceTx = [](const std::string& method) {
        return
            [method](const Message& m) { return m.node() == 0 && m.tx() && m.method() == method; };
    };
    const auto aliceRx = [](uint32_t status, const std::string& cseqMethod) {
        return [status, cseqMethod](const Message& m) {
            return m.node() == 0 && !m.tx() && m.status() == status
                   && m.cseq_method() == cseqMethod;
        };
    };

    // Call 1: completed.
    const CallRecord& c1 = calls[0];
    EXPECT_EQ(c1.caller(), "sip:alice@10.1.1.1");
    EXPECT_EQ(c1.callee(), "sip:bob@10.1.1.2");
    EXPECT_EQ(c1.caller_node(), 0u);
    EXPECT_EQ(c1.outcome(), COMPLETED);
    EXPECT_EQ(c1.final_status(), 200u);
    EXPECT_EQ(c1.invite_ns(), Seconds(1).GetNanoSeconds());
    EXPECT_EQ(c1.invite_ns(), MessageTime(trace, aliceTx("INVITE"), 0));
    EXPECT_EQ(c1.first_18x_ns(), MessageTime(trace, aliceRx(180, "INVITE"), 0));
    EXPECT_EQ(c1.answer_ns(), MessageTime(trace, aliceRx(200, "INVITE"), 0));
    // Bob answers 2 s after his phone rang (when he sent the 180).
    const int64_t bobRang = MessageTime(
        trace, [](const Message& m) { return m.node() == 1 && m.tx() && m.status() == 180; });
    const int64_t bobAnswered = MessageTime(trace, [](const Message& m) {
        return m.node() == 1 && m.tx() && m.status() == 200 && m.cseq_method() == "INVITE";
    });
    EXPECT_EQ(bobAnswered - bobRang, Seconds(2).GetNanoSeconds());
    // Alice hangs up 5 s after the answer (BYE sent then); the call is cleared, and bye_ns
    // set, when the 200 answering the BYE arrives.
    EXPECT_EQ(MessageTime(trace, aliceTx("BYE")), c1.answer_ns() + Seconds(5).GetNanoSeconds());
    EXPECT_EQ(c1.bye_ns(), MessageTime(trace, aliceRx(200, "BYE")));
    EXPECT_DOUBLE_EQ(c1.post_dial_delay_s(),
                     static_cast<double>(c1.first_18x_ns() - c1.invite_ns()) / 1e9);
    EXPECT_TRUE(c1.failure_cause().empty());

    // Call 2: 486 from do-not-disturb.
    const CallRecord& c2 = calls[1];
    EXPECT_EQ(c2.outcome(), FAILED);
    EXPECT_EQ(c2.final_status(), 486u);
    EXPECT_EQ(c2.invite_ns(), Seconds(20).GetNanoSeconds());
    EXPECT_EQ(c2.invite_ns(), MessageTime(trace, aliceTx("INVITE"), 1));
    EXPECT_EQ(c2.first_18x_ns(), -1);
    EXPECT_EQ(c2.answer_ns(), -1);
    EXPECT_EQ(c2.bye_ns(), -1);
    const int64_t busy = MessageTime(trace, aliceRx(486, "INVITE"));
    EXPECT_EQ(c2.end_ns(), busy);
    EXPECT_DOUBLE_EQ(c2.post_dial_delay_s(), static_cast<double>(busy - c2.invite_ns()) / 1e9);
    EXPECT_EQ(c2.failure_cause().rfind("486", 0), 0u) << c2.failure_cause();

    // Call 3: ringing when the run ended.
    const CallRecord& c3 = calls[2];
    EXPECT_EQ(c3.outcome(), RUN_ENDED_SETUP);
    EXPECT_EQ(c3.invite_ns(), Seconds(40).GetNanoSeconds());
    EXPECT_EQ(c3.first_18x_ns(), MessageTime(trace, aliceRx(180, "INVITE"), 1));
    EXPECT_GT(c3.first_18x_ns(), 0);
    EXPECT_EQ(c3.answer_ns(), -1);
    EXPECT_EQ(c3.final_status(), 0u);
    EXPECT_EQ(c3.end_ns(), Seconds(41).GetNanoSeconds());

    // The summary the recorder computed is the summary of the file's records.
    EXPECT_EQ(summary.ToJson(), Summarize(trace.records).ToJson());
    EXPECT_EQ(summary.callsAttempted, 3u);
    EXPECT_EQ(summary.callsCompleted, 1u);
    EXPECT_EQ(summary.callsFailed, 1u);
    EXPECT_EQ(summary.failedByStatus.at(486), 1u);
    EXPECT_EQ(summary.callsRunEndedSetup, 1u);
    EXPECT_EQ(summary.postDialDelay.count, 3u);
    EXPECT_EQ(summary.messages, messages);
    EXPECT_TRUE(summary.complete);
}

TEST_F(TraceRecorderTest, TransactionOutcomes)
{
    const std::string path = TempPath("transactions.trace");
    RunScenario({path});
    const TraceContents trace = ReadTrace(path);
    ASSERT_TRUE(trace.ok) << trace.error;
    std::vector<TransactionOutcome> outcomes;
    for (const Record& r : trace.records)
    {
        if (r.has_transaction())
        {
            outcomes.push_back(r.transaction());
        }
    }
    ASSERT_FALSE(outcomes.empty());
    // Alice's first INVITE client transaction: 200, ended from Accepted (RFC 6026, Timer M).
    bool inviteOk = false;
    bool invite486 = false;
    bool bye = false;
    for (const auto& o : outcomes)
    {
        EXPECT_FALSE(o.branch().empty());
        EXPECT_FALSE(o.call_id().empty());
        if (o.node() == 0 && o.kind() == INVITE_CLIENT && o.status() == 200)
        {
            inviteOk = true;
            EXPECT_EQ(o.result(), FINAL_RESPONSE);
            EXPECT_EQ(o.last_state(), "Accepted");
        }
        // Bob's INVITE server transaction of the 486: ACKed (Confirmed), then Timer I. (Alice's
        // client transaction waits for Timer D, 32 s: alive when the run ends, not reported.)
        if (o.node() == 1 && o.kind() == INVITE_SERVER && o.status() == 486)
        {
            invite486 = true;
            EXPECT_EQ(o.result(), FINAL_RESPONSE);
            EXPECT_EQ(o.last_state(), "Confirmed");
        }
        EXPECT_FALSE(o.node() == 0 && o.kind() == INVITE_CLIENT && o.status() == 486);
        if (o.node() == 1 && o.kind() == NON_INVITE_SERVER && o.method() == "BYE")
        {
            bye = true;
            EXPECT_EQ(o.status(), 200u);
            EXPECT_EQ(o.result(), FINAL_RESPONSE);
        }
    }
    EXPECT_TRUE(inviteOk);
    EXPECT_TRUE(invite486);
    EXPECT_TRUE(bye);
}

TEST_F(TraceRecorderTest, SameScenarioSeedAndRunGiveByteIdenticalTraces)
{
    const std::string first = TempPath("det1.trace");
    const std::string second = TempPath("det2.trace");
    const Summary s1 = RunScenario({first});
    const Summary s2 = RunScenario({second});
    const std::string bytes = Slurp(first);
    ASSERT_GT(bytes.size(), 1000u);
    EXPECT_TRUE(bytes == Slurp(second));
    EXPECT_EQ(s1.ToJson(), s2.ToJson());

    const std::string gz1 = TempPath("det1.trace.gz");
    const std::string gz2 = TempPath("det2.trace.gz");
    RunScenario({gz1, true});
    RunScenario({gz2, true});
    const std::string gzBytes = Slurp(gz1);
    EXPECT_LT(gzBytes.size(), bytes.size());
    EXPECT_TRUE(gzBytes == Slurp(gz2));
    // The gzip file holds the same records.
    const TraceContents plain = ReadTrace(first);
    const TraceContents zipped = ReadTrace(gz1);
    ASSERT_TRUE(zipped.ok) << zipped.error;
    ASSERT_EQ(plain.records.size(), zipped.records.size());
    for (size_t i = 0; i < plain.records.size(); ++i)
    {
        ASSERT_EQ(plain.records[i].SerializeAsString(), zipped.records[i].SerializeAsString()) << i;
    }
}

TEST_F(TraceRecorderTest, SignalStopsTheRunAndLeavesAnIncompleteValidTrace)
{
    const std::string path = TempPath("sigint.trace");
    // SIGINT at 4.05 s, while call 1 is established (answered at about 3 s, BYE due at about
    // 8 s); the run stops there (a real run: after the event it is running, StopWatcher).
    RunOptions options{path};
    options.signalAt = 4.05;
    const Summary summary = RunScenario(options);
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    const TraceContents trace = ReadTrace(path);
    ASSERT_TRUE(trace.ok) << trace.error;
    const Trailer& t = trace.records.back().trailer();
    EXPECT_FALSE(t.complete());
    EXPECT_EQ(t.stop_reason(), "SIGINT");
    EXPECT_EQ(t.end_ns(), ns3::MilliSeconds(4050).GetNanoSeconds());
    // The established call is not lost: RUN_ENDED_IN_CALL.
    const std::vector<CallRecord> calls = Calls(trace);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].outcome(), RUN_ENDED_IN_CALL);
    EXPECT_EQ(calls[0].final_status(), 200u);
    EXPECT_GT(calls[0].answer_ns(), 0);
    EXPECT_EQ(calls[0].bye_ns(), -1);
    EXPECT_FALSE(summary.complete);
    EXPECT_EQ(summary.callsRunEndedInCall, 1u);
}

TEST_F(TraceRecorderTest, WithoutMessagesOrFileOnlyTheSummary)
{
    ResetNs3();
    TraceRecorder recorder;
    RecorderConfig config;
    config.messages = false;
    config.sampleInterval = ns3::Time(0);
    recorder.SetConfig(config);
    std::vector<Record> seen;
    recorder.SetSink([&seen](const Record& r) { seen.push_back(r); });
    recorder.RecordFault("link 1 down", LINK_DOWN, 3);
    EXPECT_TRUE(recorder.Finish(false, "SIGTERM"));
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].fault().description(), "link 1 down");
    EXPECT_EQ(seen[0].fault().kind(), LINK_DOWN);
    EXPECT_TRUE(seen[1].has_trailer());
    EXPECT_EQ(recorder.GetSummary().faults, 1u);
    EXPECT_EQ(recorder.GetSummary().stopReason, "SIGTERM");
}

} // namespace
} // namespace sipsim::trace
