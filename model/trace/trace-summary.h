/*
 * The summary of a run, computed from its trace records (the same records the file holds, so
 * the numbers can be recomputed from the file): calls, post-dial delay percentiles,
 * registrations, messages per node, proxy load. `sipsim run` writes it as summary.json.
 */
#ifndef SIPSIM_TRACE_SUMMARY_H
#define SIPSIM_TRACE_SUMMARY_H

#include "trace.pb.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sipsim::trace {

/// Messages of one node.
struct NodeMessages
{
    uint64_t sent = 0;            ///< tx records, retransmissions included
    uint64_t received = 0;        ///< rx records
    uint64_t retransmissions = 0; ///< tx records marked retransmission
};

/// Load of one proxy, from its NodeSamples.
struct ProxyLoad
{
    uint32_t node = 0;
    uint64_t samples = 0;
    uint32_t peakQueue = 0;     ///< max of peak_queue_length (and queue_length)
    double meanUtilization = 0; ///< mean_utilization of the last sample (time average)
    double peakUtilization = 0; ///< max of the per-interval utilization
};

/// Post-dial delay statistics (seconds) over the call records that have one.
struct DelayStats
{
    uint64_t count = 0;
    double mean = 0;
    double p50 = 0; ///< nearest-rank percentiles: the ceil(q n)-th smallest value
    double p95 = 0;
    double p99 = 0;
    double max = 0;
};

struct Summary
{
    // Calls (CallRecords).
    uint64_t callsAttempted = 0; ///< every CallRecord (blocked PSTN calls included)
    uint64_t callsAnswered = 0;  ///< established (answer_ns >= 0)
    uint64_t callsCompleted = 0; ///< outcome COMPLETED
    uint64_t callsFailed = 0;    ///< outcome FAILED
    uint64_t callsBlocked = 0;   ///< outcome BLOCKED_NO_TRUNK
    uint64_t callsRunEndedInCall = 0;
    uint64_t callsRunEndedSetup = 0;
    std::map<uint32_t, uint64_t> failedByStatus; ///< FAILED records by final_status
    DelayStats postDialDelay;
    // Registrations.
    uint64_t registrationsOk = 0;
    uint64_t registrationsFailed = 0;
    // Messages and transactions.
    uint64_t messages = 0;
    uint64_t retransmissions = 0;
    std::map<uint32_t, NodeMessages> messagesByNode;
    std::map<std::string, uint64_t> transactionsByResult; ///< TransactionResult name -> count
    // Load.
    std::map<std::string, ProxyLoad> proxies; ///< by sample name
    // Other records.
    uint64_t faults = 0;
    uint64_t userEvents = 0;
    // The trailer (when seen).
    bool complete = false;
    std::string stopReason;
    int64_t endNs = 0;
    uint64_t records = 0; ///< records seen (the Trailer not included)

    /**
     * The summary as JSON, with a fixed key order and number formatting, so that equal
     * summaries are equal texts. Doubles use up to 9 significant digits.
     */
    std::string ToJson() const;
};

/// Builds a Summary from records, one at a time.
class SummaryBuilder
{
  public:
    void Add(const Record& record);

    /// The summary of every record added so far (percentiles computed now).
    Summary Get() const;

  private:
    Summary m_summary;
    std::vector<double> m_delays;
};

/// The summary of a list of records (e.g. TraceContents::records).
Summary Summarize(const std::vector<Record>& records);

} // namespace sipsim::trace

#endif // SIPSIM_TRACE_SUMMARY_H
