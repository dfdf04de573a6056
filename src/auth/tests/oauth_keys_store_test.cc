// The OAuth server's signing keys and store: tokens verify with JwtVerifier fed the published
// JWKS (round trip with the colleague's verifier), keys rotate and retire on the Clock, and the
// store's take-once and rotation are atomic.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "auth/jwt.h"
#include "auth/oauth_keys.h"
#include "auth/oauth_store.h"

namespace delta::auth {
namespace {

constexpr int64_t kHour = 3600'000;

std::string payload(const ManualClock& clock, int64_t ttl_s = 900) {
  int64_t now = clock.now_ms() / 1000;
  return R"({"iss":"https://delta.test","sub":"alice","aud":"delta","exp":)" + std::to_string(now + ttl_s) +
         R"(,"iat":)" + std::to_string(now) + R"(,"roles":["analyst"]})";
}

struct Verifier {
  Verifier(SigningKeyRing& ring, const ManualClock& clock) : verifier(clock) {
    auto fetch = [&ring](const std::string&) -> Result<std::string> { return ring.public_jwks_json(); };
    JwksCacheOptions o{"local", 1, 0};  // refetch on every miss: follows the ring's rotation
    IssuerConfig issuer;
    issuer.issuer = "https://delta.test";
    issuer.audiences = {"delta"};
    issuer.algorithms = {JwtAlg::kES256};
    issuer.jwks = std::make_shared<JwksCache>(o, fetch, clock);
    EXPECT_TRUE(verifier.add_issuer(issuer).is_ok());
  }
  JwtVerifier verifier;
};

TEST(SigningKeyRing, TokenVerifiesWithJwtVerifierAndJwks) {
  ManualClock clock;
  SigningKeyRing ring(clock, 24 * kHour, kHour);
  Result<std::string> token = ring.sign(payload(clock));
  ASSERT_TRUE(token.is_ok()) << token.status().to_string();
  Verifier v(ring, clock);
  Result<Principal> p = v.verifier.verify(*token);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->subject, "alice");
  EXPECT_EQ(p->roles, std::vector<std::string>{"analyst"});
}

TEST(SigningKeyRing, JwksHoldsOnlyPublicEcKeys) {
  ManualClock clock;
  SigningKeyRing ring(clock, 24 * kHour, kHour);
  std::string jwks = ring.public_jwks_json();
  EXPECT_NE(jwks.find(R"("kty":"EC","crv":"P-256")"), std::string::npos) << jwks;
  EXPECT_NE(jwks.find(ring.current_kid()), std::string::npos);
  EXPECT_EQ(jwks.find("\"d\""), std::string::npos) << "private scalar published: " << jwks;
  Result<JwkSet> set = parse_jwks(jwks);
  ASSERT_TRUE(set.is_ok());
  EXPECT_EQ(set->by_kid.size(), 1u);
  EXPECT_TRUE(set->skipped.empty());
}

TEST(SigningKeyRing, RotatesAndKeepsOldKeyUntilItsTokensExpire) {
  ManualClock clock;
  SigningKeyRing ring(clock, 24 * kHour, kHour);
  std::string first_kid = ring.current_kid();
  std::string old_token = *ring.sign(payload(clock, 3 * 24 * 3600));
  clock.advance_ms(24 * kHour);
  std::string second_kid = ring.current_kid();
  EXPECT_NE(first_kid, second_kid);
  std::string jwks = ring.public_jwks_json();
  EXPECT_NE(jwks.find(first_kid), std::string::npos) << "retired key must stay published";
  Verifier v(ring, clock);
  EXPECT_TRUE(v.verifier.verify(old_token).is_ok());
  EXPECT_TRUE(v.verifier.verify(*ring.sign(payload(clock))).is_ok());
  clock.advance_ms(kHour + 1);
  EXPECT_EQ(ring.public_jwks_json().find(first_kid), std::string::npos) << "retention is over";
  Verifier fresh(ring, clock);
  EXPECT_FALSE(fresh.verifier.verify(old_token).is_ok());
}

TEST(InMemoryOAuthStore, CodeIsTakenExactlyOnceUnderConcurrency) {
  ManualClock clock;
  InMemoryOAuthStore store(clock);
  AuthCode code;
  code.expires_at_ms = clock.now_ms() + 60'000;
  ASSERT_TRUE(store.put_code("h", code).is_ok());
  std::atomic<int> taken{0}, reused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      AuthCode out;
      TakeResult r = store.take_code("h", clock.now_ms(), &out);
      (r == TakeResult::kTaken ? taken : reused).fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
  EXPECT_EQ(reused.load(), 7);
}

TEST(InMemoryOAuthStore, RotationIsOnceAndReuseRevokesTheFamily) {
  ManualClock clock;
  InMemoryOAuthStore store(clock);
  int64_t exp = clock.now_ms() + kHour;
  ASSERT_TRUE(store.put_refresh("r1", {{"cli", "alice", {}, "", "fam"}, exp}).is_ok());
  RefreshToken out;
  EXPECT_EQ(store.rotate_refresh("r1", "other", "r2", exp, clock.now_ms(), &out), TakeResult::kMissing);
  EXPECT_EQ(store.rotate_refresh("r1", "cli", "r2", exp, clock.now_ms(), &out), TakeResult::kTaken);
  EXPECT_EQ(out.grant.family_id, "fam");
  EXPECT_EQ(store.rotate_refresh("r1", "cli", "r3", exp, clock.now_ms(), &out), TakeResult::kReused);
  EXPECT_TRUE(store.family_revoked("fam", clock.now_ms()));
  EXPECT_EQ(store.rotate_refresh("r2", "cli", "r4", exp, clock.now_ms(), &out), TakeResult::kMissing);
}

AuthRequest expiring_at(int64_t ms) {
  AuthRequest r;
  r.expires_at_ms = ms;
  return r;
}

TEST(InMemoryOAuthStore, ExpiredRecordsAreAbsentAndSweptAway) {
  ManualClock clock;
  InMemoryOAuthStore store(clock);
  for (int i = 0; i < 63; ++i) {
    ASSERT_TRUE(store.put_auth_request("a" + std::to_string(i), expiring_at(clock.now_ms() + 1000)).is_ok());
  }
  EXPECT_TRUE(store.get_auth_request("a1", clock.now_ms()).has_value());
  clock.advance_ms(1000);
  EXPECT_FALSE(store.get_auth_request("a1", clock.now_ms()).has_value());
  ASSERT_TRUE(store.put_auth_request("last", expiring_at(clock.now_ms() + 1000)).is_ok());  // 64th: sweep
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace delta::auth
