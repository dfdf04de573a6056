// HmacSha256 against published vectors and against OpenSSL's own one-shot HMAC().
#include "process/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include <gtest/gtest.h>

namespace delta::process {
namespace {

std::string hex_of(std::string_view key, std::string_view message) {
  HmacSha256::Digest d = HmacSha256(key).sign(message);
  std::string out;
  append_hex(d.data(), d.size(), &out);
  return out;
}

TEST(Hmac, Rfc4231TestCase2) {
  EXPECT_EQ(hex_of("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// Keys longer than the 64-byte block are hashed first.
TEST(Hmac, Rfc4231TestCase6LongKey) {
  EXPECT_EQ(hex_of(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Made with: printf '%s' 'alice@example.com' | openssl dgst -sha256 -hmac 'delta-test-key-0123456789'
TEST(Hmac, MatchesOpensslCommandLine) {
  EXPECT_EQ(hex_of("delta-test-key-0123456789", "alice@example.com"),
            "06a99e58d84412695668dbbd943da5f9558b40f59b37243f8dcd4299c0dfa768");
}

TEST(Hmac, MatchesOpensslHmacForManyLengths) {
  std::string key = "k3y-of-some-length-!";
  HmacSha256 hmac(key);
  std::string message;
  for (int n = 0; n < 200; ++n) {
    unsigned char expected[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), expected, &length);
    ASSERT_EQ(length, HmacSha256::kDigestBytes);
    HmacSha256::Digest got = hmac.sign(message);
    ASSERT_EQ(std::string(got.begin(), got.end()), std::string(expected, expected + length)) << n;
    message.push_back(static_cast<char>('a' + n % 26));
  }
}

TEST(Hmac, SignIsRepeatable) {
  HmacSha256 hmac("0123456789abcdef");
  EXPECT_EQ(hmac.sign("x"), hmac.sign("x"));
  EXPECT_NE(hmac.sign("x"), hmac.sign("y"));
  EXPECT_NE(hmac.sign("x"), HmacSha256("0123456789abcdeF").sign("x"));
}

}  // namespace
}  // namespace delta::process
