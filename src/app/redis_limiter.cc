#include "app/redis_limiter.h"

#include <charconv>

#include "auth/redis_client.h"

namespace delta::app {
namespace {

// KEYS[1] bucket; ARGV rate/s, burst, cost. Returns {allowed, remaining, reset_ms, retry_ms}.
constexpr std::string_view kScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(b[1])
local updated = tonumber(b[2])
if tokens == nil or updated == nil then tokens = burst; updated = now end
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) * rate / 1000)
  updated = now
end
local need = math.min(cost, burst)
local allowed = 0
if tokens >= need then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(updated))
local reset_ms = math.ceil(math.max(0, burst - tokens) / rate * 1000)
redis.call('PEXPIRE', KEYS[1], reset_ms + 1000)
local retry_ms = 0
if allowed == 0 then retry_ms = math.ceil((need - tokens) / rate * 1000) end
return {allowed, math.floor(tokens), reset_ms, retry_ms}
)lua";

std::string fmt(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

int64_t ms_to_s(int64_t ms) { return (ms + 999) / 1000; }

class RedisLimiter final : public edge::SharedLimiter {
 public:
  explicit RedisLimiter(std::unique_ptr<auth::RedisClient> redis) : redis_(std::move(redis)) {}

  Result<auth::RateDecision> try_acquire(std::string_view subject, const auth::RateLimit& limit, double cost,
                                         int64_t /*now_ms: Redis's clock decides*/) override {
    std::string key = "delta:rl:" + limit.route_class + ":" + std::string(subject);
    Result<auth::RedisReply> r =
        redis_->eval(kScript, {key}, {fmt(limit.rate_per_s), fmt(limit.burst), fmt(cost)});
    if (!r.is_ok()) return r.status();
    if (r->type != auth::RedisReply::Type::kArray || r->elements.size() != 4) {
      return Status::unavailable("redis: unexpected reply to the rate-limit script: " + r->str);
    }
    auth::RateDecision d;
    d.allowed = r->elements[0].integer == 1;
    d.limit = static_cast<int64_t>(limit.burst);
    d.remaining = r->elements[1].integer;
    d.reset_seconds = ms_to_s(r->elements[2].integer);
    d.retry_after_seconds = ms_to_s(r->elements[3].integer);
    return d;
  }

 private:
  std::unique_ptr<auth::RedisClient> redis_;
};

}  // namespace

Result<std::unique_ptr<edge::SharedLimiter>> make_redis_limiter(const std::string& url) {
  Result<std::unique_ptr<auth::RedisClient>> redis = auth::RedisClient::create(url);
  if (!redis.is_ok()) return redis.status();
  return std::unique_ptr<edge::SharedLimiter>(std::make_unique<RedisLimiter>(std::move(*redis)));
}

}  // namespace delta::app
