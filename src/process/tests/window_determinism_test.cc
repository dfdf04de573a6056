// Determinism (DESIGN.md: "Results are deterministic for a given log"): the same per-partition
// event sequences, interleaved across partitions in different ways and advanced after batches of
// different sizes, give identical final results and reject the same events as late.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/hash.h"
#include "process/window_operator.h"
#include "window_test_util.h"

namespace delta::process {
namespace {

constexpr int kPartitions = 3;
constexpr int kPerPartition = 3000;

struct Event {
  int64_t t;
  std::string key;
  double x;
};

// Mostly increasing event time with jitter, and now and then an event far behind.
std::vector<std::vector<Event>> make_log(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Event>> log(kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < kPerPartition; ++i) {
      int64_t t = int64_t{i} * 20 + static_cast<int64_t>(rng() % 1500) + p * 300;
      if (rng() % 50 == 0) t -= 6000;
      log[p].push_back({t, "k" + std::to_string(rng() % 40), static_cast<double>(rng() % 1000)});
    }
  }
  return log;
}

struct Outcome {
  std::map<FinalKey, std::vector<AggValue>> results;
  std::set<std::pair<int, int>> late;  // (partition, index)
  size_t rows = 0;
};

// Interleaves partitions in an order drawn from `seed` (per-partition order kept) and advances
// after batches of 1..max_batch events.
Outcome run(const WindowSpec& spec, const std::vector<std::vector<Event>>& log, uint32_t seed,
            int max_batch) {
  auto layout = AggLayout::make(all_aggregates(0.9));
  ManualClock clock;
  auto op = WindowOperator::make(spec, &layout.value(), {kPartitions, 500, 0}, &clock);
  EXPECT_TRUE(op.is_ok());
  CollectSink sink;
  Outcome out;
  std::mt19937 rng(seed);
  std::vector<size_t> next(kPartitions, 0);
  int in_batch = 0, batch = 1 + static_cast<int>(rng() % max_batch);
  for (size_t left = kPartitions * kPerPartition; left > 0; --left) {
    int p;
    do p = static_cast<int>(rng() % kPartitions);
    while (next[p] == log[p].size());
    const Event& e = log[p][next[p]];
    AggInput in{e.x, hash64(e.key) ^ static_cast<uint64_t>(e.x), false};
    std::vector<AggInput> inputs(7, in);
    if ((*op)->add(p, e.t, e.key, inputs) == AddOutcome::kLate)
      out.late.insert({p, static_cast<int>(next[p])});
    ++next[p];
    if (++in_batch == batch) {
      (*op)->advance(sink);
      in_batch = 0;
      batch = 1 + static_cast<int>(rng() % max_batch);
    }
  }
  (*op)->finish(sink);
  out.results = final_results(sink.rows);
  out.rows = sink.rows.size();
  return out;
}

void expect_deterministic(const WindowSpec& spec) {
  auto log = make_log(7);
  Outcome base = run(spec, log, 1, 1);
  EXPECT_GT(base.results.size(), 50u);
  EXPECT_GT(base.late.size(), 10u);  // the test exercises lateness
  for (uint32_t seed : {2u, 3u, 4u}) {
    for (int max_batch : {1, 17, 1000, 100000}) {
      Outcome o = run(spec, log, seed, max_batch);
      EXPECT_EQ(o.late, base.late) << "seed " << seed << " batch " << max_batch;
      EXPECT_TRUE(o.results == base.results) << "seed " << seed << " batch " << max_batch;
    }
  }
}

TEST(WindowDeterminismTest, Tumbling) { expect_deterministic({WindowKind::kTumbling, 1000, 0, 0, 2000}); }
TEST(WindowDeterminismTest, Hopping) { expect_deterministic({WindowKind::kHopping, 2000, 500, 0, 1000}); }
TEST(WindowDeterminismTest, Session) { expect_deterministic({WindowKind::kSession, 0, 0, 300, 1000}); }

// Guards the test itself: a different log must give different results.
TEST(WindowDeterminismTest, DifferentLogsDiffer) {
  WindowSpec spec{WindowKind::kTumbling, 1000, 0, 0, 2000};
  EXPECT_FALSE(run(spec, make_log(7), 1, 10).results == run(spec, make_log(8), 1, 10).results);
}

}  // namespace
}  // namespace delta::process
