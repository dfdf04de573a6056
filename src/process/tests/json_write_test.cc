// json_write: the pointer-based number writers give exactly what std::to_chars gives.
#include "process/json_write.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace delta::process::json_write {
namespace {

std::string written(double v) {
  char buf[40];
  return std::string(buf, f64(buf, v));
}

std::string expected(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// f64's fast path (non-integers in [1, 1e9) with up to 6 decimals) and its fallback both equal
// to_chars: prices times a rate, decimals of every length, values next to them, random doubles.
TEST(JsonWrite, F64EqualsToCharsOnManyValues) {
  for (int64_t price = 1; price < 200'000; ++price) {
    for (double rate : {0.908, 1.1, 0.5, 3.3333}) {
      const double v = static_cast<double>(price) * rate;
      ASSERT_EQ(written(v), expected(v)) << price << " * " << rate;
      ASSERT_EQ(written(-v), expected(-v));
    }
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300'000; ++i) {
    const auto k = static_cast<int>(rng() % 9);
    const double v = static_cast<double>(rng() % 2'000'000'000'000) / std::pow(10.0, k);
    for (double x : {v, std::nextafter(v, 0.0), std::nextafter(v, 1e300), v + 0.5, v / 3}) {
      ASSERT_EQ(written(x), expected(x)) << x;
    }
    double bits_value;
    uint64_t bits = rng();
    std::memcpy(&bits_value, &bits, sizeof bits);
    ASSERT_EQ(written(bits_value), expected(bits_value));
  }
  for (double x : {0.0, -0.0, 1.0, 0.5, 1.5, 999'999'999.5, 1e9 + 0.5, 123456.1234567, 1000000.0, 1e21, 1e-7,
                   std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_EQ(written(x), expected(x)) << x;
  }
  EXPECT_EQ(written(11209.26), "11209.26");
  EXPECT_EQ(written(-2.5), "-2.5");
}

}  // namespace
}  // namespace delta::process::json_write
