#include <gtest/gtest.h>

#include <string>

#include "model/record_batch.h"

namespace delta::model {
namespace {

TEST(RecordBatch, RoundTripsRecordsAndTimes) {
  RecordBatchBuilder b;
  b.add(1000, R"({"a":1})");
  b.add(990, R"({"a":2})");
  b.add(1500, "");
  std::string bytes(b.finish(42));

  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(bytes, &h).is_ok());
  EXPECT_EQ(h.base_offset, 42);
  EXPECT_EQ(h.record_count, 3);
  EXPECT_EQ(h.first_time_ms, 1000);
  EXPECT_EQ(h.max_time_ms, 1500);
  EXPECT_EQ(h.length, bytes.size());
  ASSERT_TRUE(verify_batch_crc(bytes).is_ok());

  RecordIterator it(bytes);
  Record r;
  ASSERT_TRUE(it.next(&r));
  EXPECT_EQ(r.offset, 42);
  EXPECT_EQ(r.time_ms, 1000);
  EXPECT_EQ(r.value, R"({"a":1})");
  ASSERT_TRUE(it.next(&r));
  EXPECT_EQ(r.time_ms, 990);
  ASSERT_TRUE(it.next(&r));
  EXPECT_EQ(r.offset, 44);
  EXPECT_EQ(r.value, "");
  EXPECT_FALSE(it.next(&r));
  EXPECT_TRUE(it.status().is_ok());
}

TEST(RecordBatch, CrcCatchesAFlippedBit) {
  RecordBatchBuilder b;
  b.add(1, "hello");
  std::string bytes(b.finish(0));
  bytes[bytes.size() - 2] ^= 0x01;
  EXPECT_EQ(verify_batch_crc(bytes).code(), StatusCode::kCorruption);
}

TEST(RecordBatch, RebasingKeepsCrcValid) {
  RecordBatchBuilder b;
  b.add(1, "x");
  std::string bytes(b.finish(0));
  set_batch_base_offset(bytes.data(), bytes.size(), 1234);
  ASSERT_TRUE(verify_batch_crc(bytes).is_ok());
  BatchHeader h;
  ASSERT_TRUE(parse_batch_header(bytes, &h).is_ok());
  EXPECT_EQ(h.base_offset, 1234);
}

}  // namespace
}  // namespace delta::model
