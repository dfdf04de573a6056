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

// At most 32 bytes: the shortest text that reads back as v, exactly as std::to_chars(v) writes it;
// null when v is not finite.
//
// Fast path for the common values of rows -- prices, rates, averages: not an integer, 1 <= |v| < 1e9,
// at most 6 decimals. For such v a decimal r/10^k that reads back as v lies within 10^k * ulp(v)/2
// < 0.06 of v * 10^k, so the only candidate for each k is r = round(v * 10^k) (the product's own
// rounding error is < 0.07), and it reads back as v exactly when r / 10^k == v (r and 10^k are exact
// doubles and the division is correctly rounded, as parsing is). The first such k gives the fewest
// digits, and for |v| >= 1 fixed notation is shorter than the exponent form, which is what
// to_chars picks. Anything else goes to std::to_chars (json_write_test compares both on many values).
inline char* f64(char* p, double v) {
  if (!std::isfinite(v)) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  const double a = std::fabs(v);
  if (a >= 1 && a < 1e9 && a != std::floor(a)) {
    static constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    for (int k = 1; k <= 6; ++k) {
      const double r = std::nearbyint(a * kPow10[k]);
      if (r / kPow10[k] != a) continue;
      if (v < 0) *p++ = '-';
      const auto digits = static_cast<uint64_t>(r);
      const auto scale = static_cast<uint64_t>(kPow10[k]);
      p = u64(p, digits / scale);
      *p++ = '.';
      uint64_t frac = digits % scale;
      for (int i = k - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + frac % 10);
        frac /= 10;
      }
      return p + k;
    }
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
