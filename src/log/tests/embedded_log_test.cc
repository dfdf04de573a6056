// Append/read, offsets, group commit, durability modes, close and backpressure of EmbeddedLog.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "log/tests/test_util.h"
#include "model/record_batch.h"

namespace delta::log::testing {
namespace {

class EmbeddedLogTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(EmbeddedLogTest, AppendReadRoundTrip) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("orders", 2).is_ok());
  auto a = append_wait(*h.log, "orders", 1, make_batch(3, "a"));
  auto b = append_wait(*h.log, "orders", 1, make_batch(2, "b"));
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(a->base_offset, 0);
  EXPECT_EQ(a->record_count, 3);
  EXPECT_EQ(b->base_offset, 3);
  auto r = h.log->read("orders", 1, 0, 1 << 20);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->batches.size(), 2u);
  EXPECT_EQ(r->next_offset, 5);
  EXPECT_EQ(r->end_offset, 5);
  auto values = values_of(*r);
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[0].substr(0, 3), "a-0");
  EXPECT_EQ(values[4].substr(0, 3), "b-1");
  // The other partition is untouched, and reading at the end is empty, not an error.
  auto other = h.log->read("orders", 0, 0, 1 << 20);
  ASSERT_TRUE(other.is_ok());
  EXPECT_TRUE(other->batches.empty());
  EXPECT_EQ(h.log->read("orders", 1, 6, 100).status().code(), StatusCode::kOutOfRange);
}

TEST_F(EmbeddedLogTest, ReadStartsAtTheBatchHoldingFromAndHonoursMaxBytes) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(append_wait(*h.log, "s", 0, make_batch(10, "b")).is_ok());
  auto r = h.log->read("s", 0, 23, 1);  // max_bytes below one batch: still one batch
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->batches.size(), 1u);
  model::BatchHeader header;
  ASSERT_TRUE(model::parse_batch_header(r->batches[0], &header).is_ok());
  EXPECT_EQ(header.base_offset, 20);
  EXPECT_EQ(r->next_offset, 30);
  EXPECT_TRUE(model::verify_batch_crc(r->batches[0]).is_ok());
}

// Reads land in one reused buffer, one pread per budget: every (from, max_bytes) over batches of
// different sizes spread across several segments must give the batches a fresh read gives, in
// sequence, whole and CRC-valid, within the budget unless the first batch alone exceeds it.
TEST_F(EmbeddedLogTest, ReusedReadResultGivesWholeBatchesForEveryStartAndBudget) {
  config::LogConfig config = test_config(dir_.path());
  config.segment_bytes = 600;  // a few batches per segment
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  std::vector<std::string> values;  // every record's value, by offset
  for (int i = 0; i < 12; ++i) {
    std::string batch = make_batch(1 + i % 4, "b" + std::to_string(i), 16 + 40 * (i % 3));
    ReadResult one;
    one.append_batch(batch);
    for (const std::string& v : values_of(one)) values.push_back(v);
    ASSERT_TRUE(append_wait(*h.log, "s", 0, std::move(batch)).is_ok());
  }
  auto info = h.log->partition_info("s", 0);
  ASSERT_TRUE(info.is_ok());
  ASSERT_GE(info->segments, 3u);
  const auto end = static_cast<int64_t>(values.size());
  ASSERT_EQ(info->end_offset, end);
  ReadResult reused;
  for (size_t max_bytes : {size_t{1}, size_t{60}, size_t{200}, size_t{333}, size_t{1000}, size_t{1} << 20}) {
    for (int64_t from = 0; from < end; ++from) {
      SCOPED_TRACE("from " + std::to_string(from) + " max_bytes " + std::to_string(max_bytes));
      ASSERT_TRUE(h.log->read_into("s", 0, from, max_bytes, &reused).is_ok());
      auto fresh = h.log->read("s", 0, from, max_bytes);
      ASSERT_TRUE(fresh.is_ok());
      ASSERT_FALSE(reused.batches.empty());
      ASSERT_EQ(reused.batches.size(), fresh->batches.size());
      size_t bytes = 0;
      int64_t expect_base = -1;
      for (size_t i = 0; i < reused.batches.size(); ++i) {
        EXPECT_EQ(reused.batches[i], fresh->batches[i]);
        EXPECT_TRUE(model::verify_batch_crc(reused.batches[i]).is_ok());
        model::BatchHeader header;
        ASSERT_TRUE(model::parse_batch_header(reused.batches[i], &header).is_ok());
        if (i == 0) {
          EXPECT_LE(header.base_offset, from);
        } else {
          EXPECT_EQ(header.base_offset, expect_base);
        }
        expect_base = header.base_offset + header.record_count;
        bytes += reused.batches[i].size();
      }
      if (reused.batches.size() > 1) {
        EXPECT_LE(bytes, max_bytes);
      }
      EXPECT_EQ(reused.next_offset, expect_base);
      EXPECT_EQ(reused.end_offset, end);
      std::vector<std::string> got = values_of(reused, from);
      ASSERT_FALSE(got.empty());
      EXPECT_EQ(got.front(), values[static_cast<size_t>(from)]);
      EXPECT_EQ(got.back(), values[static_cast<size_t>(reused.next_offset - 1)]);
    }
  }
  // A whole read from 0 with a large budget holds everything.
  ASSERT_TRUE(h.log->read_into("s", 0, 0, size_t{1} << 20, &reused).is_ok());
  EXPECT_EQ(values_of(reused), values);
  // A failed read leaves no batches behind.
  EXPECT_EQ(h.log->read_into("s", 0, end + 1, 100, &reused).code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(reused.batches.empty());
}

TEST_F(EmbeddedLogTest, RefusesUnknownPartitionAndInvalidBatches) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  EXPECT_EQ(append_wait(*h.log, "nope", 0, make_batch(1, "x")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(append_wait(*h.log, "s", 1, make_batch(1, "x")).status().code(), StatusCode::kNotFound);
  std::string torn = make_batch(2, "x");
  torn.pop_back();
  EXPECT_EQ(append_wait(*h.log, "s", 0, torn).status().code(), StatusCode::kInvalidArgument);
  std::string flipped = make_batch(2, "x");
  flipped.back() ^= 1;
  EXPECT_EQ(append_wait(*h.log, "s", 0, flipped).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.log->ensure_stream("../evil", 1).code(), StatusCode::kInvalidArgument);
  auto info = h.log->partition_info("s", 0);
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->end_offset, 0);
}

TEST_F(EmbeddedLogTest, PartitionCountIsRememberedAcrossReopen) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 3).is_ok());
  EXPECT_TRUE(h.log->ensure_stream("s", 3).is_ok());
  EXPECT_EQ(h.log->ensure_stream("s", 4).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_TRUE(h.log->ensure_stream("s", 3).is_ok());
  EXPECT_EQ(h.log->ensure_stream("s", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(h.log->partition_info("s", 2).is_ok());
  EXPECT_EQ(h.log->partition_info("s", 3).status().code(), StatusCode::kNotFound);
}

TEST_F(EmbeddedLogTest, OffsetsContinueAcrossSegmentRollsAndReopen) {
  auto config = test_config(dir_.path());
  config.segment_bytes = 2048;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    std::string tag = "b" + std::to_string(i);
    auto r = append_wait(*h.log, "s", 0, make_batch(7, tag));
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->base_offset, i * 7);
    for (int j = 0; j < 7; ++j) expected.push_back(tag + "-" + std::to_string(j));
  }
  auto info = h.log->partition_info("s", 0);
  ASSERT_TRUE(info.is_ok());
  EXPECT_GE(info->segments, 4u);
  EXPECT_EQ(info->end_offset, 210);
  EXPECT_EQ(h.counter("delta_log_segments_rolled_total"), info->segments - 1);
  for (int reopen = 0; reopen < 2; ++reopen) {
    for (int64_t from = 0; from < 210; ++from) {
      auto got = read_all(*h.log, "s", 0, from);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_EQ(got->size(), expected.size() - from) << "from " << from;
      EXPECT_EQ((*got)[0].substr(0, expected[from].size()), expected[from]);
    }
    ASSERT_TRUE(h.open().is_ok());
  }
  EXPECT_EQ(append_wait(*h.log, "s", 0, make_batch(1, "z"))->base_offset, 210);
}

TEST_F(EmbeddedLogTest, SegmentRollsByAge) {
  auto config = test_config(dir_.path());
  config.segment_ms = 1000;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  ASSERT_TRUE(append_wait(*h.log, "s", 0, make_batch(1, "a")).is_ok());
  h.clock.advance_ms(999);
  ASSERT_TRUE(append_wait(*h.log, "s", 0, make_batch(1, "b")).is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->segments, 1u);
  h.clock.advance_ms(1);
  ASSERT_TRUE(append_wait(*h.log, "s", 0, make_batch(1, "c")).is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->segments, 2u);
  EXPECT_EQ(read_all(*h.log, "s", 0)->size(), 3u);
}

// Many appenders on several threads: the writer must share each fdatasync among many appends.
TEST_F(EmbeddedLogTest, GroupCommitSharesFsyncs) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 2).is_ok());
  constexpr int kThreads = 8, kPerThread = 100;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  std::vector<std::promise<void>> all_done(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto left = std::make_shared<std::atomic<int>>(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        h.log->append("s", t % 2, make_batch(5, "t" + std::to_string(t)),
                      [&, t, left](Result<AppendResult> r) {
                        (r.is_ok() ? ok : failed)++;
                        if (--*left == 0) all_done[t].set_value();
                      });
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& d : all_done) d.get_future().wait();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
  uint64_t fsyncs = h.counter("delta_log_fsyncs_total");
  EXPECT_GT(fsyncs, 0u);
  EXPECT_LT(fsyncs * 4, static_cast<uint64_t>(kThreads * kPerThread)) << "fsyncs " << fsyncs;
  EXPECT_EQ(h.log->probe().append_latency.count(), static_cast<uint64_t>(kThreads * kPerThread));
  for (int p = 0; p < 2; ++p) {
    EXPECT_EQ(h.log->partition_info("s", p)->end_offset, kThreads / 2 * kPerThread * 5);
    EXPECT_EQ(read_all(*h.log, "s", p)->size(), static_cast<size_t>(kThreads / 2 * kPerThread * 5));
    obs::Labels labels{{"stream", "s"}, {"partition", std::to_string(p)}};
    EXPECT_EQ(h.registry.gauge("delta_log_end_offset", "", labels).value(), kThreads / 2 * kPerThread * 5);
  }
}

// Readers run while the writer appends: every read must see whole, CRC-valid, in-order batches.
TEST_F(EmbeddedLogTest, ConcurrentReadsSeeOnlyWholeBatches) {
  auto config = test_config(dir_.path());
  config.segment_bytes = 16 * 1024;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      auto got = read_all(*h.log, "s", 0);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      for (size_t i = 0; i < got->size(); ++i) ASSERT_EQ((*got)[i][0], 'w');
      reads++;
    }
  });
  std::vector<std::future<Result<AppendResult>>> acks;
  for (int i = 0; i < 300; ++i) {
    auto done = std::make_shared<std::promise<Result<AppendResult>>>();
    acks.push_back(done->get_future());
    h.log->append("s", 0, make_batch(3, "w", 64),
                  [done](Result<AppendResult> r) { done->set_value(std::move(r)); });
  }
  for (auto& a : acks) ASSERT_TRUE(a.get().is_ok());
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(read_all(*h.log, "s", 0)->size(), 900u);
}

TEST_F(EmbeddedLogTest, DurabilityOsAcksWithoutFsyncAndSurvivesReopen) {
  auto config = test_config(dir_.path());
  config.durability = config::Durability::kOs;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(append_wait(*h.log, "s", 0, make_batch(4, "o")).is_ok());
  EXPECT_EQ(h.counter("delta_log_fsyncs_total"), 0u);
  EXPECT_EQ(read_all(*h.log, "s", 0)->size(), 80u);
  h.log->close();
  EXPECT_GT(h.counter("delta_log_fsyncs_total"), 0u);  // a clean close syncs
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->end_offset, 80);
}

TEST_F(EmbeddedLogTest, CloseCompletesQueuedAppends) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  std::atomic<int> ok{0}, calls{0};
  for (int i = 0; i < 200; ++i) {
    h.log->append("s", 0, make_batch(2, "c"), [&](Result<AppendResult> r) {
      calls++;
      if (r.is_ok()) ok++;
    });
  }
  h.log->close();  // returns only when every queued append has been written and called back
  EXPECT_EQ(calls.load(), 200);
  EXPECT_EQ(ok.load(), 200);
  auto after = append_wait(*h.log, "s", 0, make_batch(1, "late"));
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->end_offset, 400);
}

// The queue is bounded in bytes: with the writer held up, a further append fails fast.
TEST_F(EmbeddedLogTest, FullQueueRefusesWithResourceExhausted) {
  std::string batch = make_batch(10, "q");
  EmbeddedLogOptions options;
  options.max_queued_bytes = batch.size() * 3;
  Harness h(test_config(dir_.path()), options);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  std::promise<void> entered, release;
  auto release_f = release.get_future().share();
  h.log->append("s", 0, batch, [&](Result<AppendResult>) {
    entered.set_value();
    release_f.wait();  // holds the writer thread inside a callback
  });
  entered.get_future().wait();
  std::vector<std::future<Result<AppendResult>>> results;
  for (int i = 0; i < 4; ++i) {
    auto done = std::make_shared<std::promise<Result<AppendResult>>>();
    results.push_back(done->get_future());
    h.log->append("s", 0, batch, [done](Result<AppendResult> r) { done->set_value(std::move(r)); });
  }
  EXPECT_EQ(h.counter("delta_log_queue_full_total"), 1u);  // decided inside append(), before any I/O
  release.set_value();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(results[i].get().is_ok());
  EXPECT_EQ(results[3].get().status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace delta::log::testing
