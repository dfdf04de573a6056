// RecordBatch: the unit the edge hands to the log, the log writes to disk, and readers get back.
//
// Layout, little-endian, identical in memory and on disk:
//   header (kBatchHeaderSize bytes)
//     i64 base_offset     offset of the first record; set by the log at append
//     u32 length          whole batch, header included
//     u32 crc             CRC-32C of every byte after this field
//     u32 magic           kBatchMagic
//     u16 version         1
//     u16 flags           0 (reserved: compression)
//     i32 record_count
//     i64 first_time_ms   event time of the first record
//     i64 max_time_ms     largest event time in the batch
//   records, record_count times
//     varint  length of the value
//     zigzag varint  event time minus first_time_ms
//     bytes   the value: one event as compact JSON
//
// The CRC leaves out the base offset (as Kafka's does), so the log stamps offsets without computing
// the CRC again: the edge checksums a batch once, and the same CRC guards it on disk.
//
// A builder owns one growing buffer and reuses it after clear(), so building a batch allocates
// only when the buffer must grow, never per record.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/status.h"

namespace delta::model {

inline constexpr uint32_t kBatchMagic = 0x31424C44;  // "DLB1"
inline constexpr size_t kBatchHeaderSize = 44;

namespace batch_field {
inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kLength = 8;
inline constexpr size_t kCrc = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kVersion = 20;
inline constexpr size_t kFlags = 22;
inline constexpr size_t kRecordCount = 24;
inline constexpr size_t kFirstTime = 28;
inline constexpr size_t kMaxTime = 36;
}  // namespace batch_field

class RecordBatchBuilder {
 public:
  RecordBatchBuilder() { clear(); }

  void clear();
  // Adds one record. `value` is copied into the batch.
  void add(int64_t time_ms, std::string_view value);

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t size_bytes() const { return buf_.size(); }

  // Writes base_offset, length and CRC into the header and returns the finished bytes. The
  // builder may be finished again after a new base offset (the log assigns it).
  std::string_view finish(int64_t base_offset);
  // The bytes so far without sealing, e.g. to move the buffer out.
  std::string& buffer() { return buf_; }

 private:
  std::string buf_;
  int32_t count_ = 0;
  int64_t first_time_ = 0;
  int64_t max_time_ = 0;
};

struct BatchHeader {
  uint32_t length = 0;
  uint32_t crc = 0;
  int64_t base_offset = 0;
  int32_t record_count = 0;
  int64_t first_time_ms = 0;
  int64_t max_time_ms = 0;
  int64_t last_offset() const { return base_offset + record_count - 1; }
};

// Reads a header from `bytes` (at least kBatchHeaderSize). Checks magic and version only.
Status parse_batch_header(std::string_view bytes, BatchHeader* out);
// Checks the CRC of a whole batch (bytes.size() == header.length).
Status verify_batch_crc(std::string_view batch);
// Rewrites the base offset of a sealed batch in place; the CRC stays valid (it does not cover it).
void set_batch_base_offset(char* batch, size_t length, int64_t base_offset);

struct Record {
  int64_t offset;
  int64_t time_ms;
  std::string_view value;
};

// Iterates the records of one whole, CRC-checked batch. Views point into the batch bytes.
class RecordIterator {
 public:
  explicit RecordIterator(std::string_view batch);
  // False at the end, or when a record is malformed (then status() says why).
  bool next(Record* out);
  const Status& status() const { return status_; }

 private:
  std::string_view rest_;
  BatchHeader header_;
  int32_t index_ = 0;
  Status status_;
};

}  // namespace delta::model
