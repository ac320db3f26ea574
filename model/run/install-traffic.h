/*
 * The offered calls of a scenario's traffic section: a CallGenerator whose callers are the
 * caller groups' phones and whose callees follow the callee selection.
 */
#ifndef SIPSIM_RUN_INSTALL_TRAFFIC_H
#define SIPSIM_RUN_INSTALL_TRAFFIC_H

#include "run/run-world.h"
#include "scenario.pb.h"

namespace sipsim::run {

/// Installs the call generator (none when the scenario offers no calls).
void InstallTraffic(const scenario::Scenario& s, World& w);

} // namespace sipsim::run

#endif // SIPSIM_RUN_INSTALL_TRAFFIC_H
