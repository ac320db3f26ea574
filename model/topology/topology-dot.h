/*
 * Topologies as Graphviz DOT, so one file is both the scenario's network and its drawing
 * (`dot -Tsvg`). An undirected `graph`; node ids are node names; attributes:
 *
 *   node: role=phones|proxy|gateway|router (required), domain="a.example", profile="..."
 *   edge: delay="5ms" (required), rate="100Mbps" (default), loss=0.01 (default 0),
 *         queue=100 (packets, default), lan=true|false (default false)
 *
 * Other attributes (label, shape, color, pos, ...) are drawing hints and are ignored.
 */
#ifndef SIPSIM_TOPOLOGY_TOPOLOGY_DOT_H
#define SIPSIM_TOPOLOGY_TOPOLOGY_DOT_H

#include "topology/topology.h"

#include <istream>
#include <ostream>
#include <string>

namespace sipsim::topology {

/**
 * Reads a DOT graph into `*out`. Nodes already in `*out` (a scenario's inline nodes) may be
 * named by edges: a DOT node without attributes whose name `*out` has is that node. On failure
 * returns false and sets
 * `*error` to "fileName: ..." naming the line of a syntax error when Boost reports one, or
 * the node or link whose attribute is wrong ("topo.dot: node 'x': unknown role 'foo'",
 * "topo.dot: link a-b: queue 'x' is not a number of packets"). Attribute values are stored as
 * written; Validate checks that they parse.
 */
bool ReadDot(std::istream& in, const std::string& fileName, Topology* out, std::string* error);

/// Writes a topology as DOT that ReadDot reads back, with shapes per role for drawing.
void WriteDot(std::ostream& out, const Topology& topology, const std::string& graphName = "sipsim");

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_TOPOLOGY_DOT_H
