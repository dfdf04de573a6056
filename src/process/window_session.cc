#include "process/window_session.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "base/hash.h"

namespace delta::process {

size_t SessionWindowOperator::StringHash::operator()(std::string_view s) const { return hash64(s); }

SessionWindowOperator::SessionWindowOperator(int64_t gap_ms, int64_t lateness_ms, const AggLayout* layout,
                                             WatermarkOptions watermarks, const Clock* clock)
    : gap_(gap_ms),
      lateness_(lateness_ms),
      layout_(layout),
      tracker_(watermarks, clock),
      pool_(layout->block_size()),
      values_(layout->size()) {}

SessionWindowOperator::~SessionWindowOperator() {
  for (auto& [key, list] : keys_) {
    for (Session& s : list) layout_->destroy(s.block);
  }
}

AddOutcome SessionWindowOperator::add(int partition, int64_t t, std::string_view key,
                                      std::span<const AggInput> inputs) {
  if (t + lateness_ < tracker_.partition_watermark(partition) || t + gap_ + lateness_ < view_wm_) {
    return AddOutcome::kLate;
  }
  tracker_.observe(partition, t);
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), Sessions{}).first;
  Sessions& list = it->second;
  size_t hit = list.size();
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].start > t + gap_ || list[i].end < t) continue;
    if (hit == list.size()) {
      hit = i;
    } else {
      merge_into(it->first, list, hit, i);
      --i;  // list[i] was erased
    }
  }
  if (hit == list.size()) {
    list.push_back({t, t + gap_, pool_.allocate()});
    layout_->init(list.back().block);
    ++sessions_;
  }
  Session& s = list[hit];
  s.start = std::min(s.start, t);
  s.end = std::max(s.end, t + gap_);
  s.dirty = true;
  layout_->update(s.block, inputs);
  next_fire_ = std::min(next_fire_, s.end);
  next_drop_ = std::min(next_drop_, s.end + lateness_);
  if (s.end <= view_wm_) late_pending_ = true;
  return AddOutcome::kAccepted;
}

// Merges list[other] into list[keep] and erases list[other]. REQUIRES: keep < other.
void SessionWindowOperator::merge_into(const std::string& key, Sessions& list, size_t keep, size_t other) {
  Session& k = list[keep];
  Session& o = list[other];
  layout_->merge(k.block, o.block);
  k.start = std::min(k.start, o.start);
  k.end = std::max(k.end, o.end);
  if (o.emitted_end != kNoWatermark) retracted_.push_back({key, {o.emitted_start, o.emitted_end}});
  layout_->destroy(o.block);
  pool_.release(o.block);
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(other));
  --sessions_;
}

void SessionWindowOperator::advance(ResultSink& sink) { advance_to(tracker_.view_watermark(), sink); }

void SessionWindowOperator::finish(ResultSink& sink) {
  advance_to(std::numeric_limits<int64_t>::max() / 4, sink);
}

void SessionWindowOperator::collect(const std::string& key, Sessions& list, int64_t wm,
                                    std::vector<Row>& rows) {
  uint64_t h = hash64(key);
  for (Session& s : list) {
    if (s.end > wm || !s.dirty) continue;
    bool emitted = s.emitted_end != kNoWatermark;
    if (emitted && (s.emitted_start != s.start || s.emitted_end != s.end)) {
      rows.push_back({s.emitted_end, s.emitted_start, h, key, nullptr, true});
    }
    rows.push_back({s.end, s.start, h, key, s.block, emitted});
    s.emitted_start = s.start;
    s.emitted_end = s.end;
    s.dirty = false;
  }
}

void SessionWindowOperator::advance_to(int64_t wm, ResultSink& sink) {
  view_wm_ = std::max(view_wm_, wm);
  if (!late_pending_ && retracted_.empty() && next_fire_ > view_wm_ && next_drop_ >= view_wm_) return;
  std::vector<Row> rows;
  for (const auto& [key, h] : retracted_)
    rows.push_back({h.second, h.first, hash64(key), key, nullptr, true});
  for (auto& [key, list] : keys_) collect(key, list, view_wm_, rows);
  auto tie = [](const Row& r) { return std::make_tuple(r.end, r.hash, r.key, r.block != nullptr, r.start); };
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return tie(a) < tie(b); });
  for (const Row& r : rows) {
    if (r.block == nullptr) {
      sink.on_result({r.start, r.end, r.key, {}, false, true});
      continue;
    }
    layout_->finalize(r.block, values_.data());
    sink.on_result({r.start, r.end, r.key, values_, r.is_update, false});
  }
  retracted_.clear();
  late_pending_ = false;
  drop(view_wm_);
}

void SessionWindowOperator::drop(int64_t wm) {
  next_fire_ = next_drop_ = kNever;
  for (auto it = keys_.begin(); it != keys_.end();) {
    Sessions& list = it->second;
    std::erase_if(list, [&](Session& s) {
      if (s.end + lateness_ >= wm) {
        if (s.dirty) next_fire_ = std::min(next_fire_, s.end);
        next_drop_ = std::min(next_drop_, s.end + lateness_);
        return false;
      }
      layout_->destroy(s.block);
      pool_.release(s.block);
      --sessions_;
      return true;
    });
    it = list.empty() ? keys_.erase(it) : std::next(it);
  }
}

size_t SessionWindowOperator::memory_bytes() const {
  return pool_.bytes_reserved() + keys_.size() * (sizeof(std::string) + sizeof(Sessions) + 32) +
         sessions_ * sizeof(Session);
}

int64_t SessionWindowOperator::min_open_start() const {
  int64_t low = kNever;
  for (const auto& [key, list] : keys_) {
    for (const Session& s : list) low = std::min(low, s.start);
  }
  return low;
}

size_t SessionWindowOperator::entries() const { return sessions_; }

}  // namespace delta::process
