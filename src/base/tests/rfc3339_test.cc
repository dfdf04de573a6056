#include "base/rfc3339.h"

#include <gtest/gtest.h>

namespace delta {
namespace {

int64_t parse_or_die(std::string_view text) {
  int64_t ms = 0;
  EXPECT_TRUE(parse_rfc3339_ms(text, &ms)) << text;
  return ms;
}

TEST(DaysFromCivil, KnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

// Expected values computed independently with Python's datetime.
TEST(ParseRfc3339, UtcAndOffsetsConvertToUtcMillis) {
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12.123Z"), 1795787172123);
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12.123+01:00"), 1795783572123);
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12.500-05:30"), 1795806972500);
  EXPECT_EQ(parse_or_die("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(parse_or_die("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(parse_or_die("0001-01-01T00:00:00Z"), -62135596800000);
  EXPECT_EQ(parse_or_die("9999-12-31T23:59:59.999Z"), 253402300799999);
}

TEST(ParseRfc3339, FractionsAreTruncatedToMillis) {
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12.5Z"), 1795787172500);
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12.12Z"), 1795787172120);
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12.123999999Z"), 1795787172123);
  EXPECT_EQ(parse_or_die("2026-11-27T13:46:12Z"), 1795787172000);
}

TEST(ParseRfc3339, LowerCaseAndSpaceSeparatorAllowed) {
  EXPECT_EQ(parse_or_die("2026-11-27t13:46:12.123z"), 1795787172123);
  EXPECT_EQ(parse_or_die("2026-11-27 13:46:12.123Z"), 1795787172123);
}

TEST(ParseRfc3339, LeapSecondReadsAsNextSecond) {
  EXPECT_EQ(parse_or_die("2016-12-31T23:59:60Z"), 1483228799000 + 1000);
}

TEST(ParseRfc3339, RejectsMalformedOrOutOfRange) {
  const char* bad[] = {
      "",
      "2026-11-27",
      "2026-11-27T13:46:12",        // no offset
      "2026-11-27T13:46Z",          // no seconds
      "2026-13-01T00:00:00Z",       // month 13
      "2026-00-01T00:00:00Z",       // month 0
      "2026-02-29T00:00:00Z",       // not a leap year
      "1900-02-29T00:00:00Z",       // century, not a leap year
      "2026-04-31T00:00:00Z",       // April has 30 days
      "2026-11-00T00:00:00Z",       // day 0
      "2026-11-27T24:00:00Z",       // hour 24
      "2026-11-27T13:60:00Z",       // minute 60
      "2026-11-27T13:46:61Z",       // second 61
      "2026-11-27T13:46:12.Z",      // empty fraction
      "2026-11-27T13:46:12+24:00",  // offset hour 24
      "2026-11-27T13:46:12+01:60",  // offset minute 60
      "2026-11-27T13:46:12+0100",   // offset without colon
      "2026-11-27T13:46:12Zjunk",   // trailing bytes
      "2026-11-27X13:46:12Z",       // bad separator
      "26-11-27T13:46:12Z",         // two-digit year
      "2026-1-27T13:46:12Z",        // one-digit month
      "+2026-11-27T13:46:12Z",      // sign
      "2026-11-27T13:46:12.123 Z",  // space before zone
      "yesterday",
  };
  for (const char* text : bad) {
    int64_t ms = 42;
    EXPECT_FALSE(parse_rfc3339_ms(text, &ms)) << text;
    EXPECT_EQ(ms, 42) << "output touched on failure: " << text;
  }
}

}  // namespace
}  // namespace delta
