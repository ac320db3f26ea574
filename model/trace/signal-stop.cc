#include "trace/signal-stop.h"

#include <chrono>
#include <csignal>
#include <ns3/simulator.h>

namespace sipsim::trace {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void
OnStopSignal(int signal)
{
    g_signal = signal;
    // The next one gets the default action.
    std::signal(signal, SIG_DFL);
}

} // namespace

void
InstallStopSignalHandlers()
{
    // A signal recorded by an earlier installation (the program's first instructions) stays.
    std::signal(SIGINT, &OnStopSignal);
    std::signal(SIGTERM, &OnStopSignal);
}

void
RestoreStopSignalHandlers()
{
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_signal = 0;
}

int
StopSignalReceived()
{
    return g_signal;
}

std::string
StopSignalName()
{
    switch (g_signal)
    {
        case 0:
            return "";
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "signal " + std::to_string(static_cast<int>(g_signal));
    }
}

StopWatcher::StopWatcher()
{
    m_thread = std::thread([this]() {
        while (!m_done.load())
        {
            if (g_signal != 0)
            {
                ns3::Simulator::ScheduleWithContext(ns3::Simulator::NO_CONTEXT, ns3::Time(0),
                                                    []() { ns3::Simulator::Stop(); });
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
}

StopWatcher::~StopWatcher()
{
    m_done = true;
    m_thread.join();
}

void
RaiseStopSignalForTest(int signal)
{
    g_signal = signal;
}

} // namespace sipsim::trace
