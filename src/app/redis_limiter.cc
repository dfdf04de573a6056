#include "app/redis_limiter.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <vector>

namespace delta::app {
namespace {

constexpr size_t kMaxIdle = 8;
constexpr int64_t kMinBackoffMs = 100;
constexpr int64_t kMaxBackoffMs = 5000;

// KEYS[1] bucket; ARGV rate/s, burst, cost. Returns {allowed, remaining, reset_ms, retry_ms}.
constexpr const char* kScript = R"lua(
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

using Reply = std::unique_ptr<redisReply, void (*)(void*)>;
using Context = std::unique_ptr<redisContext, void (*)(redisContext*)>;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string fmt(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

class RedisLimiter final : public edge::SharedLimiter {
 public:
  RedisLimiter(std::string host, int port) : host_(std::move(host)), port_(port) {}

  Result<auth::RateDecision> try_acquire(std::string_view subject, const auth::RateLimit& limit, double cost,
                                         int64_t /*now_ms*/) override {
    Result<Context> ctx = take();
    if (!ctx.is_ok()) return ctx.status();
    std::string key = "delta:rl:" + limit.route_class + ":" + std::string(subject);
    Result<auth::RateDecision> d = run(ctx->get(), key, limit, cost);
    if (d.is_ok()) {
      give_back(std::move(*ctx));
    } else {
      failed();
    }
    return d;
  }

 private:
  Result<Context> take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        Context c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      if (steady_ms() < retry_at_ms_) return Status::unavailable("redis is down; backing off");
    }
    return connect();
  }

  Result<Context> connect() {
    timeval connect_timeout{0, 500'000};
    Context c(redisConnectWithTimeout(host_.c_str(), port_, connect_timeout), &redisFree);
    if (!c || c->err != 0) {
      std::string why = c ? c->errstr : "out of memory";
      failed();
      return Status::unavailable("redis connect " + host_ + ":" + std::to_string(port_) + ": " + why);
    }
    timeval command_timeout{0, 200'000};
    redisSetTimeout(c.get(), command_timeout);
    return c;
  }

  void give_back(Context c) {
    std::lock_guard lock(mu_);
    backoff_ms_ = 0;
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
  }

  void failed() {
    std::lock_guard lock(mu_);
    idle_.clear();
    backoff_ms_ = std::clamp(backoff_ms_ * 2, kMinBackoffMs, kMaxBackoffMs);
    retry_at_ms_ = steady_ms() + backoff_ms_;
  }

  Reply command(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    void* r = redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
    return Reply(static_cast<redisReply*>(r), &freeReplyObject);
  }

  Result<auth::RateDecision> run(redisContext* c, const std::string& key, const auth::RateLimit& limit,
                                 double cost) {
    std::vector<std::string> args = {"EVALSHA",        sha(),    "1", key, fmt(limit.rate_per_s),
                                     fmt(limit.burst), fmt(cost)};
    Reply r = command(c, args);
    if (r && r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with("NOSCRIPT")) {
      Reply loaded = command(c, {"SCRIPT", "LOAD", kScript});
      if (!loaded || loaded->type != REDIS_REPLY_STRING)
        return Status::unavailable("redis SCRIPT LOAD failed");
      set_sha(std::string(loaded->str, loaded->len));
      args[1] = sha();
      r = command(c, args);
    }
    if (!r) return Status::unavailable(std::string("redis: ") + (c->err != 0 ? c->errstr : "no reply"));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
      return Status::unavailable("redis: unexpected reply to the rate-limit script");
    }
    auth::RateDecision d;
    d.allowed = r->element[0]->integer == 1;
    d.limit = static_cast<int64_t>(limit.burst);
    d.remaining = r->element[1]->integer;
    d.reset_seconds = (r->element[2]->integer + 999) / 1000;
    d.retry_after_seconds = (r->element[3]->integer + 999) / 1000;
    return d;
  }

  std::string sha() {
    std::lock_guard lock(mu_);
    return sha_.empty() ? std::string("0000000000000000000000000000000000000000") : sha_;
  }
  void set_sha(std::string s) {
    std::lock_guard lock(mu_);
    sha_ = std::move(s);
  }

  const std::string host_;
  const int port_;
  std::mutex mu_;
  std::vector<Context> idle_;  // guarded by mu_
  std::string sha_;            // guarded by mu_
  int64_t backoff_ms_ = 0;     // guarded by mu_
  int64_t retry_at_ms_ = 0;    // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<edge::SharedLimiter>> make_redis_limiter(const std::string& url) {
  std::string_view rest = url;
  if (!rest.starts_with("redis://")) return Status::invalid_argument("redis_url must be redis://host:port");
  rest.remove_prefix(8);
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  std::string host(rest.substr(0, colon));
  int port = 6379;
  if (colon != std::string_view::npos) {
    std::string_view p = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port <= 0 || port > 65535)
      return Status::invalid_argument("redis_url must be redis://host:port");
  }
  if (host.empty()) return Status::invalid_argument("redis_url must be redis://host:port");
  return std::unique_ptr<edge::SharedLimiter>(std::make_unique<RedisLimiter>(std::move(host), port));
}

}  // namespace delta::app
