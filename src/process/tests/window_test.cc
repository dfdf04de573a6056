// Window operators: each window type, watermarks, idleness, lateness and session merging.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/hash.h"
#include "base/rfc3339.h"
#include "process/watermark.h"
#include "process/window_operator.h"
#include "window_test_util.h"

namespace delta::process {
namespace {

// count() and sum(x): two aggregates for every test view.
class WindowTest : public ::testing::Test {
 protected:
  void make(WindowSpec spec, WatermarkOptions wm = {}) {
    layout_ =
        std::make_unique<AggLayout>(std::move(AggLayout::make({{AggKind::kCount}, {AggKind::kSum}}).value()));
    auto op = WindowOperator::make(spec, layout_.get(), wm, &clock_);
    ASSERT_TRUE(op.is_ok()) << op.status().message();
    op_ = std::move(op.value());
  }
  AddOutcome add(int64_t t, std::string_view key, double x, int partition = 0) {
    AggInput in[2] = {num(x), num(x)};
    return op_->add(partition, t, key, in);
  }
  std::vector<OwnedRow> advance() {
    sink_.rows.clear();
    op_->advance(sink_);
    return sink_.rows;
  }
  static void expect_row(const OwnedRow& r, int64_t start, int64_t end, std::string_view key, int64_t count,
                         double sum, bool is_update = false) {
    EXPECT_EQ(r.start, start);
    EXPECT_EQ(r.end, end);
    EXPECT_EQ(r.key, key);
    ASSERT_EQ(r.values.size(), 2u);
    EXPECT_EQ(r.values[0], int_value(count));
    EXPECT_EQ(r.values[1], float_value(sum));
    EXPECT_EQ(r.is_update, is_update);
    EXPECT_FALSE(r.is_retraction);
  }

  ManualClock clock_;
  std::unique_ptr<AggLayout> layout_;
  std::unique_ptr<WindowOperator> op_;
  CollectSink sink_;
};

TEST_F(WindowTest, TumblingFiresWhenWatermarkPassesEnd) {
  make({WindowKind::kTumbling, 10'000});
  add(1000, "a", 1);
  add(2000, "b", 2);
  add(9999, "a", 3);
  EXPECT_TRUE(advance().empty());  // watermark 9999 < end 10000
  add(10'000, "a", 4);             // watermark 10000: [0, 10000) is complete
  auto rows = advance();
  ASSERT_EQ(rows.size(), 2u);
  // order: by key hash; both keys are in the window
  const OwnedRow& ra = rows[0].key == "a" ? rows[0] : rows[1];
  const OwnedRow& rb = rows[0].key == "a" ? rows[1] : rows[0];
  expect_row(ra, 0, 10'000, "a", 2, 4);
  expect_row(rb, 0, 10'000, "b", 1, 2);
  sink_.rows.clear();
  op_->finish(sink_);
  ASSERT_EQ(sink_.rows.size(), 1u);
  expect_row(sink_.rows[0], 10'000, 20'000, "a", 1, 4);
  EXPECT_EQ(op_->entries(), 0u);
}

TEST_F(WindowTest, HoppingEventBelongsToSizeOverSlideWindows) {
  make({WindowKind::kHopping, 10'000, 2'000});
  add(5'000, "k", 7);
  sink_.rows.clear();
  op_->finish(sink_);
  ASSERT_EQ(sink_.rows.size(), 5u);
  for (size_t i = 0; i < 5; ++i)
    expect_row(sink_.rows[i], -4000 + 2000 * int64_t(i), 6000 + 2000 * int64_t(i), "k", 1, 7);
}

TEST_F(WindowTest, HoppingMergesPanesPerKey) {
  make({WindowKind::kHopping, 4'000, 2'000});
  add(500, "k", 1);    // pane [0, 2000)
  add(2500, "k", 10);  // pane [2000, 4000)
  add(2600, "j", 100);
  add(4000, "z", 0);  // watermark 4000
  auto rows = advance();
  // windows ending at 2000 ([-2000, 2000)) and 4000 ([0, 4000))
  ASSERT_EQ(rows.size(), 3u);
  expect_row(rows[0], -2000, 2000, "k", 1, 1);
  const OwnedRow& k = rows[1].key == "k" ? rows[1] : rows[2];
  expect_row(k, 0, 4000, "k", 2, 11);
}

TEST_F(WindowTest, LateWithinAllowedLatenessUpdatesThenRejects) {
  make({WindowKind::kTumbling, 10'000, 0, 0, 5'000});
  add(1000, "a", 1);
  add(12'000, "a", 1);  // watermark 12000: [0,10000) fires
  auto rows = advance();
  ASSERT_EQ(rows.size(), 1u);
  expect_row(rows[0], 0, 10'000, "a", 1, 1);
  EXPECT_EQ(add(3000, "a", 5), AddOutcome::kAccepted);  // 12000 < 10000 + 5000
  EXPECT_EQ(add(4000, "a", 5), AddOutcome::kAccepted);
  rows = advance();
  ASSERT_EQ(rows.size(), 1u);  // two late events, one update
  expect_row(rows[0], 0, 10'000, "a", 3, 11, /*is_update=*/true);
  add(15'000, "b", 1);                              // watermark 15000 = end + lateness
  EXPECT_EQ(add(9999, "a", 5), AddOutcome::kLate);  // now too late
  EXPECT_TRUE(advance().empty());
  EXPECT_EQ(op_->entries(), 2u);  // [0,10000) dropped; [10000,20000) has a and b
}

TEST_F(WindowTest, HoppingLateEventUpdatesOnlyFiredWindows) {
  make({WindowKind::kHopping, 4'000, 2'000, 0, 2'000});
  add(500, "k", 1);
  add(5'000, "z", 0);  // watermark 5000: windows ending 2000 and 4000 fire
  EXPECT_EQ(advance().size(), 2u);
  EXPECT_EQ(add(2'500, "k", 10), AddOutcome::kAccepted);  // pane [2000,4000): windows ending 4000, 6000
  auto rows = advance();
  ASSERT_EQ(rows.size(), 1u);  // only the fired one is updated; [2000,6000) has not fired yet
  expect_row(rows[0], 0, 4'000, "k", 2, 11, /*is_update=*/true);
  add(6'000, "z", 0);                                // watermark 6000 = 4000 + lateness
  EXPECT_EQ(add(2'100, "k", 1), AddOutcome::kLate);  // too late for [0,4000), so for all its windows
  rows = advance();
  ASSERT_EQ(rows.size(), 2u);  // [2000,6000): k and z
  const OwnedRow& k = rows[0].key == "k" ? rows[0] : rows[1];
  expect_row(k, 2'000, 6'000, "k", 1, 10);
}

// Hopping windows merged from panes (5 panes: the k-way merge of the panes' copied runs; 80 panes:
// more than the merge holds, merged by lookup) against a brute-force count and sum per (window,
// key), with keys of every length (the empty key, short ones, ones longer than 16 bytes), late
// events into panes whose windows already fired, and the documented order: window end, then key
// hash, then key bytes.
TEST_F(WindowTest, HoppingMatchesBruteForceAcrossPanes) {
  for (auto [size, slide] : {std::pair<int64_t, int64_t>{10'000, 2'000}, {80'000, 1'000}}) {
    SCOPED_TRACE(size / slide);
    make({WindowKind::kHopping, size, slide, 0, 3'000});
    std::vector<std::string> keys = {""};
    for (int i = 0; i < 300; ++i)
      keys.push_back(std::string(static_cast<size_t>(i % 40), 'k') + std::to_string(i));
    std::map<FinalKey, std::pair<int64_t, double>> want;
    uint64_t x = 7;
    auto next = [&x] {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      return x >> 33;
    };
    std::vector<OwnedRow> rows;
    int64_t max_t = 0;
    for (int i = 0; i < 20'000; ++i) {
      // Mostly in order; one in 10 events up to 4 s behind (some late, some updating fired windows).
      int64_t ev = i * 10 - (next() % 10 == 0 ? static_cast<int64_t>(next() % 4'000) : 0);
      ev = std::max<int64_t>(ev, 0);
      const std::string& key = keys[next() % keys.size()];
      const double v = static_cast<double>(next() % 100);
      if (add(ev, key, v) == AddOutcome::kAccepted) {
        const int64_t pane = ev - ev % slide;
        for (int64_t end = pane + slide; end <= pane + size; end += slide) {
          auto& [count, sum] = want[{end - size, end, key}];
          ++count;
          sum += v;
        }
      }
      max_t = std::max(max_t, ev);
      if (i % 97 == 0) {
        std::vector<OwnedRow> r = advance();
        rows.insert(rows.end(), r.begin(), r.end());
      }
    }
    sink_.rows.clear();
    op_->finish(sink_);
    rows.insert(rows.end(), sink_.rows.begin(), sink_.rows.end());
    std::map<FinalKey, std::vector<AggValue>> got = final_results(rows);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [k, cs] : want) {
      ASSERT_TRUE(got.count(k)) << std::get<2>(k);
      EXPECT_EQ(got[k][0], int_value(cs.first));
      EXPECT_EQ(got[k][1], float_value(cs.second));
    }
    // Order of first firings: by end, then (hash, key).
    for (size_t i = 1; i < rows.size(); ++i) {
      const OwnedRow& a = rows[i - 1];
      const OwnedRow& b = rows[i];
      if (a.is_update || b.is_update || a.end != b.end) continue;
      auto h = [](const std::string& k) {
        uint64_t v = hash64(k);
        return v == 0 ? 1 : v;
      };
      EXPECT_TRUE(std::make_pair(h(a.key), a.key) < std::make_pair(h(b.key), b.key)) << i;
    }
  }
}

TEST_F(WindowTest, OutOfOrdernessDelaysTheWatermark) {
  make({WindowKind::kTumbling, 10'000}, {1, 3'000, 0});
  add(1000, "a", 1);
  add(12'000, "a", 1);  // watermark 9000
  EXPECT_EQ(add(8000, "a", 1), AddOutcome::kAccepted);
  EXPECT_TRUE(advance().empty());
  add(13'000, "a", 1);  // watermark 10000
  auto rows = advance();
  ASSERT_EQ(rows.size(), 1u);
  expect_row(rows[0], 0, 10'000, "a", 2, 2);
  EXPECT_EQ(add(9000, "a", 1), AddOutcome::kLate);
}

TEST(WatermarkTrackerTest, MinOverPartitionsAndMonotonic) {
  ManualClock clock;
  WatermarkTracker w({3, 100, 0}, &clock);
  EXPECT_EQ(w.view_watermark(), kNoWatermark);
  w.observe(0, 1000);
  w.observe(1, 2000);
  EXPECT_EQ(w.view_watermark(), kNoWatermark);  // partition 2 has shown nothing
  w.observe(2, 1500);
  EXPECT_EQ(w.view_watermark(), 900);
  EXPECT_EQ(w.partition_watermark(1), 1900);
  w.observe(0, 500);  // out of order: no regression
  EXPECT_EQ(w.partition_watermark(0), 900);
  w.observe(0, 5000);
  EXPECT_EQ(w.view_watermark(), 1400);
}

TEST(WatermarkTrackerTest, IdlePartitionStopsHoldingBack) {
  ManualClock clock;
  WatermarkTracker w({2, 0, 30'000}, &clock);
  w.observe(0, 1000);
  w.observe(1, 100);
  EXPECT_EQ(w.view_watermark(), 100);
  clock.advance_ms(20'000);
  w.observe(0, 50'000);
  EXPECT_EQ(w.view_watermark(), 100);  // partition 1 quiet for 20 s < 30 s
  clock.advance_ms(10'000);
  EXPECT_TRUE(w.is_idle(1));
  EXPECT_EQ(w.view_watermark(), 50'000);
  w.observe(1, 200);  // wakes up behind: the view watermark does not go back
  EXPECT_FALSE(w.is_idle(1));
  EXPECT_EQ(w.view_watermark(), 50'000);
}

TEST_F(WindowTest, IdlePartitionLetsWindowsFire) {
  make({WindowKind::kTumbling, 10'000}, {2, 0, 5'000});
  add(1000, "a", 1, 0);
  add(500, "b", 1, 1);
  add(20'000, "a", 1, 0);
  EXPECT_TRUE(advance().empty());  // partition 1 at 500
  clock_.advance_ms(5'000);
  auto rows = advance();
  ASSERT_EQ(rows.size(), 2u);  // [0,10000) for a and b
  EXPECT_EQ(rows[0].end, 10'000);
  EXPECT_EQ(add(600, "b", 1, 1), AddOutcome::kLate);  // window already dropped
}

TEST_F(WindowTest, SessionsMergeWhenAnEventBridgesThem) {
  make({WindowKind::kSession, 0, 0, 1'000, 10'000});
  add(0, "u", 1);      // [0, 1000)
  add(1500, "u", 10);  // [1500, 2500): separate
  add(5000, "u", 0);   // watermark 5000: both fire
  auto rows = advance();
  ASSERT_EQ(rows.size(), 2u);
  expect_row(rows[0], 0, 1000, "u", 1, 1);
  expect_row(rows[1], 1500, 2500, "u", 1, 10);
  EXPECT_EQ(add(800, "u", 100), AddOutcome::kAccepted);  // [800, 1800) touches both
  rows = advance();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].is_retraction);
  EXPECT_EQ(rows[0].end, 1000);
  EXPECT_TRUE(rows[1].is_retraction);
  EXPECT_EQ(rows[1].end, 2500);
  expect_row(rows[2], 0, 2500, "u", 3, 111, /*is_update=*/true);
  add(20'000, "u", 0);
  EXPECT_EQ(add(8000, "u", 1), AddOutcome::kLate);  // 8000 + 10000 < 20000
  advance();
  EXPECT_EQ(op_->entries(), 1u);  // [0,2500) and [5000,6000) are past their lateness
}

TEST_F(WindowTest, SessionExtendsAndKeysAreSeparate) {
  make({WindowKind::kSession, 0, 0, 1'000});
  add(0, "a", 1);
  add(900, "a", 1);
  add(1800, "a", 1);
  add(1900, "b", 5);
  EXPECT_EQ(add(700, "b", 5), AddOutcome::kLate);  // 700 < partition watermark 1900 (lateness 0)
  sink_.rows.clear();
  op_->finish(sink_);
  auto final = final_results(sink_.rows);
  ASSERT_EQ(final.size(), 2u);
  EXPECT_EQ((final[{0, 2800, "a"}]), (std::vector<AggValue>{int_value(3), float_value(3)}));
  EXPECT_EQ((final[{1900, 2900, "b"}]), (std::vector<AggValue>{int_value(1), float_value(5)}));
}

TEST(WindowOperatorTest, BadSpecsAreRefused) {
  ManualClock clock;
  auto layout = AggLayout::make({{AggKind::kCount}});
  ASSERT_TRUE(layout.is_ok());
  EXPECT_FALSE(WindowOperator::make({WindowKind::kTumbling, 0}, &layout.value(), {}, &clock).is_ok());
  EXPECT_FALSE(WindowOperator::make({WindowKind::kHopping, 10, 3}, &layout.value(), {}, &clock).is_ok());
  EXPECT_FALSE(WindowOperator::make({WindowKind::kSession}, &layout.value(), {}, &clock).is_ok());
  EXPECT_FALSE(
      WindowOperator::make({WindowKind::kTumbling, 10, 0, 0, -1}, &layout.value(), {}, &clock).is_ok());
}

// Ingest accepts event times of the years 0000..9999 (base/rfc3339.h); windows at both ends of
// that range compute their bounds without overflow (UBSan checks this in the asan-ubsan build).
TEST_F(WindowTest, EventTimesAtTheEndsOfTheAcceptedRangeGetTheirWindows) {
  const WindowSpec specs[] = {{WindowKind::kTumbling, 10'000},
                              {WindowKind::kHopping, 10'000, 5'000},
                              {WindowKind::kSession, 0, 0, 1'000}};
  for (const WindowSpec& spec : specs) {
    make(spec);
    EXPECT_EQ(add(kMinTimestampMs, "lo", 1), AddOutcome::kAccepted);
    EXPECT_EQ(add(kMaxTimestampMs, "hi", 2), AddOutcome::kAccepted);
    advance();
    op_->finish(sink_);
    std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> windows;
    for (const OwnedRow& r : sink_.rows) windows[r.key].emplace_back(r.start, r.end);
    const int64_t hi_end = kMaxTimestampMs + 1;  // 10000-01-01: a multiple of every size here
    switch (spec.kind) {
      case WindowKind::kTumbling:
        EXPECT_EQ(windows["lo"],
                  (std::vector<std::pair<int64_t, int64_t>>{{kMinTimestampMs, kMinTimestampMs + 10'000}}));
        EXPECT_EQ(windows["hi"], (std::vector<std::pair<int64_t, int64_t>>{{hi_end - 10'000, hi_end}}));
        break;
      case WindowKind::kHopping:
        EXPECT_EQ(windows["lo"], (std::vector<std::pair<int64_t, int64_t>>{
                                     {kMinTimestampMs - 5'000, kMinTimestampMs + 5'000},
                                     {kMinTimestampMs, kMinTimestampMs + 10'000}}));
        EXPECT_EQ(windows["hi"], (std::vector<std::pair<int64_t, int64_t>>{
                                     {hi_end - 10'000, hi_end}, {hi_end - 5'000, hi_end + 5'000}}));
        break;
      case WindowKind::kSession:
        EXPECT_EQ(windows["lo"],
                  (std::vector<std::pair<int64_t, int64_t>>{{kMinTimestampMs, kMinTimestampMs + 1'000}}));
        EXPECT_EQ(windows["hi"],
                  (std::vector<std::pair<int64_t, int64_t>>{{kMaxTimestampMs, kMaxTimestampMs + 1'000}}));
        break;
    }
  }
}

}  // namespace
}  // namespace delta::process
