#include "process/window_paned.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>

#include "base/hash.h"

namespace delta::process {
namespace {

// Records are visited in key-hash order, i.e. randomly in the arena: fetch ahead of use.
constexpr size_t kPrefetch = 24;

// a == b without a library call for the short keys of the common case (the same key in several
// panes of a window).
bool same_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const size_t n = a.size();
  if (n >= 8 && n <= 16) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  return a == b;
}

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

PanedWindowOperator::Pane* PanedWindowOperator::pane_at(int64_t pane_start) {
  if (pane_start == cached_start_) return cached_;
  Pane& p = panes_[pane_start];
  if (!p.table) p.table = std::make_unique<WindowTable>(layout_);
  cached_start_ = pane_start;
  cached_ = &p;
  return cached_;
}

AddOutcome PanedWindowOperator::add(int partition, int64_t t, std::string_view key,
                                    std::span<const AggInput> inputs) {
  return add_hashed(partition, t, key, hash64(key), inputs);
}

void PanedWindowOperator::prefetch(int64_t t, uint64_t key_hash, int stage) const {
  if (cached_ == nullptr || pane_of(t) != cached_start_) return;  // only the pane most events go to
  if (stage == 0)
    cached_->table->prefetch_slot(key_hash);
  else
    cached_->table->prefetch_record(key_hash);
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
  Pane* p = pane_at(pane);
  p->run.valid = false;  // a late event after the pane's first window fired: copy it again
  WindowTable::Record* rec = p->table->find_or_insert(key, key_hash);
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

const PanedWindowOperator::Run& PanedWindowOperator::sorted(Pane& p) {
  Run& run = p.run;
  if (run.valid) return run;
  const std::vector<WindowTable::Entry> entries = p.table->sorted_entries();
  const size_t n = entries.size(), block = layout_->block_size();
  run.hashes.resize(n);
  run.key_at.resize(n + 1);
  run.keys.clear();
  run.blocks.resize(n * block);
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetch < n) __builtin_prefetch(entries[i + kPrefetch].rec);
    const WindowTable::Record* rec = entries[i].rec;
    run.hashes[i] = entries[i].hash;  // as stored (0 as 1), the order sorted_entries() used
    run.key_at[i] = static_cast<uint32_t>(run.keys.size());
    run.keys.append(p.table->key_of(rec));
    if (block > 0) std::memcpy(run.blocks.data() + i * block, rec->block(), block);
  }
  run.key_at[n] = static_cast<uint32_t>(run.keys.size());
  run.valid = true;
  return run;
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
  // A position in a Run, as pointers: the merge touches nothing but these arrays.
  struct Cursor {
    const uint64_t* hash;
    const uint64_t* hash_end;
    const uint32_t* key_at;
    const char* keys;
    const std::byte* block;
    std::string_view key() const { return {keys + key_at[0], key_at[1] - key_at[0]}; }
  };
  if (size_ == slide_) {  // tumbling: one pane, read once, so no copy of it
    const auto it = panes_.find(end - size_);
    const WindowTable& table = *it->second.table;
    const std::vector<WindowTable::Entry> entries = table.sorted_entries();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i + kPrefetch < entries.size()) __builtin_prefetch(entries[i + kPrefetch].rec);
      layout_->finalize(entries[i].rec->block(), values_.data());
      sink.on_result({end - size_, end, table.key_of(entries[i].rec), values_, false, false});
    }
    return;
  }
  const size_t block = layout_->block_size();
  Cursor cur[kMaxPanes];
  size_t n = 0;
  for (auto it = panes_.lower_bound(end - size_); it != panes_.end() && it->first < end; ++it) {
    if (n == kMaxPanes) {  // more panes per window than the merge holds: merge through the tables
      fire_window_by_lookup(end, sink);
      return;
    }
    const Run& run = sorted(it->second);
    if (run.size() > 0) {
      cur[n++] = {run.hashes.data(), run.hashes.data() + run.size(), run.key_at.data(), run.keys.data(),
                  run.blocks.data()};
    }
  }
  // k-way merge by (hash, key): the smallest hash decides; keys are compared only among the cursors
  // at that hash (the same key in several panes, or, rarely, a hash collision).
  size_t at[kMaxPanes];
  std::byte* acc = scratch_.data();
  while (n > 0) {
    // Branch-free: which run holds the next hash is random, so branches on it mispredict.
    uint64_t min_hash = *cur[0].hash;
    for (size_t i = 1; i < n; ++i) min_hash = std::min(min_hash, *cur[i].hash);
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      at[m] = i;
      m += *cur[i].hash == min_hash ? 1 : 0;
    }
    std::string_view key = cur[at[0]].key();
    if (m > 1) {  // keep the cursors at the smallest key of that hash
      size_t k = 1;
      for (size_t j = 1; j < m; ++j) {
        const std::string_view kj = cur[at[j]].key();
        if (same_key(kj, key)) {
          at[k++] = at[j];
        } else if (kj < key) {
          key = kj;
          at[0] = at[j];
          k = 1;
        }
      }
      m = k;
    }
    if (m == 1) {
      layout_->finalize(cur[at[0]].block, values_.data());
    } else {
      layout_->init(acc);
      for (size_t j = 0; j < m; ++j) layout_->merge(acc, cur[at[j]].block);
      layout_->finalize(acc, values_.data());
      layout_->destroy(acc);
    }
    sink.on_result({end - size_, end, key, values_, false, false});
    // Advance the merged cursors (key points into a run, not a cursor) and drop exhausted ones.
    bool exhausted = false;
    for (size_t j = 0; j < m; ++j) {
      Cursor& c = cur[at[j]];
      ++c.hash;
      ++c.key_at;
      c.block += block;
      exhausted |= c.hash == c.hash_end;
    }
    if (exhausted) {
      size_t w = 0;
      for (size_t i = 0; i < n; ++i) {
        if (cur[i].hash != cur[i].hash_end) cur[w++] = cur[i];
      }
      n = w;
    }
  }
}

// A window of more than kMaxPanes panes (size / slide > 64): each key of the panes once, in
// (hash, key) order, merged by looking it up in every pane's table.
void PanedWindowOperator::fire_window_by_lookup(int64_t end, ResultSink& sink) {
  std::vector<WindowTable::Entry> all;
  for (auto it = panes_.lower_bound(end - size_); it != panes_.end() && it->first < end; ++it) {
    const std::vector<WindowTable::Entry> e = it->second.table->sorted_entries();
    all.insert(all.end(), e.begin(), e.end());
  }
  auto key = [this](const WindowTable::Entry& e) {
    return std::string_view(reinterpret_cast<const char*>(e.rec->block()) + layout_->block_size(),
                            e.rec->key_len);
  };
  auto less = [&](const WindowTable::Entry& a, const WindowTable::Entry& b) {
    return a.hash != b.hash ? a.hash < b.hash : key(a) < key(b);
  };
  std::sort(all.begin(), all.end(), less);
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0 && !less(all[i - 1], all[i])) continue;  // the same key in another pane
    emit_key(end, key(all[i]), hash64(key(all[i])), false, sink);
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
  for (const auto& [start, p] : panes_) n += p.table->memory_bytes() + p.run.memory_bytes();
  return n;
}

size_t PanedWindowOperator::entries() const {
  size_t n = 0;
  for (const auto& [start, p] : panes_) n += p.table->size();
  return n;
}

}  // namespace delta::process
