#include "run/stats-outputs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <ns3/simulator.h>
#include <sstream>
#include <sys/ioctl.h>
#include <unistd.h>

namespace sipsim::run {

namespace {

using Clock = std::chrono::steady_clock;

double
Seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

std::string
Fixed(double value, int decimals)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

/// Nearest-rank percentile of values[from, end) (empty: "").
std::string
Percentile(const std::vector<double>& values, size_t from, double q)
{
    if (from >= values.size())
    {
        return "";
    }
    std::vector<double> part(values.begin() + static_cast<long>(from), values.end());
    std::sort(part.begin(), part.end());
    const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(part.size())));
    return Fixed(part[std::max<size_t>(rank, 1) - 1], 6);
}

size_t
TerminalWidth()
{
    winsize size{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    {
        return size.ws_col;
    }
    return 80;
}

} // namespace

// --- the status line ---------------------------------------------------------------------------

StatusLine::StatusLine(const LiveStats& stats, std::ostream& err, ns3::Time end)
    : m_stats(stats)
    , m_err(err)
    , m_end(end)
    , m_tty(isatty(STDERR_FILENO) != 0)
    , m_started(Clock::now())
    , m_drawn(Clock::now())
{}

void
StatusLine::Start()
{
    m_started = Clock::now();
    if (m_tty)
    {
        m_poll = ns3::Simulator::ScheduleNow(&StatusLine::Poll, this);
        return;
    }
    for (int tenth = 1; tenth <= 10; ++tenth)
    {
        ns3::Simulator::Schedule(m_end * tenth / 10, &StatusLine::Plain, this);
    }
}

std::string
StatusLine::Compose(size_t width) const
{
    const double t = ns3::Simulator::Now().GetSeconds();
    const double total = m_end.GetSeconds();
    const double wall = Seconds(Clock::now() - m_started);
    const LiveCounts c = m_stats.Now();
    // In order of importance: what does not fit is left out, the first is cut to fit.
    std::vector<std::string> parts;
    parts.push_back("t " + Fixed(t, 1) + "/" + Fixed(total, 0) + "s");
    parts.push_back("calls " + std::to_string(c.placed) + " ok " + std::to_string(c.completed)
                    + " fail " + std::to_string(c.failed) + " up "
                    + std::to_string(m_stats.InProgress()));
    const double eta = t > 0 ? wall * (total - t) / t : 0;
    parts.push_back("wall " + Fixed(wall, 1) + "s ETA " + (t > 0 ? Fixed(eta, 0) + "s" : "?"));
    const std::string top = LiveStats::TopStatuses(c.failedByStatus, 3);
    if (!top.empty())
    {
        parts.push_back("(" + top + ")");
    }
    parts.push_back("rtx " + std::to_string(c.retransmissions));
    parts.push_back("reg " + std::to_string(c.registrationsOk)
                    + (c.registrationsFailed > 0
                           ? " (" + std::to_string(c.registrationsFailed) + " failed)"
                           : std::string()));
    const size_t room = width > 1 ? width - 1 : 1; // the last column stays empty: no wrap
    std::string line = parts.front().substr(0, room);
    for (size_t i = 1; i < parts.size(); ++i)
    {
        if (line.size() + 2 + parts[i].size() <= room)
        {
            line += "  " + parts[i];
        }
    }
    return line;
}

void
StatusLine::Poll()
{
    // A few redraws a second of wall time, whatever the event rate; polled every 1/20000 of
    // the run's simulated time (at least 1 ms).
    const auto now = Clock::now();
    if (now - m_drawn >= std::chrono::milliseconds(250) || !m_any)
    {
        m_err << "\r" << Compose(TerminalWidth()) << "\x1b[K" << std::flush;
        m_drawn = now;
        m_any = true;
    }
    const ns3::Time step = std::max(ns3::MilliSeconds(1), m_end / 20000);
    if (ns3::Simulator::Now() + step < m_end)
    {
        m_poll = ns3::Simulator::Schedule(step, &StatusLine::Poll, this);
    }
}

void
StatusLine::Plain()
{
    const LiveCounts c = m_stats.Now();
    const std::string top = LiveStats::TopStatuses(c.failedByStatus, 3);
    m_err << "progress: " << Fixed(ns3::Simulator::Now().GetSeconds(), 0) << " of "
          << Fixed(m_end.GetSeconds(), 0) << " s simulated in "
          << Fixed(Seconds(Clock::now() - m_started), 1) << " s, calls " << c.placed << " placed, "
          << c.completed << " completed, " << c.failed << " failed"
          << (top.empty() ? "" : " (" + top + ")") << ", " << m_stats.InProgress()
          << " in progress, " << c.retransmissions << " retransmissions, " << c.registrationsOk
          << " registrations\n";
}

void
StatusLine::Finish()
{
    m_poll.Cancel();
    if (m_tty && m_any)
    {
        m_err << "\r" << Compose(TerminalWidth()) << "\x1b[K\n" << std::flush;
    }
}

// --- the stats CSV -----------------------------------------------------------------------------

StatsCsv::StatsCsv(const LiveStats& stats)
    : m_stats(stats)
    , m_started(Clock::now())
{}

bool
StatsCsv::Open(const std::string& file, std::string* error)
{
    m_out.open(file, std::ios::trunc);
    if (!m_out)
    {
        *error = "cannot write " + file;
        return false;
    }
    m_out << "time_s,wall_s,calls_placed_p,calls_placed_c,calls_completed_p,calls_completed_c,"
             "calls_failed_p,calls_failed_c,failed_statuses_p,calls_in_progress,"
             "retransmissions_p,retransmissions_c,registrations_p,registrations_c,"
             "registrations_failed_p,registrations_failed_c,pdd_p50_s_p,pdd_p95_s_p,"
             "pdd_p50_s_c,pdd_p95_s_c";
    for (const auto& proxy : m_stats.Proxies())
    {
        m_out << "," << proxy.name << "_queue," << proxy.name << "_utilization_p";
    }
    m_out << "\n" << std::flush;
    return static_cast<bool>(m_out);
}

void
StatsCsv::Start(ns3::Time interval, ns3::Time end)
{
    m_interval = interval;
    m_started = Clock::now();
    m_lastProxies = m_stats.Proxies();
    // Every row is scheduled now, the one at the end included (before the run's stop event).
    // The validator bounds the number of intervals (outputs.sample_interval_s).
    for (ns3::Time at = interval; at <= end; at += interval)
    {
        ns3::Simulator::Schedule(at, &StatsCsv::Row, this);
    }
}

void
StatsCsv::Row()
{
    const LiveCounts c = m_stats.Now();
    const auto& pdd = m_stats.Pdd();
    std::map<uint32_t, uint64_t> failed = c.failedByStatus;
    for (const auto& [status, count] : m_last.failedByStatus)
    {
        failed[status] -= count;
    }
    m_out << Fixed(ns3::Simulator::Now().GetSeconds(), 3) << ","
          << Fixed(Seconds(Clock::now() - m_started), 3) << "," << c.placed - m_last.placed << ","
          << c.placed << "," << c.completed - m_last.completed << "," << c.completed << ","
          << c.failed - m_last.failed << "," << c.failed << ","
          << LiveStats::TopStatuses(failed, failed.size()) << "," << m_stats.InProgress() << ","
          << c.retransmissions - m_last.retransmissions << "," << c.retransmissions << ","
          << c.registrationsOk - m_last.registrationsOk << "," << c.registrationsOk << ","
          << c.registrationsFailed - m_last.registrationsFailed << "," << c.registrationsFailed
          << "," << Percentile(pdd, m_last.pddCount, 0.50) << ","
          << Percentile(pdd, m_last.pddCount, 0.95) << "," << Percentile(pdd, 0, 0.50) << ","
          << Percentile(pdd, 0, 0.95);
    const auto proxies = m_stats.Proxies();
    for (size_t i = 0; i < proxies.size(); ++i)
    {
        const double busy = proxies[i].busySeconds
                            - (i < m_lastProxies.size() ? m_lastProxies[i].busySeconds : 0.0);
        const double capacity = m_interval.GetSeconds() * std::max<uint32_t>(proxies[i].workers, 1);
        m_out << "," << proxies[i].queue << "," << Fixed(busy / capacity, 4);
    }
    m_out << "\n" << std::flush;
    m_last = c;
    m_lastProxies = proxies;
}

} // namespace sipsim::run
