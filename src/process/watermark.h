// Watermarks (DESIGN.md "Time and windows"). A partition's watermark is the largest event time it
// has shown minus the stream's allowed out-of-orderness; it depends only on that partition's events
// in log order. The view watermark is the minimum over the view's partitions, never decreasing.
// A partition that has shown no event yet holds the view watermark at "nothing complete".
// Idle partitions: a partition that has delivered no event for idle_timeout of PROCESSING time (the
// injected Clock) stops holding the view watermark back until it delivers again. This is the one
// input to watermarks that is not in the log: it only decides how early windows fire, never which
// events a window holds (lateness is judged on the event's own partition watermark, see
// window_types.h) — except when an idle partition wakes with events older than windows already
// dropped, which then go to the DLQ as late. idle_timeout_ms <= 0 disables idleness.
// The clock is read once per view_watermark() call, not per event: a partition that showed an event
// since the previous call counts as active at that call's time.
// Thread: owned by one view operator (one thread); no locks.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "base/clock.h"

namespace delta::process {

inline constexpr int64_t kNoWatermark = std::numeric_limits<int64_t>::min();

struct WatermarkOptions {
  int partitions = 1;
  int64_t out_of_orderness_ms = 0;
  int64_t idle_timeout_ms = 0;
};

class WatermarkTracker {
 public:
  // `clock` is borrowed and must outlive the tracker.
  WatermarkTracker(WatermarkOptions options, const Clock* clock);

  // Records an event of `partition` (0 <= partition < partitions).
  void observe(int partition, int64_t event_time_ms);
  int64_t partition_watermark(int partition) const;
  // Recomputes the view watermark, taking idleness at the clock's current time into account.
  int64_t view_watermark();
  bool is_idle(int partition) const;
  int partitions() const { return static_cast<int>(parts_.size()); }

 private:
  struct Part {
    int64_t max_event_ms = kNoWatermark;
    int64_t last_active_ms = 0;
    bool active = false;  // observed since view_watermark() last read the clock
  };
  WatermarkOptions options_;
  const Clock* clock_;
  std::vector<Part> parts_;
  int64_t view_ = kNoWatermark;
};

}  // namespace delta::process
