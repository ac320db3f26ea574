#include "stats/confidence.h"

#include <cmath>
#include <gtest/gtest.h>

namespace sipsim {
namespace stats {
namespace {

TEST(StudentT, Table)
{
    EXPECT_DOUBLE_EQ(StudentTQuantile975(1), 12.706);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(2), 4.303);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(4), 2.776);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(10), 2.228);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(29), 2.045);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(30), 2.042);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(40), 2.021);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(60), 2.000);
    EXPECT_DOUBLE_EQ(StudentTQuantile975(120), 1.980);
    EXPECT_TRUE(std::isinf(StudentTQuantile975(0)));
}

TEST(StudentT, InterpolatedInInverseDf)
{
    // df 35: 1/35 lies 4/7 of the way from 1/30 to 1/40 -> 2.042 - 4/7 * 0.021 = 2.030.
    EXPECT_NEAR(StudentTQuantile975(35), 2.030, 1e-9);
    // df 80: 1/80 lies halfway from 1/60 to 1/120 -> 1.990 (exact t: 1.990).
    EXPECT_NEAR(StudentTQuantile975(80), 1.990, 1e-9);
    // df 240: halfway from 1/120 to 0 -> 1.970 (exact t: 1.970).
    EXPECT_NEAR(StudentTQuantile975(240), 1.970, 1e-9);
    EXPECT_NEAR(StudentTQuantile975(4000000000u), 1.960, 1e-6);
}

TEST(StudentT, DecreasingInDf)
{
    for (unsigned df = 1; df < 2000; ++df)
    {
        EXPECT_GE(StudentTQuantile975(df), StudentTQuantile975(df + 1)) << df;
        EXPECT_GE(StudentTQuantile975(df), 1.960);
    }
}

TEST(MeanCi95, HandComputed)
{
    // mean 3, s^2 = 10/4 = 2.5, halfWidth = 2.776 * sqrt(2.5) / sqrt(5) = 2.776 * sqrt(0.5)
    const ConfidenceInterval ci = MeanCi95({1, 2, 3, 4, 5});
    EXPECT_EQ(ci.n, 5u);
    EXPECT_DOUBLE_EQ(ci.mean, 3.0);
    EXPECT_NEAR(ci.halfWidth, 2.776 * std::sqrt(0.5), 1e-12);
    EXPECT_NEAR(ci.low, 3.0 - 1.962928, 1e-6);
    EXPECT_NEAR(ci.high, 3.0 + 1.962928, 1e-6);
}

TEST(MeanCi95, TwoSamples)
{
    // mean 11, s = sqrt(2), halfWidth = 12.706 * sqrt(2) / sqrt(2) = 12.706
    const ConfidenceInterval ci = MeanCi95({10, 12});
    EXPECT_DOUBLE_EQ(ci.mean, 11.0);
    EXPECT_NEAR(ci.halfWidth, 12.706, 1e-12);
}

TEST(MeanCi95, ConstantSamplesHaveZeroWidth)
{
    const ConfidenceInterval ci = MeanCi95({1e9 + 0.1, 1e9 + 0.1, 1e9 + 0.1});
    EXPECT_DOUBLE_EQ(ci.mean, 1e9 + 0.1);
    EXPECT_NEAR(ci.halfWidth, 0.0, 1e-6);
}

TEST(MeanCi95, TooFewSamples)
{
    const ConfidenceInterval one = MeanCi95({4.0});
    EXPECT_EQ(one.n, 1u);
    EXPECT_DOUBLE_EQ(one.mean, 4.0);
    EXPECT_TRUE(std::isinf(one.halfWidth));
    EXPECT_TRUE(std::isinf(one.low) && one.low < 0);
    EXPECT_TRUE(std::isinf(one.high) && one.high > 0);

    const ConfidenceInterval none = MeanCi95({});
    EXPECT_EQ(none.n, 0u);
    EXPECT_TRUE(std::isnan(none.mean));
    EXPECT_TRUE(std::isinf(none.halfWidth));
}

TEST(BatchMeansCi95, HandComputed)
{
    // 11 blocked indicators, 3 batches of 3, the last 2 discarded (would change the mean).
    // Batch means 2/3, 1/3, 2/3: mean 5/9, s^2 = (1 + 4 + 1) / 81 / 2 = 3/81,
    // halfWidth = 4.303 * (sqrt(3) / 9) / sqrt(3) = 4.303 / 9.
    const std::vector<double> x = {1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1};
    const ConfidenceInterval ci = BatchMeansCi95(x, 3);
    EXPECT_EQ(ci.n, 3u);
    EXPECT_NEAR(ci.mean, 5.0 / 9.0, 1e-12);
    EXPECT_NEAR(ci.halfWidth, 4.303 / 9.0, 1e-12);
    EXPECT_NEAR(ci.low, 5.0 / 9.0 - 4.303 / 9.0, 1e-12);
}

TEST(BatchMeansCi95, BatchOfOneIsMeanCi)
{
    const std::vector<double> x = {1, 2, 3, 4, 5};
    const ConfidenceInterval a = BatchMeansCi95(x, 5);
    const ConfidenceInterval b = MeanCi95(x);
    EXPECT_DOUBLE_EQ(a.mean, b.mean);
    EXPECT_DOUBLE_EQ(a.halfWidth, b.halfWidth);
    EXPECT_EQ(a.n, 5u);
}

TEST(BatchMeansCi95, Degenerate)
{
    const std::vector<double> x = {1, 0, 1};
    const ConfidenceInterval oneBatch = BatchMeansCi95(x, 1);
    EXPECT_EQ(oneBatch.n, 1u);
    EXPECT_NEAR(oneBatch.mean, 2.0 / 3.0, 1e-12);
    EXPECT_TRUE(std::isinf(oneBatch.halfWidth));

    const ConfidenceInterval tooMany = BatchMeansCi95(x, 10);
    EXPECT_EQ(tooMany.n, 0u);
    EXPECT_NEAR(tooMany.mean, 2.0 / 3.0, 1e-12);
    EXPECT_TRUE(std::isinf(tooMany.halfWidth));

    const ConfidenceInterval zero = BatchMeansCi95(x, 0);
    EXPECT_EQ(zero.n, 0u);
    EXPECT_TRUE(std::isinf(zero.halfWidth));

    EXPECT_TRUE(std::isnan(BatchMeansCi95({}, 4).mean));
}

} // namespace
} // namespace stats
} // namespace sipsim
