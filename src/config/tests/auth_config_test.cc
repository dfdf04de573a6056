// The `auth` section: `none`, a full mapping, and refusals with file:line:column that never echo a
// secret.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

constexpr std::string_view kStreams = "streams:\n  s:\n    schema: {n: int64}\n";

std::string error_of(const std::string& yaml) {
  Result<PipelineConfig> r = parse(yaml, "p.yaml");
  if (r.is_ok()) return "OK";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ConfigAuth, AbsentMeansOff) {
  Result<PipelineConfig> r = parse(std::string(kStreams), "p.yaml");
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->auth.enabled);
  EXPECT_FALSE(r->auth.explicit_none);
}

TEST(ConfigAuth, ExplicitNone) {
  Result<PipelineConfig> r = parse("auth: none\n" + std::string(kStreams), "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->auth.enabled);
  EXPECT_TRUE(r->auth.explicit_none);
}

TEST(ConfigAuth, FullSection) {
  ::setenv("DELTA_TEST_CLIENT_SECRET", "a-client-secret-of-some-length", 1);
  std::string yaml = R"(auth:
  issuer: "https://delta.example.com"
  audience: delta-api
  clients:
    ingest: {secret: "${DELTA_TEST_CLIENT_SECRET}", grants: [client_credentials], roles: [producer]}
    console: {public: true, redirect_uris: ["http://127.0.0.1:1/cb"], grants: [authorization_code]}
  users:
    alice: {password_hash: "$argon2id$v=19$m=65536,t=2,p=1$abc$def", roles: [analyst, auditor]}
  jwks_issuers:
    - {issuer: "https://idp.example.com", jwks_url: "https://idp.example.com/jwks", audience: delta, algorithms: [RS256]}
  roles:
    auditor: {grants: [{permission: consume, pattern: "orders-*"}]}
  rate_limits:
    producer: {events_per_second: 1000, requests_per_second: 10, burst: 20}
    anonymous: {requests_per_second: 5, burst: 5}
  api_keys_file: /tmp/keys.json
  redis_url: "redis://127.0.0.1:6379"
  clock_skew: 30s
  access_token_ttl: 5m
)";
  Result<PipelineConfig> r = parse(yaml + std::string(kStreams), "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const AuthConfig& a = r->auth;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.audience, "delta-api");
  ASSERT_EQ(a.clients.size(), 2u);
  EXPECT_TRUE(a.clients[0].secret_hash.starts_with("$argon2id$"));
  EXPECT_EQ(a.clients[0].secret_hash.find("a-client-secret"), std::string::npos);
  EXPECT_TRUE(a.clients[1].is_public);
  ASSERT_EQ(a.users.size(), 1u);
  EXPECT_EQ(a.users[0].roles.size(), 2u);
  ASSERT_EQ(a.jwks_issuers.size(), 1u);
  EXPECT_EQ(a.jwks_issuers[0].algorithms, std::vector<std::string>{"RS256"});
  ASSERT_EQ(a.roles.size(), 1u);
  EXPECT_EQ(a.roles[0].grants[0].pattern, "orders-*");
  ASSERT_EQ(a.rate_limits.size(), 2u);
  EXPECT_EQ(a.rate_limits[0].events_per_second, 1000);
  EXPECT_EQ(a.clock_skew_ms, 30'000);
  EXPECT_EQ(a.access_token_ttl_ms, 300'000);
}

TEST(ConfigAuth, ShortSecretFromEnvIsNeverEchoed) {
  ::setenv("DELTA_TEST_SHORT", "tiny-secret", 1);
  std::string e =
      error_of("auth:\n  clients:\n    c: {secret: \"${DELTA_TEST_SHORT}\"}\n" + std::string(kStreams));
  EXPECT_NE(e.find("p.yaml:3:17:"), std::string::npos) << e;
  EXPECT_NE(e.find("${DELTA_TEST_SHORT}"), std::string::npos) << e;
  EXPECT_EQ(e.find("tiny-secret"), std::string::npos) << e;
}

TEST(ConfigAuth, Refusals) {
  std::string s(kStreams);
  EXPECT_EQ(error_of("auth: maybe\n" + s), "p.yaml:1:7: auth: expected none or a mapping, got a scalar");
  EXPECT_NE(error_of("auth:\n  colour: red\n" + s).find("p.yaml:2:3: unknown key \"colour\" in auth"),
            std::string::npos);
  EXPECT_NE(error_of("auth:\n  users:\n    bob: {password_hash: \"plain\"}\n" + s)
                .find("expected an Argon2id hash"),
            std::string::npos);
  EXPECT_NE(error_of("auth:\n  users:\n    bob: {password_hash: \"$argon2id$x\", roles: [wizard]}\n" + s)
                .find("unknown role \"wizard\""),
            std::string::npos);
  EXPECT_NE(error_of("auth:\n  roles:\n    admin: {grants: [{permission: admin, pattern: \"*\"}]}\n" + s)
                .find("built-in role"),
            std::string::npos);
  EXPECT_NE(error_of("auth:\n  roles:\n    r: {grants: [{permission: fly, pattern: \"*\"}]}\n" + s)
                .find("expected one of: produce, consume, query, admin, got \"fly\""),
            std::string::npos);
  EXPECT_NE(
      error_of("auth:\n  jwks_issuers:\n    - {issuer: x, jwks_url: \"http://idp.example.com/k\"}\n" + s)
          .find("an https:// URL"),
      std::string::npos);
  EXPECT_NE(
      error_of("auth:\n  jwks_issuers:\n    - {issuer: x, jwks_url: \"https://i/k\", algorithms: [HS256]}\n" +
               s)
          .find("HS256 needs a shared secret"),
      std::string::npos);
  EXPECT_NE(error_of("auth:\n  clients:\n    c: {grants: [client_credentials]}\n" + s)
                .find("needs secret, secret_hash or public: true"),
            std::string::npos);
  EXPECT_NE(error_of("auth:\n  redis_url: \"http://x\"\n" + s).find("expected redis://host:port"),
            std::string::npos);
}

}  // namespace
}  // namespace delta::config

namespace delta::config {
namespace {

TEST(ConfigAuth, TlsClientsMapSubjectsToKnownRoles) {
  std::string s = "streams:\n  s:\n    schema: {n: int64}\n";
  Result<PipelineConfig> r =
      parse("auth:\n  tls_clients:\n    \"CN=ingest-svc,O=Acme\": [producer]\n" + s, "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->auth.tls_clients.size(), 1u);
  EXPECT_EQ(r->auth.tls_clients[0].subject, "CN=ingest-svc,O=Acme");
  EXPECT_EQ(r->auth.tls_clients[0].roles, std::vector<std::string>{"producer"});
  Result<PipelineConfig> bad = parse("auth:\n  tls_clients:\n    \"CN=x\": [wizard]\n" + s, "p.yaml");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("auth.tls_clients.CN=x: unknown role \"wizard\""), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace delta::config
