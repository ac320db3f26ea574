/*
 * Stopping a run cleanly on SIGINT or SIGTERM: the handler only records the signal (it is
 * async-signal-safe); a periodic simulator event sees it and calls Simulator::Stop(), so the
 * run returns from Simulator::Run and the trace is closed with complete = false.
 */
#ifndef SIPSIM_TRACE_SIGNAL_STOP_H
#define SIPSIM_TRACE_SIGNAL_STOP_H

#include <ns3/nstime.h>
#include <string>

namespace sipsim::trace {

/**
 * Installs handlers for SIGINT and SIGTERM that record the signal. A second signal gets the
 * default action (the handlers reset themselves), so a stuck run can still be killed.
 */
void InstallStopSignalHandlers();

/// Restores the default actions of SIGINT and SIGTERM and forgets a recorded signal.
void RestoreStopSignalHandlers();

/// The signal recorded since InstallStopSignalHandlers (0: none).
int StopSignalReceived();

/// "SIGINT", "SIGTERM", or "" when no signal was recorded.
std::string StopSignalName();

/**
 * Checks for a recorded signal every `poll` of simulated time, from now until `until`
 * (inclusive; at most until that time, so that the event queue still drains): when one was
 * recorded, Simulator::Stop() at once. The checks change nothing else in the simulation.
 */
void PollStopSignal(ns3::Time poll, ns3::Time until);

/// Records a signal as if it had arrived (tests).
void RaiseStopSignalForTest(int signal);

} // namespace sipsim::trace

#endif // SIPSIM_TRACE_SIGNAL_STOP_H
