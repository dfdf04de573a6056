#include "process/window_table.h"

#include <algorithm>
#include <cstring>

namespace delta::process {
namespace {

uint64_t nonzero(uint64_t h) { return h == 0 ? 1 : h; }

}  // namespace

WindowTable::WindowTable(const AggLayout* layout)
    : layout_(layout), block_size_(layout->block_size()), slots_(16, Entry{0, nullptr}) {}

WindowTable::~WindowTable() {
  if (!layout_->has_sketches()) return;
  for (const Entry& e : slots_) {
    if (e.hash != 0) layout_->destroy(e.rec->block());
  }
}

WindowTable::Record* WindowTable::find(std::string_view key, uint64_t hash) const {
  hash = nonzero(hash);
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Entry& e = slots_[i];
    if (e.hash == 0) return nullptr;
    if (e.hash == hash && key_of(e.rec) == key) return e.rec;
  }
}

WindowTable::Record* WindowTable::find_or_insert(std::string_view key, uint64_t hash) {
  hash = nonzero(hash);
  size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  for (;; i = (i + 1) & mask) {
    Entry& e = slots_[i];
    if (e.hash == 0) break;
    if (e.hash == hash && key_of(e.rec) == key) return e.rec;
  }
  std::byte* mem = arena_.allocate(sizeof(Record) + block_size_ + key.size(), 8);
  auto* rec = reinterpret_cast<Record*>(mem);
  rec->key_len = static_cast<uint32_t>(key.size());
  rec->flags = 0;
  layout_->init(rec->block());
  if (!key.empty()) std::memcpy(rec->block() + block_size_, key.data(), key.size());
  slots_[i] = Entry{hash, rec};
  if (++size_ * 8 > slots_.size() * 7) grow();
  return rec;
}

void WindowTable::grow() {
  std::vector<Entry> old(slots_.size() * 2, Entry{0, nullptr});
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Entry& e : old) {
    if (e.hash == 0) continue;
    size_t i = e.hash & mask;
    while (slots_[i].hash != 0) i = (i + 1) & mask;
    slots_[i] = e;
  }
}

// Hashes are uniform (xxHash64), so a bucket pass on the top bits (about two entries per bucket)
// and a small sort per bucket order the entries in about two passes, ~3x faster than a comparison
// sort of the whole pane.
std::vector<WindowTable::Entry> WindowTable::sorted_entries() const {
  std::vector<Entry> out(size_);
  if (size_ == 0) return out;
  int bits = 1;
  while ((size_t{1} << bits) < size_ / 2 && bits < 20) ++bits;
  const int shift = 64 - bits;
  std::vector<uint32_t> start((size_t{1} << bits) + 1, 0);
  for (const Entry& e : slots_) {
    if (e.hash != 0) ++start[(e.hash >> shift) + 1];
  }
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (const Entry& e : slots_) {
    if (e.hash != 0) out[next[e.hash >> shift]++] = e;
  }
  auto less = [this](const Entry& a, const Entry& b) { return entry_less(*this, a, b); };
  for (size_t b = 0; b + 1 < start.size(); ++b) {
    Entry* first = out.data() + start[b];
    Entry* last = out.data() + start[b + 1];
    if (last - first < 2) continue;
    if (last - first > 16) {
      std::sort(first, last, less);
      continue;
    }
    for (Entry* i = first + 1; i < last; ++i) {  // insertion sort: a few entries
      const Entry e = *i;
      Entry* j = i;
      for (; j > first && less(e, *(j - 1)); --j) *j = *(j - 1);
      *j = e;
    }
  }
  return out;
}

}  // namespace delta::process
