// Kafka as a source end to end: messages produced with kcat (the independent client) to a topic of
// librdkafka's mock cluster (delta_kafka_mock, its own process) are consumed by the real `delta`
// binary into a stream: masked, invalid ones in the DLQ with topic/partition/offset, a view's
// results over them, the consumer lag in /metrics, and a restart that consumes nothing twice.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/integration/kafka_mock_process.h"

namespace delta::testing {
namespace {

constexpr int64_t kBase = 1'800'000'000'000;  // epoch ms; windows of 10 s from here
constexpr int64_t kFlushTs = kBase + 3'600'000;
const std::string kTopic = "shop.orders";
constexpr int kPartitions = 3;

// The properties pass through to librdkafka; a short session lets the restarted instance join the
// group without waiting for the mock coordinator to expire the previous member (45 s by default).
std::string streams_yaml(const KafkaMockProcess& kafka) {
  return R"(masking: {key: "0123456789abcdef0123456789abcdef"}
streams:
  orders:
    partitions: 2
    key: user
    time_field: ts
    schema: {ts: int64, id: string, user: string, country: string, amount: int64, email: "string?"}
    mask: {email: redact}
    dedup: {field: id, horizon: 10m}
    watermark: {out_of_orderness: 1m, idle_timeout: 0}  # three topic partitions interleave in the log
    source: {kind: kafka, brokers: ")" +
         kafka.bootstraps() + R"(", topics: [)" + kTopic +
         R"(], properties: {fetch.wait.max.ms: 20, session.timeout.ms: 6000, heartbeat.interval.ms: 500}}
views:
  revenue:
    from: orders
    window: {tumbling: 10s}
    group_by: [country]
    select: {orders: count(), revenue: sum(amount)}
    sinks: [results]
sinks:
  results: {kind: memory}
)";
}

// "key:value" lines for kcat -K:, and what a view should make of the valid ones.
struct Messages {
  std::string lines;
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, int64_t>>
      expected;  // (window, country) -> n, sum
  std::set<std::string> ids;
};

void add_orders(int from, int count, Messages* m) {
  const char* countries[] = {"DE", "FR", "US"};
  for (int i = from; i < from + count; ++i) {
    int64_t ts = kBase + i * 100;
    std::string country = countries[i % 3];
    int64_t amount = i % 17;
    std::string id = "o" + std::to_string(i);
    m->lines += "u" + std::to_string(i % 11) + R"(:{"ts":)" + std::to_string(ts) + R"(,"id":")" + id +
                R"(","user":"u)" + std::to_string(i % 11) + R"(","country":")" + country + R"(","amount":)" +
                std::to_string(amount) + R"(,"email":"user)" + std::to_string(i) + "@example.com\"}\n";
    auto& e = m->expected[{ts - ts % 10'000, country}];
    ++e.first;
    e.second += amount;
    m->ids.insert(id);
  }
}

// Far-future events for every user make every window above final.
void add_flush(Messages* m) {
  for (int u = 0; u < 11; ++u) {
    m->lines += "u" + std::to_string(u) + R"(:{"ts":)" + std::to_string(kFlushTs) + R"(,"id":"flush)" +
                std::to_string(u) + R"(","user":"u)" + std::to_string(u) + R"(","country":"ZZ","amount":0})" +
                "\n";
    m->ids.insert("flush" + std::to_string(u));
  }
}

// Produces `lines` with kcat; true when it exited 0.
bool kcat_produce(const KafkaMockProcess& kafka, const TempDir& dir, const std::string& lines) {
  std::string path = dir.path() + "/messages.txt";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  std::fwrite(lines.data(), 1, lines.size(), f);
  std::fclose(f);
  int code = -1;
  run_capture({"kcat", "-P", "-b", kafka.bootstraps(), "-t", kTopic, "-K:", "-l", path}, 30'000, &code);
  return code == 0;
}

bool eventually(int seconds, const std::function<bool()>& fn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fn();
}

std::string lag_series(int partition) {
  return R"(delta_source_kafka_lag{stream="orders",topic=")" + kTopic + R"(",partition=")" +
         std::to_string(partition) + "\"}";
}

bool lag_is_zero(const DeltaProcess& delta) {
  std::string metrics = http_get(delta.url("/metrics")).body;
  for (int p = 0; p < kPartitions; ++p) {
    if (metric_value(metrics, lag_series(p)) != 0) return false;
  }
  return true;
}

double metric(const DeltaProcess& delta, const std::string& series) {
  return metric_value(http_get(delta.url("/metrics")).body, series);
}

bool matches_expected(const std::string& body, const Messages& m) {
  for (const auto& [key, v] : m.expected) {
    std::string row = R"("country":")" + key.second + R"(","orders":)" + std::to_string(v.first) +
                      R"(,"revenue":)" + std::to_string(v.second);
    if (body.find(row) == std::string::npos) return false;
  }
  return true;
}

TEST(KafkaSource, KcatAndTheMockAreThere) {
  int code = -1;
  run_capture({"kcat", "-V"}, 10'000, &code);
  ASSERT_EQ(code, 0) << "kcat is missing: run scripts/setup.sh";
}

TEST(KafkaSource, KcatMessagesReachTheStreamMaskedTheDlqAndAView) {
  KafkaMockProcess kafka({kTopic + ":" + std::to_string(kPartitions)});
  ASSERT_TRUE(kafka.start());
  TempDir dir;
  DeltaProcess delta(dir.path(), streams_yaml(kafka));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();

  Messages m;
  add_orders(0, 300, &m);
  m.lines +=
      "u1:"
      R"({"ts":1,"id":"bad1","user":"u1","country":"DE","amount":"lots"})"
      "\n";
  m.lines += "u2:{not json at all\n";
  ASSERT_TRUE(kcat_produce(kafka, dir, m.lines));
  std::vector<StoredEvent> stored;
  ASSERT_TRUE(eventually(30, [&] { return (stored = read_all_events(delta, "orders", 2)).size() >= 300; }))
      << stored.size();
  // The flush goes last: the three topic partitions are consumed in no particular order relative to
  // each other, so a far-future event sent with the orders could close their windows before them.
  Messages flush;
  add_flush(&flush);
  ASSERT_TRUE(kcat_produce(kafka, dir, flush.lines));
  m.ids.insert(flush.ids.begin(), flush.ids.end());

  // Every valid message is in the stream, once, with its email masked.
  ASSERT_TRUE(eventually(30, [&] {
    return (stored = read_all_events(delta, "orders", 2)).size() >= m.ids.size();
  })) << stored.size();
  std::set<std::string> ids;
  for (const StoredEvent& e : stored) {
    ids.insert(json_string_field(e.json, "id"));
    EXPECT_EQ(e.json.find("@example.com"), std::string::npos) << e.json;
    if (e.json.find("\"email\"") != std::string::npos) {
      EXPECT_EQ(json_string_field(e.json, "email"), "[REDACTED]");
    }
  }
  EXPECT_EQ(stored.size(), m.ids.size());
  EXPECT_EQ(ids, m.ids);

  // The two invalid messages are dead letters naming their topic, partition and offset (as kcat
  // reads them back from the topic).
  std::map<std::string, std::string> invalid;  // stage -> what the value started with
  for (int p = 0; p < kPartitions; ++p) {
    for (const KafkaMessage& k : kcat_consume(kafka.bootstraps(), kTopic, p)) {
      if (k.value.find("lots") != std::string::npos || k.value.starts_with("{not json")) {
        invalid["source:kafka:" + kTopic + "/" + std::to_string(p) + "@" + std::to_string(k.offset)] =
            k.value;
      }
    }
  }
  ASSERT_EQ(invalid.size(), 2u);
  HttpResult dlq;
  ASSERT_TRUE(eventually(10,
                         [&] {
                           dlq = http_get(delta.url("/v1/dlq/orders"));
                           return dlq.status == 200 && dlq.body.find("source:kafka:") != std::string::npos;
                         }))
      << dlq.status << " " << dlq.body;
  for (const auto& [stage, value] : invalid)
    EXPECT_NE(dlq.body.find(stage), std::string::npos) << stage << "\n" << dlq.body;
  EXPECT_NE(dlq.body.find("wrong_type"), std::string::npos) << dlq.body;
  EXPECT_NE(dlq.body.find("malformed_json"), std::string::npos) << dlq.body;

  // The view over the sourced stream has the right final results.
  std::string results;
  EXPECT_TRUE(eventually(30, [&] {
    results =
        http_get(delta.url("/v1/views/revenue/results?limit=100000&to=" + std::to_string(kFlushTs))).body;
    return matches_expected(results, m);
  })) << results;

  // Lag reaches 0 on every partition; the counters add up.
  EXPECT_TRUE(eventually(20, [&] { return lag_is_zero(delta); })) << http_get(delta.url("/metrics")).body;
  EXPECT_EQ(metric(delta, R"(delta_source_kafka_messages_total{stream="orders"})"), m.ids.size() + 2);
  EXPECT_EQ(metric(delta, R"(delta_source_kafka_events_appended_total{stream="orders"})"), m.ids.size());
  EXPECT_EQ(metric(delta, R"(delta_source_kafka_messages_rejected_total{stream="orders"})"), 2);
  EXPECT_EQ(delta.terminate(), 0);
}

// The restart tests: one mock cluster and one data directory, shared by the runs of a test.
class KafkaSourceRestart : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(kafka_.start()); }

  // One run of Delta that consumes `m` (produced with kcat) to the end, then stops cleanly.
  void run_until_consumed(const Messages& m) {
    DeltaProcess delta(dir_.path(), streams_yaml(kafka_));
    ASSERT_TRUE(delta.start()) << delta.read_stdout();
    ASSERT_TRUE(kcat_produce(kafka_, dir_, m.lines));
    ASSERT_TRUE(eventually(30, [&] { return read_all_events(delta, "orders", 2).size() >= m.ids.size(); }));
    ASSERT_TRUE(eventually(20, [&] { return lag_is_zero(delta); }));
    EXPECT_EQ(delta.terminate(), 0);
  }

  KafkaMockProcess kafka_{{kTopic + ":" + std::to_string(kPartitions)}};
  TempDir dir_;
};

// A restart resumes from the committed offsets: the second run consumes only what is new, so every
// id is stored exactly once.
TEST_F(KafkaSourceRestart, ARestartConsumesNothingTwice) {
  Messages first;
  add_orders(0, 200, &first);
  ASSERT_NO_FATAL_FAILURE(run_until_consumed(first));
  Messages second;
  add_orders(200, 100, &second);
  ASSERT_TRUE(kcat_produce(kafka_, dir_, second.lines));
  DeltaProcess delta(dir_.path(), streams_yaml(kafka_));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  std::vector<StoredEvent> stored;
  ASSERT_TRUE(eventually(30, [&] { return (stored = read_all_events(delta, "orders", 2)).size() >= 300; }))
      << stored.size() << "\n"
      << delta.read_stdout();
  ASSERT_TRUE(eventually(20, [&] { return lag_is_zero(delta); }));
  EXPECT_EQ(metric(delta, R"(delta_source_kafka_messages_total{stream="orders"})"), 100);
  stored = read_all_events(delta, "orders", 2);
  std::multiset<std::string> ids;
  for (const StoredEvent& e : stored) ids.insert(json_string_field(e.json, "id"));
  EXPECT_EQ(ids.size(), 300u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 300u);
  EXPECT_EQ(delta.terminate(), 0);
}

// A restart with nothing new to consume: the partitions have no consumer position until a message
// arrives, so their lag comes from the committed offsets: 0 for every partition, not a missing series.
TEST_F(KafkaSourceRestart, AfterARestartFullyConsumedPartitionsShowZeroLag) {
  Messages m;
  add_orders(0, 200, &m);
  ASSERT_NO_FATAL_FAILURE(run_until_consumed(m));
  DeltaProcess delta(dir_.path(), streams_yaml(kafka_));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  EXPECT_TRUE(eventually(20, [&] { return lag_is_zero(delta); })) << http_get(delta.url("/metrics")).body;
  EXPECT_EQ(metric(delta, R"(delta_source_kafka_messages_total{stream="orders"})"), 0);
  EXPECT_EQ(delta.terminate(), 0);
}

// SIGKILL mid-stream: the source commits a Kafka offset only after the log append, so the restarted
// instance resumes from the last commit and loses nothing; what it consumes twice (appended but not
// yet committed at the kill) is the at-least-once duplicate that the stream's dedup absorbs.
TEST_F(KafkaSourceRestart, ASigkilledRunLosesNothingAndResumesFromItsCommits) {
  Messages m;
  add_orders(0, 200, &m);
  Messages more;
  add_orders(200, 3000, &more);
  m.ids.insert(more.ids.begin(), more.ids.end());
  const size_t total = m.ids.size();
  {
    DeltaProcess delta(dir_.path(), streams_yaml(kafka_));
    ASSERT_TRUE(delta.start()) << delta.read_stdout();
    ASSERT_TRUE(kcat_produce(kafka_, dir_, m.lines));
    ASSERT_TRUE(eventually(30, [&] { return lag_is_zero(delta); }));
    ASSERT_TRUE(kcat_produce(kafka_, dir_, more.lines));
    ASSERT_TRUE(eventually(30, [&] { return read_all_events(delta, "orders", 2).size() >= 400; }));
    delta.kill9();  // mid-stream: the second batch of messages is being consumed
  }
  DeltaProcess delta(dir_.path(), streams_yaml(kafka_));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  std::vector<StoredEvent> stored;
  std::set<std::string> ids;
  ASSERT_TRUE(eventually(60,
                         [&] {
                           stored = read_all_events(delta, "orders", 2);
                           ids.clear();
                           for (const StoredEvent& e : stored) ids.insert(json_string_field(e.json, "id"));
                           return ids.size() >= total;
                         }))
      << ids.size() << " of " << total << "\n"
      << delta.read_stdout();
  EXPECT_EQ(ids, m.ids);
  EXPECT_TRUE(eventually(20, [&] { return lag_is_zero(delta); })) << http_get(delta.url("/metrics")).body;
  // Resumed from the killed run's commits, not from the beginning of the topic.
  const double consumed = metric(delta, R"(delta_source_kafka_messages_total{stream="orders"})");
  EXPECT_LT(consumed, static_cast<double>(total));
  EXPECT_GE(stored.size(), total);  // duplicates only, never fewer
  EXPECT_EQ(delta.terminate(), 0);
}

}  // namespace
}  // namespace delta::testing
