// Views through the real binary: results of posted events at GET /v1/views/{view}/results, the
// view's state at GET /v1/views/{view} and in /metrics, and the recovery promise: a run killed with
// SIGKILL mid-stream and restarted ends with the results of a run that was never interrupted.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

constexpr int64_t kBase = 1'800'000'000'000;  // 2027-01-15, epoch ms; windows of 10 s from here
constexpr int64_t kFlushTs = kBase + 3'600'000;

std::string streams_yaml(const std::string& dir, std::string_view sink) {
  std::string sinks = sink == "memory"
                          ? "  results: {kind: memory}\n"
                          : "  results: {kind: sqlite, path: \"" + dir + "/results.db\", linger: 20ms}\n";
  return R"(streams:
  orders:
    partitions: 3
    key: user
    time_field: ts
    schema: {ts: int64, id: string, user: string, country: string, amount: int64}
    dedup: {field: id, horizon: 10m}
    watermark: {out_of_orderness: 3s, idle_timeout: 0}
views:
  revenue:
    from: orders
    where: "amount >= 0"
    window: {tumbling: 10s, allowed_lateness: 2s}
    group_by: [country]
    select: {orders: count(), revenue: sum(amount), top: max(amount), buyers: count_distinct(user)}
    sinks: [results]
sinks:
)" + sinks;
}

struct Workload {
  std::vector<std::string> requests;  // NDJSON bodies, posted in order
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, int64_t>>
      expected;  // (window, country) -> (n, sum)
};

// Events over ~100 s of event time, a little out of order, in `n` requests of 100.
Workload workload(int n) {
  std::mt19937 rng(42);
  const char* countries[] = {"DE", "FR", "US", "JP"};
  Workload w;
  for (int r = 0; r < n; ++r) {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      int64_t ts = kBase + r * 1000 + i * 10 - static_cast<int64_t>(rng() % 2000);
      std::string country = countries[rng() % 4];
      int64_t amount = static_cast<int64_t>(rng() % 1000);
      body += R"({"ts":)" + std::to_string(ts) + R"(,"id":"o)" + std::to_string(r * 100 + i) +
              R"(","user":"u)" + std::to_string(rng() % 50) + R"(","country":")" + country +
              R"(","amount":)" + std::to_string(amount) + "}\n";
      auto& e = w.expected[{ts - ((ts % 10'000) + 10'000) % 10'000, country}];
      ++e.first;
      e.second += amount;
    }
    w.requests.push_back(std::move(body));
  }
  // Far-future events on every user (so every partition) make every window above final.
  std::string flush;
  for (int u = 0; u < 50; ++u) {
    flush += R"({"ts":)" + std::to_string(kFlushTs) + R"(,"id":"flush)" + std::to_string(u) +
             R"(","user":"u)" + std::to_string(u) + R"(","country":"ZZ","amount":0})" + "\n";
  }
  w.requests.push_back(std::move(flush));
  return w;
}

// Polls `fn` until it returns true or `seconds` pass.
bool eventually(int seconds, const std::function<bool()>& fn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fn();
}

// Posts until a 200 (a request cut by a kill is sent again: the stream's dedup drops repeats).
bool post(DeltaProcess& delta, const std::string& body) {
  return eventually(20, [&] {
    return http_post(delta.url("/v1/streams/orders/events"), body, "application/x-ndjson").status == 200;
  });
}

// The sum of the view's committed offsets over its partitions (GET /v1/views/revenue).
int64_t committed_total(DeltaProcess& delta) {
  std::string body = http_get(delta.url("/v1/views/revenue")).body;
  int64_t total = 0;
  const std::string key = "\"committed_offset\":";
  for (size_t at = body.find(key); at != std::string::npos; at = body.find(key, at + 1)) {
    total += std::stoll(body.substr(at + key.size()));
  }
  return total;
}

std::string final_results(DeltaProcess& delta) {
  HttpResult r = http_get(delta.url("/v1/views/revenue/results?limit=100000&to=" + std::to_string(kFlushTs)));
  return r.status == 200 ? r.body : "status " + std::to_string(r.status) + ": " + r.body;
}

// Every window below the flush has its final row, with the counts and sums the test computed.
bool matches_expected(const std::string& body, const Workload& w) {
  size_t finals = 0;  // the memory cache keeps the JSON (true), SQLite stores a bool as 1
  for (std::string_view f : {"\"final\":true", "\"final\":1"}) {
    for (size_t at = body.find(f); at != std::string::npos; at = body.find(f, at + 1)) ++finals;
  }
  if (finals != w.expected.size()) return false;
  for (const auto& [id, v] : w.expected) {
    std::string start = R"("country":")" + id.second + R"(","orders":)" + std::to_string(v.first) +
                        R"(,"revenue":)" + std::to_string(v.second) + ",";
    if (body.find(start) == std::string::npos) return false;
  }
  return true;
}

TEST(ViewE2E, ResultsStateAndMetricsOfPostedEvents) {
  TempDir dir;
  DeltaProcess delta(dir.path(), streams_yaml(dir.path(), "memory"));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  Workload w = workload(8);
  for (const std::string& body : w.requests) ASSERT_TRUE(post(delta, body));
  std::string body;
  ASSERT_TRUE(eventually(20, [&] { return matches_expected(body = final_results(delta), w); })) << body;

  HttpResult state = http_get(delta.url("/v1/views/revenue"));
  ASSERT_EQ(state.status, 200);
  EXPECT_NE(state.body.find(R"("read":)" + std::to_string(8 * 100 + 50)), std::string::npos) << state.body;
  EXPECT_NE(state.body.find(R"("partitions":[{"partition":0,)"), std::string::npos) << state.body;
  EXPECT_NE(state.body.find(R"("lag":0)"), std::string::npos) << state.body;
  HttpResult list = http_get(delta.url("/v1/views"));
  EXPECT_NE(list.body.find(R"({"name":"revenue","from":"orders","window":"tumbling","sinks":["results"]})"),
            std::string::npos)
      << list.body;
  HttpResult metrics = http_get(delta.url("/metrics"));
  EXPECT_NE(metrics.body.find("delta_view_events_total{view=\"revenue\"} 850"), std::string::npos);
  EXPECT_NE(metrics.body.find("delta_view_lag_events{view=\"revenue\",partition=\"0\"} 0"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("delta_view_partition_watermark_ms{view=\"revenue\",partition=\"2\"} " +
                              std::to_string(kFlushTs - 3000)),
            std::string::npos);

  // One key, a time range, and the errors.
  HttpResult de = http_get(delta.url("/v1/views/revenue/results?key=DE&from=" + std::to_string(kBase) +
                                     "&to=2027-01-15T08:00:20Z"));
  ASSERT_EQ(de.status, 200) << de.body;
  EXPECT_EQ(de.body.find("\"FR\""), std::string::npos);
  EXPECT_NE(
      de.body.find(
          R"({"window_start":"2027-01-15T08:00:00.000Z","window_end":"2027-01-15T08:00:10.000Z","country":"DE")"),
      std::string::npos)
      << de.body;
  EXPECT_EQ(http_get(delta.url("/v1/views/nope/results")).status, 404);
  HttpResult bad = http_get(delta.url("/v1/views/revenue/results?from=yesterday"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("bad_parameter"), std::string::npos);
}

TEST(ViewE2E, AKilledAndRestartedRunEndsWithTheUninterruptedResults) {
  Workload w = workload(70);
  TempDir dir_a, dir_b;
  DeltaProcess a(dir_a.path(), streams_yaml(dir_a.path(), "sqlite"));
  ASSERT_TRUE(a.start()) << a.read_stdout();
  for (const std::string& body : w.requests) ASSERT_TRUE(post(a, body));
  std::string expected;
  ASSERT_TRUE(eventually(30, [&] { return matches_expected(expected = final_results(a), w); })) << expected;

  DeltaProcess b(dir_b.path(), streams_yaml(dir_b.path(), "sqlite"));
  ASSERT_TRUE(b.start()) << b.read_stdout();
  std::mt19937 rng(7);
  size_t next = 0;
  int64_t committed = 0;
  for (int kill = 0; kill < 3; ++kill) {
    size_t until = std::min(w.requests.size() - 1, next + 16 + rng() % 5);  // >= 16 s: a window closes
    for (; next < until; ++next) ASSERT_TRUE(post(b, w.requests[next]));
    // The view has checkpointed past windows that are final, so the restart resumes mid-stream.
    ASSERT_TRUE(eventually(20, [&] { return committed_total(b) > committed; }));
    committed = committed_total(b);
    // Kill while a request is in flight and the view is mid-stream.
    std::thread in_flight(
        [&] { http_post(b.url("/v1/streams/orders/events"), w.requests[next], "application/x-ndjson"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 30));  // a random kill point, not a wait
    b.kill9();
    in_flight.join();
    ASSERT_TRUE(b.start()) << b.read_stdout();
  }
  for (; next < w.requests.size(); ++next) ASSERT_TRUE(post(b, w.requests[next]));
  std::string got;
  ASSERT_TRUE(eventually(30, [&] { return (got = final_results(b)) == expected; })) << "expected\n"
                                                                                    << expected << "\ngot\n"
                                                                                    << got;
}

// Regression: SIGTERM while a view's sink is down and its queue full. The view worker waits in the
// sink's deliver() until the sink closes; `delta run` used to stop the views before the sinks, so the
// worker was never released and the process never exited.
TEST(ViewE2E, StopsOnSigtermWhileAViewIsBlockedOnASinkThatIsDown) {
  TempDir dir;
  const std::string yaml = R"(streams:
  clicks:
    partitions: 1
    time_field: ts
    schema: {ts: int64, id: string}
    watermark: {out_of_orderness: 1s, idle_timeout: 0}
views:
  per_id:
    from: clicks
    window: {tumbling: 10s}
    group_by: [id]
    select: {n: count()}
    sinks: [down]
sinks:
  down: {kind: clickhouse, url: "http://127.0.0.1:)" +
                           std::to_string(free_port()) + R"(", retry_initial: 50ms, retry_max: 200ms}
)";
  DeltaProcess delta(dir.path(), yaml);
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  // Two windows of 8000 keys: the first delivery (about 1.5 MB) fills the sink's 1 MiB queue, the
  // second blocks the worker. An event past each window makes it fire in its own round.
  constexpr int kKeys = 8000;
  for (int w = 0; w < 2; ++w) {
    const int64_t start = kBase + w * 10'000;
    for (int part = 0; part < kKeys / 1000; ++part) {
      std::string body;
      for (int i = part * 1000; i < (part + 1) * 1000; ++i) {
        body += R"({"ts":)" + std::to_string(start + 1000) + R"(,"id":"id)" + std::to_string(i) + "\"}\n";
      }
      ASSERT_EQ(http_post(delta.url("/v1/streams/clicks/events"), body, "application/x-ndjson").status, 200);
    }
    std::string past = R"({"ts":)" + std::to_string(start + 12'000) + R"(,"id":"past"})" + "\n";
    ASSERT_EQ(http_post(delta.url("/v1/streams/clicks/events"), past, "application/x-ndjson").status, 200);
    ASSERT_TRUE(eventually(60, [&] {
      std::string state = http_get(delta.url("/v1/views/per_id")).body;
      size_t at = state.find("\"results\":");
      return at != std::string::npos && std::stoll(state.substr(at + 10)) >= (w + 1) * kKeys;
    })) << http_get(delta.url("/v1/views/per_id")).body;
  }
  ASSERT_TRUE(delta.signal(SIGTERM));
  // The sink's close waits 10 s for the backend; then the view commits what was acknowledged and exits.
  EXPECT_TRUE(delta.wait_for_output(R"("message":"stopped")", 1, 60'000)) << delta.read_stdout();
}

}  // namespace
}  // namespace delta::testing
