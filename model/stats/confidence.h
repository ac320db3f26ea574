/*
 * Confidence intervals for simulation output: Student t quantiles, the mean of independent
 * replications, and the method of batch means for one correlated series (e.g. Law & Kelton,
 * Simulation Modeling and Analysis, 9.5.3). No dependencies.
 */
#ifndef SIPSIM_STATS_CONFIDENCE_H
#define SIPSIM_STATS_CONFIDENCE_H

#include <cstddef>
#include <vector>

namespace sipsim {
namespace stats {

/**
 * The 0.975 quantile of Student's t distribution (two-sided 95 %) for the given degrees of
 * freedom: the usual 3-decimal table for 1..30, 40, 60, 120, linear interpolation in 1/df
 * between those points and between 120 and infinity (1.960). df = 0 gives +infinity.
 */
double StudentTQuantile975(unsigned degreesOfFreedom);

/// A two-sided 95 % confidence interval for a mean.
struct ConfidenceInterval
{
    double mean = 0.0;
    double halfWidth = 0.0; ///< +infinity when fewer than 2 (batch) means are available
    double low = 0.0;       ///< mean - halfWidth
    double high = 0.0;      ///< mean + halfWidth
    size_t n = 0;           ///< number of samples (MeanCi95) or of batches used (BatchMeansCi95)
};

/**
 * Mean and 95 % interval mean +- t(n-1) s / sqrt(n) of independent samples (e.g. one value per
 * replication), s the sample standard deviation. n = 1: halfWidth = infinity; n = 0: mean NaN.
 */
ConfidenceInterval MeanCi95(const std::vector<double>& samples);

/**
 * Method of batch means for a correlated series in time order (e.g. per-call 0/1 blocked
 * indicators in arrival order): the series is cut into `batches` consecutive batches of
 * floor(size / batches) observations (the remainder at the end is discarded) and MeanCi95 is
 * applied to the batch means; n is the number of batches. Fewer observations than batches
 * (or batches = 0): mean of all observations (NaN when none), halfWidth infinity, n = 0.
 */
ConfidenceInterval BatchMeansCi95(const std::vector<double>& observations, size_t batches);

} // namespace stats
} // namespace sipsim

#endif // SIPSIM_STATS_CONFIDENCE_H
