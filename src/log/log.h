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

// ReadResult: what one read returns -- whole batches, viewing one buffer the result owns. A reader
// that keeps one ReadResult and reads into it again (Log::read_into) reuses that buffer, so a
// steady reader allocates nothing per read; a fresh buffer per read of ~1 MiB costs page faults
// and zero-filling on every read. Moving keeps the views valid; copying is not allowed.
struct ReadResult {
  // Whole batches, in offset order; the first may start before `from` (skip records below it).
  // Valid until the next read into this result.
  std::vector<std::string_view> batches;
  int64_t next_offset = 0;  // where the next read should start
  int64_t end_offset = 0;   // the partition's end offset when read

  ReadResult() = default;
  ReadResult(ReadResult&&) noexcept = default;
  ReadResult& operator=(ReadResult&&) noexcept = default;

  // --- for Log implementations ---
  // Drops the batches and the bytes, keeps the buffer.
  void clear();
  // `n` writable bytes at the end of the buffer (valid until the next extend); the bytes and
  // batches already there are kept (moved with the buffer when it grows).
  char* extend(size_t n);
  // Bytes in the buffer; truncate() gives back bytes past `size` (no batch may lie there).
  size_t size() const { return size_; }
  char* data() { return data_.get(); }
  void truncate(size_t size) { size_ = size; }
  // Records buffer bytes [at, at + n) as the next batch.
  void add_batch(size_t at, size_t n) { batches.emplace_back(data_.get() + at, n); }
  // Copies `batch` to the end of the buffer and records it.
  void append_batch(std::string_view batch);

 private:
  std::unique_ptr<char[]> data_;  // not value-initialised: a read overwrites it
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct PartitionInfo {
  int64_t start_offset = 0;  // lowest offset still kept (retention moves it)
  int64_t end_offset = 0;    // offset the next appended record gets
  uint64_t size_bytes = 0;
  uint32_t segments = 0;
};

// PartitionGroup: this process's membership in a consumer group over one stream's partitions
// (Kafka log only: Kafka's group coordinator decides which member owns which partition). A member
// reads only the partitions it owns; its checkpoint per partition is an offset plus opaque metadata
// (ADR 0006's fields), committed as the member that owns the partition, so that a member that lost
// it (rebalanced away, or fenced after a pause) fails instead of overwriting the new owner's.
// Threads: one owner thread calls every method; the listener runs on it, inside poll() or close().
class PartitionGroup {
 public:
  struct Checkpoint {
    int32_t partition = 0;
    int64_t offset = -1;   // -1 from committed(): nothing committed yet
    std::string metadata;  // what the committer stored with the offset (<= 4 KiB)
  };
  class Listener {
   public:
    virtual ~Listener() = default;
    // Partitions this member stops owning; it is still their owner during the call, so it may
    // commit() what it has finished. Then it must not read them any more.
    virtual void on_revoked(const std::vector<int32_t>& partitions) = 0;
    // Partitions this member owns from now on (in addition to those it kept).
    virtual void on_assigned(const std::vector<int32_t>& partitions) = 0;
  };
  virtual ~PartitionGroup() = default;

  // Serves the group protocol (heartbeats are the client's own); rebalances call the listener
  // before poll() returns. Call it at least every few seconds; it does not wait.
  virtual void poll(Listener& listener) = 0;
  // Commits offsets and metadata of owned partitions synchronously. Fails (and commits nothing
  // durable for the refused partitions) when this member no longer owns them.
  virtual Status commit(const std::vector<Checkpoint>& checkpoints) = 0;
  // The committed checkpoints of `partitions` (offset -1 where none).
  virtual Result<std::vector<Checkpoint>> committed(const std::vector<int32_t>& partitions) = 0;
  // Leaves the group: the listener gets on_revoked for what is owned, then the partitions go to
  // the other members at once instead of after the session timeout.
  virtual void close(Listener& listener) = 0;
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
  // (at least one batch when any exists at or after `from`), into `out` (cleared first, its
  // buffer reused). On error `out` holds no batches.
  virtual Status read_into(std::string_view stream, int32_t partition, int64_t from, size_t max_bytes,
                           ReadResult* out) = 0;
  // read_into a fresh result: for readers that read rarely.
  Result<ReadResult> read(std::string_view stream, int32_t partition, int64_t from, size_t max_bytes) {
    ReadResult out;
    DELTA_RETURN_IF_ERROR(read_into(stream, partition, from, max_bytes, &out));
    return out;
  }

  virtual Result<PartitionInfo> partition_info(std::string_view stream, int32_t partition) = 0;

  // Durably records that `consumer` has processed everything below `offset` in the partition.
  // Retention keeps everything at or above the lowest committed offset of every consumer.
  virtual Status commit(std::string_view consumer, std::string_view stream, int32_t partition,
                        int64_t offset) = 0;
  // The committed offset, or kNotFound when the consumer never committed in this partition.
  virtual Result<int64_t> committed(std::string_view consumer, std::string_view stream,
                                    int32_t partition) = 0;

  // Joins consumer group `group` for `stream` (see PartitionGroup). Logs without groups (the
  // embedded log: one process owns every partition) answer kInvalidArgument.
  virtual Result<std::unique_ptr<PartitionGroup>> join_group(std::string_view group,
                                                             std::string_view stream) {
    (void)stream;
    return Status::invalid_argument("this log has no consumer groups (group " + std::string(group) + ")");
  }

  // Deletes whole segments that retention (age, size, quota) no longer keeps. Called periodically.
  virtual void enforce_retention() = 0;

  // Stops accepting appends, completes or fails every queued append, flushes, and joins threads.
  virtual void close() = 0;
};

}  // namespace delta::log
