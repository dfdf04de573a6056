// WindowOperator: event-time windowed aggregation of one view (DESIGN.md "Time and windows").
// Feed it events with add() in log order per partition (partitions may interleave arbitrarily);
// call advance() after each batch (and on a timer, so idle partitions are noticed) to emit results
// for windows the view watermark has passed, and finish() at the end of a bounded input.
//
// Windows are [start, end) in event-time milliseconds, aligned to the epoch. A window fires when the
// view watermark (watermark.h) reaches its end; it then stays updatable for allowed_lateness more.
// Lateness is judged on the event's OWN partition watermark (not the view's), so which events a
// window holds depends only on the log, never on how partitions interleave or on batching:
//  - tumbling/hopping: an event is late when its earliest window has end + allowed_lateness <= its
//    partition's watermark. A hopping event is accepted into all of its windows or none (it is
//    counted once, in a pane), so an event too late for its earliest window goes to the DLQ whole.
//  - session: an event is late when event_time + allowed_lateness < its partition's watermark;
//    this guarantees it can never touch a session that has already been dropped.
// A window's state is dropped once the view watermark passes end + allowed_lateness.
// Results (ResultRow) come out of advance() ordered by window end, then key hash (xxHash64 of the
// key bytes, stable), then key bytes. A window fires once (is_update = false); each advance()
// after late events re-emits the affected (window, key) rows with is_update = true. A session
// that grows or merges after it was emitted is retracted (is_retraction = true, old bounds, no
// values) and emitted again with its new bounds. The final row per (start, end, key) is therefore
// the same for every batching and interleaving; how many intermediate updates appear is not.
// Thread: one owner thread (the view's partition worker); no locks. The Clock is borrowed.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "process/agg_state.h"
#include "process/watermark.h"

namespace delta::process {

enum class WindowKind : uint8_t { kTumbling, kHopping, kSession };

struct WindowSpec {
  WindowKind kind = WindowKind::kTumbling;
  int64_t size_ms = 0;   // tumbling, hopping
  int64_t slide_ms = 0;  // hopping: size_ms must be a multiple of slide_ms
  int64_t gap_ms = 0;    // session
  int64_t allowed_lateness_ms = 0;
};

struct ResultRow {
  int64_t start_ms;
  int64_t end_ms;
  std::string_view key;              // valid during on_result only
  std::span<const AggValue> values;  // empty for a retraction
  bool is_update;
  bool is_retraction;
  bool is_early = false;  // a provisional value of a window that has not fired (emit_early)
};

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void on_result(const ResultRow& row) = 0;
};

enum class AddOutcome : uint8_t { kAccepted, kLate };

class WindowOperator {
 public:
  // `layout` must outlive the operator; `clock` too.
  static Result<std::unique_ptr<WindowOperator>> make(const WindowSpec& spec, const AggLayout* layout,
                                                      WatermarkOptions watermarks, const Clock* clock);
  virtual ~WindowOperator() = default;

  // One event: its partition, event time, encoded group key and one AggInput per aggregate.
  // kLate: rejected (the caller writes a DLQ record with reason "late"); state is unchanged.
  virtual AddOutcome add(int partition, int64_t event_time_ms, std::string_view key,
                         std::span<const AggInput> inputs) = 0;
  // The same with the key's hash64 already computed (see prefetch()).
  virtual AddOutcome add_hashed(int partition, int64_t event_time_ms, std::string_view key, uint64_t key_hash,
                                std::span<const AggInput> inputs) {
    (void)key_hash;
    return add(partition, event_time_ms, key, inputs);
  }
  // Cache hints a caller may give for events it will add() soon, so that a batch's hash table
  // misses overlap: stage 0 fetches the key's slot, stage 1 (later) the record it points to.
  virtual void prefetch(int64_t event_time_ms, uint64_t key_hash, int stage) const {
    (void)event_time_ms;
    (void)key_hash;
    (void)stage;
  }
  // Emits fired and updated rows and drops expired state.
  virtual void advance(ResultSink& sink) = 0;
  // End of input: fires every window as if the watermark were +infinity, then drops all state.
  virtual void finish(ResultSink& sink) = 0;
  virtual int64_t view_watermark() const = 0;
  // Early results (tumbling windows only; others emit nothing): each (window, key) updated since
  // the last call and not fired yet, with is_early set. The final row follows when it fires.
  virtual void emit_early(ResultSink& sink) { (void)sink; }
  // The start of the earliest window whose state is still kept (open, or within allowed
  // lateness), or INT64_MAX when none is: events before it can no longer change any result, which
  // is what lets a worker commit its offset past them.
  virtual int64_t min_open_start() const = 0;
  // After a restart: partition `partition` had shown events up to `max_event_ms` before the point
  // the worker replays from, so its watermark (and lateness) is what it was.
  virtual void restore_partition(int partition, int64_t max_event_ms) = 0;
  // After a restart: the view watermark had reached `wm`; windows that ended before it (plus
  // allowed lateness) were final and are not created again.
  virtual void restore_view_watermark(int64_t wm) = 0;
  // The partition's watermark (kNoWatermark before its first event).
  virtual int64_t partition_watermark(int partition) const = 0;
  // Bytes of window state (tables, arenas, blocks; sketches' heap memory is not counted).
  virtual size_t memory_bytes() const = 0;
  // (key, window) entries alive.
  virtual size_t entries() const = 0;
};

}  // namespace delta::process
