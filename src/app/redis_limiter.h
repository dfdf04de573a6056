// A rate limiter shared by every Delta instance through Redis (auth.redis_url): token buckets kept
// in Redis hashes ("delta:rl:<route class>:<subject>") and updated by one Lua script, so a take is
// atomic however many instances ask at once. Time comes from the Redis server (TIME inside the
// script), so instances with skewed clocks still share one bucket correctly.
//
// Connections, timeouts and backoff are auth::RedisClient's: while Redis is down try_acquire fails
// at once (kUnavailable) and the Gateway falls back to its local limiter without waiting.
// Threads: try_acquire is safe from any thread.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "edge/guard.h"

namespace delta::app {

// kInvalidArgument for a URL that is not redis://host:port. Does not connect yet.
Result<std::unique_ptr<edge::SharedLimiter>> make_redis_limiter(const std::string& url);

}  // namespace delta::app
