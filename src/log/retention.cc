// Retention and quota enforcement of EmbeddedLog (policy described in embedded_log.h).
#include <algorithm>
#include <set>

#include "log/embedded_log.h"
#include "obs/logger.h"

namespace delta::log {

void EmbeddedLog::enforce_retention() { retain(Pressure{}); }

void EmbeddedLog::retain(const Pressure& pressure) {
  std::lock_guard lock(retention_mu_);
  int64_t now_ms = clock_.now_ms();
  std::vector<Candidate> held;
  for (Partition* p : all_partitions()) retain_partition(*p, now_ms, &held);
  force_delete(held, pressure);
}

// Deletes the expired prefix of the partition's sealed segments, up to the first segment a consumer
// still needs; that one and the expired segments after it go to `held`.
void EmbeddedLog::retain_partition(Partition& p, int64_t now_ms, std::vector<Candidate>* held) {
  std::optional<int64_t> low = offsets_.low_watermark(p.stream(), p.id());
  uint64_t remaining = p.size_bytes();
  bool holding = false;
  for (const SegmentSummary& s : p.sealed_segments()) {
    bool too_old = config_.retention_ms > 0 && now_ms - s.last_append_ms >= config_.retention_ms;
    bool too_big = config_.retention_bytes > 0 && remaining > config_.retention_bytes;
    if (!too_old && !too_big) return;
    remaining -= s.size_bytes;
    holding = holding || (low && s.end_offset > *low);
    if (holding) {
      held->push_back({&p, s});
      continue;
    }
    auto freed = p.remove_oldest(s.base_offset);
    if (!freed) {
      obs::error("log", "retention could not delete a segment", {{"error", freed.status().to_string()}});
      return;
    }
  }
}

bool EmbeddedLog::pressed(const Partition& p, const Pressure& pressure) const {
  if (config_.partition_quota_bytes > 0) {
    uint64_t extra = &p == pressure.partition ? pressure.partition_bytes : 0;
    if (p.size_bytes() + extra > config_.partition_quota_bytes) return true;
  }
  return config_.quota_bytes > 0 &&
         total_bytes_.load(std::memory_order_relaxed) + pressure.total_bytes > config_.quota_bytes;
}

// Under quota pressure, deletes held segments anyway, oldest first, while the pressure lasts.
void EmbeddedLog::force_delete(std::vector<Candidate>& held, const Pressure& pressure) {
  std::stable_sort(held.begin(), held.end(), [](const Candidate& a, const Candidate& b) {
    return a.segment.last_append_ms < b.segment.last_append_ms;
  });
  std::set<const Partition*> skipped;  // a partition can only lose segments from its front
  for (const Candidate& c : held) {
    if (skipped.count(c.partition) > 0) continue;
    if (!pressed(*c.partition, pressure)) {
      skipped.insert(c.partition);
      continue;
    }
    auto freed = c.partition->remove_oldest(c.segment.base_offset);
    if (!freed) {
      skipped.insert(c.partition);
      obs::error("log", "quota could not delete a segment", {{"error", freed.status().to_string()}});
      continue;
    }
    probe_.quota_forced_deletions.inc();
    obs::error("log", "disk quota forced deletion of a segment that a consumer has not committed past",
               {{"stream", c.partition->stream()},
                {"partition", c.partition->id()},
                {"base_offset", c.segment.base_offset},
                {"end_offset", c.segment.end_offset},
                {"bytes", c.segment.size_bytes}});
  }
}

}  // namespace delta::log
