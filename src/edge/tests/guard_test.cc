// Gateway without sockets: the decisions the integration tests cannot easily reach — auth off with
// anonymous limits, a JWKS outage (503, not 401), mTLS principals, and the Redis-down fallback.
#include "edge/guard.h"

#include <gtest/gtest.h>

namespace delta::edge {
namespace {

class FailingShared final : public SharedLimiter {
 public:
  Result<auth::RateDecision> try_acquire(std::string_view, const auth::RateLimit&, double, int64_t) override {
    ++calls;
    return Status::unavailable("redis is down");
  }
  int calls = 0;
};

GatewayOptions options(bool auth_enabled, std::vector<config::RateLimitConfig> limits = {}) {
  GatewayOptions o;
  o.auth_enabled = auth_enabled;
  o.rate_limits = std::move(limits);
  return o;
}

HttpRequest request_with(std::string_view authorization = {}, std::string_view api_key = {}) {
  HttpRequest r;
  r.remote_address = "10.0.0.7";
  r.authorization = authorization;
  r.api_key = api_key;
  return r;
}

Access produce_orders() { return Access::need(auth::Permission::kProduce, "orders"); }

TEST(Gateway, AuthOffAllowsEverythingButAppliesAnonymousLimitsPerIp) {
  ManualClock clock;
  Gateway g(options(false, {{"anonymous", 0, 1, 2}}), *auth::Rbac::create(), nullptr, nullptr, clock);
  Caller c;
  HttpRequest r = request_with();
  EXPECT_FALSE(g.admit(r, produce_orders(), &c).has_value());
  EXPECT_EQ(c.rate_subject, "10.0.0.7");
  EXPECT_FALSE(g.admit(r, produce_orders(), &c).has_value());
  std::optional<HttpResponse> limited = g.admit(r, produce_orders(), &c);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
}

TEST(Gateway, PublicRoutesNeedNothing) {
  ManualClock clock;
  auth::ApiKeyStore keys(clock);
  auth::JwtVerifier jwt(clock);
  Gateway g(options(true), *auth::Rbac::create(), &keys, &jwt, clock);
  Caller c;
  EXPECT_FALSE(g.admit(request_with(), Access::open(), &c).has_value());
  std::optional<HttpResponse> r = g.admit(request_with(), Access::authenticated(), &c);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
}

TEST(Gateway, UnreachableIssuerIs503NotTheCallersFault) {
  ManualClock clock;
  auth::JwtVerifier jwt(clock);
  auth::JwksCacheOptions jo;
  jo.url = "https://idp.example/jwks";
  auto jwks = std::make_shared<auth::JwksCache>(
      jo, [](const std::string&) -> Result<std::string> { return Status::unavailable("connection refused"); },
      clock);
  auth::IssuerConfig ic;
  ic.issuer = "https://idp.example";
  ic.algorithms = {auth::JwtAlg::kRS256};
  ic.jwks = jwks;
  ASSERT_TRUE(jwt.add_issuer(ic).is_ok());
  Gateway g(options(true), *auth::Rbac::create(), nullptr, &jwt, clock);
  // {"alg":"RS256","kid":"k1"}.{"iss":"https://idp.example","sub":"x","exp":9999999999}.sig
  std::string token =
      "Bearer "
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwic3ViIjoieCIsImV4cCI6OTk5"
      "OTk5OTk5OX0.c2ln";
  Caller c;
  std::optional<HttpResponse> r = g.admit(request_with(token), produce_orders(), &c);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503) << r->body;
}

TEST(Gateway, MtlsSubjectIsAPrincipalWithoutRoles) {
  ManualClock clock;
  auth::ApiKeyStore keys(clock);
  Gateway g(options(true), *auth::Rbac::create(), &keys, nullptr, clock);
  HttpRequest r = request_with();
  r.tls_client_subject = "CN=ingest-svc,O=Acme";
  Caller c;
  std::optional<HttpResponse> refused = g.admit(r, produce_orders(), &c);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(c.principal.subject, "mtls:CN=ingest-svc,O=Acme");
}

TEST(Gateway, SharedLimiterDownFallsBackToTheLocalOne) {
  ManualClock clock;
  auth::ApiKeyStore keys(clock);
  Result<auth::CreatedApiKey> key = keys.create({"producer"}, "p");
  ASSERT_TRUE(key.is_ok());
  FailingShared shared;
  Gateway g(options(true, {{"producer", 0, 1, 1}}), *auth::Rbac::create(), &keys, nullptr, clock, &shared);
  Caller c;
  HttpRequest r = request_with({}, key->key);
  EXPECT_FALSE(g.admit(r, produce_orders(), &c).has_value());
  std::optional<HttpResponse> limited = g.admit(r, produce_orders(), &c);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(shared.calls, 2);
  clock.advance_ms(1000);
  EXPECT_FALSE(g.admit(r, produce_orders(), &c).has_value());
}

TEST(Gateway, EventsAreChargedByCount) {
  ManualClock clock;
  auth::ApiKeyStore keys(clock);
  Result<auth::CreatedApiKey> key = keys.create({"producer"}, "p");
  Gateway g(options(true, {{"producer", 100, 0, 0}}), *auth::Rbac::create(), &keys, nullptr, clock);
  Caller c;
  ASSERT_FALSE(g.admit(request_with({}, key->key), produce_orders(), &c).has_value());
  EXPECT_FALSE(g.charge_events(c, 100).has_value());
  std::optional<HttpResponse> limited = g.charge_events(c, 1);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
  EXPECT_NE(limited->body.find("events per second"), std::string::npos);
}

}  // namespace
}  // namespace delta::edge
