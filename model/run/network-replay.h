/*
 * Replays the UDP traffic of a recorded run over the same ns-3 network with no SIP in it: the
 * network's share of a run's cost.
 *
 * A trace (trace.proto) holds the scenario the run simulated and every SIP message each node's
 * stack sent: its time, node, size and peer. ReplayNetwork builds that scenario's network again
 * (BuildScenarioTopology, NetworkBuilder: the same nodes, links, addresses, routes, queues, ARP
 * and CSMA), puts one UDP socket on each node's SIP port, and at each recorded time has the node
 * send a datagram of the recorded size to the recorded peer. A receiving socket reads the
 * datagram and copies its bytes out, as SipStack does, and does nothing else: no parsing, no
 * transactions, no timers, no trace. What the replay costs is what ns-3 costs to carry the
 * run's messages, so the time of a run minus the time of its replay is the time of the SIP
 * layers above ns-3 (bench/run-scenarios.sh reports both).
 */
#ifndef SIPSIM_NETWORK_REPLAY_H
#define SIPSIM_NETWORK_REPLAY_H

#include <cstdint>
#include <string>
#include <vector>

namespace sipsim::run {

/// What ReplayNetwork did.
struct ReplayResult
{
    uint64_t traceSent = 0;     ///< UDP messages sent in the trace up to the end of the replay
    uint64_t traceReceived = 0; ///< UDP messages received in the trace up to the same time
    uint64_t skipped = 0;       ///< messages sent over TCP in the trace (not replayed)
    uint64_t sent = 0;          ///< datagrams the replay sent
    uint64_t received = 0;      ///< datagrams the replay's sockets received
    uint64_t bytesReceived = 0; ///< their payload octets
    std::vector<uint64_t> receivedByNode; ///< datagrams received, by ns-3 node id
    int64_t endNs = 0;                    ///< simulated time the replay stopped at
    double wallSeconds = 0; ///< wall-clock time of the simulation (Simulator::Run) alone
};

/**
 * Replays the UDP messages of the trace at `tracePath` sent at or before `untilNs` (all of them
 * when `untilNs` < 0; the simulation then stops at the run's duration). The trace's scenario
 * must have an inline topology (`topology.nodes`/`links`); a DOT file is looked up relative to
 * the trace's directory. False, with `*error`, when the trace cannot be read, its scenario or
 * topology is not usable, or a message's peer is not "UDP a.b.c.d:port".
 *
 * Uses the ns-3 simulator (Simulator::Destroy before and after): not while another simulation
 * is set up in the process.
 */
bool ReplayNetwork(const std::string& tracePath, int64_t untilNs, ReplayResult* result,
                   std::string* error);

} // namespace sipsim::run

#endif // SIPSIM_NETWORK_REPLAY_H
