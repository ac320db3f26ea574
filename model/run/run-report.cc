#include "run/run-report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// gperftools' C interface (malloc_extension_c.h), declared weak: non-null only when the
/// program links tcmalloc (SIPSIM_ALLOCATOR), whose heap glibc's mallinfo2 does not see.
extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value)
    __attribute__((weak));

namespace sipsim::run {

void
PrintSummary(std::ostream& out, const trace::Summary& sum, const World& w, double warmup)
{
    out << "\nCalls (placed after the " << warmup << " s warm-up):\n";
    out << "  attempted " << sum.callsAttempted << ", completed " << sum.callsCompleted
        << ", failed " << sum.callsFailed << ", blocked " << sum.callsBlocked
        << ", still up at the end " << sum.callsRunEndedInCall << ", still in set-up at the end "
        << sum.callsRunEndedSetup << "\n";
    if (!sum.failedByStatus.empty())
    {
        out << "  failed by status:";
        for (const auto& [status, n] : sum.failedByStatus)
        {
            out << " " << status << " x" << n;
        }
        out << "\n";
    }
    out << std::fixed << std::setprecision(3);
    out << "  post-dial delay (s): p50 " << sum.postDialDelay.p50 << ", p95 "
        << sum.postDialDelay.p95 << ", p99 " << sum.postDialDelay.p99 << ", max "
        << sum.postDialDelay.max << " (" << sum.postDialDelay.count << " calls)\n";
    out << "Registrations: " << sum.registrationsOk << " ok, " << sum.registrationsFailed
        << " failed\n";
    const auto row = [&out](const std::string& name, uint64_t sent, uint64_t received,
                            uint64_t retransmissions) {
        out << "  " << std::left << std::setw(16) << name << std::right << std::setw(9) << sent
            << " / " << std::setw(9) << received << " / " << std::setw(7) << retransmissions
            << "\n";
    };
    if (!sum.messagesByNode.empty())
    {
        out << "Messages per node (sent / received / retransmissions):\n";
        for (const auto& [id, m] : sum.messagesByNode)
        {
            row(w.nameOfNode.count(id) ? w.nameOfNode.at(id) : std::to_string(id), m.sent,
                m.received, m.retransmissions);
        }
    }
    else
    {
        // No message records (outputs.messages off, as in large runs): the stacks' own
        // counters, over the whole run (warm-up included).
        out << "Messages per node, whole run, from the stacks' counters (sent / received / "
               "retransmissions):\n";
        for (const auto& [name, stack] : w.stacks)
        {
            const SipStackCounters& c = stack->GetCounters();
            row(name, c.udpMessagesSent + c.tcpMessagesSent,
                c.udpMessagesReceived + c.tcpMessagesReceived,
                stack->GetTransactionLayer().GetCounters().retransmissionsSent);
        }
    }
    for (const auto& [name, load] : sum.proxies)
    {
        if (w.queues.count(name) == 0)
        {
            // No capacity block in the scenario: messages take no processing time.
            out << "Proxy " << name << ": no capacity model (infinitely fast: no queue)\n";
            continue;
        }
        out << "Proxy " << name << ": peak queue " << load.peakQueue << ", mean utilization "
            << load.meanUtilization << ", peak utilization " << load.peakUtilization << "\n";
    }
    out << std::defaultfloat;
}

MemoryUse
MeasureMemory()
{
    MemoryUse m;
    size_t allocated = 0;
    if (MallocExtension_GetNumericProperty != nullptr
        && MallocExtension_GetNumericProperty("generic.current_allocated_bytes", &allocated) != 0)
    {
        m.heapInUse = allocated;
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    else
    {
        const struct mallinfo2 info = ::mallinfo2();
        m.heapInUse = info.uordblks + info.hblkhd;
    }
#endif
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind("VmHWM:", 0) == 0)
        {
            m.peakRss = std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
        }
    }
    return m;
}

void
PrintMemory(std::ostream& out, const MemoryUse& m)
{
    if (m.heapInUse == 0 && m.peakRss == 0)
    {
        return;
    }
    out << "Memory: heap in use when the run stopped " << m.heapInUse << " bytes, peak RSS "
        << m.peakRss << " bytes\n";
}

void
PrintOutputs(std::ostream& out, const std::string& outDir, const std::string& statsFile,
             const std::string& junitFile)
{
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    size_t pcaps = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(outDir, ec))
    {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".pcap")
        {
            ++pcaps;
        }
        else
        {
            files.push_back(name);
        }
    }
    std::sort(files.begin(), files.end());
    out << "Outputs in " << outDir << ":";
    for (size_t i = 0; i < files.size(); ++i)
    {
        out << (i == 0 ? " " : ", ") << files[i];
    }
    if (pcaps > 0)
    {
        out << (files.empty() ? " " : ", ") << pcaps << " pcap files (<node>-<peer>.pcap)";
    }
    out << "\n";
    const auto inside = [&](const std::string& file) {
        return fs::path(file).lexically_normal().parent_path()
               == fs::path(outDir).lexically_normal();
    };
    if (!statsFile.empty() && !inside(statsFile))
    {
        out << "Stats CSV: " << statsFile << "\n";
    }
    if (!junitFile.empty() && !inside(junitFile))
    {
        out << "JUnit report: " << junitFile << "\n";
    }
}

size_t
PrintVerdict(std::ostream& out, const std::vector<ExpectationResult>& results)
{
    size_t violated = 0;
    out << "Expectations:\n";
    for (const auto& r : results)
    {
        std::ostringstream measured;
        if (r.measured)
        {
            measured << " (is " << *r.measured << ")";
        }
        out << "  " << (r.failure.empty() ? "ok       " : "VIOLATED ") << r.name
            << (r.failure.empty() ? measured.str() : " (" + r.failure + ")")
            << (r.description.empty() ? "" : ": " + r.description) << "\n";
        violated += r.failure.empty() ? 0 : 1;
    }
    return violated;
}

} // namespace sipsim::run
