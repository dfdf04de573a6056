#include "auth/jwks_cache.h"

#include "obs/logger.h"

namespace delta::auth {

JwksCache::JwksCache(JwksCacheOptions options, FetchFn fetch, const Clock& clock)
    : options_(std::move(options)), fetch_(std::move(fetch)), clock_(clock) {}

bool JwksCache::claim_fetch_locked(int64_t now_ms) {
  if (last_attempt_ms_ != INT64_MIN && now_ms - last_attempt_ms_ < options_.min_refresh_interval_ms) {
    return false;
  }
  last_attempt_ms_ = now_ms;
  ++fetches_;
  return true;
}

Status JwksCache::fetch_and_install() {
  Result<std::string> body = fetch_(options_.url);
  Result<JwkSet> set = body ? parse_jwks(*body) : Result<JwkSet>(body.status());
  if (!set) {
    obs::warn("auth.jwks", "JWKS fetch failed; keeping the previous keys",
              {{"url", options_.url}, {"error", set.status().message()}});
    return Status::unavailable("JWKS " + options_.url + ": " + set.status().message());
  }
  for (const std::string& line : set->skipped) {
    obs::warn("auth.jwks", "JWKS key skipped", {{"url", options_.url}, {"reason", line}});
  }
  obs::info("auth.jwks", "JWKS loaded",
            {{"url", options_.url}, {"keys", static_cast<int64_t>(set->by_kid.size())}});
  std::lock_guard lock(mu_);
  keys_ = std::move(set).value();
  loaded_ = true;
  loaded_at_ms_ = clock_.now_ms();
  return Status::ok();
}

Result<std::shared_ptr<const Jwk>> JwksCache::lookup_locked(std::string_view kid) const {
  auto it = keys_.by_kid.find(kid);
  if (it != keys_.by_kid.end()) return it->second;
  if (!loaded_) return Status::unavailable("no JWKS loaded from " + options_.url);
  return Status::not_found("unknown kid \"" + std::string(kid) + "\"");
}

Result<std::shared_ptr<const Jwk>> JwksCache::find(std::string_view kid) {
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_.now_ms();
    auto hit = lookup_locked(kid);
    bool fresh = loaded_ && now - loaded_at_ms_ < options_.ttl_ms;
    if (hit && fresh) return hit;
    // A stale hit or a miss: refetch if the rate limit allows, else answer from what we have.
    if (!claim_fetch_locked(now)) return hit;
  }
  Status fetched = fetch_and_install();
  std::lock_guard lock(mu_);
  auto hit = lookup_locked(kid);
  if (!hit && !loaded_) return fetched;
  return hit;
}

Status JwksCache::refresh() {
  {
    std::lock_guard lock(mu_);
    if (!claim_fetch_locked(clock_.now_ms())) return Status::ok();
  }
  return fetch_and_install();
}

int64_t JwksCache::fetch_count() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace delta::auth
