// Log: the durable, partitioned home of every acknowledged event (DESIGN.md, "Delivery semantics").
//
// A log holds streams; a stream has a fixed number of partitions; a partition is an ordered
// sequence of record batches (model/record_batch.h) whose records have consecutive offsets
// starting at 0. Implementations: the embedded segment log (embedded_log.h) and Kafka topics
// (kafka/kafka_log.h; there offsets are Kafka's, so they need not start at 0).
//
// Threads: every method may be called from any thread. append() never blocks on I/O: it queues the
// batch and returns; `done` runs later on a thread of the log's own, once the batch is durable (per
// the configured durability) or has failed. `done` must be quick and must not call back into
// append() synchronously (post to your own executor instead).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record_batch.h"

namespace delta::log {

struct AppendResult {
  int64_t base_offset = 0;  // offset of the batch's first record
  int32_t record_count = 0;
};

using AppendCallback = std::function<void(Result<AppendResult>)>;

struct ReadResult {
  // Whole batches, in offset order; the first may start before `from` (skip records below it).
  std::vector<std::string> batches;
  int64_t next_offset = 0;  // where the next read should start
  int64_t end_offset = 0;   // the partition's end offset when read
};

struct PartitionInfo {
  int64_t start_offset = 0;  // lowest offset still kept (retention moves it)
  int64_t end_offset = 0;    // offset the next appended record gets
  uint64_t size_bytes = 0;
  uint32_t segments = 0;
};

class Log {
 public:
  virtual ~Log() = default;

  // Makes sure `stream` exists with `partitions` partitions. Opening an existing stream with a
  // different count is an error (partitioning would change under keyed events).
  virtual Status ensure_stream(std::string_view stream, int32_t partitions) = 0;

  // Queues `batch` (finished with any base offset; the log assigns the real one) for `partition`.
  // `done` gets the assigned offsets once durable, or kResourceExhausted when a disk quota is
  // reached, kNotFound for an unknown stream/partition, kIoError when the disk failed.
  virtual void append(std::string_view stream, int32_t partition, std::string batch, AppendCallback done) = 0;

  // Reads whole batches starting at the batch that holds `from`, up to about `max_bytes`
  // (at least one batch when any exists at or after `from`).
  virtual Result<ReadResult> read(std::string_view stream, int32_t partition, int64_t from,
                                  size_t max_bytes) = 0;

  virtual Result<PartitionInfo> partition_info(std::string_view stream, int32_t partition) = 0;

  // Durably records that `consumer` has processed everything below `offset` in the partition.
  // Retention keeps everything at or above the lowest committed offset of every consumer.
  virtual Status commit(std::string_view consumer, std::string_view stream, int32_t partition,
                        int64_t offset) = 0;
  // The committed offset, or kNotFound when the consumer never committed in this partition.
  virtual Result<int64_t> committed(std::string_view consumer, std::string_view stream,
                                    int32_t partition) = 0;

  // Deletes whole segments that retention (age, size, quota) no longer keeps. Called periodically.
  virtual void enforce_retention() = 0;

  // Stops accepting appends, completes or fails every queued append, flushes, and joins threads.
  virtual void close() = 0;
};

}  // namespace delta::log
