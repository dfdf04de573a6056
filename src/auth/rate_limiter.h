// RateLimiter: in-process token buckets, one per (subject, route class), where the subject is a
// principal's subject or, for anonymous callers, the client IP; the caller builds both.
//
// A bucket holds up to `burst` tokens and refills at `rate_per_s`; a request costs `cost` tokens
// (1 per request, or the number of events in a batch). A request is allowed when the bucket holds
// at least min(cost, burst) tokens, and then its full cost is taken, possibly driving the bucket
// negative: a batch larger than the burst is never starved, and the debt it leaves makes later
// requests wait, so the long-run rate holds.
//
// Decision carries what an HTTP 429 and the RateLimit headers need (draft-ietf-httpapi-ratelimit-
// headers): limit = burst, remaining = whole tokens left, reset = seconds until the bucket is full
// again, retry_after = seconds until this request would be allowed (0 when allowed).
//
// Memory is bounded: each shard keeps its buckets in LRU order and holds at most
// max_buckets / shards of them. A bucket that has refilled to its burst is identical to a new one,
// so it is dropped without loss whenever a shard is touched; only when a shard is full of active
// buckets is the least recently used one evicted (that caller then starts with a full bucket).
//
// Threads: try_acquire() is safe from any thread; a key's shard (chosen by hash) has its own
// mutex, held for a map lookup and a few arithmetic operations. Time is passed in (Clock::now_ms),
// so tests are deterministic.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace delta::auth {

struct RateLimit {
  std::string route_class;  // e.g. "events", "requests"; part of the bucket key
  double rate_per_s = 0;    // REQUIRES: > 0
  double burst = 0;         // REQUIRES: >= 1
};

struct RateDecision {
  bool allowed = false;
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_seconds = 0;
  int64_t retry_after_seconds = 0;
};

struct RateLimiterOptions {
  size_t shards = 16;
  size_t max_buckets = 100'000;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options = {});
  ~RateLimiter();

  RateDecision try_acquire(std::string_view subject, const RateLimit& limit, double cost, int64_t now_ms);

  // Buckets currently held (for tests and a metrics gauge).
  size_t bucket_count() const;

 private:
  struct Bucket {
    std::string key;
    double tokens = 0;
    int64_t updated_ms = 0;
    double rate_per_s = 0;
    double burst = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Bucket> lru;  // guarded by mu; most recently used first
    std::unordered_map<std::string_view, std::list<Bucket>::iterator> index;  // guarded by mu; keys view lru
  };

  Bucket& bucket_locked(Shard& shard, std::string key, const RateLimit& limit, int64_t now_ms);
  void evict_locked(Shard& shard, int64_t now_ms);

  const size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace delta::auth
