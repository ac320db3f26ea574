/*
 * The verdict on a scenario's expectations: each metric of scenario/metrics.h computed from
 * the run's summary, compared with its value. A metric without samples (no call to measure a
 * post-dial delay on, no proxy with a queue) makes its expectation fail with that reason,
 * never pass or fail by accident.
 */
#ifndef SIPSIM_RUN_EXPECTATIONS_H
#define SIPSIM_RUN_EXPECTATIONS_H

#include "run/run-world.h"
#include "scenario.pb.h"
#include "trace/trace-summary.h"

#include <optional>
#include <string>
#include <vector>

namespace sipsim::run {

/// The value of an expectation's metric; nullopt (with `*why`) when it has no samples.
std::optional<double> MetricValue(const scenario::Expectation& e, const trace::Summary& sum,
                                  const World& w, std::string* why);

struct ExpectationResult
{
    std::string name;        ///< "completed_ratio >= 0.95", "status_count[404]{phones-a} == 0"
    std::string failure;     ///< "" when it holds; "is 0.8", "no samples (...)"
    std::string description; ///< the scenario's words for it (Expectation.description)
    std::optional<double> measured; ///< the metric's value; none without samples
};

/// Every expectation of the scenario, in order.
std::vector<ExpectationResult> Evaluate(const scenario::Scenario& s, const trace::Summary& sum,
                                        const World& w);

} // namespace sipsim::run

#endif // SIPSIM_RUN_EXPECTATIONS_H
