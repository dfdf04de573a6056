// Partition: the ordered segments of one stream partition (<dir>/<stream>/<partition>/).
//
// The last segment is active (appended to); the others are sealed. Offsets are consecutive across
// segments: each segment's base offset is the previous one's end offset.
//
// Threads: the writer-side methods (stage, flush, sync, publish, roll, next_offset) run only on the
// log's writer thread. read(), info() and size_bytes() may run on any thread concurrently with it:
// readers see only published batches, i.e. those already written and (with durability fsync)
// fdatasync'd, which are exactly the acknowledged ones. The retention methods must be called by one
// thread at a time (the log serialises them). mu_ guards the segment list and published state; no
// I/O happens under it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "log/log.h"
#include "log/probe.h"
#include "log/segment.h"

namespace delta::log {

class Partition {
 public:
  // Recovers the segments in `dir` (creating the first one when there is none).
  // `total_bytes` is the log-wide size counter this partition adds to; it must outlive it.
  static Result<std::unique_ptr<Partition>> open(std::string dir, std::string stream, int32_t id,
                                                 const config::LogConfig& config, Clock& clock,
                                                 LogProbe& probe, std::atomic<uint64_t>& total_bytes);

  const std::string& stream() const { return stream_; }
  int32_t id() const { return id_; }

  // --- writer thread ---
  int64_t next_offset() const { return active_->staged_end_offset(); }
  bool needs_roll(uint64_t batch_bytes, int64_t now_ms) const;
  // Seals the active segment and starts a new one at next_offset(). REQUIRES: nothing staged.
  Status roll(int64_t now_ms);
  void stage(const model::BatchHeader& header, std::string_view batch, int64_t now_ms);
  bool has_staged() const { return active_->has_staged(); }
  uint64_t unpublished_bytes() const { return active_->unpublished_bytes(); }
  Status flush() { return active_->flush(); }
  Status sync();
  void publish();
  // A sticky failure (a failed fdatasync leaves the file's state unknown): appends fail until reopen.
  const Status& failure() const { return failure_; }
  void set_failure(Status s) { failure_ = std::move(s); }

  // --- any thread ---
  // Log::read_into for this partition. REQUIRES: `out` cleared.
  Status read(int64_t from, size_t max_bytes, ReadResult* out) const;
  PartitionInfo info() const;
  int64_t published_end_offset() const;
  uint64_t size_bytes() const { return size_bytes_.load(std::memory_order_relaxed); }

  // --- retention, one caller at a time ---
  // Summaries of the sealed segments, oldest first.
  std::vector<SegmentSummary> sealed_segments() const;
  // Removes the oldest segment, which must be sealed and start at `base_offset`. Returns its size.
  Result<uint64_t> remove_oldest(int64_t base_offset);

 private:
  Partition(std::string dir, std::string stream, int32_t id, const config::LogConfig& config, Clock& clock,
            LogProbe& probe, std::atomic<uint64_t>& total_bytes);
  Status recover();
  void update_gauges_locked();
  Status read_segment(const Segment& seg, uint64_t position, uint64_t limit, int64_t from, size_t max_bytes,
                      ReadResult* out, size_t* used, bool* full) const;

  const std::string dir_;
  const std::string stream_;
  const int32_t id_;
  const config::LogConfig& config_;
  Clock& clock_;
  LogProbe& probe_;
  PartitionProbe partition_probe_;
  std::atomic<uint64_t>& total_bytes_;
  std::atomic<uint64_t> size_bytes_{0};

  // Writer-owned.
  std::shared_ptr<Segment> active_;
  Status failure_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // guarded by mu_; back() is active_
};

}  // namespace delta::log
