#include "process/view_worker.h"

#include <algorithm>
#include <charconv>

#include "base/hash.h"
#include "log/file_util.h"
#include "obs/logger.h"
#include "process/view_checkpoint.h"
#include "process/view_results.h"

namespace delta::process {
namespace {

// The checkpoint's granularity: the offset a restart replays from is the first of a run of at most
// this many records (24 bytes of bookkeeping per run).
constexpr int64_t kChunkRecords = 256;
// Events whose window adds are issued together (their hash-table misses overlap).
constexpr size_t kStageGroup = 32;

// A partition's checkpoint in its Kafka commit metadata (the offset is the commit's own).
constexpr std::string_view kMetadataTag = "delta-view 1";

struct PartitionMetadata {
  int64_t prefix_max = kNoWatermark;
  int64_t read_through = 0;
  int64_t open_start = 0;
  int64_t view_watermark = kNoWatermark;
};

std::string format_metadata(const PartitionMetadata& m) {
  return std::string(kMetadataTag) + ' ' + std::to_string(m.prefix_max) + ' ' +
         std::to_string(m.read_through) + ' ' + std::to_string(m.open_start) + ' ' +
         std::to_string(m.view_watermark);
}

std::optional<PartitionMetadata> parse_metadata(std::string_view text) {
  if (text.substr(0, kMetadataTag.size()) != kMetadataTag) return std::nullopt;
  text.remove_prefix(kMetadataTag.size());
  int64_t v[4];
  for (int64_t& x : v) {
    if (text.empty() || text.front() != ' ') return std::nullopt;
    text.remove_prefix(1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec != std::errc()) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
  }
  if (!text.empty()) return std::nullopt;
  return PartitionMetadata{v[0], v[1], v[2], v[3]};
}

}  // namespace

ViewWorker::ViewWorker(const ViewPlan& plan, log::Log& log, std::vector<sink::RowTarget*> targets,
                       sink::DeadLetters* dlq, runtime::LiveHub* hub, obs::Registry& registry,
                       const Clock& clock, ViewWorkerOptions options)
    : plan_(plan),
      log_(log),
      targets_(std::move(targets)),
      dlq_(dlq),
      hub_(hub),
      clock_(clock),
      options_(std::move(options)),
      consumer_("view." + plan.name),
      stage_("view:" + plan.name),
      topic_("view:" + plan.name),
      collector_(std::make_unique<ResultCollector>(plan, [this] { emit_round(); })),
      view_(plan.fields),
      dedup_id_(plan.dedup_id),
      where_(plan.where),
      parts_(static_cast<size_t>(plan.stream->partitions)),
      committed_(parts_.size(), -1),
      floor_(parts_.size(), kNoWatermark),
      owned_(parts_.size(), options_.group.empty() ? 1 : 0),
      local_(parts_.size(), -1),
      revoke_wait_ms_(options_.revoke_ack_wait_ms) {
  if (options_.group.empty()) {
    for (size_t p = 0; p < local_.size(); ++p) local_[p] = static_cast<int>(p);
  }
  for (const KeyColumn& k : plan.keys) keys_.push_back(k.expr);
  for (const AggregateColumn& a : plan.aggregates) {
    arg_of_.push_back(a.arg ? static_cast<int>(args_.size()) : -1);
    if (a.arg) args_.push_back(*a.arg);
  }
  inputs_.resize(plan.aggregates.size());
  if (plan.stream->dedup_horizon_ms > 0)
    dedup_ = std::make_unique<Deduplicator>(plan.stream->dedup_horizon_ms);
  obs::Labels view{{"view", plan.name}};
  events_ = &registry.counter("delta_view_events_total", "Events a view read from the log", view);
  late_ = &registry.counter("delta_view_late_events_total",
                            "Events too late for their window (sent to the DLQ)", view);
  duplicates_ = &registry.counter("delta_view_duplicate_events_total",
                                  "Events dropped as duplicates by the stream's dedup field", view);
  results_ = &registry.counter("delta_view_results_total", "Result rows a view emitted", view);
  entries_ = &registry.gauge("delta_view_state_entries", "(window, key) entries a view keeps", view);
  state_bytes_ = &registry.gauge("delta_view_state_bytes", "Bytes of a view's window state", view);
  watermark_ = &registry.gauge("delta_view_watermark_ms", "A view's event-time watermark (epoch ms)", view);
  assigned_ = &registry.gauge("delta_view_assigned_partitions",
                              "Partitions of its stream this instance reads for a view", view);
  rebalances_ =
      &registry.counter("delta_view_rebalances_total",
                        "Partition assignment changes a view's consumer group member went through", view);
  for (size_t p = 0; p < parts_.size(); ++p) {
    obs::Labels labels{{"view", plan.name}, {"partition", std::to_string(p)}};
    lag_.push_back(
        &registry.gauge("delta_view_lag_events", "Events in the log a view has not read yet", labels));
    partition_watermark_.push_back(&registry.gauge("delta_view_partition_watermark_ms",
                                                   "A partition's event-time watermark in a view (epoch ms)",
                                                   labels));
  }
}

ViewWorker::~ViewWorker() { stop(); }

Status ViewWorker::make_operator(int partitions) {
  WatermarkOptions w = plan_.watermarks;
  w.partitions = std::max(1, partitions);
  Result<std::unique_ptr<WindowOperator>> op =
      WindowOperator::make(plan_.window, plan_.layout.get(), w, &clock_);
  if (!op) return op.status();
  op_ = std::move(*op);
  return Status::ok();
}

Status ViewWorker::start() {
  if (options_.group.empty()) {
    DELTA_RETURN_IF_ERROR(make_operator(static_cast<int>(parts_.size())));
    DELTA_RETURN_IF_ERROR(load_checkpoint());
  } else {
    // Nothing is owned until the group assigns partitions (run() polls it).
    DELTA_RETURN_IF_ERROR(make_operator(1));
    Result<std::unique_ptr<log::PartitionGroup>> g = log_.join_group(options_.group, plan_.stream->name);
    if (!g) return g.status();
    group_ = std::move(*g);
  }
  for (sink::RowTarget* t : targets_) t->add_table(&plan_.table);
  last_commit_ms_ = last_early_ms_ = clock_.now_ms();
  publish_snapshot();
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void ViewWorker::request_stop() { running_ = false; }

void ViewWorker::stop(int64_t ack_wait_ms) {
  if (!thread_.joinable()) return;
  request_stop();
  thread_.join();
  // Real time, not the injected clock: a test's ManualClock does not move while we wait here.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ack_wait_ms);
  for (;;) {
    maybe_commit(true);
    if (pending_.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // waiting on sinks' acks at shutdown
  }
  if (group_) {
    // Leaving hands the partitions to the other members now rather than after the session timeout;
    // the revocation commits once more (no acks come any more: do not wait for them).
    revoke_wait_ms_ = 0;
    group_->close(*this);
    group_.reset();
  }
}

void ViewWorker::settle(int64_t wait_ms) {
  record_candidate();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    maybe_commit(true);
    if (pending_.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a rebalance waits on sinks' acks
  }
}

void ViewWorker::on_revoked(const std::vector<int32_t>& partitions) {
  ++stats_.rebalances;
  settle(revoke_wait_ms_);
  for (int32_t p : partitions) {
    if (p >= 0 && static_cast<size_t>(p) < owned_.size()) owned_[static_cast<size_t>(p)] = 0;
  }
  reassigned("partitions revoked", partitions.size());
}

void ViewWorker::reassigned(std::string_view what, size_t count) {
  obs::info("view", what, {{"view", plan_.name}, {"partitions", static_cast<int64_t>(count)}});
  if (Status st = rebuild(); !st.is_ok()) {
    rebuild_pending_ = true;  // run() tries again each round
    obs::warn("view", "rebuilding after a rebalance failed; retrying",
              {{"view", plan_.name}, {"error", st.to_string()}});
  }
  publish_snapshot();
}

void ViewWorker::on_assigned(const std::vector<int32_t>& partitions) {
  ++stats_.rebalances;
  // Partitions kept through the change (cooperative rebalancing) are committed before their state
  // is dropped, so the rebuild replays as little as possible.
  if (std::find(owned_.begin(), owned_.end(), 1) != owned_.end()) settle(revoke_wait_ms_);
  for (int32_t p : partitions) {
    if (p >= 0 && static_cast<size_t>(p) < owned_.size()) owned_[static_cast<size_t>(p)] = 1;
  }
  reassigned("partitions assigned", partitions.size());
}

Status ViewWorker::rebuild() {
  rebuild_pending_ = true;
  pending_.clear();
  candidates_.clear();
  collector_->clear();
  staged_.clear();
  staged_keys_.clear();
  staged_inputs_.clear();
  std::vector<int32_t> mine;
  for (size_t p = 0; p < parts_.size(); ++p) {
    parts_[p] = PartitionState{};
    floor_[p] = kNoWatermark;
    committed_[p] = -1;
    local_[p] = owned_[p] ? static_cast<int>(mine.size()) : -1;
    if (owned_[p]) mine.push_back(static_cast<int32_t>(p));
  }
  if (plan_.stream->dedup_horizon_ms > 0)
    dedup_ = std::make_unique<Deduplicator>(plan_.stream->dedup_horizon_ms);
  DELTA_RETURN_IF_ERROR(make_operator(static_cast<int>(mine.size())));
  Result<std::vector<log::PartitionGroup::Checkpoint>> cps = group_->committed(mine);
  if (!cps) return cps.status();
  int64_t view_wm = INT64_MAX;
  for (const log::PartitionGroup::Checkpoint& cp : *cps) {
    const auto p = static_cast<size_t>(cp.partition);
    if (p >= parts_.size() || !owned_[p]) continue;
    Result<log::PartitionInfo> info = log_.partition_info(plan_.stream->name, cp.partition);
    if (!info) return info.status();
    PartitionState& ps = parts_[p];
    ps.next = info->start_offset;
    std::optional<PartitionMetadata> m = cp.offset >= 0 ? parse_metadata(cp.metadata) : std::nullopt;
    if (!m) {
      if (cp.offset >= 0) {
        obs::warn(
            "view",
            "a committed offset without Delta's checkpoint metadata; replaying the partition from the start",
            {{"view", plan_.name}, {"partition", cp.partition}, {"offset", cp.offset}});
      }
      view_wm = kNoWatermark;
      continue;
    }
    ps.next = std::max(cp.offset, info->start_offset);
    ps.accepted_max = m->prefix_max;
    ps.replay_until = m->read_through;
    floor_[p] = m->open_start;
    if (ps.accepted_max != kNoWatermark) op_->restore_partition(local_[p], ps.accepted_max);
    committed_[p] = cp.offset;
    view_wm = std::min(view_wm, m->view_watermark);
  }
  if (!mine.empty() && view_wm != INT64_MAX && view_wm != kNoWatermark) op_->restore_view_watermark(view_wm);
  rebuild_pending_ = false;
  return Status::ok();
}

void ViewWorker::run() {
  while (running_.load(std::memory_order_relaxed)) {
    bool progressed = false;
    if (group_) {
      group_->poll(*this);
      if (rebuild_pending_ && !rebuild().is_ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_ms * 10));  // coordinator away
        continue;
      }
    }
    for (size_t p = 0; p < parts_.size(); ++p) {
      if (owned_[p]) progressed |= read_partition(static_cast<int>(p));
    }
    op_->advance(*collector_);
    int64_t now = clock_.now_ms();
    if (plan_.early_ms > 0 && now - last_early_ms_ >= plan_.early_ms) {
      op_->emit_early(*collector_);
      last_early_ms_ = now;
    }
    emit_round();
    record_candidate();
    maybe_commit(false);
    publish_snapshot();
    if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_ms));
  }
}

bool ViewWorker::read_partition(int p) {
  PartitionState& ps = parts_[static_cast<size_t>(p)];
  log::ReadResult* read = &read_;  // reused: no fresh buffer per read
  if (Status st = log_.read_into(plan_.stream->name, p, ps.next, options_.read_bytes, read); !st.is_ok()) {
    obs::warn("view", "log read failed", {{"view", plan_.name}, {"error", st.to_string()}});
    return false;
  }
  ps.end = read->end_offset;
  if (read->batches.empty()) return false;
  Chunk chunk{-1, kNoWatermark, ps.accepted_max};
  bool any = false;
  for (std::string_view batch : read->batches) {
    model::RecordIterator it(batch);
    model::Record rec;
    while (it.next(&rec)) {
      if (rec.offset < ps.next) continue;
      if (chunk.first_offset >= 0 && rec.offset - chunk.first_offset >= kChunkRecords) {
        add_staged(p);  // the next run's prefix_max must count every event before it
        ps.chunks.push_back(chunk);
        chunk = Chunk{-1, kNoWatermark, ps.accepted_max};
      }
      if (chunk.first_offset < 0) chunk.first_offset = rec.offset;
      any = true;
      chunk.max_time = std::max(chunk.max_time, rec.time_ms);
      // The batch outlives the record: simdjson may read its padding from the batch's own bytes.
      auto readable = static_cast<size_t>(batch.data() + batch.size() - rec.value.data());
      process_record(p, rec.offset, rec.time_ms, rec.value, readable);
      ps.next = rec.offset + 1;
    }
    if (!it.status().is_ok()) {
      obs::error("view", "corrupt batch in the log",
                 {{"view", plan_.name}, {"error", it.status().to_string()}});
      break;
    }
  }
  add_staged(p);  // before the batches (which staged events point into) go away
  ps.next = std::max(ps.next, read->next_offset);
  if (chunk.first_offset >= 0) ps.chunks.push_back(chunk);
  return any;
}

void ViewWorker::process_record(int p, int64_t offset, int64_t time_ms, std::string_view value,
                                size_t readable) {
  ++stats_.events;
  PartitionState& ps = parts_[static_cast<size_t>(p)];
  // Replaying what the checkpoint had read: an event of a window that was final then already
  // counted there (or went to the DLQ then).
  const bool replayed = offset < ps.replay_until;
  if (replayed && time_ms < floor_[static_cast<size_t>(p)]) return;
  Status parsed = view_.reset(value, readable);
  if (!parsed.is_ok()) {
    if (dlq_ != nullptr) dlq_->add(plan_.stream->name, stage_, "malformed: " + parsed.message(), value);
    dlq_dirty_ = true;
    return;
  }
  if (dedup_ && dedup_id_) {
    Value id = dedup_id_->eval(view_);
    if (!id.is_null()) {
      std::string_view bytes =
          id.type == ValueType::kString ? id.s : std::string_view(reinterpret_cast<const char*>(&id.i), 8);
      if (dedup_->seen(bytes, time_ms)) {
        ++stats_.duplicates;
        return;
      }
    }
  }
  if (where_ && !where_->matches(view_)) {
    ++stats_.filtered;
    return;
  }
  key_.clear();
  for (CompiledExpr& k : keys_) encode_key_value(key_, k.eval(view_));
  for (size_t i = 0; i < inputs_.size(); ++i) {
    AggInput& in = inputs_[i];
    in = AggInput{};
    if (arg_of_[i] < 0) continue;
    Value v = args_[static_cast<size_t>(arg_of_[i])].eval(view_);
    if (v.is_null()) continue;
    if (plan_.aggregates[i].spec.kind == AggKind::kCountDistinct) {
      in.hash = value_hash(v);
      in.is_null = false;
    } else if (is_numeric(v.type)) {
      in.num = v.as_double();
      in.is_null = false;
    }
  }
  // Staged: the window add happens in add_staged(), a group at a time, so that the hash table's
  // cache misses of a group overlap (prefetch) instead of stalling each event in turn.
  const uint64_t hash = hash64(key_);
  staged_.push_back({time_ms, value, hash, static_cast<uint32_t>(staged_keys_.size()),
                     static_cast<uint32_t>(key_.size()), replayed});
  staged_keys_ += key_;
  staged_inputs_.insert(staged_inputs_.end(), inputs_.begin(), inputs_.end());
  op_->prefetch(time_ms, hash, 0);
  if (staged_.size() >= kStageGroup) add_staged(p);
}

void ViewWorker::add_staged(int p) {
  if (staged_.empty()) return;
  PartitionState& ps = parts_[static_cast<size_t>(p)];
  for (const Staged& e : staged_) op_->prefetch(e.time_ms, e.hash, 1);
  const size_t n = inputs_.size();
  for (size_t i = 0; i < staged_.size(); ++i) {
    const Staged& e = staged_[i];
    std::string_view key(staged_keys_.data() + e.key_at, e.key_len);
    std::span<const AggInput> inputs(staged_inputs_.data() + i * n, n);
    if (op_->add_hashed(local_[static_cast<size_t>(p)], e.time_ms, key, e.hash, inputs) ==
        AddOutcome::kLate) {
      if (e.replayed) continue;  // it went to the DLQ before the checkpoint
      ++stats_.late;
      if (dlq_ != nullptr) dlq_->add(plan_.stream->name, stage_, "late", e.value);
      dlq_dirty_ = true;
      continue;
    }
    ++stats_.accepted;
    ps.accepted_max = std::max(ps.accepted_max, e.time_ms);
  }
  staged_.clear();
  staged_keys_.clear();
  staged_inputs_.clear();
}

void ViewWorker::emit_round() {
  if (collector_->empty()) return;
  const std::vector<sink::Row>& rows = collector_->rows();
  stats_.results += rows.size();
  if (!targets_.empty()) {
    ++seq_;
    auto remaining = std::make_shared<std::atomic<int>>(static_cast<int>(targets_.size()));
    for (sink::RowTarget* t : targets_) {
      t->deliver(plan_.table, -1, rows, [remaining] { remaining->fetch_sub(1, std::memory_order_acq_rel); });
    }
    pending_.push_back({seq_, std::move(remaining)});
  }
  if (hub_ != nullptr && hub_->has_subscribers(topic_)) {
    std::vector<std::string> copies;
    copies.reserve(rows.size());
    for (const sink::Row& r : rows) copies.emplace_back(r.json);
    hub_->publish(topic_, copies);
  }
  collector_->clear();
}

void ViewWorker::record_candidate() {
  const int64_t open = op_->min_open_start();
  Candidate c{seq_, op_->view_watermark(), open, {}};
  c.parts.reserve(parts_.size());
  for (PartitionState& ps : parts_) {
    while (!ps.chunks.empty() && ps.chunks.front().max_time < open) ps.chunks.pop_front();
    if (ps.chunks.empty())
      c.parts.push_back({ps.next, ps.accepted_max, ps.next});
    else
      c.parts.push_back({ps.chunks.front().first_offset, ps.chunks.front().prefix_max, ps.next});
  }
  if (!candidates_.empty() && candidates_.back().seq == c.seq) {
    candidates_.back() = std::move(c);  // a later checkpoint that needs the same acknowledgements
  } else {
    candidates_.push_back(std::move(c));
  }
}

void ViewWorker::maybe_commit(bool force) {
  int64_t now = clock_.now_ms();
  if (!force && now - last_commit_ms_ < options_.commit_interval_ms) return;
  last_commit_ms_ = now;
  while (!pending_.empty() && pending_.front().remaining->load(std::memory_order_acquire) == 0) {
    pending_.pop_front();
  }
  uint64_t acked = pending_.empty() ? seq_ : pending_.front().seq - 1;
  const Candidate* best = nullptr;
  while (!candidates_.empty() && candidates_.front().seq <= acked) {
    if (candidates_.size() == 1 || candidates_[1].seq > acked) {
      best = &candidates_.front();
      break;
    }
    candidates_.pop_front();
  }
  if (best == nullptr) return;
  bool changed = false;
  for (size_t p = 0; p < parts_.size(); ++p) changed |= owned_[p] && best->parts[p].offset != committed_[p];
  if (!changed) return;
  if (dlq_ != nullptr && dlq_dirty_) {
    if (Status st = dlq_->sync(); !st.is_ok()) {
      obs::warn("view", "dead letters not durable; offsets not committed",
                {{"view", plan_.name}, {"error", st.to_string()}});
      return;
    }
    dlq_dirty_ = false;
  }
  if (group_) {
    commit_group(*best);
    return;
  }
  if (Status st = save_checkpoint(*best); !st.is_ok()) {
    obs::warn("view", "checkpoint failed", {{"view", plan_.name}, {"error", st.to_string()}});
    return;
  }
  for (size_t p = 0; p < parts_.size(); ++p) {
    committed_[p] = best->parts[p].offset;
    Status st = log_.commit(consumer_, plan_.stream->name, static_cast<int32_t>(p), committed_[p]);
    if (!st.is_ok())
      obs::warn("view", "offset commit failed", {{"view", plan_.name}, {"error", st.to_string()}});
  }
}

// Commits every owned partition's offset and metadata through the group, as its owner: a member
// that lost the partitions gets an error and changes nothing.
bool ViewWorker::commit_group(const Candidate& c) {
  std::vector<log::PartitionGroup::Checkpoint> cs;
  for (size_t p = 0; p < parts_.size(); ++p) {
    if (!owned_[p]) continue;
    const CandidatePart& part = c.parts[p];
    cs.push_back({static_cast<int32_t>(p), part.offset,
                  format_metadata({part.prefix_max, part.read_through, c.open_start, c.view_watermark})});
  }
  if (Status st = group_->commit(cs); !st.is_ok()) {
    obs::warn("view", "offset commit to the consumer group failed",
              {{"view", plan_.name}, {"error", st.to_string()}});
    return false;
  }
  for (const log::PartitionGroup::Checkpoint& cp : cs)
    committed_[static_cast<size_t>(cp.partition)] = cp.offset;
  return true;
}

Status ViewWorker::save_checkpoint(const Candidate& c) {
  ViewCheckpoint out{c.view_watermark, c.open_start, {}};
  for (const CandidatePart& part : c.parts)
    out.partitions.push_back({part.offset, part.prefix_max, part.read_through});
  DELTA_RETURN_IF_ERROR(log::fs::make_dir(options_.checkpoint_dir));
  return log::fs::write_file_atomic(options_.checkpoint_dir, plan_.name + ".checkpoint",
                                    format_view_checkpoint(out));
}

Status ViewWorker::load_checkpoint() {
  const std::string path = options_.checkpoint_dir + "/" + plan_.name + ".checkpoint";
  Result<std::string> text = log::fs::read_file(path);
  std::optional<ViewCheckpoint> ckpt;
  if (text.is_ok()) {
    Result<ViewCheckpoint> parsed = parse_view_checkpoint(*text, parts_.size());
    if (!parsed) return Status::invalid_argument(path + ": " + parsed.status().message());
    ckpt = std::move(*parsed);
    op_->restore_view_watermark(ckpt->view_watermark);
    for (int64_t& f : floor_) f = ckpt->open_start;
  } else if (text.status().code() != StatusCode::kNotFound) {
    return text.status();
  }
  for (size_t p = 0; p < parts_.size(); ++p) {
    Result<log::PartitionInfo> info = log_.partition_info(plan_.stream->name, static_cast<int32_t>(p));
    if (!info) return info.status();
    PartitionState& ps = parts_[p];
    ps.next = info->start_offset;
    if (!ckpt) continue;
    const ViewCheckpoint::Partition& part = ckpt->partitions[p];
    ps.next = std::max(part.offset, info->start_offset);
    ps.accepted_max = part.prefix_max;
    ps.replay_until = part.read_through;
    if (ps.accepted_max != kNoWatermark) op_->restore_partition(static_cast<int>(p), ps.accepted_max);
    committed_[p] = part.offset;
  }
  if (ckpt) obs::info("view", "resuming from checkpoint", {{"view", plan_.name}, {"path", path}});
  return Status::ok();
}

void ViewWorker::publish_snapshot() {
  ViewSnapshot s = stats_;
  s.view_watermark_ms = op_->view_watermark();
  s.state_entries = op_->entries();
  s.state_bytes = op_->memory_bytes();
  s.partitions.resize(parts_.size());
  s.assigned_partitions = 0;
  for (size_t p = 0; p < parts_.size(); ++p) {
    const bool mine = owned_[p] != 0;
    s.assigned_partitions += mine ? 1 : 0;
    s.partitions[p] = {parts_[p].next, parts_[p].end, committed_[p],
                       mine ? op_->partition_watermark(local_[p]) : kNoWatermark, mine};
    lag_[p]->set(std::max<int64_t>(0, parts_[p].end - parts_[p].next));
    partition_watermark_[p]->set(s.partitions[p].watermark_ms);
  }
  events_->inc(s.events - snapshot_.events);
  late_->inc(s.late - snapshot_.late);
  duplicates_->inc(s.duplicates - snapshot_.duplicates);
  results_->inc(s.results - snapshot_.results);
  rebalances_->inc(s.rebalances - snapshot_.rebalances);
  assigned_->set(static_cast<int64_t>(s.assigned_partitions));
  entries_->set(static_cast<int64_t>(s.state_entries));
  state_bytes_->set(static_cast<int64_t>(s.state_bytes));
  watermark_->set(s.view_watermark_ms);
  std::lock_guard lock(snapshot_mu_);
  snapshot_ = std::move(s);
}

ViewSnapshot ViewWorker::snapshot() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

}  // namespace delta::process
