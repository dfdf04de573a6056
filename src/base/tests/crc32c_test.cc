// CRC-32C: the check value, and the three implementations (byte table, serial crc32 instruction,
// three interleaved streams) agreeing on random data at every length up to 4 KiB and on lengths that
// reach the long-block path, from random seeds, alignments and split points. A wrong zero-shift
// combine makes every length from kInterleaveMin on disagree with the table.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "base/crc32c.h"
#include "base/crc32c_internal.h"

namespace delta::crc32c {
namespace {

constexpr size_t kMaxAlign = 64;

// Random bytes, kMaxAlign more than the longest buffer a test reads, so that any offset fits.
std::vector<uint8_t> random_bytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> out(n + kMaxAlign);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

TEST(Crc32c, CheckValue) {
  std::string_view s = "123456789";
  EXPECT_EQ(value(s.data(), s.size()), 0xE3069283u);
  EXPECT_EQ(internal::extend_portable(0, s.data(), s.size()), 0xE3069283u);
  EXPECT_EQ(internal::extend_hardware(0, s.data(), s.size()), 0xE3069283u);
}

TEST(Crc32c, HardwarePresentOnX86) {
#if defined(__x86_64__)
  // The build uses -msse4.2 everywhere; without the instruction these tests would only compare the
  // table with itself.
  ASSERT_TRUE(internal::hardware_available());
#endif
  EXPECT_LE(3 * internal::kMiddleBlock, 4096u);  // so that EveryLengthTo4KiB covers both short tiers
}

// A check value long enough for the long-block path: 64 KiB of zeros, computed bit by bit outside
// Delta (Python), so that a change to the table path is caught too.
TEST(Crc32c, LongZeros) {
  std::vector<uint8_t> zeros(64 * 1024, 0);
  uint32_t want = internal::extend_portable(0, zeros.data(), zeros.size());
  EXPECT_EQ(want, 0x72C0C4A4u);
  EXPECT_EQ(value(zeros.data(), zeros.size()), want);
}

// Every length to 4 KiB: the three implementations from a random seed, and extend() chained over
// two random cut points, against the table.
TEST(Crc32c, EveryLengthTo4KiBMatchesTable) {
  std::mt19937_64 rng(1);
  constexpr size_t kMax = 4096;
  std::vector<uint8_t> buf = random_bytes(rng, kMax);
  for (size_t n = 0; n <= kMax; ++n) {
    const uint8_t* p = buf.data() + rng() % kMaxAlign;
    auto seed = static_cast<uint32_t>(rng());
    uint32_t want = internal::extend_portable(seed, p, n);
    ASSERT_EQ(internal::extend_hardware(seed, p, n), want) << "n=" << n;
    ASSERT_EQ(internal::extend_hardware_serial(seed, p, n), want) << "n=" << n;
    ASSERT_EQ(extend(seed, p, n), want) << "n=" << n;
    size_t cut1 = rng() % (n + 1);
    size_t cut2 = cut1 + rng() % (n - cut1 + 1);
    uint32_t chained = extend(extend(extend(seed, p, cut1), p + cut1, cut2 - cut1), p + cut2, n - cut2);
    ASSERT_EQ(chained, want) << "n=" << n << " cuts " << cut1 << "," << cut2;
  }
}

// Lengths around the boundaries of the long-block path (3 x kLongBlock), a stored Nexmark batch
// (~150 KiB) and 1 MiB, each at several alignments, seeds and split points.
TEST(Crc32c, LongBuffersMatchTable) {
  std::mt19937_64 rng(3);
  std::vector<size_t> lengths = {150 * 1024, 1 << 20, (1 << 20) + 13};
  constexpr size_t kLong = 3 * internal::kLongBlock;
  for (size_t base :
       {kLong, 2 * kLong, kLong + 3 * internal::kMiddleBlock, kLong + 3 * internal::kShortBlock}) {
    for (size_t delta = 0; delta < 24; ++delta) {
      lengths.push_back(base + delta);
      lengths.push_back(base - 1 - delta);
    }
  }
  for (int i = 0; i < 40; ++i) lengths.push_back(kLong + rng() % (200 * 1024));
  std::vector<uint8_t> buf = random_bytes(rng, (1 << 20) + 13);
  for (size_t n : lengths) {
    for (int rep = 0; rep < 3; ++rep) {
      const uint8_t* p = buf.data() + rng() % kMaxAlign;
      auto seed = static_cast<uint32_t>(rng());
      uint32_t want = internal::extend_portable(seed, p, n);
      ASSERT_EQ(internal::extend_hardware(seed, p, n), want) << "n=" << n;
      size_t cut = rng() % (n + 1);
      ASSERT_EQ(extend(extend(seed, p, cut), p + cut, n - cut), want) << "n=" << n << " cut=" << cut;
    }
  }
}

}  // namespace
}  // namespace delta::crc32c
