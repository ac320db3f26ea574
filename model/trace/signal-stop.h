/*
 * Stopping a run cleanly on SIGINT or SIGTERM: the handler only records the signal (it is
 * async-signal-safe); a StopWatcher thread sees it and has the simulator stop, so the run
 * returns from Simulator::Run and the trace is closed with complete = false.
 */
#ifndef SIPSIM_TRACE_SIGNAL_STOP_H
#define SIPSIM_TRACE_SIGNAL_STOP_H

#include <atomic>
#include <ns3/nstime.h>
#include <string>
#include <thread>

namespace sipsim::trace {

/**
 * Installs handlers for SIGINT and SIGTERM that record the signal. A second signal gets the
 * default action (the handlers reset themselves), so a stuck run can still be killed. A signal
 * recorded before (the sipsim command installs them before any library initializes) is kept.
 */
void InstallStopSignalHandlers();

/// Restores the default actions of SIGINT and SIGTERM and forgets a recorded signal.
void RestoreStopSignalHandlers();

/// The signal recorded since InstallStopSignalHandlers (0: none).
int StopSignalReceived();

/// "SIGINT", "SIGTERM", or "" when no signal was recorded.
std::string StopSignalName();

/**
 * While it lives, a thread checks every 10 ms of wall time for a recorded signal and, when it
 * sees one, has the simulator stop after the event it is running (Simulator::ScheduleWithContext,
 * which ns-3's default simulator accepts from any thread). A stop thus takes milliseconds
 * whatever the simulated event rate or sampling. Construct it just before Simulator::Run.
 */
class StopWatcher
{
  public:
    StopWatcher();
    ~StopWatcher();
    StopWatcher(const StopWatcher&) = delete;
    StopWatcher& operator=(const StopWatcher&) = delete;

  private:
    std::atomic<bool> m_done{false};
    std::thread m_thread;
};

/// Records a signal as if it had arrived (tests).
void RaiseStopSignalForTest(int signal);

} // namespace sipsim::trace

#endif // SIPSIM_TRACE_SIGNAL_STOP_H
