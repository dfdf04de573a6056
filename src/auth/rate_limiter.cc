#include "auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "base/hash.h"

namespace delta::auth {
namespace {

void refill(double& tokens, int64_t& updated_ms, double rate_per_s, double burst, int64_t now_ms) {
  if (now_ms > updated_ms) {
    tokens = std::min(burst, tokens + static_cast<double>(now_ms - updated_ms) * rate_per_s / 1000.0);
    updated_ms = now_ms;
  }
}

int64_t seconds_until(double missing_tokens, double rate_per_s) {
  if (missing_tokens <= 0) return 0;
  return static_cast<int64_t>(std::ceil(missing_tokens / rate_per_s));
}

}  // namespace

RateLimiter::RateLimiter(RateLimiterOptions options)
    : per_shard_(std::max<size_t>(1, options.max_buckets / std::max<size_t>(1, options.shards))) {
  for (size_t i = 0; i < std::max<size_t>(1, options.shards); ++i)
    shards_.push_back(std::make_unique<Shard>());
}

RateLimiter::~RateLimiter() = default;

void RateLimiter::evict_locked(Shard& shard, int64_t now_ms) {
  // Full buckets at the cold end are indistinguishable from new ones: drop them.
  while (!shard.lru.empty()) {
    Bucket& b = shard.lru.back();
    refill(b.tokens, b.updated_ms, b.rate_per_s, b.burst, now_ms);
    if (b.tokens < b.burst && shard.lru.size() < per_shard_) break;
    shard.index.erase(b.key);
    shard.lru.pop_back();
  }
}

RateLimiter::Bucket& RateLimiter::bucket_locked(Shard& shard, std::string key, const RateLimit& limit,
                                                int64_t now_ms) {
  auto it = shard.index.find(key);
  if (it != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  } else {
    evict_locked(shard, now_ms);
    shard.lru.push_front(Bucket{std::move(key), limit.burst, now_ms, limit.rate_per_s, limit.burst});
    shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  }
  Bucket& b = shard.lru.front();
  b.rate_per_s = limit.rate_per_s;  // a configuration reload applies at once
  b.burst = limit.burst;
  return b;
}

RateDecision RateLimiter::try_acquire(std::string_view subject, const RateLimit& limit, double cost,
                                      int64_t now_ms) {
  std::string key = limit.route_class;
  key.push_back('\0');
  key.append(subject);
  Shard& shard = *shards_[hash64(key) % shards_.size()];
  std::lock_guard lock(shard.mu);
  Bucket& b = bucket_locked(shard, std::move(key), limit, now_ms);
  refill(b.tokens, b.updated_ms, b.rate_per_s, b.burst, now_ms);
  RateDecision d;
  d.limit = static_cast<int64_t>(b.burst);
  double needed = std::min(cost, b.burst);
  d.allowed = b.tokens >= needed;
  if (d.allowed) {
    b.tokens -= cost;
  } else {
    d.retry_after_seconds = std::max<int64_t>(1, seconds_until(needed - b.tokens, b.rate_per_s));
  }
  d.remaining = std::max<int64_t>(0, static_cast<int64_t>(std::floor(b.tokens)));
  d.reset_seconds = seconds_until(b.burst - b.tokens, b.rate_per_s);
  return d;
}

size_t RateLimiter::bucket_count() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    n += shard->lru.size();
  }
  return n;
}

}  // namespace delta::auth
