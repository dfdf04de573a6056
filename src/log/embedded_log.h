// EmbeddedLog: the default Log (log.h), segment files on local disk with group commit.
//
// Layout: <dir>/<stream>/stream.meta (partition count), <dir>/<stream>/<partition>/<base>.log and
// <base>.index, <dir>/<stream>/consumers/<consumer>.offsets. See src/log/README.md for the formats.
//
// Lifecycle: construct, open() (recovers what is on disk and starts the writer thread), use,
// close() (refuses new appends, completes every queued one, syncs, joins). The destructor closes.
//
// Threads: every Log method may be called from any thread. append() only validates the batch and
// queues it (bounded by EmbeddedLogOptions::max_queued_bytes; beyond it the append fails with
// kResourceExhausted). One writer thread owned by the log drains the queue in groups: per group it
// assigns offsets, stamps base offset and CRC into each batch, writes each partition's batches with
// one pwritev, fdatasyncs each touched partition once (durability fsync; with durability os it acks
// after write(2), so a machine crash can lose acknowledged appends), publishes them to readers and
// then runs the callbacks. Callbacks also report refusals (queue full, unknown partition, invalid
// batch) and run on the writer thread; only after close() does append() call `done` inline, with
// kUnavailable. A callback must be quick, must not throw, must not append synchronously and must
// not call close() (it would join its own thread).
//
// Quotas: when an append would pass partition_quota_bytes or quota_bytes, the writer first runs
// retention; if that cannot free enough, the append fails with kResourceExhausted.
//
// Retention (enforce_retention(), and the writer under quota pressure) deletes whole sealed
// segments from the oldest while they are older than retention_ms (measured from the Clock time
// of the segment's last append, not from event times, so producer clocks cannot pin or purge data)
// or while the partition is above retention_bytes. It never deletes a segment holding offsets at
// or above the lowest offset committed by a consumer of the stream, unless an append needs the
// space under a quota: then such segments (only ones the age/size policy already expired) are
// deleted anyway, with an error log line and delta_log_quota_forced_deletions_total.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "log/log.h"
#include "log/offset_store.h"
#include "log/partition.h"
#include "log/probe.h"
#include "obs/metrics.h"

namespace delta::log {

struct EmbeddedLogOptions {
  uint64_t max_queued_bytes = 64ull << 20;  // append() refuses beyond this (memory bound)
  uint64_t max_group_bytes = 8ull << 20;    // one group commit writes at most about this much
  size_t max_pending_refusals = 1 << 16;    // refusals waiting for the writer; beyond, `done` runs inline
};

class EmbeddedLog final : public Log {
 public:
  EmbeddedLog(config::LogConfig config, Clock& clock, obs::Registry& registry,
              EmbeddedLogOptions options = {});
  ~EmbeddedLog() override;
  EmbeddedLog(const EmbeddedLog&) = delete;
  EmbeddedLog& operator=(const EmbeddedLog&) = delete;

  // Constructs and open()s.
  static Result<std::unique_ptr<EmbeddedLog>> open(config::LogConfig config, Clock& clock,
                                                   obs::Registry& registry, EmbeddedLogOptions options = {});
  // Recovers every stream under config.dir (truncating torn tails) and starts the writer thread.
  // REQUIRES: called once, before any other method.
  Status open();

  Status ensure_stream(std::string_view stream, int32_t partitions) override;
  void append(std::string_view stream, int32_t partition, std::string batch, AppendCallback done) override;
  Status read_into(std::string_view stream, int32_t partition, int64_t from, size_t max_bytes,
                   ReadResult* out) override;
  Result<PartitionInfo> partition_info(std::string_view stream, int32_t partition) override;
  Status commit(std::string_view consumer, std::string_view stream, int32_t partition,
                int64_t offset) override;
  Result<int64_t> committed(std::string_view consumer, std::string_view stream, int32_t partition) override;
  void enforce_retention() override;
  void close() override;

  LogProbe& probe() { return probe_; }

 private:
  struct Stream {
    std::string name;
    std::vector<std::unique_ptr<Partition>> partitions;
  };
  struct Request {
    Partition* partition = nullptr;
    std::string batch;
    AppendCallback done;
    int64_t enqueued_ns = 0;
    Status status;  // a refusal, or the failure of this request's write
    int64_t base_offset = -1;
    int32_t record_count = 0;
  };
  // Extra bytes an append is about to add, which retention must make room for.
  struct Pressure {
    const Partition* partition = nullptr;
    uint64_t partition_bytes = 0;
    uint64_t total_bytes = 0;
  };
  struct Candidate {
    Partition* partition;
    SegmentSummary segment;
  };
  enum class State { kNew, kOpen, kClosing, kClosed };

  Result<std::unique_ptr<Stream>> open_stream(const std::string& name, int32_t partitions);
  Status recover_streams();
  Partition* find_locked(std::string_view stream, int32_t partition);
  Partition* find(std::string_view stream, int32_t partition);
  void refuse(std::unique_lock<std::mutex>& lock, AppendCallback done, Status status);

  // Writer thread.
  void writer_loop();
  void take_group_locked(std::vector<Request>* group);
  void write_group(std::vector<Request>& group);
  void stage_request(Request& r, int64_t now_ms, std::vector<Partition*>* dirty, bool* retention_tried);
  bool over_quota(const Partition& p, uint64_t bytes, const std::vector<Partition*>& dirty) const;
  Status roll_if_needed(Partition& p, uint64_t bytes, int64_t now_ms);
  Status commit_partition(Partition& p);
  void finish_group(std::vector<Request>& group);
  void complete(Request& r);

  // Retention (serialised by retention_mu_).
  void retain(const Pressure& pressure);
  void retain_partition(Partition& p, int64_t now_ms, std::vector<Candidate>* held);
  void force_delete(std::vector<Candidate>& held, const Pressure& pressure);
  bool pressed(const Partition& p, const Pressure& pressure) const;
  std::vector<Partition*> all_partitions();

  const config::LogConfig config_;
  Clock& clock_;
  const EmbeddedLogOptions options_;
  LogProbe probe_;
  OffsetStore offsets_;
  std::atomic<uint64_t> total_bytes_{0};

  std::mutex ensure_mu_;     // serialises ensure_stream (which does I/O outside mu_)
  std::mutex retention_mu_;  // serialises retention runs

  std::mutex mu_;
  std::condition_variable work_cv_;
  State state_ = State::kNew;                                            // guarded by mu_
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams_;  // guarded by mu_; never shrinks
  std::deque<Request> queue_;                                            // guarded by mu_
  std::vector<Request> refusals_;                                        // guarded by mu_
  uint64_t queued_bytes_ = 0;                                            // guarded by mu_
  std::thread writer_;
};

}  // namespace delta::log
