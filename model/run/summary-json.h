/*
 * summary.json, the run's figures for scripts and CI: the trace summary (calls, post-dial
 * delay, registrations, transactions, proxies), the message counts of every node keyed by its
 * name (from the stacks' counters, so they are there whether or not the trace records
 * messages), every metric an expectation can name with its value, and each expectation's
 * verdict and measured value.
 */
#ifndef SIPSIM_RUN_SUMMARY_JSON_H
#define SIPSIM_RUN_SUMMARY_JSON_H

#include "run/expectations.h"
#include "run/run-world.h"
#include "scenario.pb.h"
#include "trace/trace-summary.h"

#include <string>
#include <vector>

namespace sipsim::run {

/// The text of summary.json; `results` empty when the run ended without a verdict.
std::string RunSummaryJson(const scenario::Scenario& s, const trace::Summary& sum, const World& w,
                           const std::vector<ExpectationResult>& results);

} // namespace sipsim::run

#endif // SIPSIM_RUN_SUMMARY_JSON_H
