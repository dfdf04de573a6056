#include "process/window_paned.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "base/hash.h"

namespace delta::process {
namespace {

// Records are visited in key-hash order, i.e. randomly in the arena: fetch ahead of use.
constexpr size_t kPrefetch = 24;

}  // namespace

PanedWindowOperator::PanedWindowOperator(int64_t size_ms, int64_t slide_ms, int64_t lateness_ms,
                                         const AggLayout* layout, WatermarkOptions watermarks,
                                         const Clock* clock)
    : size_(size_ms),
      slide_(slide_ms),
      lateness_(lateness_ms),
      layout_(layout),
      tracker_(watermarks, clock),
      scratch_(layout->block_size() + 16),
      values_(layout->size()) {}

PanedWindowOperator::~PanedWindowOperator() = default;

int64_t PanedWindowOperator::pane_of(int64_t t) const {
  int64_t r = t % slide_;
  return r < 0 ? t - r - slide_ : t - r;
}

WindowTable* PanedWindowOperator::pane_table(int64_t pane_start) {
  if (pane_start == cached_start_) return cached_;
  Pane& p = panes_[pane_start];
  if (!p.table) p.table = std::make_unique<WindowTable>(layout_);
  cached_start_ = pane_start;
  cached_ = p.table.get();
  return cached_;
}

AddOutcome PanedWindowOperator::add(int partition, int64_t t, std::string_view key,
                                    std::span<const AggInput> inputs) {
  return add_hashed(partition, t, key, hash64(key), inputs);
}

void PanedWindowOperator::prefetch(int64_t t, uint64_t key_hash, int stage) const {
  if (cached_ == nullptr || pane_of(t) != cached_start_) return;  // only the pane most events go to
  if (stage == 0)
    cached_->prefetch_slot(key_hash);
  else
    cached_->prefetch_record(key_hash);
}

AddOutcome PanedWindowOperator::add_hashed(int partition, int64_t t, std::string_view key, uint64_t key_hash,
                                           std::span<const AggInput> inputs) {
  const int64_t pane = pane_of(t);
  const int64_t earliest_end = pane + slide_;
  if (earliest_end + lateness_ <= tracker_.partition_watermark(partition) ||
      earliest_end + lateness_ <= view_wm_) {
    return AddOutcome::kLate;
  }
  tracker_.observe(partition, t);
  WindowTable::Record* rec = pane_table(pane)->find_or_insert(key, key_hash);
  layout_->update(rec->block(), inputs);
  rec->flags |= WindowTable::kEarly;
  if (pane < fired_end_ && !(rec->flags & WindowTable::kDirty)) {
    rec->flags |= WindowTable::kDirty;
    dirty_.push_back({pane, rec});
  }
  return AddOutcome::kAccepted;
}

void PanedWindowOperator::advance(ResultSink& sink) { advance_to(tracker_.view_watermark(), sink); }

void PanedWindowOperator::finish(ResultSink& sink) {
  advance_to(std::numeric_limits<int64_t>::max() / 4, sink);
}

void PanedWindowOperator::advance_to(int64_t wm, ResultSink& sink) {
  view_wm_ = std::max(view_wm_, wm);
  emit_updates(sink);
  fire_windows(view_wm_, sink);
  drop_panes(view_wm_);
}

const std::vector<WindowTable::Entry>& PanedWindowOperator::sorted(Pane& p) {
  if (p.sorted_size != p.table->size()) {
    p.sorted = p.table->sorted_entries();
    p.sorted_size = p.table->size();
  }
  return p.sorted;
}

// Late events since the last advance: re-emit each (fired window, key) they touched.
void PanedWindowOperator::emit_updates(ResultSink& sink) {
  if (dirty_.empty()) return;
  struct Upd {
    int64_t end;
    uint64_t hash;
    std::string_view key;
  };
  std::vector<Upd> upds;
  for (const Dirty& d : dirty_) {
    d.rec->flags &= ~WindowTable::kDirty;
    std::string_view key(reinterpret_cast<const char*>(d.rec->block()) + layout_->block_size(),
                         d.rec->key_len);
    for (int64_t end = d.pane + slide_; end <= d.pane + size_ && end <= fired_end_; end += slide_) {
      upds.push_back({end, hash64(key), key});
    }
  }
  dirty_.clear();
  auto tie = [](const Upd& u) { return std::tie(u.end, u.hash, u.key); };
  std::sort(upds.begin(), upds.end(), [&](const Upd& a, const Upd& b) { return tie(a) < tie(b); });
  upds.erase(
      std::unique(upds.begin(), upds.end(), [&](const Upd& a, const Upd& b) { return tie(a) == tie(b); }),
      upds.end());
  for (const Upd& u : upds) emit_key(u.end, u.key, u.hash, true, sink);
}

// One key of window [end - size, end), merged over its panes.
void PanedWindowOperator::emit_key(int64_t end, std::string_view key, uint64_t hash, bool is_update,
                                   ResultSink& sink) {
  std::byte* acc = scratch_.data();
  layout_->init(acc);
  for (auto it = panes_.lower_bound(end - size_); it != panes_.end() && it->first < end; ++it) {
    if (const WindowTable::Record* r = it->second.table->find(key, hash)) layout_->merge(acc, r->block());
  }
  layout_->finalize(acc, values_.data());
  layout_->destroy(acc);
  sink.on_result({end - size_, end, key, values_, is_update, false});
}

void PanedWindowOperator::fire_windows(int64_t wm, ResultSink& sink) {
  if (panes_.empty()) return;
  const int64_t last = std::min(wm, panes_.rbegin()->first + size_);
  int64_t end = std::max(fired_end_ == kNoWatermark ? kNoWatermark : fired_end_ + slide_,
                         panes_.begin()->first + slide_);
  while (end <= last) {
    auto it = panes_.lower_bound(end - size_);
    if (it == panes_.end()) break;
    if (it->first >= end) {  // no pane in this window: skip to the first window that has one
      end = it->first + slide_;
      continue;
    }
    fire_window(end, sink);
    end += slide_;
  }
  if (wm >= slide_ + kNoWatermark / 2) fired_end_ = std::max(fired_end_, pane_of(wm));
}

void PanedWindowOperator::fire_window(int64_t end, ResultSink& sink) {
  std::vector<const std::vector<WindowTable::Entry>*> runs;
  for (auto it = panes_.lower_bound(end - size_); it != panes_.end() && it->first < end; ++it) {
    runs.push_back(&sorted(it->second));
  }
  const WindowTable& any = *panes_.lower_bound(end - size_)->second.table;
  if (runs.size() == 1) {
    const std::vector<WindowTable::Entry>& run = *runs[0];
    for (size_t i = 0; i < run.size(); ++i) {
      const WindowTable::Entry& e = run[i];
      if (i + kPrefetch < run.size()) __builtin_prefetch(run[i + kPrefetch].rec);
      layout_->finalize(e.rec->block(), values_.data());
      sink.on_result({end - size_, end, any.key_of(e.rec), values_, false, false});
    }
    return;
  }
  std::vector<size_t> pos(runs.size(), 0);
  for (;;) {
    const WindowTable::Entry* min = nullptr;
    for (size_t i = 0; i < runs.size(); ++i) {
      if (pos[i] < runs[i]->size() && (min == nullptr || entry_less(any, (*runs[i])[pos[i]], *min))) {
        min = &(*runs[i])[pos[i]];
      }
    }
    if (min == nullptr) return;
    const WindowTable::Entry cur = *min;
    std::byte* acc = scratch_.data();
    layout_->init(acc);
    for (size_t i = 0; i < runs.size(); ++i) {
      if (pos[i] < runs[i]->size() && !entry_less(any, cur, (*runs[i])[pos[i]])) {
        layout_->merge(acc, (*runs[i])[pos[i]].rec->block());
        if (pos[i] + kPrefetch < runs[i]->size()) __builtin_prefetch((*runs[i])[pos[i] + kPrefetch].rec);
        ++pos[i];
      }
    }
    layout_->finalize(acc, values_.data());
    layout_->destroy(acc);
    sink.on_result({end - size_, end, any.key_of(cur.rec), values_, false, false});
  }
}

void PanedWindowOperator::drop_panes(int64_t wm) {
  while (!panes_.empty() && panes_.begin()->first + size_ + lateness_ <= wm) {
    if (panes_.begin()->first == cached_start_) {
      cached_start_ = kNoWatermark;
      cached_ = nullptr;
    }
    panes_.erase(panes_.begin());
  }
}

void PanedWindowOperator::emit_early(ResultSink& sink) {
  if (size_ != slide_) return;  // hopping: a window spans panes; early results are not offered
  for (auto& [pane_start, pane] : panes_) {
    const int64_t start = pane_start;  // a copy: clang 14 cannot capture a structured binding
    if (fired_end_ != kNoWatermark && start + size_ <= fired_end_) continue;
    const WindowTable& table = *pane.table;
    table.for_each([&](WindowTable::Record* rec) {
      if (!(rec->flags & WindowTable::kEarly)) return;
      rec->flags &= ~WindowTable::kEarly;
      layout_->finalize(rec->block(), values_.data());
      sink.on_result({start, start + size_, table.key_of(rec), values_, false, false, true});
    });
  }
}

int64_t PanedWindowOperator::min_open_start() const {
  return panes_.empty() ? std::numeric_limits<int64_t>::max() : panes_.begin()->first;
}

size_t PanedWindowOperator::memory_bytes() const {
  size_t n = 0;
  for (const auto& [start, p] : panes_)
    n += p.table->memory_bytes() + p.sorted.capacity() * sizeof(WindowTable::Entry);
  return n;
}

size_t PanedWindowOperator::entries() const {
  size_t n = 0;
  for (const auto& [start, p] : panes_) n += p.table->size();
  return n;
}

}  // namespace delta::process
