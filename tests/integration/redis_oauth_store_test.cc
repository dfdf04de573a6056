// RedisOAuthStore against a real redis-server on a free loopback port: the guarantees OAuthStore
// promises (oauth_store.h) — take-once codes under concurrency, reuse detected, refresh rotation
// atomic with reuse revoking the family, expiry — and failing closed when Redis is gone.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "auth/redis_oauth_store.h"
#include "base/clock.h"
#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

using auth::AuthCode;
using auth::RefreshToken;
using auth::TakeResult;

// Redis expires keys on its own clock (PEXPIREAT), so the records' times must be near real time.
const int64_t kNow = SystemClock::instance().now_ms();

class RedisStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v redis-server >/dev/null") != 0)
      FAIL() << "redis-server not installed: run scripts/setup.sh";
    uint16_t port = free_port();
    redis_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no"},
        dir_.path() + "/redis.out");
    ASSERT_TRUE(redis_->start());
    ASSERT_TRUE(redis_->wait_for_output("Ready to accept connections", 10'000)) << redis_->output();
    store_ = make("redis://127.0.0.1:" + std::to_string(port));
  }

  static std::unique_ptr<auth::RedisOAuthStore> make(const std::string& url) {
    Result<std::unique_ptr<auth::RedisClient>> client = auth::RedisClient::create(url);
    return std::make_unique<auth::RedisOAuthStore>(std::move(*client));
  }

  static AuthCode code(int64_t expires) {
    return AuthCode{{"console", "alice", {"analyst", "producer"}, "openid", "fam-1"},
                    "http://127.0.0.1:1/cb",
                    "challenge",
                    "S256",
                    expires};
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> redis_;
  std::unique_ptr<auth::RedisOAuthStore> store_;
};

TEST_F(RedisStore, CodeIsTakenExactlyOnceUnderConcurrency) {
  ASSERT_TRUE(store_->put_code("h1", code(kNow + 60'000)).is_ok());
  EXPECT_EQ(store_->put_code("h1", code(kNow + 60'000)).code(), StatusCode::kAlreadyExists);
  std::atomic<int> taken{0}, reused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      AuthCode out;
      TakeResult r = store_->take_code("h1", kNow, &out);
      if (r == TakeResult::kTaken) {
        ++taken;
        EXPECT_EQ(out.grant.roles, (std::vector<std::string>{"analyst", "producer"}));
        EXPECT_EQ(out.redirect_uri, "http://127.0.0.1:1/cb");
      }
      if (r == TakeResult::kReused) ++reused;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
  EXPECT_EQ(reused.load(), 7);
  AuthCode out;
  EXPECT_EQ(store_->take_code("nope", kNow, &out), TakeResult::kMissing);
  ASSERT_TRUE(store_->put_code("h2", code(kNow - 1)).is_ok());
  EXPECT_EQ(store_->take_code("h2", kNow, &out), TakeResult::kMissing);  // expired
}

TEST_F(RedisStore, RefreshRotationAndReuseRevokesTheFamily) {
  RefreshToken t{{"console", "alice", {"analyst"}, "openid", "fam-9"}, kNow + 3'600'000};
  ASSERT_TRUE(store_->put_refresh("r1", t).is_ok());
  RefreshToken out;
  EXPECT_EQ(store_->rotate_refresh("r1", "other-client", "r2", kNow + 7'200'000, kNow, &out),
            TakeResult::kMissing);
  EXPECT_EQ(store_->rotate_refresh("r1", "console", "r2", kNow + 7'200'000, kNow, &out), TakeResult::kTaken);
  EXPECT_EQ(out.grant.subject, "alice");
  EXPECT_FALSE(store_->family_revoked("fam-9", kNow));
  // Presenting r1 again is reuse: the family is revoked and r2 stops working.
  EXPECT_EQ(store_->rotate_refresh("r1", "console", "r3", kNow + 7'200'000, kNow, &out), TakeResult::kReused);
  EXPECT_TRUE(store_->family_revoked("fam-9", kNow));
  EXPECT_EQ(store_->rotate_refresh("r2", "console", "r4", kNow + 7'200'000, kNow, &out),
            TakeResult::kMissing);
}

TEST_F(RedisStore, AuthRequestsRoundTripAndExpire) {
  auth::AuthRequest q{"console",    "http://127.0.0.1:1/cb", "st", "openid", "ch", "S256", "csrf-1",
                      kNow + 60'000};
  ASSERT_TRUE(store_->put_auth_request("a1", q).is_ok());
  std::optional<auth::AuthRequest> got = store_->get_auth_request("a1", kNow);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->csrf, "csrf-1");
  EXPECT_FALSE(store_->get_auth_request("a1", kNow + 60'000).has_value());
  store_->erase_auth_request("a1");
  EXPECT_FALSE(store_->get_auth_request("a1", kNow).has_value());
}

TEST_F(RedisStore, FailsClosedWhenRedisIsGone) {
  ASSERT_TRUE(store_->put_code("h1", code(kNow + 60'000)).is_ok());
  redis_->stop();
  AuthCode out;
  EXPECT_EQ(store_->take_code("h1", kNow, &out), TakeResult::kMissing);
  EXPECT_TRUE(store_->family_revoked("fam-1", kNow));
  EXPECT_EQ(store_->put_code("h3", code(kNow + 60'000)).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace delta::testing
