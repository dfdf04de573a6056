// PanedWindowOperator: tumbling and hopping windows (window_operator.h has the contract).
// State is kept per pane of slide_ms (a tumbling window is one pane): an event updates exactly
// one pane's WindowTable, and a hopping window [end - size, end) is the merge of its size/slide
// panes, done when it fires (a k-way merge of the panes' entries sorted by key hash). A pane's
// entries are copied once, when its first window fires, into a Run (hashes, keys and aggregate
// blocks in emission order, each contiguous), so the size/slide windows that merge it read memory
// in order instead of chasing a pointer per (key, pane); an event added to the pane afterwards (a
// late one) invalidates the copy. A tumbling window reads its one pane in place, without a copy.
// Memory per key is one record per pane the key appears in; a pane is dropped, arena and all,
// once the last window containing it is past its allowed lateness.
// Thread: one owner thread; no locks.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "process/window_operator.h"
#include "process/window_table.h"

namespace delta::process {

class PanedWindowOperator final : public WindowOperator {
 public:
  // REQUIRES: size_ms > 0, slide_ms > 0, size_ms % slide_ms == 0 (checked by WindowOperator::make).
  PanedWindowOperator(int64_t size_ms, int64_t slide_ms, int64_t lateness_ms, const AggLayout* layout,
                      WatermarkOptions watermarks, const Clock* clock);
  ~PanedWindowOperator() override;

  AddOutcome add(int partition, int64_t event_time_ms, std::string_view key,
                 std::span<const AggInput> inputs) override;
  AddOutcome add_hashed(int partition, int64_t event_time_ms, std::string_view key, uint64_t key_hash,
                        std::span<const AggInput> inputs) override;
  void prefetch(int64_t event_time_ms, uint64_t key_hash, int stage) const override;
  void advance(ResultSink& sink) override;
  void finish(ResultSink& sink) override;
  int64_t view_watermark() const override { return view_wm_; }
  void emit_early(ResultSink& sink) override;
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
  // A pane's records ordered by (hash, key): entry i has hashes[i], the key
  // keys[key_at[i], key_at[i + 1]) and the block at blocks[i * block_size] (a shallow copy: sketch
  // pointers still belong to the table's blocks).
  struct Run {
    std::vector<uint64_t> hashes;
    std::vector<uint32_t> key_at;
    std::string keys;
    std::vector<std::byte> blocks;
    bool valid = false;
    size_t size() const { return hashes.size(); }
    size_t memory_bytes() const {
      return hashes.capacity() * 8 + key_at.capacity() * 4 + keys.capacity() + blocks.capacity();
    }
  };
  struct Pane {
    std::unique_ptr<WindowTable> table;
    Run run;  // built by sorted() when a window containing the pane fires
  };
  static constexpr size_t kMaxPanes = 64;  // per window merged from Runs; more: by lookup
  struct Dirty {
    int64_t pane;
    WindowTable::Record* rec;
  };

  int64_t pane_of(int64_t t) const;
  Pane* pane_at(int64_t pane_start);
  const Run& sorted(Pane& p);
  void advance_to(int64_t wm, ResultSink& sink);
  void emit_updates(ResultSink& sink);
  void fire_windows(int64_t wm, ResultSink& sink);
  void fire_window(int64_t end, ResultSink& sink);
  void fire_window_by_lookup(int64_t end, ResultSink& sink);
  void emit_key(int64_t end, std::string_view key, uint64_t hash, bool is_update, ResultSink& sink);
  void drop_panes(int64_t wm);

  int64_t size_, slide_, lateness_;
  const AggLayout* layout_;
  WatermarkTracker tracker_;
  std::map<int64_t, Pane> panes_;
  int64_t cached_start_ = kNoWatermark;
  Pane* cached_ = nullptr;
  int64_t fired_end_ = kNoWatermark;  // every window with end <= fired_end_ has fired
  int64_t view_wm_ = kNoWatermark;
  std::vector<Dirty> dirty_;
  std::vector<std::byte> scratch_;  // one aggregate block for merging panes
  std::vector<AggValue> values_;
};

}  // namespace delta::process
