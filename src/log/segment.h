// Segment: one file of consecutive record batches, named by the offset of its first record
// (00000000000000000042.log), plus its sparse offset index (an entry about every 4 KiB mapping a
// relative offset to a file position) and a summary (end offset, size, times).
//
// Lifecycle: create() a new active segment, or on open: open_sealed() for older ones (loads the
// persisted .index, rebuilding it by a header scan when it is missing or invalid) and
// open_active() for the last one (CRC-scans every batch and truncates a torn or corrupt tail).
// The writer stages batches, flush()es them with one pwritev, sync()s, then publish()es; seal()
// persists the index when the segment stops being active.
//
// Threads: the stage/flush/sync/seal/rollback methods belong to the log's writer thread. The
// published state (summary(), lookup(), published_bytes()) is changed by publish() and read by
// readers and retention; the owning Partition's mutex guards both sides. read_at() and the file
// descriptor are safe from any thread. Shared by shared_ptr so a reader can finish with a
// segment that retention has just unlinked.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/record_batch.h"

namespace delta::log {

inline constexpr uint64_t kIndexIntervalBytes = 4096;

struct IndexEntry {
  uint32_t relative_offset = 0;
  uint64_t position = 0;
};

struct SegmentSummary {
  int64_t base_offset = 0;
  int64_t end_offset = 0;      // offset after the last record
  uint64_t size_bytes = 0;     // whole batches only
  int64_t max_time_ms = 0;     // largest event time in the segment (0 when empty)
  int64_t last_append_ms = 0;  // Clock time of the last append; age retention uses this
};

// What recovery found at the tail of an active segment.
struct TailRepair {
  uint64_t truncated_bytes = 0;
  std::string reason;  // why the scan stopped, when it truncated
};

std::string segment_file_name(int64_t base_offset, std::string_view ext);

class Segment {
 public:
  static Result<std::shared_ptr<Segment>> create(const std::string& dir, int64_t base_offset, int64_t now_ms);
  static Result<std::shared_ptr<Segment>> open_sealed(const std::string& dir, int64_t base_offset);
  static Result<std::shared_ptr<Segment>> open_active(const std::string& dir, int64_t base_offset,
                                                      int64_t now_ms, TailRepair* repair);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // --- writer thread ---
  // Queues `batch` (already stamped with its offset) for the next flush; it must stay alive until then.
  void stage(const model::BatchHeader& header, std::string_view batch, int64_t now_ms);
  bool has_staged() const { return !staged_iov_.empty(); }
  // Writes every staged batch with one pwritev. On failure the file is cut back and staging undone.
  Status flush();
  Status sync();
  // Makes flushed batches visible to readers. REQUIRES: the Partition's mutex is held.
  void publish();
  // Syncs and persists the index: the segment will not change again.
  Status seal();
  // Size including staged, not yet written batches.
  uint64_t staged_end() const { return staged_.size_bytes; }
  int64_t staged_end_offset() const { return staged_.end_offset; }
  // Bytes staged or flushed but not yet published.
  uint64_t unpublished_bytes() const { return staged_.size_bytes - published_.size_bytes; }
  // Clock time of the first batch (or of recovery, for a non-empty recovered segment).
  int64_t first_append_ms() const { return first_append_ms_; }

  // --- published state; REQUIRES: the Partition's mutex is held ---
  const SegmentSummary& summary() const { return published_; }
  // File position of the last indexed batch at or before `offset`.
  uint64_t lookup(int64_t offset) const;

  // --- any thread ---
  Status read_at(uint64_t position, size_t n, char* out) const;
  // Unlinks the files; the descriptor stays usable until the last reference goes.
  Status remove();
  const std::string& path() const { return path_; }

 private:
  Segment(std::string dir, int64_t base_offset, int fd);
  Status load_index();
  Status rebuild_by_scan(bool verify_crc, TailRepair* repair);
  std::string encode_index() const;

  std::string dir_;
  std::string path_;
  int fd_ = -1;
  int64_t first_append_ms_ = 0;

  // Writer-owned: what is staged or flushed but not yet published.
  SegmentSummary staged_;
  uint64_t written_bytes_ = 0;
  uint64_t last_index_position_ = 0;
  std::vector<iovec> staged_iov_;
  std::vector<IndexEntry> staged_index_;

  // Published: guarded by the owning Partition's mutex.
  SegmentSummary published_;
  std::vector<IndexEntry> index_;
};

}  // namespace delta::log
