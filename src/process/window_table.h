// WindowTable: the state of one window pane — group key -> aggregate block. An open-addressing
// hash table of 16-byte slots (key hash, record pointer) with linear probing, load <= 7/8; each
// record lives in the table's Arena as [key length, flags][aggregate block][key bytes], so a key
// costs one record and ~18-36 bytes of slots, and dropping the pane frees everything at once.
// Inserting a new key allocates only when the arena needs a block or the slots double (amortised).
// Thread: owned by one window operator (one partition worker); no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "process/agg_state.h"
#include "process/arena.h"

namespace delta::process {

class WindowTable {
 public:
  struct Record {
    uint32_t key_len;
    uint32_t flags;  // kDirty: updated since its window last emitted
    std::byte* block() { return reinterpret_cast<std::byte*>(this + 1); }
    const std::byte* block() const { return reinterpret_cast<const std::byte*>(this + 1); }
  };
  static constexpr uint32_t kDirty = 1;
  static constexpr uint32_t kEarly = 2;  // updated since the last early result (tumbling)

  struct Entry {
    uint64_t hash;
    Record* rec;
  };

  explicit WindowTable(const AggLayout* layout);
  ~WindowTable();
  WindowTable(const WindowTable&) = delete;
  WindowTable& operator=(const WindowTable&) = delete;

  // The record of `key` (hash = hash64(key)), created with an init()ed block when absent.
  Record* find_or_insert(std::string_view key, uint64_t hash);
  Record* find(std::string_view key, uint64_t hash) const;
  // Cache hints for a coming find_or_insert(hash): the key's first slot, or (once that slot is in
  // cache) the record it points to when its hash matches. No effect on the table.
  void prefetch_slot(uint64_t hash) const {
    __builtin_prefetch(&slots_[(hash == 0 ? 1 : hash) & (slots_.size() - 1)]);
  }
  void prefetch_record(uint64_t hash) const {
    const uint64_t h = hash == 0 ? 1 : hash;
    const Entry& e = slots_[h & (slots_.size() - 1)];
    if (e.hash == h) __builtin_prefetch(e.rec);
  }
  std::string_view key_of(const Record* r) const {
    return {reinterpret_cast<const char*>(r->block()) + block_size_, r->key_len};
  }
  size_t size() const { return size_; }
  // Calls fn(record) for every record, in slot order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const Entry& e : slots_) {
      if (e.hash != 0) fn(e.rec);
    }
  }
  // The records ordered by (hash, key bytes): the deterministic emission order.
  std::vector<Entry> sorted_entries() const;
  size_t memory_bytes() const { return arena_.bytes_reserved() + slots_.capacity() * sizeof(Entry); }

 private:
  void grow();
  const AggLayout* layout_;
  size_t block_size_;
  std::vector<Entry> slots_;  // hash 0 marks an empty slot (a real 0 hash is stored as 1)
  size_t size_ = 0;
  Arena arena_;
};

// Orders entries by (hash, key); ties in hash are broken by the key bytes.
inline bool entry_less(const WindowTable& t, const WindowTable::Entry& a, const WindowTable::Entry& b) {
  if (a.hash != b.hash) return a.hash < b.hash;
  return t.key_of(a.rec) < t.key_of(b.rec);
}

}  // namespace delta::process
