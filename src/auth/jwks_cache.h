// JwksCache: the signing keys of one issuer, fetched from its JWKS URL through an injected fetch
// function (tests pass a lambda; the app will pass libcurl or Delta's own OAuth server).
//
// Policy:
//  - The first lookup fetches. Keys are fresh for `ttl_ms`; a lookup after that refetches.
//  - An unknown kid triggers a refetch (key rotation: the issuer published a new key), but at most
//    one fetch per `min_refresh_interval_ms`, so a stream of tokens with invented kids cannot turn
//    Delta into a traffic amplifier against the identity provider. The limit covers every fetch.
//  - A successful fetch replaces the whole set: a kid the issuer removed is refused from then on.
//  - A failed fetch keeps the previous keys (availability over an identity provider blip) and is
//    retried after min_refresh_interval_ms; the failure is logged and returned to the caller only
//    when no key could answer.
//
// Threads: every method may be called from any thread. A mutex guards the key map and the fetch
// timestamps; the fetch itself (I/O) runs outside the lock. A thread that decides to fetch claims
// the attempt under the lock first, so concurrent lookups never fetch twice. A lookup that
// fetches blocks its caller for the duration of the fetch: callers on an event loop should warm
// the cache with refresh() at start and from a periodic task.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "base/clock.h"
#include "base/status.h"

namespace delta::auth {

using FetchFn = std::function<Result<std::string>(const std::string& url)>;

struct JwksCacheOptions {
  std::string url;
  int64_t ttl_ms = 600'000;  // 10 minutes
  int64_t min_refresh_interval_ms = 30'000;
};

class JwksCache {
 public:
  // `clock` must outlive the cache.
  JwksCache(JwksCacheOptions options, FetchFn fetch, const Clock& clock);

  // The key with this kid. kNotFound "unknown kid \"<kid>\"" when, after any refetch the policy
  // allows, the issuer does not publish it; kUnavailable when no key set could be fetched at all.
  Result<std::shared_ptr<const Jwk>> find(std::string_view kid);

  // Fetches now, unless a fetch happened less than min_refresh_interval_ms ago (then ok, no-op).
  Status refresh();

  // How many fetches were attempted (for tests and metrics).
  int64_t fetch_count() const;

 private:
  // Under mu_: true and claims the attempt when a fetch is allowed now.
  bool claim_fetch_locked(int64_t now_ms);
  // Under mu_: the key, or the reason it is missing.
  Result<std::shared_ptr<const Jwk>> lookup_locked(std::string_view kid) const;
  // Fetches and parses outside the lock, then installs the set under it.
  Status fetch_and_install();

  const JwksCacheOptions options_;
  const FetchFn fetch_;
  const Clock& clock_;

  mutable std::mutex mu_;
  JwkSet keys_;                          // guarded by mu_
  bool loaded_ = false;                  // guarded by mu_: keys_ came from a successful fetch
  int64_t loaded_at_ms_ = 0;             // guarded by mu_
  int64_t last_attempt_ms_ = INT64_MIN;  // guarded by mu_
  int64_t fetches_ = 0;                  // guarded by mu_
};

}  // namespace delta::auth
