/*
 * sipsim-network-replay TRACE [UNTIL_S]: replays the UDP messages of a recorded run (trace.pb
 * of `sipsim run`) over the same ns-3 network with no SIP in it (run::ReplayNetwork) and prints
 * one JSON line: messages sent and received in the trace and in the replay, and the wall-clock
 * seconds of the replay's simulation. The run's time minus the replay's is the time of the SIP
 * layers; bench/run-scenarios.sh prints both for `large`.
 */
#include "run/network-replay.h"

#include <cstdlib>
#include <iostream>
#include <string>

int
main(int argc, char** argv)
{
    if (argc < 2 || argc > 3)
    {
        std::cerr << "usage: sipsim-network-replay TRACE [UNTIL_S]\n";
        return 2;
    }
    int64_t untilNs = -1;
    if (argc == 3)
    {
        char* end = nullptr;
        const double seconds = std::strtod(argv[2], &end);
        if (end == argv[2] || *end != '\0' || seconds < 0)
        {
            std::cerr << "sipsim-network-replay: UNTIL_S must be a number of seconds >= 0, not '"
                      << argv[2] << "'\n";
            return 2;
        }
        untilNs = static_cast<int64_t>(seconds * 1e9);
    }
    sipsim::run::ReplayResult r;
    std::string error;
    if (!sipsim::run::ReplayNetwork(argv[1], untilNs, &r, &error))
    {
        std::cerr << "sipsim-network-replay: " << error << "\n";
        return 1;
    }
    std::cout << "{\"trace_sent\": " << r.traceSent << ", \"trace_received\": " << r.traceReceived
              << ", \"skipped_tcp\": " << r.skipped << ", \"sent\": " << r.sent
              << ", \"received\": " << r.received << ", \"bytes_received\": " << r.bytesReceived
              << ", \"end_s\": " << static_cast<double>(r.endNs) / 1e9
              << ", \"wall_s\": " << r.wallSeconds << "}\n";
    return 0;
}
