/*
 * The engine of `sipsim run`: PrepareRun (the load-and-check `validate` shares, which builds
 * the network and the devices) -> outputs -> faults -> random streams -> simulation -> summary,
 * expectations and report.
 */
#include "run/scenario-runner.h"

#include "run/expectations.h"
#include "run/junit-report.h"
#include "run/run-report.h"
#include "run/scenario-check.h"
#include "run/schedule-faults.h"
#include "run/stats-outputs.h"
#include "run/summary-json.h"
#include "trace/signal-stop.h"
#include "trace/trace-recorder.h"
#include "trace/trace-summary.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <google/protobuf/text_format.h>
#include <ns3/core-module.h>
#include <ns3/csma-helper.h>
#include <ns3/csma-net-device.h>
#include <ns3/node-list.h>
#include <ns3/point-to-point-helper.h>
#include <ns3/point-to-point-net-device.h>
#include <ostream>
#include <sstream>

#ifndef SIPSIM_VERSION
#define SIPSIM_VERSION "unknown"
#endif

namespace sipsim::run {

namespace {

namespace sc = sipsim::scenario;
namespace fs = std::filesystem;

/// The record's time (ns) for the warm-up filter; -1 for records that always count
/// (registrations happen at the start, in the warm-up, and are counted all the same).
int64_t
RecordTime(const trace::Record& r)
{
    switch (r.record_case())
    {
        case trace::Record::kMessage:
            return r.message().time_ns();
        case trace::Record::kCall:
            return r.call().invite_ns();
        case trace::Record::kTransaction:
            return r.transaction().time_ns();
        case trace::Record::kSample:
            return r.sample().time_ns();
        case trace::Record::kUserEvent:
            return r.user_event().time_ns();
        default:
            return -1;
    }
}

/// An output folder that holds files: refused unless --force. False (reported) when refused.
bool
CheckOutDir(const RunOptions& options, std::ostream& err)
{
    std::error_code ec;
    const fs::path out(options.outDir);
    if (!fs::exists(out, ec))
    {
        return true;
    }
    if (!fs::is_directory(out, ec))
    {
        err << "--out " << options.outDir << ": exists and is not a folder\n";
        return false;
    }
    if (!fs::is_empty(out, ec) && !options.force)
    {
        err << "--out " << options.outDir
            << ": the folder is not empty (an earlier run's outputs?): pass --force to replace "
               "its contents, or name another folder\n";
        return false;
    }
    return true;
}

/// Empties the output folder (--force) and makes sure it exists.
bool
ResetOutDir(const RunOptions& options, std::ostream& err)
{
    std::error_code ec;
    const fs::path out(options.outDir);
    if (fs::exists(out, ec))
    {
        for (const auto& entry : fs::directory_iterator(out, ec))
        {
            fs::remove_all(entry.path(), ec);
            if (ec)
            {
                err << entry.path().string() << ": cannot remove (" << ec.message() << ")\n";
                return false;
            }
        }
    }
    fs::create_directories(out, ec);
    if (ec || !fs::is_directory(out))
    {
        err << options.outDir << ": cannot create the output folder (" << ec.message() << ")\n";
        return false;
    }
    return true;
}

/**
 * A pcap per SIP node device, named by the node and what the device reaches:
 * "<node>-<peer>.pcap" for a point-to-point link, "<node>-lan<k>.pcap" for the k-th CSMA
 * segment of the node.
 */
void
EnablePcaps(const World& w, const std::string& outDir)
{
    ns3::PointToPointHelper p2p;
    ns3::CsmaHelper csma;
    std::map<uint32_t, std::string> names; // every node, routers too
    const auto& graph = w.topo.GetGraph();
    for (const auto v : boost::make_iterator_range(boost::vertices(graph)))
    {
        names[w.network.NodeOf(graph[v].name)->GetId()] = graph[v].name;
    }
    for (const auto& [id, name] : w.nameOfNode)
    {
        const ns3::Ptr<ns3::Node> node = ns3::NodeList::GetNode(id);
        int lans = 0;
        for (uint32_t i = 0; i < node->GetNDevices(); ++i)
        {
            const ns3::Ptr<ns3::NetDevice> device = node->GetDevice(i);
            if (const auto link = ns3::DynamicCast<ns3::PointToPointNetDevice>(device))
            {
                const ns3::Ptr<ns3::Channel> channel = link->GetChannel();
                std::string peer = "link" + std::to_string(i);
                for (std::size_t k = 0; channel && k < channel->GetNDevices(); ++k)
                {
                    const uint32_t other = channel->GetDevice(k)->GetNode()->GetId();
                    if (other != id)
                    {
                        const auto known = names.find(other);
                        peer
                            = known != names.end() ? known->second : "node" + std::to_string(other);
                    }
                }
                p2p.EnablePcap(outDir + "/" + name + "-" + peer + ".pcap", device, false, true);
            }
            else if (ns3::DynamicCast<ns3::CsmaNetDevice>(device))
            {
                csma.EnablePcap(outDir + "/" + name + "-lan" + std::to_string(++lans) + ".pcap",
                                device, false, true);
            }
        }
    }
}

/// Random streams in a fixed order, so that a seed and run give the same trace.
void
AssignStreams(World& w)
{
    int64_t stream = 1;
    stream += w.network.AssignStreams(stream);
    for (auto& [node, phone] : w.phones)
    {
        stream += phone->AssignStreams(stream);
    }
    for (auto& [node, gateway] : w.gateways)
    {
        stream += gateway->AssignStreams(stream);
    }
    for (auto& [node, queue] : w.queues)
    {
        stream += queue->AssignStreams(stream);
    }
    if (w.generator)
    {
        stream += w.generator->AssignStreams(stream);
    }
    if (w.hostile)
    {
        stream += w.hostile->AssignStreams(stream);
    }
    for (auto& model : w.faultErrorModels)
    {
        stream += model->AssignStreams(stream);
    }
    w.network.AssignStackStreams();
}

trace::Header
MakeHeader(const PreparedRun& p, const RunOptions& options)
{
    trace::Header header;
    header.set_program_version(SIPSIM_VERSION);
    header.set_scenario_name(p.scenario.name());
    header.set_scenario_text(p.text);
    for (const auto& assignment : options.overrides)
    {
        header.add_overrides(assignment);
    }
    std::string effective;
    google::protobuf::TextFormat::PrintToString(p.scenario, &effective);
    header.set_effective_scenario_text(effective);
    header.set_seed(p.scenario.seed());
    header.set_run(p.scenario.run());
    return header;
}

} // namespace

int
RunScenario(const RunOptions& options, std::ostream& out, std::ostream& err)
{
    // A signal from here on stops the run with a valid trace marked incomplete.
    if (!options.checkOnly)
    {
        trace::InstallStopSignalHandlers();
    }
    struct RestoreHandlers
    {
        bool active;
        ~RestoreHandlers()
        {
            if (active)
            {
                trace::RestoreStopSignalHandlers();
            }
        }
    } restore{!options.checkOnly};
    // The JUnit report: its folder is checked before anything runs, and it is written on every
    // way out after that, an <error> when the run ends without a verdict.
    const std::string startedAt = IsoTimestampNow();
    const auto started = std::chrono::steady_clock::now();
    JUnitReport junit;
    junit.suite = options.scenarioFile;
    junit.timestamp = startedAt;
    junit.properties.emplace_back("scenario", options.scenarioFile);
    junit.properties.emplace_back("sipsim.version", SIPSIM_VERSION);
    for (const auto& assignment : options.overrides)
    {
        junit.properties.emplace_back("override", assignment);
    }
    const auto writeJUnit = [&](int status) {
        if (options.junitFile.empty() || options.checkOnly)
        {
            return status;
        }
        junit.timeS
            = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::string why;
        if (!WriteJUnit(options.junitFile, junit, &why))
        {
            err << options.junitFile << ": cannot write the JUnit report: " << why << "\n";
            return status == kOk || status == kExpectations ? kIoError : status;
        }
        return status;
    };
    const auto failJUnit = [&](int status, const std::string& type, const std::string& message,
                               const std::string& details) {
        junit.errorType = type;
        junit.errorMessage = message;
        junit.errorDetails = details;
        return writeJUnit(status);
    };
    if (!options.checkOnly && !options.junitFile.empty())
    {
        std::string why;
        if (!CanWriteJUnit(options.junitFile, &why))
        {
            err << options.junitFile << ": cannot write the JUnit report: " << why << "\n";
            return kBadInput;
        }
    }
    std::ostringstream problems;
    if (!options.checkOnly && !CheckOutDir(options, problems))
    {
        err << problems.str();
        return failJUnit(kBadInput, "invalid-output-folder", "the output folder is refused",
                         problems.str());
    }
    auto prepared = PrepareRun(options, problems);
    err << problems.str();
    if (!prepared)
    {
        ns3::Simulator::Destroy();
        return failJUnit(kBadInput, "invalid-scenario", "the scenario is invalid (exit 2)",
                         problems.str());
    }
    const sc::Scenario& s = prepared->scenario;
    World& w = *prepared->world;
    junit.suite = s.name().empty() ? options.scenarioFile : s.name();
    junit.properties.emplace_back("seed", std::to_string(s.seed()));
    junit.properties.emplace_back("run", std::to_string(s.run()));
    if (options.checkOnly)
    {
        uint64_t phones = 0;
        for (const auto& [node, aors] : w.phoneAors)
        {
            phones += aors.size();
        }
        out << options.scenarioFile << ": ok (" << w.topo.NodeCount() << " nodes, "
            << w.topo.LinkCount() << " links, " << s.groups_size() << " groups, " << phones
            << " phones, " << s.faults_size() << " faults, " << s.expectations_size()
            << " expectations";
        if (!s.topology().dot_file().empty())
        {
            out << "; topology also from " << s.topology().dot_file();
        }
        out << ")\n";
        ns3::Simulator::Destroy();
        return kOk;
    }

    // --- outputs ------------------------------------------------------------------------------
    if (!ResetOutDir(options, problems))
    {
        err << problems.str();
        ns3::Simulator::Destroy();
        return failJUnit(kIoError, "io-error", "the output folder cannot be made", problems.str());
    }
    const bool gzip = s.outputs().gzip();
    const std::string tracePath = options.outDir + (gzip ? "/trace.pb.gz" : "/trace.pb");
    if (options.pcap || s.outputs().pcap())
    {
        EnablePcaps(w, options.outDir);
    }
    trace::TraceRecorder recorder;
    trace::RecorderConfig config;
    config.messages = s.outputs().messages();
    config.sampleInterval = ns3::Seconds(s.outputs().sample_interval_s());
    recorder.SetConfig(config);
    if (!recorder.Open(tracePath, MakeHeader(*prepared, options), gzip))
    {
        err << tracePath << ": " << recorder.GetError() << "\n";
        ns3::Simulator::Destroy();
        return failJUnit(kIoError, "io-error", "the trace cannot be written",
                         tracePath + ": " + recorder.GetError());
    }
    // The summary leaves out what happened in the warm-up.
    const int64_t warmupNs = static_cast<int64_t>(s.warmup_s() * 1e9);
    trace::SummaryBuilder measured;
    LiveStats live(w, recorder);
    recorder.SetSink([&measured, &live, warmupNs](const trace::Record& r) {
        live.Add(r);
        const int64_t t = RecordTime(r);
        if (t < 0 || t >= warmupNs)
        {
            measured.Add(r);
        }
    });
    for (const auto& [name, stack] : w.stacks)
    {
        recorder.Attach(stack, name);
    }
    for (const auto& [name, phone] : w.phones)
    {
        recorder.AttachPhone(phone, name);
    }
    for (const auto& [name, gateway] : w.gateways)
    {
        recorder.AttachGateway(gateway, name);
    }
    for (const auto& [name, proxy] : w.proxies)
    {
        recorder.AttachProxy(proxy, w.queues.count(name) ? w.queues[name] : nullptr, name);
    }
    const ns3::Time end = ns3::Seconds(s.duration_s());
    recorder.Start(end);
    ScheduleFaults(s, w, recorder);
    AssignStreams(w);
    StatusLine status(live, err, end);
    if (options.progress)
    {
        status.Start();
    }
    StatsCsv stats(live);
    const std::string statsFile = !options.statsFile.empty() ? options.statsFile
                                  : s.outputs().stats_csv()  ? options.outDir + "/stats.csv"
                                                             : std::string();
    if (!statsFile.empty())
    {
        std::string why;
        if (!stats.Open(statsFile, &why))
        {
            err << why << "\n";
            ns3::Simulator::Destroy();
            return failJUnit(kIoError, "io-error", "the stats CSV cannot be written", why);
        }
        stats.Start(ns3::Seconds(s.outputs().sample_interval_s()), end);
    }

    // --- run: a signal stops it within milliseconds of wall time, whatever the event rate ----
    if (trace::StopSignalReceived() == 0)
    {
        trace::StopWatcher watcher;
        ns3::Simulator::Stop(end);
        ns3::Simulator::Run();
    }
    if (options.progress)
    {
        status.Finish();
    }
    const MemoryUse memory = MeasureMemory();
    const int signal = trace::StopSignalReceived();
    const std::string signalName = trace::StopSignalName();
    const bool complete = signal == 0;
    const bool written = recorder.Finish(complete, complete ? "end" : signalName);
    const trace::Summary sum = measured.Get();

    // --- summary, expectations (read from the world before it is destroyed) -------------------
    if (complete)
    {
        junit.results = Evaluate(s, sum, w);
    }
    std::ofstream summaryFile(options.outDir + "/summary.json", std::ios::trunc);
    summaryFile << RunSummaryJson(s, sum, w, junit.results);
    summaryFile.close();
    PrintSummary(out, sum, w, s.warmup_s());
    PrintMemory(out, memory);
    ns3::Simulator::Destroy();
    if (!written || !summaryFile)
    {
        err << options.outDir << ": cannot write the outputs (" << recorder.GetError() << ")\n";
        return failJUnit(kIoError, "io-error", "the outputs cannot be written",
                         options.outDir + ": " + recorder.GetError());
    }
    if (!complete)
    {
        err << "stopped by " << signalName << ": " << tracePath
            << " is valid and marked incomplete\n";
        return failJUnit(kInterrupted, "interrupted", "stopped by " + signalName,
                         tracePath + " is valid and marked incomplete");
    }
    const size_t violated = PrintVerdict(out, junit.results);
    const int exitCode = writeJUnit(violated == 0 ? kOk : kExpectations);
    PrintOutputs(out, options.outDir, statsFile, options.junitFile);
    return exitCode;
}

} // namespace sipsim::run
