#include "base/crc32c.h"

#include <array>
#include <cstring>

#include "base/crc32c_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace delta::crc32c {
namespace internal {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = make_table();

#if defined(__x86_64__)
// The register (the raw state, before the final inversion) after one more zero byte.
uint32_t shift_one_zero_byte(uint32_t s) { return kTable[s & 0xFF] ^ (s >> 8); }

// Z_n: the raw state after n zero bytes as a function of the state before them. Feeding bytes X from
// state s gives S(X, s) = S(X, 0) xor Z_|X|(s), because the register update is linear over GF(2) in
// (state, data). Z_n is therefore a 32x32 bit matrix: its column j is Z_n(1 << j), found by shifting
// that one bit through n zero bytes. It is kept as four 256-entry tables, one per byte of the input
// state, each entry the xor of the columns of that byte's set bits, so applying it is four lookups.
class ZeroShift {
 public:
  explicit ZeroShift(size_t n) {
    std::array<uint32_t, 32> column{};
    for (int j = 0; j < 32; ++j) {
      uint32_t s = 1u << j;
      for (size_t i = 0; i < n; ++i) s = shift_one_zero_byte(s);
      column[j] = s;
    }
    for (int k = 0; k < 4; ++k) {
      for (uint32_t v = 0; v < 256; ++v) {
        uint32_t out = 0;
        for (int bit = 0; bit < 8; ++bit) {
          if ((v >> bit) & 1) out ^= column[8 * k + bit];
        }
        table_[k][v] = out;
      }
    }
  }

  uint32_t apply(uint32_t s) const {
    return table_[0][s & 0xFF] ^ table_[1][(s >> 8) & 0xFF] ^ table_[2][(s >> 16) & 0xFF] ^
           table_[3][s >> 24];
  }

 private:
  uint32_t table_[4][256];
};

struct ZeroShifts {
  ZeroShift long_block{kLongBlock};
  ZeroShift middle_block{kMiddleBlock};
  ZeroShift short_block{kShortBlock};
};

// Built at first use (a function-local static: initialised once, thread-safe); 12 KiB, ~1 ms.
const ZeroShifts& zero_shifts() {
  static const ZeroShifts shifts;
  return shifts;
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

__attribute__((target("sse4.2"))) uint32_t serial(uint32_t raw, const uint8_t* p, size_t n) {
  uint64_t c = raw;
  for (; n >= 8; p += 8, n -= 8) c = _mm_crc32_u64(c, load64(p));
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

// Feeds p[0, 3 * kBlock) from raw state `raw` as three streams A | B | C of kBlock bytes each, in one
// loop so that the three crc32 chains overlap. a = S(A, raw), b = S(B, 0), c = S(C, 0); then
// S(A|B|C, raw) = c xor Z(b xor Z(a)) with Z = Z_kBlock.
template <size_t kBlock>
__attribute__((target("sse4.2"))) uint32_t three_streams(uint32_t raw, const uint8_t* p, const ZeroShift& z) {
  uint64_t a = raw;
  uint64_t b = 0;
  uint64_t c = 0;
  for (size_t i = 0; i < kBlock; i += 8) {
    a = _mm_crc32_u64(a, load64(p + i));
    b = _mm_crc32_u64(b, load64(p + kBlock + i));
    c = _mm_crc32_u64(c, load64(p + 2 * kBlock + i));
  }
  return static_cast<uint32_t>(c) ^ z.apply(static_cast<uint32_t>(b) ^ z.apply(static_cast<uint32_t>(a)));
}

// Out of line (as is extend_portable) so that a short buffer runs the serial loop straight away,
// without the register saves and stack frame the long path needs.
__attribute__((target("sse4.2"), noinline)) uint32_t interleaved(uint32_t raw, const uint8_t* p, size_t n) {
  // Aligned 8-byte loads from here on.
  while ((reinterpret_cast<uintptr_t>(p) & 7) != 0 && n > 0) {
    raw = _mm_crc32_u8(raw, *p++);
    --n;
  }
  const ZeroShifts& shifts = zero_shifts();
  for (; n >= 3 * kLongBlock; p += 3 * kLongBlock, n -= 3 * kLongBlock) {
    raw = three_streams<kLongBlock>(raw, p, shifts.long_block);
  }
  for (; n >= 3 * kMiddleBlock; p += 3 * kMiddleBlock, n -= 3 * kMiddleBlock) {
    raw = three_streams<kMiddleBlock>(raw, p, shifts.middle_block);
  }
  for (; n >= 3 * kShortBlock; p += 3 * kShortBlock, n -= 3 * kShortBlock) {
    raw = three_streams<kShortBlock>(raw, p, shifts.short_block);
  }
  return serial(raw, p, n);
}
#endif

}  // namespace

bool hardware_available() {
#if defined(__x86_64__)
  static const bool kAvailable = [] {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2) != 0;
  }();
  return kAvailable;
#else
  return false;
#endif
}

__attribute__((noinline)) uint32_t extend_portable(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

uint32_t extend_hardware_serial(uint32_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
  return ~serial(~crc, static_cast<const uint8_t*>(data), n);
#else
  return extend_portable(crc, data, n);
#endif
}

uint32_t extend_hardware(uint32_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
  const auto* p = static_cast<const uint8_t*>(data);
  return ~(n < kInterleaveMin ? serial(~crc, p, n) : interleaved(~crc, p, n));
#else
  return extend_portable(crc, data, n);
#endif
}

}  // namespace internal

uint32_t extend(uint32_t crc, const void* data, size_t n) {
  static const bool kHardware = internal::hardware_available();
  if (kHardware) return internal::extend_hardware(crc, data, n);
  return internal::extend_portable(crc, data, n);
}

}  // namespace delta::crc32c
