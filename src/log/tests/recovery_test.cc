// Recovery on open (torn and corrupt tails), corruption reporting on read, and the sparse index.
#include <gtest/gtest.h>

#include "log/file_util.h"
#include "log/segment.h"
#include "log/tests/test_util.h"
#include "model/record_batch.h"

namespace delta::log::testing {
namespace {

class RecoveryTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

// Writes two batches (5 and 3 records) and returns the segment bytes and where the second starts.
std::string write_two_batches(Harness& h, size_t* second_at) {
  EXPECT_TRUE(h.open().is_ok());
  EXPECT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  EXPECT_TRUE(append_wait(*h.log, "s", 0, make_batch(5, "first")).is_ok());
  std::string path = segment_path(h.config.dir, "s", 0, 0);
  *second_at = read_bytes(path).size();
  EXPECT_TRUE(append_wait(*h.log, "s", 0, make_batch(3, "second")).is_ok());
  h.log->close();
  return read_bytes(path);
}

// A crash can leave any prefix of the last batch on disk. For every cut point, reopening must
// truncate to the previous batch, and appends must continue right after it.
TEST_F(RecoveryTest, TailTruncatedAtEveryBytePositionOfTheLastBatch) {
  Harness h(test_config(dir_.path()));
  size_t second_at = 0;
  std::string full = write_two_batches(h, &second_at);
  std::string path = segment_path(h.config.dir, "s", 0, 0);
  ASSERT_GT(full.size(), second_at);
  uint64_t expected_truncated = 0;
  for (size_t cut = second_at; cut < full.size(); ++cut) {
    write_bytes(path, full.substr(0, cut));
    ASSERT_TRUE(h.open().is_ok()) << "cut " << cut;
    expected_truncated += cut - second_at;
    EXPECT_EQ(h.counter("delta_log_recovery_truncated_bytes_total"), expected_truncated) << "cut " << cut;
    EXPECT_EQ(read_bytes(path).size(), second_at) << "cut " << cut;
    auto info = h.log->partition_info("s", 0);
    ASSERT_TRUE(info.is_ok());
    ASSERT_EQ(info->end_offset, 5) << "cut " << cut;
    auto next = append_wait(*h.log, "s", 0, make_batch(2, "after"));
    ASSERT_TRUE(next.is_ok());
    EXPECT_EQ(next->base_offset, 5);
    auto all = read_all(*h.log, "s", 0);
    ASSERT_TRUE(all.is_ok()) << all.status().to_string();
    ASSERT_EQ(all->size(), 7u);
    EXPECT_EQ((*all)[4].substr(0, 7), "first-4");
    EXPECT_EQ((*all)[5].substr(0, 7), "after-0");
    h.log->close();
  }
  // The whole file is intact: nothing to truncate.
  write_bytes(path, full);
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->end_offset, 8);
  EXPECT_EQ(h.counter("delta_log_recovery_truncated_bytes_total"), expected_truncated);
}

TEST_F(RecoveryTest, GarbageOverwrittenTailIsTruncated) {
  Harness h(test_config(dir_.path()));
  size_t second_at = 0;
  std::string full = write_two_batches(h, &second_at);
  std::string path = segment_path(h.config.dir, "s", 0, 0);
  const std::vector<size_t> starts = {second_at, second_at + model::kBatchHeaderSize + 3, full.size() - 1};
  for (size_t start : starts) {
    std::string damaged = full;
    for (size_t i = start; i < damaged.size(); ++i) damaged[i] = static_cast<char>(0xA5 ^ i);
    write_bytes(path, damaged);
    ASSERT_TRUE(h.open().is_ok());
    EXPECT_EQ(h.log->partition_info("s", 0)->end_offset, 5) << "garbage from " << start;
    EXPECT_EQ(read_bytes(path).size(), second_at);
    h.log->close();
  }
  // Zero-filled space after the last whole batch (e.g. preallocation) is cut as well.
  write_bytes(path, full + std::string(100, '\0'));
  ASSERT_TRUE(h.open().is_ok());
  EXPECT_EQ(h.log->partition_info("s", 0)->end_offset, 8);
  EXPECT_EQ(read_bytes(path).size(), full.size());
}

// A CRC failure in the middle of the log is reported as corruption, never skipped: the read
// returns the good batches before it, and reading at the bad batch is an error.
TEST_F(RecoveryTest, CrcFailureInTheMiddleIsCorruption) {
  auto config = test_config(dir_.path());
  config.segment_bytes = 1024;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  std::vector<int64_t> bases;
  for (int i = 0; i < 12; ++i) bases.push_back(append_wait(*h.log, "s", 0, make_batch(4, "m"))->base_offset);
  ASSERT_GT(h.log->partition_info("s", 0)->segments, 2u);
  // Flip one payload byte of the second batch of the first (sealed) segment.
  std::string path = segment_path(config.dir, "s", 0, 0);
  std::string bytes = read_bytes(path);
  model::BatchHeader first;
  ASSERT_TRUE(model::parse_batch_header(bytes, &first).is_ok());
  bytes[first.length + model::kBatchHeaderSize + 5] ^= 0x40;
  write_bytes(path, bytes);
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto r = h.log->read("s", 0, 0, 1 << 20);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->batches.size(), 1u);
    EXPECT_EQ(r->next_offset, bases[1]);
    auto bad = h.log->read("s", 0, bases[1], 1 << 20);
    EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(read_all(*h.log, "s", 0).status().code(), StatusCode::kCorruption);
    EXPECT_TRUE(h.log->read("s", 0, bases[6], 1 << 20).is_ok());  // later segments stay readable
    ASSERT_TRUE(h.open().is_ok());  // sealed segments are not CRC-scanned on open: still reported
  }
}

// Reads from every offset use the sparse index of sealed segments (loaded from .index files, or
// rebuilt by a scan when they are missing or damaged) and of the active one.
TEST_F(RecoveryTest, IndexLookupsFromEveryOffsetWithPersistedAndRebuiltIndexes) {
  auto config = test_config(dir_.path());
  config.segment_bytes = 64 * 1024;
  Harness h(config);
  ASSERT_TRUE(h.open().is_ok());
  ASSERT_TRUE(h.log->ensure_stream("s", 1).is_ok());
  int64_t end = 0;
  for (int i = 0; i < 400; ++i) {
    auto r = append_wait(*h.log, "s", 0, make_batch(1 + i % 5, "i" + std::to_string(i), 48));
    ASSERT_TRUE(r.is_ok());
    end = r->base_offset + r->record_count;
  }
  ASSERT_GE(h.log->partition_info("s", 0)->segments, 2u);
  auto check_all = [&] {
    for (int64_t from = 0; from < end; ++from) {
      auto r = h.log->read("s", 0, from, 1);
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      ASSERT_EQ(r->batches.size(), 1u);
      model::BatchHeader header;
      ASSERT_TRUE(model::parse_batch_header(r->batches[0], &header).is_ok());
      ASSERT_LE(header.base_offset, from);
      ASSERT_GT(header.base_offset + header.record_count, from);
    }
  };
  check_all();
  ASSERT_TRUE(h.open().is_ok());
  check_all();
  std::string index = h.config.dir + "/s/0/" + segment_file_name(0, ".index");
  std::string bytes = read_bytes(index);
  ASSERT_FALSE(bytes.empty());
  bytes[20] ^= 1;
  write_bytes(index, bytes);  // damaged: rebuilt by scanning
  ASSERT_TRUE(h.open().is_ok());
  check_all();
  ASSERT_TRUE(fs::remove_file(index).is_ok());  // missing: rebuilt too
  ASSERT_TRUE(h.open().is_ok());
  check_all();
  EXPECT_EQ(append_wait(*h.log, "s", 0, make_batch(1, "z"))->base_offset, end);
}

}  // namespace
}  // namespace delta::log::testing
