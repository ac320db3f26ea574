/*
 * The metrics an expectation may name: one table that the scenario validator (which metric,
 * which node role, whether a status code is needed) and the run's verdict
 * (run/expectations.h, which computes each by its id) both read. No ns-3.
 */
#ifndef SIPSIM_SCENARIO_METRICS_H
#define SIPSIM_SCENARIO_METRICS_H

#include "scenario.pb.h"

#include <string>
#include <vector>

namespace sipsim::scenario {

enum class MetricId
{
    CompletedRatio,
    Attempted,
    Completed,
    Failed,
    StatusCount,
    PddP50,
    PddP95,
    RegistrationsFailed,
    Retransmissions,
    ProxyPeakQueue,
};

struct MetricInfo
{
    MetricId id;
    std::string name;        ///< as written in Expectation.metric
    std::string description; ///< for docs and error messages
    bool needsStatus;        ///< Expectation.status is required (and allowed only here)
    Role nodeRole;           ///< the role Expectation.node must have; ROLE_UNSPECIFIED: any
    bool ratio;              ///< a value in [0, 1]
};

/// Every metric, in documentation order.
const std::vector<MetricInfo>& Metrics();

/// The metric of that name, or nullptr.
const MetricInfo* FindMetric(const std::string& name);

} // namespace sipsim::scenario

#endif // SIPSIM_SCENARIO_METRICS_H
