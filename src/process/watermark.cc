#include "process/watermark.h"

#include <algorithm>
#include <cassert>

namespace delta::process {

WatermarkTracker::WatermarkTracker(WatermarkOptions options, const Clock* clock)
    : options_(options), clock_(clock), parts_(static_cast<size_t>(std::max(options.partitions, 1))) {
  int64_t now = clock_->now_ms();
  for (Part& p : parts_) p.last_active_ms = now;
}

void WatermarkTracker::observe(int partition, int64_t event_time_ms) {
  assert(partition >= 0 && partition < partitions() && "WatermarkTracker: partition out of range");
  Part& p = parts_[static_cast<size_t>(partition)];
  p.max_event_ms = std::max(p.max_event_ms, event_time_ms);
  p.active = true;
}

int64_t WatermarkTracker::partition_watermark(int partition) const {
  const Part& p = parts_[static_cast<size_t>(partition)];
  if (p.max_event_ms == kNoWatermark) return kNoWatermark;
  return p.max_event_ms - options_.out_of_orderness_ms;
}

bool WatermarkTracker::is_idle(int partition) const {
  if (options_.idle_timeout_ms <= 0) return false;
  const Part& p = parts_[static_cast<size_t>(partition)];
  return !p.active && clock_->now_ms() - p.last_active_ms >= options_.idle_timeout_ms;
}

int64_t WatermarkTracker::view_watermark() {
  const int64_t now = clock_->now_ms();
  for (Part& p : parts_) {
    if (p.active) p.last_active_ms = now;
    p.active = false;
  }
  int64_t low = std::numeric_limits<int64_t>::max();
  bool any = false;
  for (int i = 0; i < partitions(); ++i) {
    if (is_idle(i)) continue;
    low = std::min(low, partition_watermark(i));
    any = true;
  }
  if (!any) {  // every partition idle: the furthest partition leads
    low = kNoWatermark;
    for (int i = 0; i < partitions(); ++i) low = std::max(low, partition_watermark(i));
  }
  view_ = std::max(view_, low);
  return view_;
}

}  // namespace delta::process
