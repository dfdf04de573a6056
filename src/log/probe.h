// LogProbe and PartitionProbe: the embedded log's metrics, registered once in an obs::Registry.
//
// LogProbe holds the log-wide series; PartitionProbe the per-partition gauges (labels stream and
// partition). Both are created when the log opens or a stream is added and are updated with relaxed
// atomics from the writer thread, retention and readers; no lock on the update path.
// Ownership: the EmbeddedLog owns its probes; the Registry must outlive them.
#pragma once

#include <cstdint>
#include <string_view>

#include "obs/metrics.h"

namespace delta::log {

class LogProbe {
 public:
  explicit LogProbe(obs::Registry& registry);

  obs::Registry& registry() { return registry_; }

  obs::Histogram& append_latency;          // enqueue -> callback, seconds
  obs::Histogram& group_size;              // append requests per group commit
  obs::Counter& appends;                   // accepted and written
  obs::Counter& append_errors;             // refused or failed after admission
  obs::Counter& queue_full;                // refused because the queue was full
  obs::Counter& quota_refusals;            // refused because a quota was reached
  obs::Counter& groups;                    // group commits
  obs::Counter& fsyncs;                    // fdatasync calls on segments
  obs::Counter& bytes_written;             // batch bytes written to segments
  obs::Counter& segments_rolled;           // new segments started by size or age
  obs::Counter& segments_deleted;          // segments removed by retention
  obs::Counter& quota_forced_deletions;    // segments removed although a consumer still needed them
  obs::Counter& recovery_truncated_bytes;  // torn/corrupt tail bytes cut on open
  obs::Gauge& queued_bytes;                // bytes waiting for the writer

 private:
  obs::Registry& registry_;
};

class PartitionProbe {
 public:
  PartitionProbe(obs::Registry& registry, std::string_view stream, int32_t partition);

  obs::Gauge& start_offset;
  obs::Gauge& end_offset;
  obs::Gauge& size_bytes;
  obs::Gauge& segments;
};

}  // namespace delta::log
