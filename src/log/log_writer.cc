// The writer thread of EmbeddedLog: group commit (in the manner of LevelDB's DBImpl::Write).
#include <algorithm>

#include "log/embedded_log.h"

namespace delta::log {

void EmbeddedLog::writer_loop() {
  std::vector<Request> group;
  std::vector<Request> refusals;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || !refusals_.empty() || state_ != State::kOpen; });
      refusals.swap(refusals_);
      take_group_locked(&group);
      if (group.empty() && refusals.empty()) return;  // closing, and everything is drained
    }
    for (Request& r : refusals) complete(r);
    refusals.clear();
    if (group.empty()) continue;
    write_group(group);
    finish_group(group);
    group.clear();
  }
}

void EmbeddedLog::take_group_locked(std::vector<Request>* group) {
  uint64_t bytes = 0;
  while (!queue_.empty() &&
         (group->empty() || bytes + queue_.front().batch.size() <= options_.max_group_bytes)) {
    bytes += queue_.front().batch.size();
    group->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

// Stages every request, then writes each touched partition once, syncs each once, and publishes.
// A request succeeded exactly when its records ended up below the partition's published end.
void EmbeddedLog::write_group(std::vector<Request>& group) {
  int64_t now_ms = clock_.now_ms();
  std::vector<Partition*> dirty;
  bool retention_tried = false;
  for (Request& r : group) stage_request(r, now_ms, &dirty, &retention_tried);
  std::vector<Status> status(dirty.size());
  for (size_t i = 0; i < dirty.size(); ++i) {
    status[i] = dirty[i]->failure().is_ok() ? dirty[i]->flush() : dirty[i]->failure();
  }
  if (config_.durability == config::Durability::kFsync) {
    for (size_t i = 0; i < dirty.size(); ++i) {
      if (!status[i].is_ok()) continue;
      status[i] = dirty[i]->sync();
      if (!status[i].is_ok()) dirty[i]->set_failure(status[i]);  // file state unknown after a failed fsync
    }
  }
  for (size_t i = 0; i < dirty.size(); ++i) {
    if (status[i].is_ok()) dirty[i]->publish();
  }
  for (Request& r : group) {
    if (!r.status.is_ok() || r.base_offset + r.record_count <= r.partition->published_end_offset()) continue;
    size_t at = std::find(dirty.begin(), dirty.end(), r.partition) - dirty.begin();
    r.status = at < dirty.size() && !status[at].is_ok() ? status[at] : r.partition->failure();
    if (r.status.is_ok()) r.status = Status::io_error("log write failed");
  }
  probe_.groups.inc();
  probe_.group_size.observe(static_cast<double>(group.size()));
}

void EmbeddedLog::stage_request(Request& r, int64_t now_ms, std::vector<Partition*>* dirty,
                                bool* retention_tried) {
  Partition& p = *r.partition;
  if (!p.failure().is_ok()) {
    r.status = p.failure();
    return;
  }
  uint64_t bytes = r.batch.size();
  if (over_quota(p, bytes, *dirty) && !*retention_tried) {
    *retention_tried = true;
    uint64_t pending = 0;
    for (Partition* d : *dirty) pending += d->unpublished_bytes();
    retain(Pressure{&p, p.unpublished_bytes() + bytes, pending + bytes});
  }
  if (over_quota(p, bytes, *dirty)) {
    probe_.quota_refusals.inc();
    r.status = Status::resource_exhausted("log disk quota reached");
    return;
  }
  if (Status st = roll_if_needed(p, bytes, now_ms); !st.is_ok()) {
    r.status = st;
    return;
  }
  model::BatchHeader h;
  (void)model::parse_batch_header(r.batch, &h);  // validated by append()
  h.base_offset = p.next_offset();
  model::set_batch_base_offset(r.batch.data(), r.batch.size(), h.base_offset);
  p.stage(h, r.batch, now_ms);
  r.base_offset = h.base_offset;
  r.record_count = h.record_count;
  if (std::find(dirty->begin(), dirty->end(), &p) == dirty->end()) dirty->push_back(&p);
}

bool EmbeddedLog::over_quota(const Partition& p, uint64_t bytes, const std::vector<Partition*>& dirty) const {
  if (config_.partition_quota_bytes > 0 &&
      p.size_bytes() + p.unpublished_bytes() + bytes > config_.partition_quota_bytes) {
    return true;
  }
  if (config_.quota_bytes == 0) return false;
  uint64_t pending = 0;
  for (const Partition* d : dirty) pending += d->unpublished_bytes();
  return total_bytes_.load(std::memory_order_relaxed) + pending + bytes > config_.quota_bytes;
}

// A roll first commits what this group already staged for the partition, in the old segment.
Status EmbeddedLog::roll_if_needed(Partition& p, uint64_t bytes, int64_t now_ms) {
  if (!p.needs_roll(bytes, now_ms)) return Status::ok();
  Status st = commit_partition(p);
  if (st.is_ok()) st = p.roll(now_ms);
  if (!st.is_ok()) p.set_failure(st);
  return st;
}

Status EmbeddedLog::commit_partition(Partition& p) {
  if (!p.has_staged() && p.unpublished_bytes() == 0) return Status::ok();
  DELTA_RETURN_IF_ERROR(p.flush());
  if (config_.durability == config::Durability::kFsync) DELTA_RETURN_IF_ERROR(p.sync());
  p.publish();
  return Status::ok();
}

void EmbeddedLog::finish_group(std::vector<Request>& group) {
  uint64_t bytes = 0;
  for (const Request& r : group) bytes += r.batch.size();
  {
    std::lock_guard lock(mu_);
    queued_bytes_ -= bytes;
    probe_.queued_bytes.set(static_cast<int64_t>(queued_bytes_));
  }
  for (Request& r : group) {
    if (r.status.is_ok()) {
      probe_.appends.inc();
      probe_.bytes_written.inc(r.batch.size());
    } else {
      probe_.append_errors.inc();
    }
    complete(r);
  }
}

void EmbeddedLog::complete(Request& r) {
  if (r.enqueued_ns != 0) {
    probe_.append_latency.observe(static_cast<double>(clock_.monotonic_ns() - r.enqueued_ns) * 1e-9);
  }
  if (r.status.is_ok()) {
    r.done(AppendResult{r.base_offset, r.record_count});
  } else {
    r.done(std::move(r.status));
  }
}

}  // namespace delta::log
