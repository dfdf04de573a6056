// Aggregates, HyperLogLog and DDSketch on known data.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "base/hash.h"
#include "process/agg_state.h"
#include "process/hll.h"
#include "process/quantile.h"
#include "window_test_util.h"

namespace delta::process {
namespace {

uint64_t h(uint64_t i) { return hash64(std::string_view(reinterpret_cast<const char*>(&i), sizeof i)); }

TEST(HyperLogLogTest, MillionDistinctWithinThreeStandardErrors) {
  HyperLogLog hll;
  constexpr uint64_t kN = 1'000'000;
  for (uint64_t i = 1; i <= kN; ++i) hll.add(h(i));
  for (uint64_t i = 1; i <= kN; i += 7) hll.add(h(i));  // repeats change nothing
  const double se = 1.04 / std::sqrt(16384.0);
  EXPECT_NEAR(hll.estimate(), kN, 3 * se * kN);
  EXPECT_FALSE(hll.is_sparse());
}

TEST(HyperLogLogTest, SmallAndMidCardinalities) {
  const double se = 1.04 / std::sqrt(16384.0);
  for (uint64_t n : {0ull, 1ull, 10ull, 1000ull, 5000ull, 50'000ull, 200'000ull}) {
    HyperLogLog hll;
    for (uint64_t i = 0; i < n; ++i) hll.add(h(i + 17 * n));
    EXPECT_NEAR(hll.estimate(), static_cast<double>(n), std::max(1.0, 3 * se * static_cast<double>(n))) << n;
  }
}

TEST(HyperLogLogTest, SparseStaysSmallAndMergeEqualsUnion) {
  HyperLogLog a, b, all;
  for (uint64_t i = 0; i < 100; ++i) a.add(h(i));
  EXPECT_TRUE(a.is_sparse());
  EXPECT_LT(a.memory_bytes(), 1024u);
  for (uint64_t i = 0; i < 30000; ++i) b.add(h(i + 50));
  for (uint64_t i = 0; i < 30050; ++i) all.add(h(i));
  a.merge(b);
  EXPECT_EQ(a.estimate(), all.estimate());
}

double exact_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

void expect_quantiles_within_alpha(const std::vector<double>& data) {
  DDSketch s;
  for (double x : data) s.add(x);
  for (double q : {0.5, 0.9, 0.99}) {
    double want = exact_quantile(data, q);
    EXPECT_LE(std::fabs(s.quantile(q) - want), DDSketch::kAlpha * std::fabs(want) + 1e-12) << "q=" << q;
  }
}

TEST(DDSketchTest, UniformWithinRelativeError) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> d(1.0, 1000.0);
  std::vector<double> v(200'000);
  for (double& x : v) x = d(rng);
  expect_quantiles_within_alpha(v);
}

TEST(DDSketchTest, ExponentialWithinRelativeError) {
  std::mt19937_64 rng(2);
  std::exponential_distribution<double> d(0.01);
  std::vector<double> v(200'000);
  for (double& x : v) x = d(rng);
  expect_quantiles_within_alpha(v);
}

TEST(DDSketchTest, NegativeZeroAndMerge) {
  DDSketch a, b;
  for (int i = -500; i <= 500; ++i) (i < 0 ? a : b).add(i);
  a.merge(b);
  EXPECT_EQ(a.count(), 1001u);
  EXPECT_EQ(a.quantile(0.5), 0.0);
  EXPECT_NEAR(a.quantile(0.0), -500, 5);
  EXPECT_NEAR(a.quantile(1.0), 500, 5);
  EXPECT_TRUE(std::isnan(DDSketch().quantile(0.5)));
}

TEST(AggLayoutTest, UpdateMergeFinalize) {
  auto layout = AggLayout::make(all_aggregates(0.5));
  ASSERT_TRUE(layout.is_ok());
  std::vector<std::byte> a(layout->block_size()), b(layout->block_size());
  layout->init(a.data());
  layout->init(b.data());
  auto in = [](double x) {
    AggInput v = num(x);
    std::vector<AggInput> all(7, v);
    all[5].hash = static_cast<uint64_t>(x) * 0x9E3779B97F4A7C15ull;
    return all;
  };
  for (double x : {3.0, 1.0, 2.0}) layout->update(a.data(), in(x));
  layout->update(b.data(), in(10.0));
  layout->update(b.data(), std::vector<AggInput>(7));  // nulls: counted by count() only
  layout->merge(a.data(), b.data());
  std::vector<AggValue> out(7);
  layout->finalize(a.data(), out.data());
  EXPECT_EQ(out[0], int_value(5));
  EXPECT_EQ(out[1], float_value(16));
  EXPECT_EQ(out[2], float_value(1));
  EXPECT_EQ(out[3], float_value(10));
  EXPECT_EQ(out[4], float_value(4));
  EXPECT_EQ(out[5], int_value(4));
  EXPECT_NEAR(out[6].f, 2.0, 0.02);
  layout->destroy(a.data());
  layout->destroy(b.data());
}

TEST(AggLayoutTest, EmptyIsNullAndBadQuantileRejected) {
  auto layout = AggLayout::make({{AggKind::kSum}, {AggKind::kMin}, {AggKind::kAvg}});
  ASSERT_TRUE(layout.is_ok());
  std::vector<std::byte> a(layout->block_size());
  layout->init(a.data());
  std::vector<AggValue> out(3);
  layout->finalize(a.data(), out.data());
  for (const AggValue& v : out) EXPECT_EQ(v.type, AggValue::Type::kNull);
  EXPECT_FALSE(AggLayout::make({{AggKind::kQuantile, 1.5}}).is_ok());
  EXPECT_LE(layout->block_size(), 48u);
}

}  // namespace
}  // namespace delta::process
