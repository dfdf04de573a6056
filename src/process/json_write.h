// Writing JSON numbers and strings through a char pointer into a buffer the caller has already
// sized (result rows, projected rows): no per-append size checks, no std::to_chars for integers.
// Each function writes at p and returns the end of what it wrote; the bounds are stated per function.
// Thread: stateless.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

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

// At most 6 * s.size() + 2 bytes: s quoted, with `"`, `\` and control characters escaped.
inline char* string(char* p, std::string_view s) {
  *p++ = '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      p = bytes(p, "\\u00");
      *p++ = kHex[u >> 4];
      *p++ = kHex[u & 15];
    } else {
      *p++ = c;
    }
  }
  *p++ = '"';
  return p;
}

// Bytes of rows written through pointers: grow(n) makes room for n bytes at the end and returns
// where they start; commit(end) keeps what was written up to `end`. clear() keeps the memory, so a
// buffer reused round after round stops page-faulting. One owner thread.
class Buffer {
 public:
  char* grow(size_t n) {
    if (size_ + n > cap_) {
      const size_t cap = std::max(cap_ * 2, size_ + n);
      auto data = std::make_unique_for_overwrite<char[]>(cap);
      if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
      data_ = std::move(data);
      cap_ = cap;
    }
    return data_.get() + size_;
  }
  void commit(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  size_t size() const { return size_; }
  std::string_view view(size_t at, size_t len) const { return {data_.get() + at, len}; }
  void clear() { size_ = 0; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, cap_ = 0;
};

}  // namespace delta::process::json_write
