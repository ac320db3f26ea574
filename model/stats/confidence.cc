#include "stats/confidence.h"

#include <cmath>
#include <limits>

namespace sipsim {
namespace stats {

namespace {

/// t(0.975, df) for df = 1..30.
constexpr double kT975[30] = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

struct TPoint
{
    double df; ///< 0 stands for infinity
    double t;
};

/// Anchors beyond the table, interpolated in 1/df.
constexpr TPoint kTail[] = {{30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}, {0, 1.960}};

double
Inverse(double df)
{
    return df == 0.0 ? 0.0 : 1.0 / df;
}

double
Mean(const double* x, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
    {
        sum += x[i];
    }
    return sum / static_cast<double>(n);
}

ConfidenceInterval
Interval(const double* x, size_t n)
{
    ConfidenceInterval ci;
    ci.n = n;
    if (n == 0)
    {
        ci.mean = std::numeric_limits<double>::quiet_NaN();
        ci.halfWidth = std::numeric_limits<double>::infinity();
        ci.low = -ci.halfWidth;
        ci.high = ci.halfWidth;
        return ci;
    }
    ci.mean = Mean(x, n);
    if (n < 2)
    {
        ci.halfWidth = std::numeric_limits<double>::infinity();
    }
    else
    {
        double ss = 0.0; // two-pass: no cancellation for large, nearly equal values
        for (size_t i = 0; i < n; ++i)
        {
            ss += (x[i] - ci.mean) * (x[i] - ci.mean);
        }
        const double s = std::sqrt(ss / static_cast<double>(n - 1));
        ci.halfWidth = StudentTQuantile975(static_cast<unsigned>(n - 1)) * s
                       / std::sqrt(static_cast<double>(n));
    }
    ci.low = ci.mean - ci.halfWidth;
    ci.high = ci.mean + ci.halfWidth;
    return ci;
}

} // namespace

double
StudentTQuantile975(unsigned degreesOfFreedom)
{
    if (degreesOfFreedom == 0)
    {
        return std::numeric_limits<double>::infinity();
    }
    if (degreesOfFreedom <= 30)
    {
        return kT975[degreesOfFreedom - 1];
    }
    const double inv = 1.0 / static_cast<double>(degreesOfFreedom);
    for (size_t i = 0; i + 1 < sizeof(kTail) / sizeof(kTail[0]); ++i)
    {
        const double hi = Inverse(kTail[i].df); // smaller df, larger 1/df
        const double lo = Inverse(kTail[i + 1].df);
        if (inv <= hi && inv >= lo)
        {
            const double f = (inv - lo) / (hi - lo);
            return kTail[i + 1].t + f * (kTail[i].t - kTail[i + 1].t);
        }
    }
    return 1.960; // not reached
}

ConfidenceInterval
MeanCi95(const std::vector<double>& samples)
{
    return Interval(samples.data(), samples.size());
}

ConfidenceInterval
BatchMeansCi95(const std::vector<double>& observations, size_t batches)
{
    const size_t size = batches == 0 ? 0 : observations.size() / batches;
    if (size == 0)
    {
        ConfidenceInterval ci = Interval(observations.data(), observations.size());
        ci.n = 0;
        ci.halfWidth = std::numeric_limits<double>::infinity();
        ci.low = -ci.halfWidth;
        ci.high = ci.halfWidth;
        return ci;
    }
    std::vector<double> means(batches);
    for (size_t b = 0; b < batches; ++b)
    {
        means[b] = Mean(observations.data() + b * size, size);
    }
    return Interval(means.data(), means.size());
}

} // namespace stats
} // namespace sipsim
