/*
 * Teletraffic formulas for dimensioning trunks and servers: Erlang B (M/M/c/c loss system)
 * and Erlang C (M/M/c delay system). Header-only, no dependencies.
 */
#ifndef SIPSIM_STATS_QUEUEING_H
#define SIPSIM_STATS_QUEUEING_H

#include <limits>

namespace sipsim {
namespace stats {

/**
 * Blocking probability of an M/M/c/c loss system (Erlang B) with offered traffic A erlangs on
 * c channels, by the numerically stable recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)).
 * channels = 0 gives 1 (every call blocked); a negative or NaN load gives NaN.
 */
inline double
ErlangB(double offeredErlangs, unsigned channels)
{
    if (!(offeredErlangs >= 0.0))
    {
        return std::numeric_limits<double>::quiet_NaN();
    }
    double b = 1.0;
    for (unsigned n = 1; n <= channels; ++n)
    {
        const double ab = offeredErlangs * b;
        b = ab / (static_cast<double>(n) + ab);
    }
    return b;
}

/**
 * Probability that an arrival has to wait in an M/M/c queue (Erlang C) with offered traffic
 * A = lambda / mu erlangs on c servers: C = c B / (c - A (1 - B)) with B = ErlangB(A, c).
 * Returns +infinity when the system is unstable (A >= c, including c = 0), NaN for a negative
 * or NaN load.
 */
inline double
ErlangC(double offeredErlangs, unsigned servers)
{
    if (!(offeredErlangs >= 0.0))
    {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const double c = static_cast<double>(servers);
    if (!(offeredErlangs < c))
    {
        return std::numeric_limits<double>::infinity();
    }
    const double b = ErlangB(offeredErlangs, servers);
    return c * b / (c - offeredErlangs * (1.0 - b));
}

/**
 * Mean waiting time in queue Wq of an M/M/c system with arrival rate lambda, service rate mu
 * per server and c servers: Wq = C(A, c) / (c mu - lambda), A = lambda / mu.
 * For c = 1 this is rho / (mu - lambda). Returns +infinity when unstable (lambda >= c mu),
 * NaN for negative rates or mu = 0 with lambda = 0.
 */
inline double
MmcMeanWait(double lambda, double mu, unsigned servers)
{
    if (!(lambda >= 0.0) || !(mu >= 0.0))
    {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const double capacity = static_cast<double>(servers) * mu;
    if (!(lambda < capacity))
    {
        return lambda == 0.0 && capacity == 0.0 ? std::numeric_limits<double>::quiet_NaN()
                                                : std::numeric_limits<double>::infinity();
    }
    return ErlangC(lambda / mu, servers) / (capacity - lambda);
}

} // namespace stats
} // namespace sipsim

#endif // SIPSIM_STATS_QUEUEING_H
