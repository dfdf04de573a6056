// SessionWindowOperator: session windows per key (window_operator.h has the contract). An event
// at t opens [t, t + gap); sessions of a key that intersect or touch are merged, aggregate blocks
// and all, so one event can bridge two sessions into one. A session's end is its last event + gap.
// Aggregate blocks come from a BlockPool (fixed size, reused), so extending a session allocates
// nothing; a new key allocates its map node and a new session may grow the key's session vector.
// Firing and dropping scan the open keys, only when the watermark has passed the earliest end of
// a changed session or the earliest end + lateness of any session: O(keys) per firing round.
// Thread: one owner thread; no locks.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "process/arena.h"
#include "process/window_operator.h"

namespace delta::process {

class SessionWindowOperator final : public WindowOperator {
 public:
  SessionWindowOperator(int64_t gap_ms, int64_t lateness_ms, const AggLayout* layout,
                        WatermarkOptions watermarks, const Clock* clock);
  ~SessionWindowOperator() override;

  AddOutcome add(int partition, int64_t event_time_ms, std::string_view key,
                 std::span<const AggInput> inputs) override;
  void advance(ResultSink& sink) override;
  void finish(ResultSink& sink) override;
  int64_t view_watermark() const override { return view_wm_; }
  int64_t min_open_start() const override;
  void restore_partition(int partition, int64_t max_event_ms) override {
    tracker_.observe(partition, max_event_ms);
  }
  void restore_view_watermark(int64_t wm) override { view_wm_ = std::max(view_wm_, wm); }
  int64_t partition_watermark(int partition) const override {
    return tracker_.partition_watermark(partition);
  }
  size_t memory_bytes() const override;
  size_t entries() const override;

 private:
  struct Session {
    int64_t start, end;
    std::byte* block;
    int64_t emitted_start = kNoWatermark;  // bounds of the last emitted row, if any
    int64_t emitted_end = kNoWatermark;
    bool dirty = true;  // changed since last emitted
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct Row {
    int64_t end, start;
    uint64_t hash;
    std::string_view key;
    const std::byte* block;  // null for a retraction
    bool is_update;
  };
  using Sessions = std::vector<Session>;
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  void merge_into(const std::string& key, Sessions& list, size_t keep, size_t other);
  void advance_to(int64_t wm, ResultSink& sink);
  void collect(const std::string& key, Sessions& list, int64_t wm, std::vector<Row>& rows);
  void drop(int64_t wm);

  int64_t gap_, lateness_;
  const AggLayout* layout_;
  WatermarkTracker tracker_;
  BlockPool pool_;
  std::unordered_map<std::string, Sessions, StringHash, std::equal_to<>> keys_;
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> retracted_;  // key, (start, end)
  // Lower bounds that let advance() skip the scan of all keys: the earliest end of a session not
  // emitted since it changed, and the earliest end + lateness of any session.
  int64_t next_fire_ = kNever;
  int64_t next_drop_ = kNever;
  bool late_pending_ = false;
  int64_t view_wm_ = kNoWatermark;
  size_t sessions_ = 0;
  std::vector<AggValue> values_;
};

}  // namespace delta::process
