/*
 * What a run has done so far, while it runs: calls placed, completed and failed (by status),
 * calls in progress, retransmissions, registrations, post-dial delays and the proxies' queues.
 * Fed with the trace's records as they are written (CallRecords, Registrations), and read from
 * the world's counters (calls placed, retransmissions, queue lengths, busy time). The status
 * line and the stats CSV (stats-outputs.h) show it.
 */
#ifndef SIPSIM_RUN_LIVE_STATS_H
#define SIPSIM_RUN_LIVE_STATS_H

#include "run/run-world.h"
#include "trace.pb.h"
#include "trace/trace-recorder.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sipsim::run {

/// Counts at one moment; the differences of two are an interval's.
struct LiveCounts
{
    uint64_t placed = 0;    ///< call attempts: phones' INVITEs and gateways' PSTN calls
    uint64_t completed = 0; ///< CallRecords COMPLETED
    uint64_t failed = 0;    ///< CallRecords FAILED and BLOCKED_NO_TRUNK
    std::map<uint32_t, uint64_t> failedByStatus; ///< final status -> failed calls (0: blocked)
    uint64_t retransmissions = 0;                ///< every stack's transaction layer
    uint64_t registrationsOk = 0;
    uint64_t registrationsFailed = 0;
    size_t pddCount = 0; ///< post-dial delays seen (the first pddCount of LiveStats::Pdd())
};

class LiveStats
{
  public:
    LiveStats(const World& w, const trace::TraceRecorder& recorder);

    /// One record as the recorder writes it (after the warm-up or not: every record).
    void Add(const trace::Record& record);

    /// The counts now.
    LiveCounts Now() const;

    /// Calls being set up or established now.
    size_t InProgress() const;

    /// Every post-dial delay so far, in seconds, in the order the calls' records closed.
    const std::vector<double>& Pdd() const { return m_pdd; }

    /// The proxies with a capacity model, in name order: queue length now, and busy
    /// worker-seconds so far with their worker count (for an interval's utilization).
    struct ProxyLoad
    {
        std::string name;
        uint32_t queue = 0;
        double busySeconds = 0;
        uint32_t workers = 0;
    };
    std::vector<ProxyLoad> Proxies() const;

    /// "503:120 486:40": the `top` most frequent statuses of `failed`, most frequent first.
    static std::string TopStatuses(const std::map<uint32_t, uint64_t>& failed, size_t top);

  private:
    const World& m_world;
    const trace::TraceRecorder& m_recorder;
    LiveCounts m_counts; ///< the part fed by records
    std::vector<double> m_pdd;
};

} // namespace sipsim::run

#endif // SIPSIM_RUN_LIVE_STATS_H
