/*
 * The live statistics of a run, shown while it goes (LiveStats): the status line on the
 * terminal, and the stats CSV, a row per interval of simulated time as SIPp's -trace_stat
 * writes, flushed so that `tail -f` follows it.
 */
#ifndef SIPSIM_RUN_STATS_OUTPUTS_H
#define SIPSIM_RUN_STATS_OUTPUTS_H

#include "run/live-stats.h"

#include <chrono>
#include <fstream>
#include <ns3/event-id.h>
#include <ns3/nstime.h>
#include <ostream>
#include <string>

namespace sipsim::run {

/**
 * On a terminal: one status line, redrawn at most four times a second of wall time and cut to
 * the terminal's width: simulated time, wall time and ETA, calls placed / completed / failed
 * with the top failure statuses, calls in progress, retransmissions, registrations. Otherwise:
 * a plain line every 10 % of the simulated time.
 */
class StatusLine
{
  public:
    StatusLine(const LiveStats& stats, std::ostream& err, ns3::Time end);

    /// Schedules its events (before Simulator::Run).
    void Start();

    /// The last state, and the end of the line on a terminal (after Simulator::Run).
    void Finish();

    /// The line for `width` columns (at least the simulated time, cut to the width).
    std::string Compose(size_t width) const;

  private:
    void Poll();
    /// The plain line (not a terminal), at each tenth of the simulated time.
    void Plain();

    const LiveStats& m_stats;
    std::ostream& m_err;
    ns3::Time m_end;
    bool m_tty;
    std::chrono::steady_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_drawn;
    ns3::EventId m_poll;
    bool m_any = false;
};

/**
 * The stats CSV: a header, then one row per `interval` of simulated time with the interval's
 * (_p, "period") and the cumulative (_c) counts; see docs/scenarios.md for the columns.
 */
class StatsCsv
{
  public:
    explicit StatsCsv(const LiveStats& stats);

    /// Opens the file and writes the header; false with the reason.
    bool Open(const std::string& file, std::string* error);

    /// Schedules a row every interval until end.
    void Start(ns3::Time interval, ns3::Time end);

    /// Whether every row was written.
    bool Ok() const { return static_cast<bool>(m_out); }

  private:
    void Row();

    const LiveStats& m_stats;
    std::ofstream m_out;
    ns3::Time m_interval;
    LiveCounts m_last;
    std::vector<LiveStats::ProxyLoad> m_lastProxies;
    std::chrono::steady_clock::time_point m_started;
};

} // namespace sipsim::run

#endif // SIPSIM_RUN_STATS_OUTPUTS_H
