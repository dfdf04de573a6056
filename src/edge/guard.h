// Gateway: the checks every route passes before it runs (issue 8): authentication, RBAC, rate
// limits and the audit of authentications. Routes::handle calls admit() for each request and,
// for ingest, charge_events() once the body is decoded.
//
// Authentication (when enabled): X-API-Key, or Authorization: Bearer <credential>, where a "dk_"
// prefix selects the API key store and anything else is a JWT for the JwtVerifier (the local
// OAuth issuer and every configured JWKS issuer). Without a credential, a verified mTLS client
// certificate subject becomes principal "mtls:<subject>" with the roles auth.tls_clients gives it. Failures
// answer 401 with WWW-Authenticate: Bearer error="invalid_token", error_description="<reason>"; an issuer
// whose keys cannot be fetched answers 503 with Retry-After. With authentication off every request is the
// principal "anonymous" and every permission is granted.
//
// RBAC: the route names a permission and a resource (a stream, a view or "*"); a refusal is 403
// {"error":{"code":"forbidden","message":"missing permission produce on stream \"orders\""}}.
//
// Rate limits, after authentication: requests per second per (principal or client IP, route
// class = the permission) and events per second per principal, from auth.rate_limits for the
// first of the principal's roles that has an entry ("anonymous" when authentication is off).
// A principal whose roles have no entry is not limited. Refusals are 429 with Retry-After and
// RateLimit-Limit/-Remaining/-Reset; allowed requests carry the RateLimit headers too.
// With a SharedLimiter (Redis) buckets are shared by every instance; when it fails the local
// limiter takes over (each instance then enforces the limit on its own: fail-open to
// per-instance limits, never to no limits), logged once per outage.
//
// Threads: shared by every I/O thread; admit() and charge_events() are thread-safe. The
// verifiers, key store and limiters are thread-safe and outlive the Gateway.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/api_keys.h"
#include "auth/audit.h"
#include "auth/jwt.h"
#include "auth/rate_limiter.h"
#include "auth/rbac.h"
#include "base/clock.h"
#include "config/config.h"
#include "edge/http_types.h"

namespace delta::edge {

// A rate limiter shared between instances (Redis). Errors mean "could not ask": the Gateway
// falls back to its local limiter.
class SharedLimiter {
 public:
  virtual ~SharedLimiter() = default;
  virtual Result<auth::RateDecision> try_acquire(std::string_view subject, const auth::RateLimit& limit,
                                                 double cost, int64_t now_ms) = 0;
};

// What a route needs: nothing (public), or a permission on a resource. kAuthenticated: any
// authenticated caller (unknown paths answer 404 only after authentication).
struct Access {
  enum class Kind { kPublic, kAuthenticated, kPermission } kind = Kind::kPublic;
  auth::Permission permission = auth::Permission::kConsume;
  std::string_view resource = "*";
  auth::ResourceKind resource_kind = auth::ResourceKind::kStream;

  static Access open() { return {}; }
  static Access authenticated() {
    Access a;
    a.kind = Kind::kAuthenticated;
    return a;
  }
  static Access need(auth::Permission p, std::string_view resource,
                     auth::ResourceKind k = auth::ResourceKind::kStream) {
    return {Kind::kPermission, p, resource, k};
  }
};

// One request's caller, filled by admit() and read by charge_events().
struct Caller {
  auth::Principal principal;
  std::string rate_subject;  // principal subject, or the client IP when anonymous
  std::vector<std::pair<std::string, std::string>> rate_headers;  // for the response
};

struct GatewayOptions {
  bool auth_enabled = false;
  std::vector<config::RateLimitConfig> rate_limits;
  std::vector<config::TlsClientConfig> tls_clients;  // verified client certificate subject -> roles
  int64_t audit_success_interval_ms = 60'000;
};

class Gateway {
 public:
  // `keys`, `jwt` may be null when authentication is off; `shared` may be null. All outlive this.
  Gateway(GatewayOptions options, auth::Rbac rbac, const auth::ApiKeyStore* keys,
          const auth::JwtVerifier* jwt, const Clock& clock, SharedLimiter* shared = nullptr);

  bool auth_enabled() const { return options_.auth_enabled; }

  // nullopt: the request may go on (caller filled); otherwise the response to send instead.
  std::optional<HttpResponse> admit(const HttpRequest& request, const Access& access, Caller* caller);
  // Charges `events` to the caller's events bucket: nullopt or a 429.
  std::optional<HttpResponse> charge_events(Caller& caller, int64_t events);

 private:
  struct RoleLimits {
    std::optional<auth::RateLimit> requests[4];  // by Permission
    std::optional<auth::RateLimit> events;
  };

  std::optional<HttpResponse> authenticate(const HttpRequest& request, Caller* caller);
  Result<auth::Principal> verify(const HttpRequest& request) const;
  const RoleLimits* limits_for(const auth::Principal& principal) const;
  std::optional<HttpResponse> charge(Caller& caller, const auth::RateLimit& limit, double cost);
  auth::RateDecision acquire(std::string_view subject, const auth::RateLimit& limit, double cost);

  const GatewayOptions options_;
  const auth::Rbac rbac_;
  const auth::ApiKeyStore* keys_;
  const auth::JwtVerifier* jwt_;
  const Clock& clock_;
  SharedLimiter* shared_;
  auth::RateLimiter local_;
  auth::AuditSampler sampler_;
  std::map<std::string, RoleLimits, std::less<>> limits_;  // by role; read-only after construction
  std::atomic<bool> shared_down_{false};
};

// The client address a request is audited and (when anonymous) rate-limited under.
std::string_view client_ip(const HttpRequest& request);

}  // namespace delta::edge
