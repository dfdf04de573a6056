#include "log/probe.h"

#include <string>

namespace delta::log {
namespace {

std::vector<double> group_bounds() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; }

}  // namespace

LogProbe::LogProbe(obs::Registry& r)
    : append_latency(r.histogram("delta_log_append_latency_seconds",
                                 "Time from append() to its callback (durable or failed)")),
      group_size(r.histogram("delta_log_group_size", "Append requests written by one group commit", {},
                             group_bounds())),
      appends(r.counter("delta_log_appends_total", "Batches appended and acknowledged")),
      append_errors(r.counter("delta_log_append_errors_total", "Appends that failed or were refused")),
      queue_full(r.counter("delta_log_queue_full_total", "Appends refused because the write queue was full")),
      quota_refusals(r.counter("delta_log_quota_refusals_total", "Appends refused by a disk quota")),
      groups(r.counter("delta_log_group_commits_total", "Group commits by the writer thread")),
      fsyncs(r.counter("delta_log_fsyncs_total", "fdatasync calls on segment files")),
      bytes_written(r.counter("delta_log_bytes_written_total", "Batch bytes written to segments")),
      segments_rolled(r.counter("delta_log_segments_rolled_total", "Segments rolled by size or age")),
      segments_deleted(r.counter("delta_log_segments_deleted_total", "Segments deleted by retention")),
      quota_forced_deletions(
          r.counter("delta_log_quota_forced_deletions_total",
                    "Segments deleted by quota although a consumer had not committed past them")),
      recovery_truncated_bytes(r.counter("delta_log_recovery_truncated_bytes_total",
                                         "Torn or corrupt tail bytes truncated during recovery")),
      queued_bytes(r.gauge("delta_log_queued_bytes", "Bytes queued for the writer thread")),
      registry_(r) {}

namespace {

obs::Labels labels(std::string_view stream, int32_t partition) {
  return {{"stream", std::string(stream)}, {"partition", std::to_string(partition)}};
}

}  // namespace

PartitionProbe::PartitionProbe(obs::Registry& r, std::string_view stream, int32_t partition)
    : start_offset(r.gauge("delta_log_start_offset", "Lowest offset kept", labels(stream, partition))),
      end_offset(r.gauge("delta_log_end_offset", "Offset the next record gets", labels(stream, partition))),
      size_bytes(
          r.gauge("delta_log_size_bytes", "Bytes in the partition's segments", labels(stream, partition))),
      segments(r.gauge("delta_log_segments", "Segments in the partition", labels(stream, partition))) {}

}  // namespace delta::log
