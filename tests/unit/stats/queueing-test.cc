#include "stats/queueing.h"

#include <cmath>
#include <gtest/gtest.h>

namespace sipsim {
namespace stats {
namespace {

TEST(ErlangB, KnownValues)
{
    EXPECT_NEAR(ErlangB(8.0, 10), 0.12166, 1e-5);
    EXPECT_DOUBLE_EQ(ErlangB(1.0, 1), 0.5);
    EXPECT_NEAR(ErlangB(10.0, 10), 0.21458, 1e-5);
    // B(2, 2) = (A^2/2) / (1 + A + A^2/2) = 2 / 5
    EXPECT_DOUBLE_EQ(ErlangB(2.0, 2), 0.4);
}

TEST(ErlangB, EdgeCases)
{
    EXPECT_EQ(ErlangB(5.0, 0), 1.0);
    EXPECT_EQ(ErlangB(0.0, 0), 1.0);
    EXPECT_EQ(ErlangB(0.0, 3), 0.0);
    EXPECT_TRUE(std::isnan(ErlangB(-1.0, 3)));
    EXPECT_TRUE(std::isnan(ErlangB(std::nan(""), 3)));
    // Large systems stay finite and in [0, 1] (the factorial form would overflow).
    const double b = ErlangB(900.0, 1000);
    EXPECT_GT(b, 0.0);
    EXPECT_LT(b, 0.01);
    EXPECT_NEAR(ErlangB(1e6, 10), 1.0, 1e-4);
}

TEST(ErlangB, MonotoneInChannels)
{
    double prev = 1.0;
    for (unsigned c = 1; c <= 50; ++c)
    {
        const double b = ErlangB(20.0, c);
        EXPECT_LT(b, prev);
        prev = b;
    }
}

TEST(ErlangC, KnownValues)
{
    // M/M/1: probability of waiting = rho.
    EXPECT_DOUBLE_EQ(ErlangC(0.5, 1), 0.5);
    // A = 2, c = 3: B = 4/19, C = 3B / (3 - 2(1 - B)) = 4/9.
    EXPECT_NEAR(ErlangC(2.0, 3), 4.0 / 9.0, 1e-12);
    // A = 1, c = 2: C = 1/3.
    EXPECT_NEAR(ErlangC(1.0, 2), 1.0 / 3.0, 1e-12);
    EXPECT_EQ(ErlangC(0.0, 4), 0.0);
}

TEST(ErlangC, UnstableIsInfinite)
{
    EXPECT_TRUE(std::isinf(ErlangC(3.0, 3)));
    EXPECT_TRUE(std::isinf(ErlangC(4.0, 3)));
    EXPECT_TRUE(std::isinf(ErlangC(1.0, 0)));
    EXPECT_TRUE(std::isnan(ErlangC(-1.0, 2)));
}

TEST(MmcMeanWait, MM1)
{
    // Wq = rho / (mu - lambda): lambda 3, mu 4 -> 0.75 / 1.
    EXPECT_NEAR(MmcMeanWait(3.0, 4.0, 1), 0.75, 1e-12);
    // lambda 1, mu 2 -> 0.5 / 1 = 0.5
    EXPECT_NEAR(MmcMeanWait(1.0, 2.0, 1), 0.5, 1e-12);
    EXPECT_EQ(MmcMeanWait(0.0, 2.0, 1), 0.0);
}

TEST(MmcMeanWait, MMc)
{
    // lambda 2, mu 1, c 3: Wq = C / (c mu - lambda) = (4/9) / 1.
    EXPECT_NEAR(MmcMeanWait(2.0, 1.0, 3), 4.0 / 9.0, 1e-12);
    // lambda 1, mu 1, c 2: Wq = (1/3) / 1.
    EXPECT_NEAR(MmcMeanWait(1.0, 1.0, 2), 1.0 / 3.0, 1e-12);
    // Time scales with 1/mu: 10x faster servers, 10x the rate -> 1/10 the wait.
    EXPECT_NEAR(MmcMeanWait(20.0, 10.0, 3), 4.0 / 90.0, 1e-12);
}

TEST(MmcMeanWait, UnstableIsInfinite)
{
    EXPECT_TRUE(std::isinf(MmcMeanWait(4.0, 4.0, 1)));
    EXPECT_TRUE(std::isinf(MmcMeanWait(7.0, 2.0, 3)));
    EXPECT_TRUE(std::isinf(MmcMeanWait(1.0, 1.0, 0)));
    EXPECT_TRUE(std::isinf(MmcMeanWait(1.0, 0.0, 5)));
    EXPECT_TRUE(std::isnan(MmcMeanWait(-1.0, 1.0, 1)));
}

} // namespace
} // namespace stats
} // namespace sipsim
