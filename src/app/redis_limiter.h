// A rate limiter shared by every Delta instance through Redis (auth.redis_url): token buckets kept
// in Redis hashes ("delta:rl:<route class>:<subject>") and updated by one Lua script, so a take is
// atomic however many instances ask at once. Time comes from the Redis server (TIME inside the
// script), so instances with skewed clocks still share one bucket correctly.
//
// Connections: a small pool of hiredis connections (connect timeout 500 ms, command timeout
// 200 ms). A failed command drops its connection; while Redis is down, reconnects back off from
// 100 ms to 5 s, and try_acquire fails at once (kUnavailable) so the Gateway falls back to its
// local limiter without waiting. The script is run with EVALSHA, loaded again on NOSCRIPT.
//
// Threads: try_acquire is safe from any thread; a connection is taken from the pool under a mutex
// and used outside it (no I/O under the lock).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "edge/guard.h"

namespace delta::app {

// kInvalidArgument for a URL that is not redis://host:port. Does not connect yet.
Result<std::unique_ptr<edge::SharedLimiter>> make_redis_limiter(const std::string& url);

}  // namespace delta::app
