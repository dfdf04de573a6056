// Sizes, durations and integers as pipeline.yaml spells them.
#include "config/units.h"

#include <gtest/gtest.h>

namespace delta::config {
namespace {

TEST(ConfigUnits, SizesInBytesAndUnits) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("7B"), 7u);
  EXPECT_EQ(parse_size("1KB"), 1000u);
  EXPECT_EQ(parse_size("3MB"), 3'000'000u);
  EXPECT_EQ(parse_size("2GB"), 2'000'000'000u);
  EXPECT_EQ(parse_size("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(parse_size("1KiB"), 1024u);
  EXPECT_EQ(parse_size("16MiB"), 16u << 20);
  EXPECT_EQ(parse_size("10GiB"), 10ull << 30);
  EXPECT_EQ(parse_size("2TiB"), 2ull << 40);
  EXPECT_EQ(parse_size("16 MiB"), 16u << 20);
}

TEST(ConfigUnits, MalformedSizesAreRefused) {
  for (const char* bad : {"", "MiB", "16mib", "16 ", "16  MiB", "-1", "+1", "1.5MiB", "16XB", " 16", "16MiBs",
                          "0x10", "16 M"}) {
    EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
  }
}

TEST(ConfigUnits, SizeOverflowIsRefused) {
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_size("16777216TiB"), std::nullopt);  // 2^24 * 2^40 = 2^64
  EXPECT_EQ(parse_size("16777215TiB"), 16777215ull << 40);
}

TEST(ConfigUnits, Durations) {
  EXPECT_EQ(parse_duration_ms("0"), 0);
  EXPECT_EQ(parse_duration_ms("0s"), 0);
  EXPECT_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_duration_ms("10s"), 10'000);
  EXPECT_EQ(parse_duration_ms("5m"), 300'000);
  EXPECT_EQ(parse_duration_ms("24h"), 86'400'000);
  EXPECT_EQ(parse_duration_ms("7d"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("10 s"), 10'000);
}

TEST(ConfigUnits, MalformedDurationsAreRefused) {
  for (const char* bad : {"", "10", "s", "10S", "1h30m", "1.5s", "-1s", "10sec", "10 ", "1w", "10us"}) {
    EXPECT_EQ(parse_duration_ms(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_duration_ms("9223372036854775807ms"), INT64_MAX);
  EXPECT_EQ(parse_duration_ms("9223372036854775808ms"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("106751991167301d"), std::nullopt);
}

TEST(ConfigUnits, Integers) {
  EXPECT_EQ(parse_int64("0"), 0);
  EXPECT_EQ(parse_int64("-12"), -12);
  EXPECT_EQ(parse_int64("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", "+1", "1e3", "12 ", "0x1", "lots", "9223372036854775808"}) {
    EXPECT_EQ(parse_int64(bad), std::nullopt) << bad;
  }
}

TEST(ConfigUnits, FormattingIsExactAndShortest) {
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(1024), "1KiB");
  EXPECT_EQ(format_size(16u << 20), "16MiB");
  EXPECT_EQ(format_size((1ull << 30) + 1024), "1048577KiB");
  EXPECT_EQ(format_size(1ull << 50), "1024TiB");
  EXPECT_EQ(format_duration_ms(0), "0ms");
  EXPECT_EQ(format_duration_ms(1500), "1500ms");
  EXPECT_EQ(format_duration_ms(2000), "2s");
  EXPECT_EQ(format_duration_ms(90'000), "90s");
  EXPECT_EQ(format_duration_ms(3'600'000), "1h");
  EXPECT_EQ(format_duration_ms(86'400'000), "1d");
}

TEST(ConfigUnits, FormattedValuesParseBack) {
  for (uint64_t v : {0ull, 1ull, 1000ull, 4096ull, 3ull << 20, 5ull << 40}) {
    EXPECT_EQ(parse_size(format_size(v)), v) << v;
  }
  for (int64_t v : {1ll, 1000ll, 61'000ll, 7'200'000ll, 172'800'000ll}) {
    EXPECT_EQ(parse_duration_ms(format_duration_ms(v)), v) << v;
  }
}

}  // namespace
}  // namespace delta::config
