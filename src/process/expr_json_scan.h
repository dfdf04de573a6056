// Internal to JsonEventView's flat path (expr_json_event.cc): the scanner's pieces over the bytes of
// one JSON value. Every function reads only within [p, end) and returns the position after what it
// read, or nullptr when the input is not what the flat path handles (malformed, nesting deeper than
// kMaxSkipDepth, number forms whose conversion it leaves to simdjson); the caller then parses the
// event with simdjson instead. Word-at-a-time loops need 8 (or 16) bytes left before `end`; the last
// few bytes of an event go through the byte loops. Stateless, any thread.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

// For the hot helpers the flat path calls once per member: inlined into its loop, so that their
// constants stay in registers and no call is made.
#define DELTA_SCAN_INLINE inline __attribute__((always_inline))

namespace delta::process::json_scan {

inline constexpr int kMaxSkipDepth = 64;

inline bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

inline const char* skip_ws(const char* p, const char* end) {
  while (p < end && is_ws(*p)) ++p;
  return p;
}

// skip_ws for compact JSON: a byte above ' ' is never whitespace, so the common case is one compare.
inline const char* skip_ws_fast(const char* p, const char* end) {
  return p<end&& static_cast<unsigned char>(*p)> ' ' ? p : skip_ws(p, end);
}

inline uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

inline constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;

// The offset of the first byte of w (little-endian, as loaded) that is '"', '\\' or below 0x20; 8
// when there is none. Each test sets the high bit of the bytes that match; a borrow can set it
// above a matching byte too, never below, so the lowest bit set is exact.
inline unsigned string_stop_in(uint64_t w) {
  const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
  const uint64_t hit =
      (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w)) & kHighs;
  return hit == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(hit)) >> 3;
}

// The first '"', '\\' or control character at or after p, or end. Loads may read up to `limit`
// (>= end), what they see at or after end does not count.
DELTA_SCAN_INLINE const char* string_stop(const char* p, const char* end, const char* limit) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
  while (p < end && limit - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i is_ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v);  // unsigned c <= 0x1f
    const int m = _mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), is_ctl));
    if (m != 0) return std::min(p + __builtin_ctz(static_cast<unsigned>(m)), end);
    p += 16;
  }
#endif
  while (p < end && limit - p >= 8) {
    const unsigned k = string_stop_in(load64(p));
    if (k < 8) return std::min(p + k, end);
    p += 8;
  }
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return std::min(p, end);
}

// p is just after a string's opening quote: returns the closing quote. *escaped tells whether the
// contents hold a (valid) escape; a raw control character or a bad escape is malformed. Loads may
// read up to `limit` (>= end).
inline const char* string_end(const char* p, const char* end, const char* limit, bool* escaped) {
  for (;;) {
    p = string_stop(p, end, limit);
    if (p >= end) return nullptr;
    if (*p == '"') return p;
    if (*p != '\\') return nullptr;  // a raw control character
    *escaped = true;
    if (end - p < 2) return nullptr;
    const char e = p[1];
    if (e == 'u') {
      if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) return nullptr;
      p += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
               e == 't') {
      p += 2;
    } else {
      return nullptr;
    }
  }
}

inline const char* string_end(const char* p, const char* end, bool* escaped) {
  return string_end(p, end, end, escaped);
}

// Non-zero exactly in the bytes of w that are not ASCII digits. A byte is a digit when its high
// nibble is 3 and its low nibble + 6 does not carry into the high nibble (no carry crosses bytes:
// 0x0f + 6 < 0x100).
inline uint64_t non_digits(uint64_t w) {
  return ((w & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
         (((w & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull);
}

// How many of w's first bytes are digits (8: all).
inline unsigned leading_digits(uint64_t w) {
  const uint64_t other = non_digits(w);
  return other == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(other)) >> 3;
}

// The first byte at or after p that is not an ASCII digit, or end; 8 bytes at a time.
inline const char* digits_end(const char* p, const char* end) {
  while (end - p >= 8) {
    const unsigned k = leading_digits(load64(p));
    if (k < 8) return p + k;
    p += 8;
  }
  while (p < end && is_digit(*p)) ++p;
  return p;
}

// A number's text and shape, from the JSON grammar.
struct Number {
  const char* event;  // the start of the event: bytes from here on may be read
  const char* begin;
  const char* int_end;  // end of the integer part
  bool fraction = false, exponent = false;
};

inline bool ends_value(const char* p, const char* end) {
  return p >= end || *p == ',' || *p == '}' || *p == ']' || is_ws(*p);
}

inline const char* number_end(const char* p, const char* end, Number* n) {
  n->begin = p;
  if (p < end && *p == '-') ++p;
  if (p >= end) return nullptr;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    p = digits_end(p + 1, end);
  } else {
    return nullptr;
  }
  n->int_end = p;
  if (p < end && *p == '.') {
    ++p;
    if (p >= end || !is_digit(*p)) return nullptr;
    p = digits_end(p + 1, end);
    n->fraction = true;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !is_digit(*p)) return nullptr;
    p = digits_end(p + 1, end);
    n->exponent = true;
  }
  return ends_value(p, end) ? p : nullptr;
}

// The value of 8 ASCII digits loaded little-endian into v, in a few multiplications instead of a
// chain of eight (the digits were checked by number_end).
inline uint64_t eight_digits(uint64_t v) {
  v -= 0x3030303030303030ull;
  v = v * 10 + (v >> 8);  // pairs of digits in every other byte
  return (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
          (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
         32;
}

// The integer of an integral number. false: it does not fit in int64, or is -0 (which simdjson
// reads as a float): both are left to simdjson.
inline bool integer_of(const Number& n, int64_t* out) {
  const bool negative = *n.begin == '-';
  const char* d = n.begin + (negative ? 1 : 0);
  const size_t digits = static_cast<size_t>(n.int_end - d);
  if (digits > 19) return false;
  uint64_t v = 0;
  static constexpr uint64_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  for (; n.int_end - d > 16; ++d) v = v * 10 + static_cast<uint64_t>(*d - '0');  // < 10^19 < 2^64
  for (; n.int_end - d >= 8; d += 8) v = v * 100'000'000 + eight_digits(load64(d));
  if (const auto k = static_cast<size_t>(n.int_end - d); k > 0) {
    if (n.int_end - 8 >= n.event) {
      // The 8 bytes that end with the last k digits, the bytes before them made '0's.
      const uint64_t word = load64(n.int_end - 8);
      const uint64_t low = (uint64_t{1} << (8 * (8 - k))) - 1;  // little-endian: the first 8 - k bytes
      v = v * kPow10[k] + eight_digits((word & ~low) | (0x3030303030303030ull & low));
    } else {
      for (; d < n.int_end; ++d) v = v * 10 + static_cast<uint64_t>(*d - '0');
    }
  }
  if (negative) {
    if (v == 0 || v > uint64_t{1} << 63) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// The value of w's first k digits (1 <= k <= 8): they are moved to the end of the word and '0's put
// before them.
inline uint64_t first_digits(uint64_t w, unsigned k) {
  return eight_digits((w << (8 * (8 - k))) | (0x3030303030303030ull >> (8 * k)));
}

// The common case of an int64 field, converted while its digits are found: an integer of at most
// 15 digits (two words, the second not all digits; epoch ms have 13), with at least 17 readable bytes (up to
// `limit`) from p < end. Returns its end and sets *out, or nullptr for anything else (fewer bytes, more
// digits, a fraction or exponent, -0, malformed, digits that go on past end), which the caller reads with
// number_end and integer_of.
DELTA_SCAN_INLINE const char* short_integer(const char* p, const char* end, const char* limit, int64_t* out) {
  if (limit - p < 17) return nullptr;
  const bool negative = *p == '-';
  const char* d = p + (negative ? 1 : 0);
  const uint64_t w0 = load64(d);
  unsigned k = leading_digits(w0);
  if (k == 0 || (k > 1 && *d == '0')) return nullptr;
  uint64_t v;
  if (k < 8) {
    v = first_digits(w0, k);
  } else {
    const uint64_t w1 = load64(d + 8);
    const unsigned k1 = leading_digits(w1);
    if (k1 == 8) return nullptr;
    static constexpr uint64_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    v = eight_digits(w0) * kPow10[k1] + (k1 == 0 ? 0 : first_digits(w1, k1));
    k += k1;
  }
  d += k;
  // What ends a value is never '.', 'e' or 'E': a fraction or an exponent goes to number_end.
  if (d >= end || !ends_value(d, end) || (negative && v == 0)) return nullptr;
  *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return d;
}

// A number without exponent as a double (correctly rounded, as simdjson's); exponents (where
// range and rounding corners lie) are left to simdjson.
inline bool double_of(const Number& n, const char* end, double* out) {
  if (n.exponent) return false;
  auto [ptr, ec] = std::from_chars(n.begin, end, *out);
  return ec == std::errc() && ptr == end;
}

inline const char* literal_end(const char* p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0)
    return nullptr;
  p += word.size();
  return ends_value(p, end) ? p : nullptr;
}

const char* skip_value(const char* p, const char* end, int depth);

// p at '{' or '['.
inline const char* skip_container(const char* p, const char* end, int depth) {
  if (depth >= kMaxSkipDepth) return nullptr;
  const char close = *p == '{' ? '}' : ']';
  const bool object = close == '}';
  p = skip_ws(p + 1, end);
  if (p < end && *p == close) return p + 1;
  for (;;) {
    if (object) {
      if (p >= end || *p != '"') return nullptr;
      bool escaped = false;
      p = string_end(p + 1, end, &escaped);
      if (p == nullptr) return nullptr;
      p = skip_ws(p + 1, end);
      if (p >= end || *p != ':') return nullptr;
      p = skip_ws(p + 1, end);
    }
    p = skip_value(p, end, depth + 1);
    if (p == nullptr) return nullptr;
    p = skip_ws(p, end);
    if (p >= end) return nullptr;
    if (*p == close) return p + 1;
    if (*p != ',') return nullptr;
    p = skip_ws(p + 1, end);
  }
}

// Validates one value at p (no leading whitespace) and returns its end.
inline const char* skip_value(const char* p, const char* end, int depth) {
  if (p >= end) return nullptr;
  switch (*p) {
    case '"': {
      bool escaped = false;
      p = string_end(p + 1, end, &escaped);
      return p == nullptr ? nullptr : p + 1;
    }
    case '{':
    case '[': return skip_container(p, end, depth);
    case 't': return literal_end(p, end, "true");
    case 'f': return literal_end(p, end, "false");
    case 'n': return literal_end(p, end, "null");
    default: {
      Number n;
      return number_end(p, end, &n);
    }
  }
}

}  // namespace delta::process::json_scan
