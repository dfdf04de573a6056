// RateLimiter: burst, refill over (manual) time, the header values a 429 needs, large costs,
// separate buckets per subject and route class, and bounded memory.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "auth/rate_limiter.h"
#include "base/clock.h"

namespace delta::auth {
namespace {

const RateLimit kRequests{"requests", 10, 5};  // 10/s, burst 5

TEST(RateLimiter, BurstThenRefusedWithRetryAfter) {
  RateLimiter limiter;
  ManualClock clock;
  for (int i = 0; i < 5; ++i) {
    RateDecision d = limiter.try_acquire("alice", kRequests, 1, clock.now_ms());
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 5);
    EXPECT_EQ(d.remaining, 4 - i);
  }
  RateDecision d = limiter.try_acquire("alice", kRequests, 1, clock.now_ms());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.retry_after_seconds, 1);  // 0.1 s rounds up to a whole second
  EXPECT_EQ(d.reset_seconds, 1);        // 5 tokens at 10/s
}

TEST(RateLimiter, RefillsWithTime) {
  RateLimiter limiter;
  ManualClock clock;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.try_acquire("bob", kRequests, 1, clock.now_ms()).allowed);
  EXPECT_FALSE(limiter.try_acquire("bob", kRequests, 1, clock.now_ms()).allowed);
  clock.advance_ms(99);
  EXPECT_FALSE(limiter.try_acquire("bob", kRequests, 1, clock.now_ms()).allowed);
  clock.advance_ms(1);
  EXPECT_TRUE(limiter.try_acquire("bob", kRequests, 1, clock.now_ms()).allowed);
  clock.advance_ms(10'000);  // refill is capped at the burst
  RateDecision d = limiter.try_acquire("bob", kRequests, 1, clock.now_ms());
  EXPECT_EQ(d.remaining, 4);
  EXPECT_EQ(d.reset_seconds, 1);
}

TEST(RateLimiter, RetryAfterCoversTheMissingTokens) {
  RateLimiter limiter;
  ManualClock clock;
  RateLimit events{"events", 100, 1000};
  EXPECT_TRUE(limiter.try_acquire("svc", events, 1000, clock.now_ms()).allowed);
  RateDecision d = limiter.try_acquire("svc", events, 500, clock.now_ms());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 5);
  EXPECT_EQ(d.reset_seconds, 10);
  clock.advance_ms(5'000);
  EXPECT_TRUE(limiter.try_acquire("svc", events, 500, clock.now_ms()).allowed);
}

// A batch larger than the burst passes when the bucket is full and leaves a debt that later
// requests wait out, so big batches are never starved and the long-run rate still holds.
TEST(RateLimiter, CostAboveBurstRunsIntoDebt) {
  RateLimiter limiter;
  ManualClock clock;
  RateLimit events{"events", 100, 1000};
  EXPECT_TRUE(limiter.try_acquire("svc", events, 3000, clock.now_ms()).allowed);
  RateDecision d = limiter.try_acquire("svc", events, 1, clock.now_ms());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 21);  // from -2000 back to 1 token at 100/s: 20.01 s
  clock.advance_ms(20'010);
  EXPECT_TRUE(limiter.try_acquire("svc", events, 1, clock.now_ms()).allowed);
}

TEST(RateLimiter, SubjectsAndRouteClassesHaveSeparateBuckets) {
  RateLimiter limiter;
  ManualClock clock;
  RateLimit one{"requests", 1, 1};
  RateLimit other_class{"events", 1, 1};
  EXPECT_TRUE(limiter.try_acquire("alice", one, 1, clock.now_ms()).allowed);
  EXPECT_FALSE(limiter.try_acquire("alice", one, 1, clock.now_ms()).allowed);
  EXPECT_TRUE(limiter.try_acquire("bob", one, 1, clock.now_ms()).allowed);
  EXPECT_TRUE(limiter.try_acquire("alice", other_class, 1, clock.now_ms()).allowed);
  EXPECT_TRUE(limiter.try_acquire("10.0.0.7", one, 1, clock.now_ms()).allowed);
}

TEST(RateLimiter, MemoryIsBounded) {
  RateLimiter limiter({.shards = 4, .max_buckets = 40});
  ManualClock clock;
  for (int i = 0; i < 1000; ++i) limiter.try_acquire("ip-" + std::to_string(i), kRequests, 1, clock.now_ms());
  EXPECT_LE(limiter.bucket_count(), 40u);
  EXPECT_GT(limiter.bucket_count(), 4u);
}

// A bucket that has refilled to its burst is the same as a new one, so dropping it loses nothing.
TEST(RateLimiter, RefilledBucketsAreDroppedOnTheNextInsert) {
  RateLimiter limiter({.shards = 1, .max_buckets = 100});
  ManualClock clock;
  for (int i = 0; i < 50; ++i) limiter.try_acquire("ip-" + std::to_string(i), kRequests, 1, clock.now_ms());
  EXPECT_EQ(limiter.bucket_count(), 50u);
  clock.advance_ms(99);  // not yet full again: kept
  limiter.try_acquire("fresh", kRequests, 1, clock.now_ms());
  EXPECT_EQ(limiter.bucket_count(), 51u);
  clock.advance_ms(1);
  limiter.try_acquire("fresher", kRequests, 1, clock.now_ms());
  EXPECT_EQ(limiter.bucket_count(), 2u) << "only the two buckets used within the last 100 ms remain";
}

TEST(RateLimiter, LeastRecentlyUsedIsEvictedWhenFull) {
  RateLimiter limiter({.shards = 1, .max_buckets = 2});
  ManualClock clock;
  EXPECT_TRUE(limiter.try_acquire("a", kRequests, 5, clock.now_ms()).allowed);
  EXPECT_FALSE(limiter.try_acquire("a", kRequests, 1, clock.now_ms()).allowed);
  limiter.try_acquire("b", kRequests, 1, clock.now_ms());
  limiter.try_acquire("c", kRequests, 1, clock.now_ms());  // shard full: "a" (LRU) is evicted
  EXPECT_EQ(limiter.bucket_count(), 2u);
  EXPECT_EQ(limiter.try_acquire("b", kRequests, 1, clock.now_ms()).remaining, 3) << "recently used: kept";
  // The documented cost of the bound: an evicted caller starts again with a full bucket.
  EXPECT_EQ(limiter.try_acquire("a", kRequests, 1, clock.now_ms()).remaining, 4);
}

// Concurrent callers at one instant share one bucket: exactly `burst` of them get through.
TEST(RateLimiter, ConcurrentCallersNeverExceedTheBurst) {
  RateLimiter limiter({.shards = 2, .max_buckets = 1000});
  RateLimit limit{"requests", 1, 100};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) allowed += limiter.try_acquire("shared", limit, 1, 1'000).allowed ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace delta::auth
