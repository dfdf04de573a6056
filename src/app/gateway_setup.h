// Builds the edge Gateway from the `auth` config and owns everything it points at: the API key
// store (loaded from auth.api_keys_file and reloaded when the file changes), the JwtVerifier with
// one JwksCache per issuer (fetched with libcurl, warmed at start and refreshed periodically), the
// Redis-shared rate limiter when auth.redis_url is set, and the background tasks.
//
// Lifecycle: build on the main thread before the server starts; destroy after the server stops
// (the destructor stops the background tasks first). Thread-safe once built (see edge/guard.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/api_keys.h"
#include "auth/jwt.h"
#include "auth/oauth_store.h"
#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "edge/guard.h"
#include "runtime/periodic.h"

namespace delta::app {

// Hooks other components fill before build_gateway.
struct GatewayHooks {
  // The local OAuth server's public JWKS (JSON), fetched in process for tokens whose `iss` is
  // auth.issuer. Unset: tokens of the local issuer are refused ("unknown issuer").
  std::function<Result<std::string>()> local_jwks;
};

struct GatewayParts {
  std::unique_ptr<auth::ApiKeyStore> keys;
  std::unique_ptr<auth::JwtVerifier> jwt;
  std::vector<std::shared_ptr<auth::JwksCache>> caches;
  std::unique_ptr<edge::SharedLimiter> shared;
  std::unique_ptr<edge::Gateway> gateway;
  std::vector<std::unique_ptr<runtime::PeriodicTask>> tasks;  // last: stopped first

  ~GatewayParts();
};

// The api_keys_file of `cfg`, or its default: api_keys.json beside the log directory.
std::string api_keys_path(const config::PipelineConfig& cfg);

Result<std::unique_ptr<GatewayParts>> build_gateway(const config::PipelineConfig& cfg, const Clock& clock,
                                                    const GatewayHooks& hooks);

// The OAuth server's store: in Redis when auth.redis_url is set (shared by every instance), in
// process otherwise. `clock` must outlive the store.
Result<std::unique_ptr<auth::OAuthStore>> make_oauth_store(const config::PipelineConfig& cfg,
                                                           const Clock& clock);

// GET `url` with libcurl: connect timeout 2 s, total 5 s, at most 1 MiB, http(s) only, no
// redirects; a status other than 200 is an error. The JWKS FetchFn.
Result<std::string> http_fetch(const std::string& url);

}  // namespace delta::app
