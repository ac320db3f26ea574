/*
 * The one load-and-check of a scenario that `sipsim validate` and `sipsim run` share: read the
 * file, apply --set overrides, check every section (scenario/scenario-loader.h), read the
 * topology (inline nodes, DOT file, inline links) and check it, check the node groups' ns-3
 * attributes against their TypeIds, then build the ns-3 network and install the devices and
 * the traffic without simulating. Whatever `run` would refuse before its first event,
 * `validate` refuses with the same message.
 */
#ifndef SIPSIM_RUN_SCENARIO_CHECK_H
#define SIPSIM_RUN_SCENARIO_CHECK_H

#include "run/run-world.h"
#include "run/scenario-runner.h"
#include "scenario.pb.h"

#include <memory>
#include <ostream>
#include <string>

namespace sipsim::run {

/// A scenario that passed every check, with its network and devices built.
struct PreparedRun
{
    scenario::Scenario scenario; ///< after the overrides, --seed and --run
    std::string text;            ///< the file as read
    std::unique_ptr<World> world;
};

/**
 * Loads, checks and builds. Every problem goes to `err` as "file:line:col: message" (a value
 * set by --set: "--set message"; a DOT file's problems name the DOT file); null when there was
 * one (exit code kBadInput). Seeds ns-3's random number generator from the scenario.
 */
std::unique_ptr<PreparedRun> PrepareRun(const RunOptions& options, std::ostream& err);

} // namespace sipsim::run

#endif // SIPSIM_RUN_SCENARIO_CHECK_H
