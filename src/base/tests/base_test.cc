#include <gtest/gtest.h>

#include <string>

#include "base/crc32c.h"
#include "base/status.h"

namespace delta {
namespace {

// RFC 3720 appendix B.4 test vectors for CRC-32C.
TEST(Crc32c, Rfc3720Vectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::value(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::value(ones.data(), ones.size()), 0x62A8AB43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(crc32c::value(inc.data(), inc.size()), 0x46DD794Eu);
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  uint32_t whole = crc32c::value(s.data(), s.size());
  uint32_t part = crc32c::extend(crc32c::value(s.data(), 13), s.data() + 13, s.size() - 13);
  EXPECT_EQ(whole, part);
}

TEST(Status, ResultCarriesValueOrError) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(*ok, 7);
  Result<int> bad = Status::not_found("stream x");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(bad.status().to_string(), "not_found: stream x");
}

}  // namespace
}  // namespace delta
