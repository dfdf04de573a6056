// Writing JSON numbers and strings through a char pointer into a buffer the caller has already
// sized (result rows, projected rows): no per-append size checks, no std::to_chars for integers.
// Each function writes at p and returns the end of what it wrote; the bounds are stated per function.
// Thread: stateless.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace delta::process::json_write {

inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// At most 20 bytes: the digits, written in place two at a time.
inline char* u64(char* p, uint64_t v) {
  size_t n = 1;
  for (uint64_t t = v; t >= 10; t /= 10) ++n;
  char* const e = p + n;
  char* b = e;
  while (v >= 100) {
    b -= 2;
    std::memcpy(b, kDigitPairs + (v % 100) * 2, 2);
    v /= 100;
  }
  if (v >= 10) {
    b -= 2;
    std::memcpy(b, kDigitPairs + v * 2, 2);
  } else {
    *--b = static_cast<char>('0' + v);
  }
  return e;
}

// At most 20 bytes.
inline char* i64(char* p, int64_t v) {
  if (v >= 0) return u64(p, static_cast<uint64_t>(v));
  *p++ = '-';
  return u64(p, 0 - static_cast<uint64_t>(v));
}

// At most 32 bytes: the shortest text that reads back as v; null when v is not finite.
inline char* f64(char* p, double v) {
  if (!std::isfinite(v)) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  return std::to_chars(p, p + 32, v).ptr;
}

inline char* bytes(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Bytes of rows written through pointers, in blocks of at least 1 MiB: grow(n) makes room for n
// contiguous bytes and returns where they start; commit(end) keeps what was written up to `end`.
// Bytes once committed never move (a new block is started instead), so a row's string_view stays
// valid until clear(), which keeps the blocks: a buffer reused round after round stops
// page-faulting. One owner thread.
class Buffer {
 public:
  char* grow(size_t n) {
    if (block_ < blocks_.size() && used_ + n <= blocks_[block_].size)
      return blocks_[block_].data.get() + used_;
    // The next block (kept from an earlier round when it is big enough), else a new one.
    if (block_ < blocks_.size()) ++block_;
    used_ = 0;
    if (block_ == blocks_.size() || blocks_[block_].size < n) {
      const size_t size = std::max(kBlockBytes, n);
      blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(block_),
                     Block{std::make_unique_for_overwrite<char[]>(size), size});
    }
    return blocks_[block_].data.get();
  }
  void commit(const char* end) {
    const size_t used = static_cast<size_t>(end - blocks_[block_].data.get());
    bytes_ += used - used_;
    used_ = used;
  }
  size_t bytes() const { return bytes_; }  // committed since clear()
  void clear() {
    block_ = 0;
    used_ = 0;
    bytes_ = 0;
  }

 private:
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  std::vector<Block> blocks_;
  size_t block_ = 0, used_ = 0, bytes_ = 0;
};

}  // namespace delta::process::json_write
