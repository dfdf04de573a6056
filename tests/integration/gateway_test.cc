// The gateway on the real binary (issue 8): every built-in role and a custom one against every
// route, bad credentials, the non-loopback rule, local and Redis-shared rate limits, and no secret
// in any log line. The external-issuer test is in gateway_issuer_test.cc.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

const std::vector<std::string> kRoutes = {"POST events", "GET events",  "GET streams",
                                          "GET stream",  "GET metrics", "GET healthz"};

HttpResult call(const DeltaProcess& d, const std::string& route, const std::vector<std::string>& auth) {
  if (route == "POST events") return post_events(d, "orders", auth, 1);
  std::string path = route == "GET events"    ? "/v1/streams/orders/events"
                     : route == "GET streams" ? "/v1/streams"
                     : route == "GET stream"  ? "/v1/streams/orders"
                     : route == "GET metrics" ? "/metrics"
                                              : "/healthz";
  return http_request("GET", d.url(path), auth);
}

TEST(Gateway, RbacMatrixEveryRoleTimesEveryRoute) {
  TempDir dir;
  DeltaProcess d(dir.path(), std::string(kAuthRoles) + kStreams);
  std::map<std::string, std::string> keys;
  for (const char* role : {"producer", "analyst", "admin", "orders-reader"}) keys[role] = create_key(d, role);
  ASSERT_TRUE(d.start()) << d.read_stdout();
  // Expected status per route, in kRoutes order. /metrics is public on a loopback listener.
  std::map<std::string, std::vector<long>> expected = {
      {"producer", {200, 403, 403, 403, 200, 200}},        {"analyst", {403, 200, 200, 200, 200, 200}},
      {"admin", {200, 200, 200, 200, 200, 200}},           {"orders-reader", {403, 200, 403, 200, 200, 200}},
      {"(no credential)", {401, 401, 401, 401, 200, 200}}, {"(unknown key)", {401, 401, 401, 401, 200, 200}}};
  for (const auto& [who, statuses] : expected) {
    std::vector<std::string> auth;
    if (keys.count(who)) auth = {"X-API-Key: " + keys[who]};
    if (who == "(unknown key)") auth = {"Authorization: Bearer dk_00000000000000000000000000000000"};
    for (size_t i = 0; i < kRoutes.size(); ++i) {
      HttpResult r = call(d, kRoutes[i], auth);
      EXPECT_EQ(r.status, statuses[i]) << who << " " << kRoutes[i] << ": " << r.body;
      if (r.status == 403) {
        EXPECT_NE(r.body.find("\"code\":\"forbidden\""), std::string::npos) << r.body;
      }
    }
  }
  HttpResult r = post_events(d, "orders", {"X-API-Key: " + keys["analyst"]}, 1);
  EXPECT_NE(r.body.find(R"(missing permission produce on stream \"orders\")"), std::string::npos) << r.body;
  std::string out = d.read_stdout();
  EXPECT_NE(out.find(R"("log.logger":"audit")"), std::string::npos);
  EXPECT_NE(out.find(R"("event.outcome":"failure")"), std::string::npos);
}

TEST(Gateway, BadOrMissingCredentialsGet401WithTheReason) {
  TempDir dir;
  DeltaProcess d(dir.path(), std::string(kAuthRoles) + kStreams);
  std::string key = create_key(d, "producer");
  ASSERT_TRUE(d.start()) << d.read_stdout();
  HttpResult none = post_events(d, "orders", {}, 1);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.headers["www-authenticate"].find("Bearer"), std::string::npos);
  EXPECT_NE(none.body.find("missing credentials"), std::string::npos) << none.body;
  HttpResult garbage = post_events(d, "orders", {"Authorization: Bearer not.a.jwt"}, 1);
  EXPECT_EQ(garbage.status, 401);
  EXPECT_NE(garbage.headers["www-authenticate"].find(R"(error="invalid_token", error_description=")"),
            std::string::npos)
      << garbage.headers["www-authenticate"];
  HttpResult basic = post_events(d, "orders", {"Authorization: Basic dXNlcjpwYXNz"}, 1);
  EXPECT_EQ(basic.status, 401);
  EXPECT_NE(basic.body.find("unsupported authorization scheme"), std::string::npos) << basic.body;

  // Revocation reaches the running server through the key file.
  EXPECT_EQ(post_events(d, "orders", {"X-API-Key: " + key}, 1).status, 200);
  CommandResult list = run_delta({"keys", "list", "-c", d.config_path()});
  size_t at = list.out.find("key_");
  ASSERT_NE(at, std::string::npos) << list.out;
  std::string id = list.out.substr(at, list.out.find(' ', at) - at);
  ASSERT_EQ(run_delta({"keys", "revoke", "-c", d.config_path(), id}).exit_code, 0);
  EXPECT_TRUE(poll_status(d, "orders", {"X-API-Key: " + key}, 401));
}

TEST(Gateway, NonLoopbackListenerNeedsAuthOrAnExplicitNone) {
  TempDir dir;
  uint16_t port = free_port();
  std::string server =
      "server: {listen: \"0.0.0.0:" + std::to_string(port) + "\"}\nlog: {dir: \"" + dir.path() + "/log\"}\n";
  std::string refused_path = dir.path() + "/refused.yaml";
  write_file(refused_path, server + kStreams);
  CommandResult refused = run_delta({"run", "-c", refused_path}, 10'000);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("refusing to listen on 0.0.0.0:" + std::to_string(port)), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("auth: none"), std::string::npos) << refused.err;

  auto open = DeltaProcess::from_yaml(dir.path(), port, server + "auth: none\n" + kStreams);
  ASSERT_TRUE(open->start()) << open->read_stdout();
  EXPECT_EQ(post_events(*open, "orders", {}, 1).status, 200);
  EXPECT_NE(open->read_stdout().find("authentication is off"), std::string::npos);
}

TEST(Gateway, LoopbackWithoutAuthSaysSoAtStart) {
  TempDir dir;
  DeltaProcess d(dir.path(), kStreams);
  ASSERT_TRUE(d.start());
  EXPECT_EQ(post_events(d, "orders", {}, 1).status, 200);
  EXPECT_NE(d.read_stdout().find("authentication is off"), std::string::npos);
}

TEST(Gateway, RequestRateLimitBurstThen429WithHeaders) {
  TempDir dir;
  std::string auth =
      std::string(kAuthRoles) +
      "  rate_limits:\n    producer: {requests_per_second: 1, burst: 3, events_per_second: 50}\n";
  DeltaProcess d(dir.path(), auth + kStreams);
  std::string key = create_key(d, "producer");
  std::string other = create_key(d, "producer");
  ASSERT_TRUE(d.start()) << d.read_stdout();
  std::vector<std::string> h = {"X-API-Key: " + key};
  for (int i = 0; i < 3; ++i) {
    HttpResult ok = post_events(d, "orders", h, 1);
    ASSERT_EQ(ok.status, 200) << i << ok.body;
    EXPECT_EQ(ok.headers["ratelimit-limit"], "3");
  }
  HttpResult limited = post_events(d, "orders", h, 1);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_GE(std::atoi(limited.headers["retry-after"].c_str()), 1);
  EXPECT_EQ(limited.headers["ratelimit-limit"], "3");
  EXPECT_EQ(limited.headers["ratelimit-remaining"], "0");
  EXPECT_FALSE(limited.headers["ratelimit-reset"].empty());
  EXPECT_NE(limited.body.find("\"code\":\"rate_limited\""), std::string::npos);

  // Events per second, charged by event count: another principal has its own buckets.
  std::vector<std::string> h2 = {"X-API-Key: " + other};
  EXPECT_EQ(post_events(d, "orders", h2, 50).status, 200);
  HttpResult events = post_events(d, "orders", h2, 50);
  EXPECT_EQ(events.status, 429) << events.body;
  EXPECT_NE(events.body.find("events per second"), std::string::npos) << events.body;
  EXPECT_FALSE(events.headers["retry-after"].empty());
}

TEST(Gateway, TwoInstancesShareOneLimitThroughRedis) {
  if (std::system("command -v redis-server >/dev/null") != 0)
    FAIL() << "redis-server not installed: run scripts/setup.sh";
  TempDir dir;
  uint16_t redis_port = free_port();
  Subprocess redis({"redis-server", "--port", std::to_string(redis_port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no"},
                   dir.path() + "/redis.out");
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(redis.wait_for_output("Ready to accept connections", 10'000)) << redis.output();
  std::string auth = std::string(kAuthRoles) + "  api_keys_file: \"" + dir.path() +
                     "/keys.json\"\n  redis_url: \"redis://127.0.0.1:" + std::to_string(redis_port) +
                     "\"\n  rate_limits:\n    producer: {requests_per_second: 1, burst: 4}\n";
  TempDir dir_a, dir_b;
  DeltaProcess a(dir_a.path(), auth + kStreams);
  DeltaProcess b(dir_b.path(), auth + kStreams);
  std::string key = create_key(a, "producer");
  ASSERT_TRUE(a.start()) << a.read_stdout();
  ASSERT_TRUE(b.start()) << b.read_stdout();
  std::vector<std::string> h = {"X-API-Key: " + key};
  // Four requests in all pass, two on each instance; each instance alone would allow four.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(post_events(a, "orders", h, 1).status, 200);
    EXPECT_EQ(post_events(b, "orders", h, 1).status, 200);
  }
  EXPECT_EQ(post_events(a, "orders", h, 1).status, 429);
  EXPECT_EQ(post_events(b, "orders", h, 1).status, 429);
  redis.stop();
  // Redis gone: each instance falls back to its own limiter and says so.
  EXPECT_NE(post_events(a, "orders", h, 1).status, 0);
  EXPECT_NE(a.read_stdout().find("shared rate limiter unavailable"), std::string::npos);
}

TEST(Gateway, NoSecretInAnyLogLine) {
  TempDir dir;
  const std::string client_secret = "gw-client-secret-7f3a9c21d4e5";
  ::setenv("GW_TEST_CLIENT_SECRET", client_secret.c_str(), 1);
  std::string auth =
      std::string(kAuthRoles) +
      "  clients:\n    ingest: {secret: \"${GW_TEST_CLIENT_SECRET}\", grants: [client_credentials], "
      "roles: [producer]}\n";
  DeltaProcess d(dir.path(), auth + kStreams);
  CommandResult created = run_delta({"keys", "create", "-c", d.config_path(), "--role", "producer"});
  std::string key = trim(created.out);
  ASSERT_TRUE(key.starts_with("dk_")) << created.out << created.err;
  ASSERT_TRUE(d.start()) << d.read_stdout();
  std::string wrong_key = key.substr(0, key.size() - 4) + "ZZZZ";
  std::string fake_jwt =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJtYWxsb3J5IiwiaXNzIjoiaHR0cHM6Ly9ldmlsIn0."
      "c2lnbmF0dXJlLXNlY3JldA";
  EXPECT_EQ(post_events(d, "orders", {"X-API-Key: " + key}, 1).status, 200);
  EXPECT_EQ(post_events(d, "orders", {"Authorization: Bearer " + key}, 1).status, 200);
  EXPECT_EQ(post_events(d, "orders", {"X-API-Key: " + wrong_key}, 1).status, 401);
  EXPECT_EQ(post_events(d, "orders", {"Authorization: Bearer " + fake_jwt}, 1).status, 401);
  EXPECT_EQ(post_events(d, "orders", {"Authorization: Basic " + client_secret}, 1).status, 401);
  EXPECT_EQ(d.terminate(), 0);
  std::string logs = d.read_stdout() + created.err;
  ASSERT_NE(logs.find("audit"), std::string::npos);
  for (const std::string& secret :
       {key, wrong_key, fake_jwt, client_secret, key.substr(3), fake_jwt.substr(0, 40)}) {
    EXPECT_EQ(logs.find(secret), std::string::npos)
        << "secret found in logs: " << secret.substr(0, 6) << "...";
  }
}

}  // namespace
}  // namespace delta::testing

namespace delta::testing {
namespace {

// `delta send` carries a credential: --api-key here; without one the gateway refuses the batch.
TEST(Gateway, DeltaSendAuthenticatesWithAnApiKey) {
  TempDir dir;
  DeltaProcess d(dir.path(), std::string(kAuthRoles) + kStreams);
  std::string key = create_key(d, "producer");
  std::string admin = create_key(d, "admin");
  ASSERT_TRUE(d.start()) << d.read_stdout();
  std::string file = dir.path() + "/events.ndjson";
  {
    FILE* f = std::fopen(file.c_str(), "w");
    for (int i = 0; i < 30; ++i) std::fprintf(f, "{\"n\":%d}\n", i);
    std::fclose(f);
  }
  std::string base =
      std::string(DELTA_BINARY) + " send orders " + file + " --url " + d.url("") + " 2>/dev/null";
  std::string env = "env -u DELTA_API_KEY -u DELTA_TOKEN XDG_CONFIG_HOME=" + dir.path() + " ";
  EXPECT_NE(WEXITSTATUS(std::system((env + base).c_str())), 0);
  EXPECT_EQ(WEXITSTATUS(std::system((env + base + " --api-key " + key).c_str())), 0);
  HttpResult r = http_request("GET", d.url("/v1/streams/orders"), {"X-API-Key: " + key});
  EXPECT_EQ(r.status, 403) << r.body;  // a producer may not read; the count comes from an admin key
  HttpResult info = http_request("GET", d.url("/v1/streams/orders"), {"X-API-Key: " + admin});
  int64_t stored = 0;
  for (size_t at = 0; (at = info.body.find("\"end_offset\":", at)) != std::string::npos; ++at) {
    stored += std::stoll(info.body.substr(at + 13));
  }
  EXPECT_EQ(stored, 30) << info.body;
}

}  // namespace
}  // namespace delta::testing
