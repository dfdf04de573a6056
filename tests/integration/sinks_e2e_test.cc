// The production sinks end to end, through the real `delta` binary: events POSTed to Delta arrive in
// clickhouse-server, redis-server and s3rver (read back by independent clients: ClickHouse's HTTP
// interface, redis-cli, @aws-sdk/client-s3) with their content and counts; view results arrive as
// ClickHouse rows and Redis hashes; and for each backend an outage in the middle of a stream of
// events: Delta keeps answering 200, the server comes back, every event arrives exactly once
// (counted by event id; ClickHouse read with FINAL).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/servers.h"

namespace delta::testing {
namespace {

constexpr int64_t kWindowStart = 1'704'164'640'000;  // 2024-01-02T03:04:00Z, a 10 s boundary
constexpr int kBatch = 50;                           // events per POST
const char* const kCountries[] = {"DE", "FR", "US"};

// Event i: inside the window [03:04:00, 03:04:10) of event time.
std::string event_json(int i) {
  int ms = (i % 1000) * 9;  // 0 .. 8991
  char ts[40];
  std::snprintf(ts, sizeof ts, "2024-01-02T03:04:%02d.%03dZ", ms / 1000, ms % 1000);
  return std::string(R"({"ts":")") + ts + R"(","event_id":"e)" + std::to_string(i) + R"(","user_id":"u)" +
         std::to_string(i % 20) + R"(","country":")" + kCountries[i % 3] + R"(","amount":)" +
         std::to_string(i % 7) + ".5}";
}

// Events [first, first + count) as NDJSON.
std::string ndjson(int first, int count) {
  std::string out;
  for (int i = first; i < first + count; ++i) out += event_json(i) + "\n";
  return out;
}

// Events a minute later from every user (so every partition sees them): the watermark passes the
// end of the test window and its results are final. Their ids start with "late".
std::string closing_events() {
  std::string out;
  for (int u = 0; u < 20; ++u) {
    out += R"({"ts":"2024-01-02T03:05:00.000Z","event_id":"late)" + std::to_string(u) + R"(","user_id":"u)" +
           std::to_string(u) + R"(","country":"ZZ","amount":0.5})" + "\n";
  }
  return out;
}

struct Expected {
  int64_t orders = 0;
  double revenue = 0;
};
// The view's results for events [0, n) in the test window, by country.
std::map<std::string, Expected> expected_results(int n) {
  std::map<std::string, Expected> out;
  for (int i = 0; i < n; ++i) {
    Expected& e = out[kCountries[i % 3]];
    e.orders += 1;
    e.revenue += (i % 7) + 0.5;
  }
  return out;
}

// A whole pipeline: stream `clicks` (2 partitions) with raw events to sink `store`, and view
// `by_country` (10 s tumbling windows) to `store` when `with_view`.
std::string pipeline_yaml(uint16_t port, const std::string& dir, const std::string& store, bool with_view) {
  std::string yaml =
      "server: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n" + "log: {dir: \"" + dir +
      "/log\", durability: os}\n" +
      "streams:\n"
      "  clicks:\n"
      "    time_field: ts\n"
      "    key: user_id\n"
      "    partitions: 2\n"
      "    schema: {ts: timestamp, event_id: string, user_id: string, country: string, amount: float64}\n"
      "    watermark: {out_of_orderness: 1s, idle_timeout: 1s}\n"
      "    sinks: [store]\n";
  if (with_view) {
    yaml +=
        "views:\n"
        "  by_country:\n"
        "    from: clicks\n"
        "    window: {tumbling: 10s}\n"
        "    group_by: [country]\n"
        "    select: {orders: count(), revenue: sum(amount)}\n"
        "    sinks: [store]\n";
  }
  return yaml + "sinks:\n  store: " + store + "\n";
}

// Polls `ready` every 50 ms until it holds or `timeout_ms` passes.
bool eventually(const std::function<bool()>& ready, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a bounded wait, not syncing
  }
  return ready();
}

// Every "event_id":"..." value in `text`, with repeats.
std::multiset<std::string> event_ids_in(const std::string& text) {
  std::multiset<std::string> ids;
  const std::string needle = R"("event_id":")";
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at)) {
    at += needle.size();
    ids.insert(text.substr(at, text.find('"', at) - at));
  }
  return ids;
}

// True when `ids` holds e0 .. e<n-1> once each (other ids, like the closing ones, are ignored).
::testing::AssertionResult each_once(const std::multiset<std::string>& ids, int n) {
  for (int i = 0; i < n; ++i) {
    size_t c = ids.count("e" + std::to_string(i));
    if (c != 1) return ::testing::AssertionFailure() << "event e" << i << " arrived " << c << " times";
  }
  return ::testing::AssertionSuccess();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class SinksEndToEnd : public ::testing::Test {
 protected:
  void start_delta(const std::string& store, bool with_view) {
    uint16_t port = free_port();
    delta_ = DeltaProcess::from_yaml(dir_.path(), port, pipeline_yaml(port, dir_.path(), store, with_view));
    ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
  }

  // POSTs events [first, first + count) in requests of kBatch; every one must answer 200.
  void post(int first, int count) {
    for (int i = first; i < first + count; i += kBatch) {
      HttpResult r = http_post(delta_->url("/v1/streams/clicks/events"),
                               ndjson(i, std::min(kBatch, first + count - i)), "application/x-ndjson");
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_NE(r.body.find("\"rejected\":0"), std::string::npos) << r.body;
    }
  }

  void post_closing() {
    HttpResult r =
        http_post(delta_->url("/v1/streams/clicks/events"), closing_events(), "application/x-ndjson");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // The sum of delta_sink_failures_total of sink `store` (failed writes and prepares).
  double sink_failures() const {
    std::string text = http_get(delta_->url("/metrics")).body;
    double sum = 0;
    for (size_t at = text.find("\ndelta_sink_failures_total{"); at != std::string::npos;
         at = text.find("\ndelta_sink_failures_total{", at + 1)) {
      std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
      if (line.find("sink=\"store\"") != std::string::npos)
        sum += std::strtod(line.c_str() + line.rfind(' '), nullptr);
    }
    return sum;
  }

  // The outage drill: 400 events, the server stopped after 100 and started again after 300, once
  // the sink has failed to write to it (so the retries are exercised, not just a quick restart).
  void outage(const std::function<void()>& stop, const std::function<void()>& start) {
    post(0, 100);
    stop();
    post(100, 200);  // acknowledged by Delta's log while the sink cannot deliver
    ASSERT_TRUE(eventually([&] { return sink_failures() > 0; }, 30'000))
        << "the sink never noticed the outage";
    start();
    post(300, 100);
  }

  TempDir dir_;
  std::unique_ptr<DeltaProcess> delta_;
};

// ---- ClickHouse ----

class ClickHouseEndToEnd : public SinksEndToEnd {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ClickHouseServer>(ch_dir_.path());
    ASSERT_TRUE(server_->start()) << "clickhouse-server did not start (run scripts/setup.sh): "
                                  << server_->error();
  }
  std::string store() const {
    return "{kind: clickhouse, url: \"" + server_->url() +
           "\", database: e2e, linger: 50ms, retry_initial: 50ms, retry_max: 500ms}";
  }
  std::string q(const std::string& sql) const { return trimmed(server_->query(sql).body); }

  TempDir ch_dir_;
  std::unique_ptr<ClickHouseServer> server_;
};

TEST_F(ClickHouseEndToEnd, EventsAndViewResultsArriveAndQueriesRunOnClickHouse) {
  start_delta(store(), true);
  post(0, 600);
  post_closing();
  ASSERT_TRUE(eventually(
      [&] { return q("SELECT count() FROM e2e.clicks FINAL WHERE event_id LIKE 'e%'") == "600"; }, 60'000))
      << q("SELECT count() FROM e2e.clicks FINAL");
  EXPECT_EQ(q("SELECT uniqExact(event_id), count() FROM e2e.clicks FINAL WHERE event_id LIKE 'e%'"),
            "600\t600");
  EXPECT_EQ(q("SELECT event_id, user_id, country, amount, ts_ms FROM e2e.clicks WHERE event_id = 'e7'"),
            "e7\tu7\tFR\t0.5\t" + std::to_string(kWindowStart + 63));

  // The view's final results of the window, one row per country (the latest version wins).
  std::string expected;
  for (const auto& [country, e] : expected_results(600)) {
    expected += country + "\t" + std::to_string(e.orders) + "\t" +
                std::to_string(static_cast<int64_t>(e.revenue * 10)) + "\n";
  }
  std::string sql =
      "SELECT country, orders, toInt64(revenue * 10) FROM e2e.by_country FINAL WHERE _retraction = 0 "
      "AND window_start_ms = " +
      std::to_string(kWindowStart) + " ORDER BY country";
  ASSERT_TRUE(eventually([&] { return q(sql) + "\n" == expected; }, 60'000)) << q(sql) << "\nexpected:\n"
                                                                             << expected;

  // POST /v1/query and `delta query` read the same store, read-only.
  HttpResult r = http_post(
      delta_->url("/v1/query"),
      R"({"sql":"SELECT count() AS n, max(_offset) >= 0 AS ok FROM clicks FINAL WHERE event_id LIKE 'e%'"})",
      "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"columns":["n","ok"],"rows":[[600,1]],"truncated":false})");
  r = http_post(delta_->url("/v1/query"), R"({"sql":"SELECT number FROM system.numbers LIMIT 10","limit":3})",
                "application/json");
  EXPECT_EQ(r.body, R"({"columns":["number"],"rows":[[0],[1],[2]],"truncated":true})");
  r = http_post(delta_->url("/v1/query"), R"({"sql":"DROP TABLE clicks"})", "application/json");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("read_only"), std::string::npos) << r.body;
  r = http_post(delta_->url("/v1/query"), R"({"sql":"SELEC nonsense"})", "application/json");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("bad_query"), std::string::npos) << r.body;
  EXPECT_EQ(q("SELECT count() FROM e2e.clicks FINAL WHERE event_id LIKE 'e%'"),
            "600");  // the DROP was refused
  CommandResult cli = run_delta({"query", "--url", delta_->url(""),
                                 "SELECT country, count() AS n FROM clicks FINAL "
                                 "WHERE event_id LIKE 'e%' GROUP BY country ORDER BY country"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, "country\tn\nDE\t200\nFR\t200\nUS\t200\n");
}

TEST_F(ClickHouseEndToEnd, AnOutageLosesAndDuplicatesNothing) {
  start_delta(store(), false);
  outage([&] { server_->stop(); }, [&] { ASSERT_TRUE(server_->start()) << server_->error(); });
  ASSERT_TRUE(eventually([&] { return q("SELECT count() FROM e2e.clicks FINAL") == "400"; }, 90'000))
      << q("SELECT count() FROM e2e.clicks FINAL");
  EXPECT_EQ(q("SELECT count(), uniqExact(event_id), min(event_id = ''), countIf(country = '') FROM "
              "e2e.clicks FINAL"),
            "400\t400\t0\t0");
  EXPECT_TRUE(each_once(event_ids_in(q("SELECT event_id FROM e2e.clicks FINAL FORMAT JSONEachRow")), 400));
}

// ---- Redis ----

class RedisEndToEnd : public SinksEndToEnd {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RedisServer>(redis_dir_.path());
    ASSERT_TRUE(server_->start()) << "redis-server did not start (run scripts/setup.sh): "
                                  << server_->error();
  }
  std::string store() const {
    return "{kind: redis, url: \"" + server_->url() +
           "\", key_prefix: e2e, ttl: 1h, linger: 50ms, retry_initial: 50ms, retry_max: 500ms}";
  }
  // Every event in the per-partition streams, as their JSON texts.
  std::string stored_events() const {
    return server_->cli({"XRANGE", "e2e:clicks:0", "-", "+"}) +
           server_->cli({"XRANGE", "e2e:clicks:1", "-", "+"});
  }
  int64_t stream_length() const {
    return std::atoll(server_->cli({"XLEN", "e2e:clicks:0"}).c_str()) +
           std::atoll(server_->cli({"XLEN", "e2e:clicks:1"}).c_str());
  }

  TempDir redis_dir_;
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisEndToEnd, EventsAndViewResultsArrive) {
  start_delta(store(), true);
  post(0, 600);
  post_closing();
  ASSERT_TRUE(eventually([&] { return stream_length() == 620; }, 60'000)) << stream_length();
  std::string events = stored_events();
  EXPECT_TRUE(each_once(event_ids_in(events), 600));
  EXPECT_NE(events.find(event_json(7)), std::string::npos) << "event e7 as posted";

  std::string window = std::to_string(kWindowStart);
  for (const auto& [country, e] : expected_results(600)) {
    std::string hash = "e2e:by_country:" + window + ":" + country;
    ASSERT_TRUE(eventually(
        [&] {
          return trimmed(server_->cli({"HGET", hash, "orders"})) == std::to_string(e.orders);
        },
        60'000))
        << hash << ": " << server_->cli({"HGETALL", hash});
    EXPECT_DOUBLE_EQ(std::stod(server_->cli({"HGET", hash, "revenue"})), e.revenue) << hash;
    EXPECT_EQ(trimmed(server_->cli({"HGET", hash, "country"})), country);
    int64_t ttl = std::atoll(server_->cli({"PTTL", hash}).c_str());
    EXPECT_GT(ttl, 0) << hash << " has no expiry";
    EXPECT_LE(ttl, 3'600'000);
  }
  // The pointer to the latest window of a key: the closing events opened a later one for ZZ only.
  EXPECT_EQ(trimmed(server_->cli({"GET", "e2e:by_country:latest:DE"})), window);
}

TEST_F(RedisEndToEnd, AnOutageLosesAndDuplicatesNothing) {
  start_delta(store(), false);
  outage([&] { server_->stop(); }, [&] { ASSERT_TRUE(server_->start()) << server_->error(); });
  ASSERT_TRUE(eventually([&] { return stream_length() == 400; }, 60'000)) << stream_length();
  EXPECT_TRUE(each_once(event_ids_in(stored_events()), 400));
}

// ---- S3 ----

class S3EndToEnd : public SinksEndToEnd {
 protected:
  void SetUp() override {
    server_ = std::make_unique<S3Server>(s3_dir_.path(), "archive");
    ASSERT_TRUE(server_->start()) << "s3rver did not start (run scripts/setup.sh): " << server_->error();
  }
  std::string store() const {
    return "{kind: s3, bucket: archive, endpoint: \"" + server_->endpoint() +
           "\", access_key_id: S3RVER, secret_access_key: S3RVER, prefix: \"e2e/\", "
           "linger: 50ms, retry_initial: 50ms, retry_max: 500ms}";
  }
  // Every object under e2e/stream=clicks/, listed and read with @aws-sdk/client-s3, decompressed.
  std::string archived(size_t* objects) const {
    std::string text;
    std::vector<std::string> listing = server_->list("e2e/stream=clicks/");
    for (const std::string& line : listing) text += unzstd(server_->get(line.substr(0, line.find(' '))));
    *objects = listing.size();
    return text;
  }
  size_t archived_events() const {
    size_t objects = 0;
    return event_ids_in(archived(&objects)).size();
  }

  TempDir s3_dir_;
  std::unique_ptr<S3Server> server_;
};

TEST_F(S3EndToEnd, EventsArriveAsArchiveObjectsAnIndependentClientReads) {
  start_delta(store(), false);
  post(0, 600);
  ASSERT_TRUE(eventually([&] { return archived_events() >= 600; }, 60'000)) << archived_events();
  size_t objects = 0;
  std::string text = archived(&objects);
  EXPECT_TRUE(each_once(event_ids_in(text), 600));
  EXPECT_NE(text.find(event_json(7) + "\n"), std::string::npos) << "event e7 as posted, one per line";
  for (const std::string& line : server_->list("e2e/")) {
    EXPECT_EQ(line.rfind("e2e/stream=clicks/date=2024-01-02/hour=03/part-", 0), 0u) << line;
    EXPECT_NE(line.find(".ndjson.zst "), std::string::npos) << line;
  }
  EXPECT_GE(objects, 2u) << "one object per partition at least";
}

TEST_F(S3EndToEnd, AnOutageLosesAndDuplicatesNothing) {
  start_delta(store(), false);
  outage([&] { server_->stop(); }, [&] { ASSERT_TRUE(server_->start()) << server_->error(); });
  ASSERT_TRUE(eventually([&] { return archived_events() >= 400; }, 60'000)) << archived_events();
  size_t objects = 0;
  EXPECT_TRUE(each_once(event_ids_in(archived(&objects)), 400));
}

// ---- the example config ----

TEST(ProductionExample, ValidatesWithItsSecretsFromTheEnvironment) {
  for (const char* name :
       {"DELTA_MASK_KEY", "CLICKHOUSE_PASSWORD", "REDIS_PASSWORD", "AWS_SECRET_ACCESS_KEY"}) {
    ::setenv(name, "a-test-secret-of-32-bytes-000000", 1);
  }
  ::setenv("CLICKHOUSE_URL", "https://clickhouse.example.com:8443", 1);
  ::setenv("REDIS_URL", "redis://redis.example.com:6379", 1);
  ::setenv("S3_BUCKET", "delta-archive", 1);
  ::setenv("AWS_REGION", "eu-west-1", 1);
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  std::string path = std::string(DELTA_SOURCE_DIR) + "/examples/production.yaml";
  CommandResult r = run_delta({"validate", "-c", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": ok (1 streams, 1 views, 3 sinks)"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("a-test-secret"), std::string::npos) << "a secret was echoed: " << r.err;

  // The backends' options are checked: a URL ClickHouse cannot use is an error at its line.
  ::setenv("CLICKHOUSE_URL", "clickhouse.example.com:8443", 1);
  r = run_delta({"validate", "-c", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("production.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected http://host:port or https://host:port"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace delta::testing
