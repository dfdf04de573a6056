// Retention by age and size, consumer offsets, quotas and forced deletion.
#include <gtest/gtest.h>

#include "log/tests/test_util.h"

namespace delta::log::testing {
namespace {

class RetentionTest : public ::testing::Test {
 protected:
  // Appends `n` batches of 4 records to s/0 (segments of about two batches each).
  void fill(Harness& h, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(append_wait(*h.log, "s", 0, make_batch(4, "r", 100)).is_ok());
  }
  config::LogConfig small_segments() {
    auto c = test_config(dir_.path());
    c.segment_bytes = batch_bytes() * 2;
    return c;
  }
  static uint64_t batch_bytes() { return make_batch(4, "r", 100).size(); }

  TempDir dir_;
};

TEST_F(RetentionTest, DeletesSegmentsOlderThanRetentionMs) {
  auto config = small_segments();
  config.retention_ms = 10'000;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  fill(h, 4);  // [0,8) sealed, [8,16) active and full
  h.clock.advance_ms(10'000);
  fill(h, 3);  // [8,16) sealed (last append before the advance), [16,24) sealed later, [24,28) active
  auto before = *h.log->partition_info("s", 0);
  ASSERT_EQ(before.segments, 4u);
  h.log->enforce_retention();
  auto after = *h.log->partition_info("s", 0);
  EXPECT_EQ(after.start_offset, 16);
  EXPECT_EQ(after.segments, 2u);
  EXPECT_EQ(after.end_offset, before.end_offset);
  EXPECT_EQ(after.size_bytes, before.size_bytes - 4 * batch_bytes());
  EXPECT_EQ(h.counter("delta_log_segments_deleted_total"), 2u);
  EXPECT_EQ(h.log->read("s", 0, 3, 100).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(read_all(*h.log, "s", 0, 16)->size(), 12u);
  h.clock.advance_ms(1'000'000);
  h.log->enforce_retention();
  EXPECT_EQ(h.log->partition_info("s", 0)->segments, 1u);  // the active segment always stays
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 24);
}

TEST_F(RetentionTest, DeletesOldestSegmentsBeyondRetentionBytes) {
  auto config = small_segments();
  config.retention_bytes = batch_bytes() * 3;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  fill(h, 7);  // 3 sealed segments of 2 batches, 1 active with 1
  h.log->enforce_retention();
  auto info = *h.log->partition_info("s", 0);
  EXPECT_LE(info.size_bytes, config.retention_bytes);
  EXPECT_EQ(info.start_offset, 16);
  EXPECT_EQ(info.end_offset, 28);
}

TEST_F(RetentionTest, KeepsWhatAConsumerHasNotCommittedPast) {
  auto config = small_segments();
  config.retention_ms = 1;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 2).is_ok());
  fill(h, 7);
  ASSERT_TRUE(h.log->commit("slow", "s", 0, 10).is_ok());
  ASSERT_TRUE(h.log->commit("fast", "s", 0, 28).is_ok());
  h.clock.advance_ms(5);
  h.log->enforce_retention();
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 8);  // [8,16) holds offset 10
  ASSERT_TRUE(h.log->commit("slow", "s", 0, 16).is_ok());
  h.log->enforce_retention();
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 16);
  EXPECT_EQ(h.counter("delta_log_quota_forced_deletions_total"), 0u);
  // A consumer registered for the stream but without a commit in a partition holds all of it.
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(append_wait(*h.log, "s", 1, make_batch(4, "r", 100)).is_ok());
  h.clock.advance_ms(5);
  ASSERT_TRUE(h.log->commit("fast", "s", 1, 28).is_ok());
  h.log->enforce_retention();
  EXPECT_EQ(h.log->partition_info("s", 1)->start_offset, 0);
  ASSERT_TRUE(h.log->commit("slow", "s", 1, 28).is_ok());
  h.log->enforce_retention();
  EXPECT_EQ(h.log->partition_info("s", 1)->start_offset, 24);
}

TEST_F(RetentionTest, ConsumerOffsetsSurviveReopen) {
  Harness h(test_config(dir_.path()));
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 2).is_ok());
  fill(h, 3);
  EXPECT_EQ(h.log->committed("c1", "s", 0).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(h.log->commit("c1", "s", 0, 5).is_ok());
  ASSERT_TRUE(h.log->commit("c1", "s", 0, 7).is_ok());
  ASSERT_TRUE(h.log->commit("c2", "s", 1, 0).is_ok());
  EXPECT_EQ(h.log->commit("c1", "s", 0, 13).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(h.log->commit("../x", "s", 0, 1).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_EQ(*h.log->committed("c1", "s", 0), 7);
  EXPECT_EQ(*h.log->committed("c2", "s", 1), 0);
  EXPECT_EQ(h.log->committed("c2", "s", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(h.log->committed("c1", "nope", 0).status().code(), StatusCode::kNotFound);
}

TEST_F(RetentionTest, AppendBeyondTheQuotaIsRefused) {
  auto config = small_segments();
  config.quota_bytes = batch_bytes() * 5;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 2).is_ok());
  fill(h, 3);
  ASSERT_TRUE(append_wait(*h.log, "s", 1, make_batch(4, "r", 100)).is_ok());
  ASSERT_TRUE(append_wait(*h.log, "s", 1, make_batch(4, "r", 100)).is_ok());
  auto refused = append_wait(*h.log, "s", 0, make_batch(4, "r", 100));
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(h.counter("delta_log_quota_refusals_total"), 1u);
  EXPECT_EQ(h.log->partition_info("s", 0)->end_offset, 12);  // nothing was written
  auto small = append_wait(*h.log, "s", 0, make_batch(1, "r", 1));
  EXPECT_EQ(small.status().code(), StatusCode::kResourceExhausted);  // 5 batches already = quota
}

TEST_F(RetentionTest, PartitionQuotaRefusesOnlyThatPartition) {
  auto config = small_segments();
  config.partition_quota_bytes = batch_bytes() * 2;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 2).is_ok());
  fill(h, 2);
  EXPECT_EQ(append_wait(*h.log, "s", 0, make_batch(4, "r", 100)).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_TRUE(append_wait(*h.log, "s", 1, make_batch(4, "r", 100)).is_ok());
}

// Under quota pressure, retention deletes expired segments even though a consumer still needs
// them, loudly; segments the age policy still keeps are never deleted for the quota.
TEST_F(RetentionTest, QuotaForcesDeletionOfExpiredSegmentsAConsumerHolds) {
  auto config = small_segments();
  config.retention_ms = 1000;
  config.quota_bytes = batch_bytes() * 6;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  fill(h, 4);  // [0,8) sealed, [8,16) active
  ASSERT_TRUE(h.log->commit("stuck", "s", 0, 0).is_ok());
  h.clock.advance_ms(1000);
  fill(h, 2);  // 6 batches, at the quota; [0,8) and [8,16) are expired but held by "stuck"
  h.log->enforce_retention();
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 0);  // no pressure: the consumer wins
  auto append = [&] { return append_wait(*h.log, "s", 0, make_batch(4, "r", 100)); };
  auto r = append();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->base_offset, 24);
  EXPECT_EQ(h.counter("delta_log_quota_forced_deletions_total"), 1u);
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 8);
  ASSERT_TRUE(append().is_ok());  // 6 batches again: fits without deleting
  EXPECT_EQ(h.counter("delta_log_quota_forced_deletions_total"), 1u);
  ASSERT_TRUE(append().is_ok());  // needs room: [8,16) goes too
  EXPECT_EQ(h.counter("delta_log_quota_forced_deletions_total"), 2u);
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 16);
  ASSERT_TRUE(append().is_ok());
  // What is left is younger than retention_ms: the quota refuses rather than delete it.
  EXPECT_EQ(append().status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(h.counter("delta_log_quota_forced_deletions_total"), 2u);
  EXPECT_EQ(h.log->partition_info("s", 0)->start_offset, 16);
}

}  // namespace
}  // namespace delta::log::testing
