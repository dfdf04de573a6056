// Kafka-log mode end to end: the real `delta` binary with `log: {kind: kafka}` against librdkafka's
// mock cluster in its own process (delta_kafka_mock), checked with kcat as an independent client.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "tests/integration/harness.h"
#include "tests/integration/kafka_mock_process.h"

namespace delta::testing {
namespace {

const char* kStreams = R"(streams:
  events:
    time_field: ts
    key: user_id
    partitions: 4
    schema: {ts: timestamp, event_id: string, user_id: string, n: int64}
)";

// The mock has no CreateTopics: the topics Delta needs exist before it starts (`_dlq` is the
// dead-letter stream, src/sink/dead_letters.h).
const std::vector<std::string> kTopics = {"delta.events:4", "delta._dlq:1"};

std::string event(int i) {
  return R"({"ts":"2026-11-27T10:00:00.)" + std::to_string(100 + i % 900) + R"(Z","event_id":"e)" +
         std::to_string(i) + R"(","user_id":"u)" + std::to_string(i % 7) + R"(","n":)" + std::to_string(i) +
         "}";
}

std::string ndjson(int from, int count) {
  std::string body;
  for (int i = from; i < from + count; ++i) body += event(i) + "\n";
  return body;
}

std::string kafka_log(const KafkaMockProcess& kafka, const std::string& properties) {
  return "kind: kafka, brokers: \"" + kafka.bootstraps() + "\", properties: {" + properties + "}";
}

// Every message of every partition of delta.events, as kcat reads them.
std::vector<KafkaMessage> topic_messages(const KafkaMockProcess& kafka) {
  std::vector<KafkaMessage> all;
  for (int p = 0; p < 4; ++p) {
    std::vector<KafkaMessage> part = kcat_consume(kafka.bootstraps(), "delta.events", p);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

TEST(KafkaMode, KcatIsInstalled) {
  int code = -1;
  run_capture({"kcat", "-V"}, 10'000, &code);
  ASSERT_EQ(code, 0) << "kcat is missing: run scripts/setup.sh";
}

TEST(KafkaMode, PostedEventsAreInTheTopicKeyedAndReadBackThroughTheApi) {
  KafkaMockProcess kafka(kTopics);
  ASSERT_TRUE(kafka.start());
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams, "", kafka_log(kafka, ""));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();

  HttpResult r = http_post(delta.url("/v1/streams/events/events"), ndjson(0, 300), "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":300"), std::string::npos) << r.body;

  std::vector<KafkaMessage> messages = topic_messages(kafka);
  ASSERT_EQ(messages.size(), 300u);
  std::set<std::string> ids;
  std::set<int> partitions;
  for (const KafkaMessage& m : messages) {
    ids.insert(json_string_field(m.value, "event_id"));
    EXPECT_EQ(m.key, json_string_field(m.value, "user_id")) << m.value;  // key = the stream's key field
    partitions.insert(m.partition);
  }
  EXPECT_EQ(ids.size(), 300u);
  EXPECT_GT(partitions.size(), 1u);  // 7 users over 4 partitions

  // The same events, at the same offsets, through GET /v1/streams/events/events.
  std::vector<StoredEvent> stored = read_all_events(delta, "events", 4);
  ASSERT_EQ(stored.size(), messages.size());
  std::set<std::tuple<int, int64_t, std::string>> via_api, via_kcat;
  for (const StoredEvent& e : stored) via_api.insert({e.partition, e.offset, e.json});
  for (const KafkaMessage& m : messages) via_kcat.insert({m.partition, m.offset, m.value});
  EXPECT_EQ(via_api, via_kcat);

  HttpResult info = http_get(delta.url("/v1/streams/events"));
  EXPECT_EQ(info.status, 200) << info.body;
  HttpResult metrics = http_get(delta.url("/metrics"));
  ASSERT_EQ(metrics.status, 200);
  EXPECT_GE(metric_value(metrics.body, "delta_log_appends_total"), 1);
  EXPECT_EQ(metric_value(metrics.body, "delta_kafka_inflight_messages"), 0);
  EXPECT_EQ(metric_value(metrics.body, "delta_log_append_errors_total"), 0);
  EXPECT_EQ(delta.terminate(), 0);
}

// A stream whose sink is kind kafka: every acknowledged event also reaches delta.out.events, in its
// log partition, read back by kcat.
TEST(KafkaMode, AStreamsKafkaSinkDeliversEveryEventToItsTopic) {
  KafkaMockProcess kafka({"delta.events:4", "delta._dlq:1", "delta.out.events:4"});
  ASSERT_TRUE(kafka.start());
  std::string streams = std::string(kStreams) + "    sinks: [bus]\nsinks:\n  bus: {kind: kafka, brokers: \"" +
                        kafka.bootstraps() + "\", timeout_ms: 5000}\n";
  TempDir dir;
  DeltaProcess delta(dir.path(), streams, "", kafka_log(kafka, ""));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  ASSERT_EQ(http_post(delta.url("/v1/streams/events/events"), ndjson(0, 120), "application/x-ndjson").status,
            200);

  std::vector<KafkaMessage> sunk;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sunk.size() < 120 && std::chrono::steady_clock::now() < deadline) {
    sunk.clear();
    for (int p = 0; p < 4; ++p) {
      std::vector<KafkaMessage> part = kcat_consume(kafka.bootstraps(), "delta.out.events", p);
      sunk.insert(sunk.end(), part.begin(), part.end());
    }
  }
  std::set<std::pair<int, std::string>> in_log, in_sink;
  for (const KafkaMessage& m : topic_messages(kafka)) in_log.insert({m.partition, m.value});
  for (const KafkaMessage& m : sunk) in_sink.insert({m.partition, m.value});
  EXPECT_EQ(in_log.size(), 120u);
  EXPECT_EQ(in_sink, in_log) << delta.read_stdout();
  EXPECT_EQ(delta.terminate(), 0);
}

TEST(KafkaMode, RefusesToStartWhenATopicHasAnotherPartitionCount) {
  KafkaMockProcess kafka({"delta.events:2", "delta._dlq:1"});
  ASSERT_TRUE(kafka.start());
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams, "", kafka_log(kafka, ""));
  EXPECT_FALSE(delta.start());
  EXPECT_NE(delta.read_stdout().find("delta.events has 2 partitions, stream events wants 4"),
            std::string::npos)
      << delta.read_stdout();
}

// Brokers unreachable: Delta answers 503 with Retry-After instead of acknowledging, keeps serving,
// and recovers by itself when they return. Nothing acknowledged with 200 is missing from the topic.
TEST(KafkaMode, BrokerOutageGives503WithRetryAfterAndRecovers) {
  KafkaMockProcess kafka(kTopics);
  ASSERT_TRUE(kafka.start());
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams, "", kafka_log(kafka, "message.timeout.ms: 2000"));
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  std::set<std::string> acknowledged;
  int next = 0;
  auto post = [&](int count) {
    HttpResult r =
        http_post(delta.url("/v1/streams/events/events"), ndjson(next, count), "application/x-ndjson");
    if (r.status == 200) {
      for (int i = next; i < next + count; ++i) acknowledged.insert("e" + std::to_string(i));
    }
    next += count;
    return r;
  };
  ASSERT_EQ(post(50).status, 200);

  ASSERT_TRUE(kafka.command("down"));
  auto t0 = std::chrono::steady_clock::now();
  HttpResult refused = post(20);
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.headers["retry-after"], "1");
  EXPECT_LT(waited, std::chrono::seconds(15));  // bounded by message.timeout.ms, not hanging
  EXPECT_EQ(post(10).status, 503);
  EXPECT_EQ(http_get(delta.url("/healthz")).status, 200);

  ASSERT_TRUE(kafka.command("up"));
  long status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (status != 200 && std::chrono::steady_clock::now() < deadline) status = post(10).status;
  ASSERT_EQ(status, 200) << "delta did not recover after the brokers came back";
  ASSERT_EQ(post(40).status, 200);

  std::set<std::string> in_topic;
  for (const KafkaMessage& m : topic_messages(kafka)) in_topic.insert(json_string_field(m.value, "event_id"));
  for (const std::string& id : acknowledged)
    EXPECT_TRUE(in_topic.count(id)) << id << " was acknowledged but is lost";
  EXPECT_GE(acknowledged.size(), 100u);
  HttpResult metrics = http_get(delta.url("/metrics"));
  EXPECT_GE(metric_value(metrics.body, "delta_log_append_errors_total"), 2)
      << "the refused requests are counted";
  EXPECT_GE(metric_value(metrics.body, "delta_kafka_delivery_errors_total"), 20);
  EXPECT_EQ(delta.terminate(), 0);
}

}  // namespace
}  // namespace delta::testing
