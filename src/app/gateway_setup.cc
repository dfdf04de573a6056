#include "app/gateway_setup.h"

#include <sys/stat.h>

#include <filesystem>

#include "app/redis_limiter.h"
#include "auth/redis_oauth_store.h"
#include "obs/logger.h"

namespace delta::app {
namespace {

constexpr auto kKeyReloadInterval = std::chrono::seconds(2);
constexpr int64_t kJwksTtlMs = 300'000;  // 5 minutes
// An unknown kid refetches at most this often per issuer: rotation is picked up within seconds,
// and invented kids cannot make Delta hammer the identity provider.
constexpr int64_t kJwksMinRefreshMs = 2'000;

Result<auth::Rbac> make_rbac(const config::AuthConfig& a) {
  std::vector<auth::RoleConfig> roles;
  for (const config::RoleConfig& r : a.roles) {
    auth::RoleConfig role{r.name, {}};
    for (const config::RoleGrantConfig& g : r.grants) {
      std::optional<auth::Permission> p = auth::parse_permission(g.permission);
      if (!p) return Status::invalid_argument("role " + r.name + ": unknown permission " + g.permission);
      role.grants.push_back(auth::Grant{{*p}, g.pattern});
    }
    roles.push_back(std::move(role));
  }
  return auth::Rbac::create(std::move(roles));
}

Status add_jwks_issuer(GatewayParts& parts, const config::JwksIssuerConfig& c, int64_t skew_ms,
                       const Clock& clock) {
  auth::IssuerConfig ic;
  ic.issuer = c.issuer;
  if (!c.audience.empty()) ic.audiences = {c.audience};
  ic.algorithms.clear();
  for (const std::string& name : c.algorithms) {
    if (std::optional<auth::JwtAlg> alg = auth::parse_alg(name)) ic.algorithms.push_back(*alg);
  }
  ic.roles_claim = c.roles_claim;
  ic.clock_skew_s = skew_ms / 1000;
  ic.jwks = std::make_shared<auth::JwksCache>(
      auth::JwksCacheOptions{c.jwks_url, kJwksTtlMs, kJwksMinRefreshMs}, &http_fetch, clock);
  parts.caches.push_back(ic.jwks);
  return parts.jwt->add_issuer(std::move(ic));
}

Status add_local_issuer(GatewayParts& parts, const config::AuthConfig& a, const GatewayHooks& hooks,
                        const Clock& clock) {
  if (a.issuer.empty()) return Status::ok();
  if (!hooks.local_jwks) {
    obs::warn("gateway", "no local OAuth server: tokens of auth.issuer are refused", {{"issuer", a.issuer}});
    return Status::ok();
  }
  auth::IssuerConfig ic;
  ic.issuer = a.issuer;
  ic.audiences = {a.audience};
  ic.algorithms = {auth::JwtAlg::kES256, auth::JwtAlg::kEdDSA};
  ic.clock_skew_s = a.clock_skew_ms / 1000;
  auto fetch = [f = hooks.local_jwks](const std::string&) { return f(); };
  ic.jwks = std::make_shared<auth::JwksCache>(
      auth::JwksCacheOptions{"local:" + a.issuer, kJwksTtlMs, kJwksMinRefreshMs}, fetch, clock);
  parts.caches.push_back(ic.jwks);
  return parts.jwt->add_issuer(std::move(ic));
}

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Loads the key file now and again whenever its mtime changes. A missing file is no keys.
void watch_key_file(GatewayParts& parts, const std::string& path) {
  auto last = std::make_shared<int64_t>(mtime_ns(path));
  Status st = parts.keys->load(path);
  if (!st.is_ok() && st.code() != StatusCode::kNotFound) {
    obs::error("gateway", "API key file unreadable", {{"path", path}, {"error", st.message()}});
  }
  auth::ApiKeyStore* keys = parts.keys.get();
  parts.tasks.push_back(std::make_unique<runtime::PeriodicTask>(kKeyReloadInterval, [keys, path, last] {
    int64_t now = mtime_ns(path);
    if (now == *last) return;
    *last = now;
    Status s = keys->load(path);
    if (s.is_ok()) {
      obs::info("gateway", "API keys reloaded",
                {{"path", path}, {"keys", static_cast<int64_t>(keys->list().size())}});
    } else {
      obs::error("gateway", "API key reload failed; keeping the previous keys", {{"error", s.message()}});
    }
  }));
}

void refresh_jwks(GatewayParts& parts) {
  if (parts.caches.empty()) return;
  auto refresh_all = [caches = parts.caches] {
    for (const auto& c : caches) {
      if (Status s = c->refresh(); !s.is_ok())
        obs::warn("gateway", "JWKS refresh failed", {{"error", s.message()}});
    }
  };
  refresh_all();
  parts.tasks.push_back(
      std::make_unique<runtime::PeriodicTask>(std::chrono::milliseconds(kJwksTtlMs / 2), refresh_all));
}

}  // namespace

GatewayParts::~GatewayParts() { tasks.clear(); }

std::string api_keys_path(const config::PipelineConfig& cfg) {
  if (!cfg.auth.api_keys_file.empty()) return cfg.auth.api_keys_file;
  std::filesystem::path dir = std::filesystem::path(cfg.log.dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  return (dir.parent_path() / "api_keys.json").string();
}

Result<std::unique_ptr<auth::OAuthStore>> make_oauth_store(const config::PipelineConfig& cfg,
                                                           const Clock& clock) {
  if (cfg.auth.redis_url.empty())
    return std::unique_ptr<auth::OAuthStore>(std::make_unique<auth::InMemoryOAuthStore>(clock));
  Result<std::unique_ptr<auth::RedisClient>> redis = auth::RedisClient::create(cfg.auth.redis_url);
  if (!redis.is_ok()) return redis.status();
  obs::info("gateway", "OAuth codes, sessions and refresh tokens live in Redis",
            {{"redis", (*redis)->address()}});
  return std::unique_ptr<auth::OAuthStore>(std::make_unique<auth::RedisOAuthStore>(std::move(*redis)));
}

Result<std::unique_ptr<GatewayParts>> build_gateway(const config::PipelineConfig& cfg, const Clock& clock,
                                                    const GatewayHooks& hooks) {
  const config::AuthConfig& a = cfg.auth;
  auto parts = std::make_unique<GatewayParts>();
  Result<auth::Rbac> rbac = make_rbac(a);
  if (!rbac.is_ok()) return rbac.status();
  if (a.enabled) {
    parts->keys = std::make_unique<auth::ApiKeyStore>(clock);
    parts->jwt = std::make_unique<auth::JwtVerifier>(clock);
    DELTA_RETURN_IF_ERROR(add_local_issuer(*parts, a, hooks, clock));
    for (const config::JwksIssuerConfig& c : a.jwks_issuers) {
      DELTA_RETURN_IF_ERROR(add_jwks_issuer(*parts, c, a.clock_skew_ms, clock));
    }
    watch_key_file(*parts, api_keys_path(cfg));
    refresh_jwks(*parts);
  }
  if (!a.redis_url.empty()) {
    Result<std::unique_ptr<edge::SharedLimiter>> shared = make_redis_limiter(a.redis_url);
    if (!shared.is_ok()) return shared.status();
    parts->shared = std::move(*shared);
  }
  edge::GatewayOptions options{a.enabled, a.rate_limits, a.tls_clients};
  parts->gateway = std::make_unique<edge::Gateway>(std::move(options), std::move(*rbac), parts->keys.get(),
                                                   parts->jwt.get(), clock, parts->shared.get());
  return parts;
}

}  // namespace delta::app
