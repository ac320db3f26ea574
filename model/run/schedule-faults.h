/*
 * The faults of a scenario, scheduled at their times: link loss (independent, or Gilbert-Elliott
 * bursts through topology::GilbertElliottErrorModel), links going down and up, node crashes and
 * restarts, capacity changes. Each is recorded in the trace when it happens.
 */
#ifndef SIPSIM_RUN_SCHEDULE_FAULTS_H
#define SIPSIM_RUN_SCHEDULE_FAULTS_H

#include "run/run-world.h"
#include "scenario.pb.h"
#include "trace/trace-recorder.h"

namespace sipsim::run {

/**
 * Creates the faults' own models (Gilbert-Elliott chains, in w.faultErrorModels: their random
 * streams are assigned with the rest of the run's) and schedules every fault.
 */
void ScheduleFaults(const scenario::Scenario& s, World& w, trace::TraceRecorder& recorder);

/// "a-b" -> (a, b) using the topology's node names (names may contain '-').
bool SplitLink(const topology::Topology& topo, const std::string& link, std::string* a,
               std::string* b);

} // namespace sipsim::run

#endif // SIPSIM_RUN_SCHEDULE_FAULTS_H
