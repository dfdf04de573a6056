// Arena: a bump allocator for window state. Memory is taken from the heap in large blocks and
// handed out by moving a pointer; nothing is freed individually, everything is freed at once when
// the arena is destroyed or reset (one arena per window pane, dropped with the pane).
// BlockPool: fixed-size blocks carved from an Arena with a free list, for state whose lifetime is
// not one window (session windows).
// Thread: one owner thread (a partition worker); no locks.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace delta::process {

class Arena {
 public:
  explicit Arena(size_t block_bytes = size_t{64} * 1024) : block_bytes_(block_bytes) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns `n` bytes aligned to `align` (a power of two, at most 16). Never null.
  std::byte* allocate(size_t n, size_t align = 8) {
    assert(align <= 16 && (align & (align - 1)) == 0 && "Arena: alignment must be a power of two <= 16");
    size_t pad = (0 - reinterpret_cast<uintptr_t>(ptr_)) & (align - 1);
    if (ptr_ == nullptr || pad + n > static_cast<size_t>(end_ - ptr_)) return allocate_slow(n);
    std::byte* p = ptr_ + pad;
    ptr_ = p + n;
    return p;
  }
  // Frees every block.
  void reset() {
    blocks_.clear();
    ptr_ = end_ = nullptr;
    reserved_ = 0;
  }
  // Bytes obtained from the heap (what the arena costs in memory).
  size_t bytes_reserved() const { return reserved_; }

 private:
  std::byte* allocate_slow(size_t n) {
    size_t size = n > block_bytes_ / 4 ? n : block_bytes_;  // big requests get their own block
    blocks_.push_back(std::make_unique_for_overwrite<std::byte[]>(size));
    reserved_ += size;
    std::byte* b = blocks_.back().get();
    if (size == block_bytes_) {
      ptr_ = b + n;
      end_ = b + size;
    }
    return b;
  }

  size_t block_bytes_;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* ptr_ = nullptr;
  std::byte* end_ = nullptr;
  size_t reserved_ = 0;
};

class BlockPool {
 public:
  explicit BlockPool(size_t block_size) : block_size_((block_size + 15) & ~size_t{15}) {}
  std::byte* allocate() {
    if (free_.empty()) return arena_.allocate(block_size_, 16);
    std::byte* b = free_.back();
    free_.pop_back();
    return b;
  }
  void release(std::byte* b) { free_.push_back(b); }
  size_t bytes_reserved() const { return arena_.bytes_reserved() + free_.capacity() * sizeof(void*); }

 private:
  size_t block_size_;
  Arena arena_;
  std::vector<std::byte*> free_;
};

}  // namespace delta::process
