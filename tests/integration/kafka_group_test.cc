// Scale-out in Kafka-log mode (issue 6): two `delta run` instances with the same config share a
// view's partitions as one Kafka consumer group (librdkafka's mock cluster in its own process,
// tests/kafka_mock). One is killed with SIGKILL mid-stream; the survivor takes over its partitions,
// replays them from the checkpoints the dead one committed to Kafka (offset + metadata), and the
// results in the SQLite file both instances write end equal to those of a single instance that was
// never interrupted (another topic prefix, hence another consumer group, on the same cluster), and
// to the counts the test computes by event id.
//
// The shared sink is one SQLite file: the sqlite sink upserts by (window, group key) and waits on
// SQLite's lock (busy_timeout), so two processes can write it, and either instance's results API
// reads all of it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/kafka_mock_process.h"

namespace delta::testing {
namespace {

constexpr int64_t kBase = 1'800'000'000'000;  // epoch ms; windows of 10 s from here
constexpr int64_t kFlushTs = kBase + 3'600'000;
constexpr int kPartitions = 4;

std::string streams_yaml(const std::string& results_db) {
  return R"(streams:
  orders:
    partitions: 4
    key: user
    time_field: ts
    schema: {ts: int64, id: string, user: string, amount: int64}
    dedup: {field: id, horizon: 10m}
    watermark: {out_of_orderness: 3s, idle_timeout: 0}
views:
  per_user:
    from: orders
    window: {tumbling: 10s, allowed_lateness: 2s}
    group_by: [user]
    select: {orders: count(), revenue: sum(amount)}
    sinks: [results]
sinks:
  results: {kind: sqlite, path: ")" +
         results_db + R"(", linger: 20ms}
)";
}

// A short session so that the survivor hears of the death within seconds; fast fetches.
std::string kafka_log(const KafkaMockProcess& kafka, const std::string& prefix) {
  return "kind: kafka, brokers: \"" + kafka.bootstraps() + "\", topic_prefix: \"" + prefix +
         "\", properties: {session.timeout.ms: 6000, heartbeat.interval.ms: 500, fetch.wait.max.ms: 20}";
}

struct Workload {
  std::vector<std::string> requests;                            // NDJSON bodies, posted in order
  std::map<std::pair<int64_t, std::string>, int64_t> expected;  // (window, user) -> orders
};

// 60 requests of 100 events over ~60 s of event time, a little out of order, then far-future
// events on every user (so on every partition) that make every window before them final.
Workload workload() {
  std::mt19937 rng(11);
  Workload w;
  for (int r = 0; r < 60; ++r) {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      int64_t ts = kBase + r * 1000 + i * 10 - static_cast<int64_t>(rng() % 2000);
      std::string user = "u" + std::to_string(rng() % 40);
      body += R"({"ts":)" + std::to_string(ts) + R"(,"id":"o)" + std::to_string(r * 100 + i) +
              R"(","user":")" + user + R"(","amount":)" + std::to_string(rng() % 1000) + "}\n";
      ++w.expected[{ts - ((ts % 10'000) + 10'000) % 10'000, user}];
    }
    w.requests.push_back(std::move(body));
  }
  std::string flush;
  for (int u = 0; u < 40; ++u) {
    flush += R"({"ts":)" + std::to_string(kFlushTs) + R"(,"id":"flush)" + std::to_string(u) +
             R"(","user":"u)" + std::to_string(u) + R"(","amount":0})" + "\n";
  }
  w.requests.push_back(std::move(flush));
  return w;
}

// Posts until a 200 (a retry after a 503 or a cut connection: dedup drops the repeats).
bool post(DeltaProcess& delta, const std::string& body) {
  return poll_until(30, [&] {
    return http_post(delta.url("/v1/streams/orders/events"), body, "application/x-ndjson").status == 200;
  });
}

struct ViewState {
  int assigned = -1;
  int64_t committed_assigned = 0;  // committed offsets summed over the partitions it owns
  int64_t rebalances = 0;
};

// From GET /v1/views/per_user.
ViewState view_state(DeltaProcess& delta) {
  ViewState s;
  HttpResult r = http_get(delta.url("/v1/views/per_user"));
  if (r.status != 200) return s;
  auto number = [&](const std::string& key, size_t from) -> int64_t {
    size_t at = r.body.find("\"" + key + "\":", from);
    return at == std::string::npos ? -1 : std::stoll(r.body.substr(at + key.size() + 3));
  };
  s.assigned = static_cast<int>(number("assigned_partitions", 0));
  s.rebalances = number("rebalances", 0);
  for (size_t at = r.body.find("{\"partition\":"); at != std::string::npos;
       at = r.body.find("{\"partition\":", at + 1)) {
    if (r.body.find("\"assigned\":true", at) < r.body.find('}', at)) {
      s.committed_assigned += std::max<int64_t>(0, number("committed_offset", at));
    }
  }
  return s;
}

std::string final_results(DeltaProcess& delta) {
  HttpResult r =
      http_get(delta.url("/v1/views/per_user/results?limit=100000&to=" + std::to_string(kFlushTs)));
  return r.status == 200 ? r.body : "status " + std::to_string(r.status) + ": " + r.body;
}

// Every window below the flush has its final row with the count the test computed by event id.
bool matches_expected(const std::string& body, const Workload& w) {
  size_t rows = 0;
  for (size_t at = body.find("\"final\":"); at != std::string::npos; at = body.find("\"final\":", at + 1))
    ++rows;
  if (rows != w.expected.size()) return false;
  for (const auto& [id, n] : w.expected) {
    if (body.find(R"("user":")" + id.second + R"(","orders":)" + std::to_string(n) + ",") ==
        std::string::npos)
      return false;
  }
  return true;
}

TEST(KafkaGroup, AViewWhoseGroupByLacksTheStreamKeyIsRefusedInKafkaMode) {
  KafkaMockProcess kafka({"delta.orders:4", "delta._dlq:1"});
  ASSERT_TRUE(kafka.start());
  TempDir dir;
  std::string yaml = streams_yaml(dir.path() + "/r.db");
  yaml.replace(yaml.find("group_by: [user]"), 16, "group_by: [amount]");
  DeltaProcess delta(dir.path(), yaml, "", kafka_log(kafka, "delta."));
  EXPECT_FALSE(delta.start());
  const std::string out = delta.read_stdout();
  EXPECT_NE(out.find("with log kind kafka, group_by must include the stream's key field \"user\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("pipeline.yaml:15:16: views.per_user.group_by"), std::string::npos)
      << out;  // file:line:col of the group_by
}

TEST(KafkaGroup, TwoInstancesShareTheViewAndTheSurvivorOfASigkillEndsWithTheUninterruptedResults) {
  KafkaMockProcess kafka({"delta.orders:4", "delta._dlq:1", "oracle.orders:4", "oracle._dlq:1"});
  ASSERT_TRUE(kafka.start());
  const Workload w = workload();

  // The oracle: one instance, never interrupted, its own topics, group and results file.
  TempDir dir_o;
  DeltaProcess oracle(dir_o.path(), streams_yaml(dir_o.path() + "/results.db"), "",
                      kafka_log(kafka, "oracle."));
  ASSERT_TRUE(oracle.start()) << oracle.read_stdout();

  TempDir shared, dir_a, dir_b;
  const std::string db = shared.path() + "/results.db";
  DeltaProcess a(dir_a.path(), streams_yaml(db), "", kafka_log(kafka, "delta."));
  ASSERT_TRUE(a.start()) << a.read_stdout();
  DeltaProcess b(dir_b.path(), streams_yaml(db), "", kafka_log(kafka, "delta."));
  ASSERT_TRUE(b.start()) << b.read_stdout();

  // Kafka splits the four partitions between the two members.
  ViewState sa, sb;
  ASSERT_TRUE(poll_until(60,
                         [&] {
                           sa = view_state(a);
                           sb = view_state(b);
                           return sa.assigned > 0 && sb.assigned > 0 &&
                                  sa.assigned + sb.assigned == kPartitions;
                         }))
      << "a owns " << sa.assigned << ", b owns " << sb.assigned << "\n"
      << a.read_stdout();
  HttpResult metrics = http_get(a.url("/metrics"));
  EXPECT_EQ(metric_value(metrics.body, "delta_view_assigned_partitions{view=\"per_user\"}"), sa.assigned)
      << metrics.body;
  EXPECT_GE(metric_value(metrics.body, "delta_view_rebalances_total{view=\"per_user\"}"), 1);

  // Half the stream, posted to both instances in turn; every fifth request is sent twice (a client
  // retry), which the stream's dedup drops.
  size_t next = 0;
  for (; next < 30; ++next) {
    DeltaProcess& to = next % 2 == 0 ? a : b;
    ASSERT_TRUE(post(to, w.requests[next]));
    if (next % 5 == 0) {
      ASSERT_TRUE(post(next % 2 == 0 ? b : a, w.requests[next]));
    }
    ASSERT_TRUE(post(oracle, w.requests[next]));
  }
  // The victim has committed checkpoints past final windows of the partitions it owns.
  ASSERT_TRUE(poll_until(30, [&] { return view_state(a).committed_assigned > 0; })) << a.read_stdout();

  // SIGKILL while a request to it is in flight; the client retries on the survivor.
  std::thread in_flight(
      [&] { http_post(a.url("/v1/streams/orders/events"), w.requests[next], "application/x-ndjson"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a kill point inside the request, not a wait
  a.kill9();
  const auto killed_at = std::chrono::steady_clock::now();
  in_flight.join();
  for (; next < w.requests.size(); ++next) {
    ASSERT_TRUE(post(b, w.requests[next]));
    ASSERT_TRUE(post(oracle, w.requests[next]));
  }

  // The survivor owns every partition once the group has noticed the death (session timeout).
  ASSERT_TRUE(poll_until(60, [&] { return (sb = view_state(b)).assigned == kPartitions; }))
      << "b owns " << sb.assigned << "\n"
      << b.read_stdout();
  EXPECT_GT(sb.rebalances, 1);
  auto ms_since_kill = [&] {
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at)
            .count());
  };
  const int takeover_ms = ms_since_kill();

  std::string expected, got;
  ASSERT_TRUE(poll_until(60, [&] { return matches_expected(expected = final_results(oracle), w); }))
      << expected;
  ASSERT_TRUE(poll_until(60, [&] { return (got = final_results(b)) == expected; })) << "expected\n"
                                                                                    << expected << "\ngot\n"
                                                                                    << got;
  EXPECT_TRUE(matches_expected(got, w));
  // How long the group took (session timeout 6 s here) and the survivor needed to catch up.
  RecordProperty("takeover_ms", takeover_ms);
  RecordProperty("results_equal_ms", ms_since_kill());
  std::printf(
      "kafka_group_test: all partitions on the survivor %d ms after the SIGKILL, results equal after %d ms\n",
      takeover_ms, ms_since_kill());
  EXPECT_EQ(b.terminate(), 0);
  EXPECT_EQ(oracle.terminate(), 0);
}

}  // namespace
}  // namespace delta::testing
