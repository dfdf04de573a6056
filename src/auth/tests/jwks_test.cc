// JwksCache and parse_jwks: unknown-kid refresh, its rate limit, key rotation, TTL, fetch
// failures, and keys that must not load.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "auth/base64url.h"
#include "auth/jwks_cache.h"
#include "auth/jwt.h"
#include "auth/tests/test_signer.h"

namespace delta::auth {
namespace {

using ::testing::HasSubstr;
using testing::make_key;
using testing::TestKey;
using testing::TestKeyKind;

constexpr int64_t kNow = 1'795'773'600;

class JwksTest : public ::testing::Test {
 protected:
  JwksTest()
      : old_(make_key(TestKeyKind::kP256, "2026-10", 0)),
        new_(make_key(TestKeyKind::kP256, "2026-11", 1)),
        clock_(kNow * 1000),
        verifier_(clock_) {
    idp_.doc = testing::jwks_of({testing::public_jwk(old_)});
    jwks_ = idp_.cache(clock_);
    IssuerConfig c;
    c.issuer = "https://idp";
    c.jwks = jwks_;
    EXPECT_TRUE(verifier_.add_issuer(c).is_ok());
  }

  std::string token(const TestKey& key) {
    std::string claims =
        "{\"iss\":\"https://idp\",\"sub\":\"bob\",\"exp\":" + std::to_string(kNow + 3600) + "}";
    return testing::sign_jwt("{\"alg\":\"ES256\",\"kid\":\"" + key.kid + "\"}", claims, key);
  }
  std::string refusal(const std::string& t) { return testing::refusal(verifier_, t); }

  TestKey old_, new_;
  ManualClock clock_;
  JwtVerifier verifier_;
  testing::FakeIdp idp_;
  std::shared_ptr<JwksCache> jwks_;
};

TEST_F(JwksTest, UnknownKidIsRefusedAndRefreshIsRateLimited) {
  EXPECT_EQ(refusal(token(old_)), "");
  EXPECT_EQ(idp_.fetches, 1);
  EXPECT_EQ(refusal(token(new_)), "unknown kid \"2026-11\"");
  EXPECT_EQ(idp_.fetches, 1) << "a refetch within 30s of the last one is not allowed";
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(verifier_.verify(token(new_)).is_ok());
  EXPECT_EQ(idp_.fetches, 1) << "a flood of unknown kids costs the identity provider nothing";
}

TEST_F(JwksTest, RotationPicksUpNewKeyAndDropsOldOne) {
  EXPECT_EQ(refusal(token(old_)), "");
  idp_.doc = testing::jwks_of({testing::public_jwk(new_)});  // the issuer rotated
  clock_.advance_ms(30'000);
  EXPECT_EQ(refusal(token(new_)), "") << "an unknown kid refetches once the interval has passed";
  EXPECT_EQ(idp_.fetches, 2);
  EXPECT_EQ(refusal(token(old_)), "unknown kid \"2026-10\"") << "a removed key no longer verifies";
  EXPECT_EQ(idp_.fetches, 2);
}

TEST_F(JwksTest, TtlExpiryRefetchesAndRemovedKeyIsRefused) {
  EXPECT_EQ(refusal(token(old_)), "");
  idp_.doc = testing::jwks_of({testing::public_jwk(new_)});
  clock_.advance_ms(599'000);
  EXPECT_EQ(refusal(token(old_)), "") << "fresh for the TTL";
  EXPECT_EQ(idp_.fetches, 1);
  clock_.advance_ms(1'000);
  EXPECT_EQ(refusal(token(old_)), "unknown kid \"2026-10\"");
  EXPECT_EQ(idp_.fetches, 2);
}

TEST_F(JwksTest, FetchFailureKeepsPreviousKeysOrReportsUnavailable) {
  idp_.up = false;
  auto first = verifier_.verify(token(old_));
  ASSERT_FALSE(first.is_ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(first.status().message(), HasSubstr("connection refused"));
  idp_.up = true;
  clock_.advance_ms(30'000);
  EXPECT_EQ(refusal(token(old_)), "");
  idp_.up = false;
  clock_.advance_ms(600'000);  // stale, and the refetch fails: the old keys keep serving
  EXPECT_EQ(refusal(token(old_)), "");
  EXPECT_EQ(idp_.fetches, 3);
}

TEST_F(JwksTest, RefreshIsRateLimitedToo) {
  EXPECT_TRUE(jwks_->refresh().is_ok());
  EXPECT_TRUE(jwks_->refresh().is_ok());
  EXPECT_EQ(jwks_->fetch_count(), 1);
  clock_.advance_ms(30'000);
  EXPECT_TRUE(jwks_->refresh().is_ok());
  EXPECT_EQ(jwks_->fetch_count(), 2);
}

// Many threads missing the same kid at once: the first claims the fetch, the rest do not fetch.
TEST_F(JwksTest, ConcurrentMissesFetchOnce) {
  std::vector<std::thread> threads;
  std::string t = token(new_);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) (void)verifier_.verify(t);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(jwks_->fetch_count(), 1);
}

TEST(ParseJwks, SkipsKeysThatMustNotLoad) {
  TestKey ec = make_key(TestKeyKind::kP256, "good");
  std::string good = testing::public_jwk(ec);
  std::string bad_point = good;
  size_t y = bad_point.find("\"y\":\"") + 5;
  bad_point[y + 3] = bad_point[y + 3] == 'A' ? 'B' : 'A';
  bad_point.replace(bad_point.find("\"good\""), 6, "\"bad-point\"");
  std::string doc =
      testing::jwks_of({good, bad_point, "{\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"c2VjcmV0\"}",
                        "{\"kty\":\"RSA\",\"kid\":\"small\",\"n\":\"" +
                            base64url_encode(std::string(128, '\xc1')) + "\",\"e\":\"AQAB\"}",
                        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"enc\",\"use\":\"enc\",\"x\":\"" +
                            base64url_encode(std::string(32, 'x')) + "\"}",
                        good});
  auto set = parse_jwks(doc);
  ASSERT_TRUE(set.is_ok()) << set.status().message();
  EXPECT_EQ(set->by_kid.size(), 1u);
  EXPECT_EQ(set->by_kid.count("good"), 1u);
  ASSERT_EQ(set->skipped.size(), 5u);
  EXPECT_THAT(set->skipped[0], HasSubstr("EC point is not on P-256"));
  EXPECT_THAT(set->skipped[1], HasSubstr("kty \"oct\" is not supported"));
  EXPECT_THAT(set->skipped[2], HasSubstr("RSA key has 1024 bits, fewer than 2048"));
  EXPECT_THAT(set->skipped[3], HasSubstr("use is not \"sig\""));
  EXPECT_THAT(set->skipped[4], HasSubstr("duplicate kid \"good\""));
}

TEST(ParseJwks, RefusesDocumentsThatAreNotKeySets) {
  EXPECT_THAT(parse_jwks("nope").status().message(), HasSubstr("not JSON"));
  EXPECT_THAT(parse_jwks("{\"keys\":{}}").status().message(), HasSubstr("no \"keys\" array"));
}

}  // namespace
}  // namespace delta::auth
