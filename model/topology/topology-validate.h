/*
 * The checks a topology passes before it is built (Boost.Graph algorithms, no ns-3).
 */
#ifndef SIPSIM_TOPOLOGY_TOPOLOGY_VALIDATE_H
#define SIPSIM_TOPOLOGY_TOPOLOGY_VALIDATE_H

#include "topology/topology.h"

#include <string>
#include <vector>

namespace sipsim::topology {

/**
 * Every fault of a topology, one message each, in a stable order; empty when it is valid.
 *
 * - node names are unique ("duplicate node name 'x'");
 * - phones, proxy and gateway nodes have a domain ("phones node 'x' has no domain");
 * - every domain with a gateway has a proxy ("domain a.example (of gateway node 'x') has no
 *   proxy"), and no domain has two ("domain a.example has 2 proxies: 'p1', 'p2'"); phones of a
 *   domain without a proxy call each other directly (RFC 3665 3.1);
 * - no link joins a node to itself ("link a-a is a self-loop"), no two links join the same
 *   nodes ("duplicate link a-b");
 * - every link has a delay that parses and is not zero ("link a-b has no delay", "link a-b:
 *   delay 'x' does not parse (e.g. 5ms, 1.5s, 200us)"), a rate that parses and is not zero,
 *   a loss in [0, 1], a queue of at least one packet;
 * - the graph is connected (boost::connected_components): "the topology is not connected:
 *   'c', 'd' cannot be reached from 'a'" (names of the nodes outside the first node's
 *   component);
 * - every phones and gateway node reaches a proxy of its domain through proxies and routers
 *   only, since phones and gateways are end hosts and forward nothing ("phones node 'x'
 *   (domain a.example) has no path to a proxy of its domain").
 */
std::vector<std::string> Validate(const Topology& topology);

/// One fault of a topology and what it is about: a node name, a link "a-b" or "".
struct Problem
{
    std::string subject;
    std::string message;
};

/// Validate's faults with their subjects (a file's reader positions them by it).
std::vector<Problem> ValidateWithSubjects(const Topology& topology);

/// A LAN link's delay above this is almost certainly meant as an access delay (see Warnings).
inline constexpr double kLanDelayWarningSeconds = 100e-6;

/**
 * What is valid but probably not what the author meant, one message each, in a stable order.
 *
 * - a LAN link (CSMA) with a delay above kLanDelayWarningSeconds: ns-3's CSMA channel is a
 *   bus that stays busy for the propagation delay after every frame, so a LAN of delay d
 *   carries at most about 1/d frames a second, both directions together (1 ms: about 1000).
 *   A burst above that queues and is retransmitted until the LAN collapses (10,000 phones
 *   registering at once). A LAN's delay is microseconds; an access line with a longer delay
 *   is a point-to-point link.
 */
std::vector<std::string> Warnings(const Topology& topology);

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_TOPOLOGY_VALIDATE_H
