#include "edge/guard.h"

#include <algorithm>
#include <cmath>

#include "obs/logger.h"

namespace delta::edge {
namespace {

constexpr std::string_view kAnonymous = "anonymous";
constexpr std::string_view kApiKeyPrefix = "dk_";

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// A quoted-string for WWW-Authenticate: no quotes, backslashes or control characters inside.
std::string header_safe(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '\'' : c;
  return out;
}

HttpResponse unauthorized(std::string_view reason, bool had_credential) {
  HttpResponse r = error_response(401, "unauthorized", reason);
  std::string challenge = "Bearer realm=\"delta\"";
  if (had_credential)
    challenge += ", error=\"invalid_token\", error_description=\"" + header_safe(reason) + "\"";
  r.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  return r;
}

void add_rate_headers(const auth::RateDecision& d, std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  out->emplace_back("RateLimit-Limit", std::to_string(d.limit));
  out->emplace_back("RateLimit-Remaining", std::to_string(std::max<int64_t>(d.remaining, 0)));
  out->emplace_back("RateLimit-Reset", std::to_string(d.reset_seconds));
}

std::optional<auth::RateLimit> make_limit(std::string route_class, double rate, double burst) {
  if (rate <= 0) return std::nullopt;
  return auth::RateLimit{std::move(route_class), rate, std::max(burst, 1.0)};
}

}  // namespace

std::string_view client_ip(const HttpRequest& request) { return request.remote_address; }

Gateway::Gateway(GatewayOptions options, auth::Rbac rbac, const auth::ApiKeyStore* keys,
                 const auth::JwtVerifier* jwt, const Clock& clock, SharedLimiter* shared)
    : options_(std::move(options)),
      rbac_(std::move(rbac)),
      keys_(keys),
      jwt_(jwt),
      clock_(clock),
      shared_(shared),
      sampler_(options_.audit_success_interval_ms) {
  constexpr auth::Permission kAll[] = {auth::Permission::kProduce, auth::Permission::kConsume,
                                       auth::Permission::kQuery, auth::Permission::kAdmin};
  for (const config::RateLimitConfig& c : options_.rate_limits) {
    RoleLimits& l = limits_[c.role];
    double burst = c.burst > 0 ? c.burst : c.requests_per_second;
    for (auth::Permission p : kAll) {
      l.requests[static_cast<int>(p)] =
          make_limit("requests:" + std::string(auth::permission_name(p)), c.requests_per_second, burst);
    }
    // The events bucket holds a second's worth of events (at least `burst`).
    l.events = make_limit("events", c.events_per_second, std::max(c.burst, c.events_per_second));
  }
}

Result<auth::Principal> Gateway::verify(const HttpRequest& request) const {
  std::string_view credential = request.api_key;
  if (credential.empty()) {
    std::string_view a = request.authorization;
    if (!iequals_prefix(a, "bearer ")) return Status::invalid_argument("unsupported authorization scheme");
    credential = a.substr(7);
    while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
  }
  if (credential.starts_with(kApiKeyPrefix) || !request.api_key.empty()) {
    if (keys_ == nullptr) return Status::invalid_argument("API keys are not configured");
    return keys_->lookup(credential);
  }
  if (jwt_ == nullptr) return Status::invalid_argument("no token issuer is configured");
  return jwt_->verify(credential);
}

std::optional<HttpResponse> Gateway::authenticate(const HttpRequest& request, Caller* caller) {
  std::string_view ip = client_ip(request);
  if (request.api_key.empty() && request.authorization.empty()) {
    if (!request.tls_client_subject.empty()) {
      caller->principal.subject = "mtls:" + std::string(request.tls_client_subject);
      caller->principal.issuer = "mtls";
      for (const config::TlsClientConfig& c : options_.tls_clients) {
        if (c.subject == request.tls_client_subject) caller->principal.roles = c.roles;
      }
      caller->rate_subject = caller->principal.subject;
      return std::nullopt;
    }
    auth::audit("authenticate", "", ip, "failure", "no credentials");
    return unauthorized("missing credentials: send Authorization: Bearer <token> or X-API-Key", false);
  }
  Result<auth::Principal> p = verify(request);
  if (!p.is_ok()) {
    auth::audit("authenticate", "", ip, "failure", p.status().message());
    if (p.status().code() == StatusCode::kUnavailable) {
      HttpResponse r = error_response(503, "issuer_unavailable", p.status().message());
      r.headers.emplace_back("Retry-After", "5");
      return r;
    }
    return unauthorized(p.status().message(), true);
  }
  caller->principal = std::move(*p);
  caller->rate_subject = caller->principal.subject;
  if (sampler_.should_log(caller->principal.subject, clock_.now_ms())) {
    auth::audit("authenticate", caller->principal.subject, ip, "success");
  }
  return std::nullopt;
}

std::optional<HttpResponse> Gateway::admit(const HttpRequest& request, const Access& access, Caller* caller) {
  if (access.kind == Access::Kind::kPublic) return std::nullopt;
  if (!options_.auth_enabled) {
    caller->principal.subject = std::string(kAnonymous);
    caller->rate_subject = std::string(client_ip(request));
  } else if (auto refused = authenticate(request, caller)) {
    return refused;
  }
  if (access.kind == Access::Kind::kPermission && options_.auth_enabled) {
    Status allowed = rbac_.check(caller->principal, access.permission, access.resource, access.resource_kind);
    if (!allowed.is_ok()) return error_response(403, "forbidden", allowed.message());
  }
  const RoleLimits* limits = limits_for(caller->principal);
  if (limits == nullptr) return std::nullopt;
  const std::optional<auth::RateLimit>& limit = limits->requests[static_cast<int>(access.permission)];
  if (!limit) return std::nullopt;
  return charge(*caller, *limit, 1);
}

std::optional<HttpResponse> Gateway::charge_events(Caller& caller, int64_t events) {
  const RoleLimits* limits = limits_for(caller.principal);
  if (limits == nullptr || !limits->events || events <= 0) return std::nullopt;
  return charge(caller, *limits->events, static_cast<double>(events));
}

const Gateway::RoleLimits* Gateway::limits_for(const auth::Principal& principal) const {
  if (limits_.empty()) return nullptr;
  if (!options_.auth_enabled) {
    auto it = limits_.find(kAnonymous);
    return it == limits_.end() ? nullptr : &it->second;
  }
  for (const std::string& role : principal.roles) {
    auto it = limits_.find(role);
    if (it != limits_.end()) return &it->second;
  }
  return nullptr;
}

std::optional<HttpResponse> Gateway::charge(Caller& caller, const auth::RateLimit& limit, double cost) {
  auth::RateDecision d = acquire(caller.rate_subject, limit, cost);
  add_rate_headers(d, &caller.rate_headers);
  if (d.allowed) return std::nullopt;
  std::string what = limit.route_class == "events" ? "events" : "requests";
  HttpResponse r =
      error_response(429, "rate_limited",
                     "rate limit of " + std::to_string(static_cast<int64_t>(limit.rate_per_s)) + " " + what +
                         " per second exceeded; retry after " + std::to_string(d.retry_after_seconds) + "s");
  r.headers = caller.rate_headers;
  r.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(d.retry_after_seconds, 1)));
  return r;
}

auth::RateDecision Gateway::acquire(std::string_view subject, const auth::RateLimit& limit, double cost) {
  int64_t now = clock_.now_ms();
  if (shared_ != nullptr) {
    Result<auth::RateDecision> d = shared_->try_acquire(subject, limit, cost, now);
    if (d.is_ok()) {
      if (shared_down_.exchange(false)) obs::info("gateway", "shared rate limiter is back");
      return *d;
    }
    if (!shared_down_.exchange(true)) {
      obs::warn("gateway", "shared rate limiter unavailable; limiting per instance until it is back",
                {{"error", d.status().message()}});
    }
  }
  return local_.try_acquire(subject, limit, cost, now);
}

}  // namespace delta::edge
