// KafkaSink against librdkafka's mock cluster in this process: rows land in the topic with the
// right partition, key, timestamp and headers; options are checked; an outage is retryable.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sink/kafka/kafka_sink.h"
#include "tests/kafka_mock/mock_cluster.h"

namespace delta::sink::kafka {
namespace {

struct Message {
  int32_t partition;
  std::string key;
  std::string value;
  int64_t timestamp;
  bool retraction;
};

// Every message of `topic`'s `partitions`, read by a plain librdkafka consumer up to the end.
std::vector<Message> consume(const std::string& brokers, const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "kafka-sink-test", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Message> out;
  int eofs = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (eofs < partitions && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_t* h = nullptr;
      const void* v = nullptr;
      size_t n = 0;
      bool retraction = rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        rd_kafka_header_get_last(h, "delta-retraction", &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR;
      out.push_back({m->partition,
                     m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : std::string(),
                     std::string(static_cast<const char*>(m->payload), m->len),
                     rd_kafka_message_timestamp(m, nullptr), retraction});
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

config::SinkConfig sink_config(const std::string& brokers) {
  config::SinkConfig c;
  c.name = "out";
  c.kind = "kafka";
  c.where = "p.yaml:9:3: sinks.out";
  c.options = {{"brokers", brokers, "p.yaml:9:10: sinks.out.brokers"},
               {"timeout_ms", "2000", "p.yaml:9:30: sinks.out.timeout_ms"},
               {"properties.retry.backoff.ms", "50", "p.yaml:9:50: sinks.out.properties.retry.backoff.ms"}};
  return c;
}

class KafkaSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = testing::MockKafkaCluster::create(3);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    cluster_ = std::move(*c);
    ASSERT_TRUE(cluster_->create_topic("delta.out.clicks", 2).is_ok());
    ASSERT_TRUE(cluster_->create_topic("delta.out.per_user", 3).is_ok());
    auto o = parse_options(sink_config(cluster_->bootstraps()));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    auto s = KafkaSink::create(std::move(*o));
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    sink_ = std::move(*s);
    events_.kind = TableSpec::Kind::kEvents;
    events_.name = "clicks";
    events_.partitions = 4;
    results_.kind = TableSpec::Kind::kViewResults;
    results_.name = "per_user";
  }
  void TearDown() override {
    if (sink_) sink_->close();
  }

  std::unique_ptr<testing::MockKafkaCluster> cluster_;
  std::unique_ptr<KafkaSink> sink_;
  TableSpec events_;
  TableSpec results_;
};

TEST_F(KafkaSinkTest, EventsKeepTheirLogPartitionModuloTheTopics) {
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  std::vector<Row> rows = {{R"({"id":"a"})", 1000, 0, 7, {}, false},
                           {R"({"id":"b"})", 2000, 0, 8, {}, false}};
  std::vector<RowError> rejected;
  Status st = sink_->write(Batch{&events_, 3, rows}, &rejected);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_TRUE(rejected.empty());
  std::vector<Message> got = consume(cluster_->bootstraps(), "delta.out.clicks", 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].partition, 1);  // log partition 3 of 4 -> topic partition 3 % 2
  EXPECT_EQ(got[0].value, R"({"id":"a"})");
  EXPECT_EQ(got[0].timestamp, 1000);
  EXPECT_EQ(got[1].value, R"({"id":"b"})");
  EXPECT_TRUE(got[0].key.empty());
}

TEST_F(KafkaSinkTest, ResultsAreKeyedByGroupKeyAndRetractionsAreMarked) {
  ASSERT_TRUE(sink_->prepare(results_).is_ok());
  std::vector<Row> rows;
  rows.push_back({R"({"user":"u1","n":3})", 60'000, 120'000, -1, "u1", false});
  rows.push_back({R"({"user":"u2","n":1})", 60'000, 120'000, -1, "u2", false});
  rows.push_back({R"({"user":"u1"})", 0, 60'000, -1, "u1", true});
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink_->write(Batch{&results_, -1, rows}, &rejected).is_ok());
  std::vector<Message> got = consume(cluster_->bootstraps(), "delta.out.per_user", 3);
  ASSERT_EQ(got.size(), 3u);
  int u1_partition = -1;
  int retractions = 0;
  for (const Message& m : got) {
    EXPECT_TRUE(m.key == "u1" || m.key == "u2") << m.key;
    if (m.key == "u1") {
      if (u1_partition >= 0) {
        EXPECT_EQ(m.partition, u1_partition);  // one key, one partition
      }
      u1_partition = m.partition;
    }
    retractions += m.retraction ? 1 : 0;
  }
  EXPECT_EQ(retractions, 1);
}

TEST_F(KafkaSinkTest, BrokersDownIsRetryableAndTheRetryDelivers) {
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  std::vector<Row> rows = {{R"({"id":"x"})", 1000, 0, 1, {}, false}};
  std::vector<RowError> rejected;
  ASSERT_TRUE(cluster_->set_down().is_ok());
  Status st = sink_->write(Batch{&events_, 0, rows}, &rejected);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
  ASSERT_TRUE(cluster_->set_up().is_ok());
  for (int i = 0; i < 10 && !(st = sink_->write(Batch{&events_, 0, rows}, &rejected)).is_ok(); ++i) {
  }
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  std::vector<Message> got = consume(cluster_->bootstraps(), "delta.out.clicks", 2);
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(got.back().value, R"({"id":"x"})");
}

TEST(KafkaSinkOptions, RequireBrokersAndRefuseWhatDeltaSets) {
  config::SinkConfig c;
  c.name = "out";
  c.kind = "kafka";
  c.where = "p.yaml:9:3: sinks.out";
  EXPECT_NE(parse_options(c).status().message().find("brokers"), std::string::npos);
  c.options = {{"brokers", "b:1", "p.yaml:9:10: sinks.out.brokers"},
               {"properties.acks", "1", "p.yaml:9:20: sinks.out.properties.acks"}};
  Status st = parse_options(c).status();
  EXPECT_EQ(st.message().find("p.yaml:9:20: sinks.out.properties.acks: set by Delta"), 0u) << st.message();
  c.options = {{"brokers", "b:1", "w"}, {"topics", "x", "p.yaml:9:30: sinks.out.topics"}};
  EXPECT_NE(parse_options(c).status().message().find("p.yaml:9:30"), std::string::npos);
  c.options = {
      {"brokers", "b:1", "w"}, {"properties.security.protocol", "SSL", "w2"}, {"partitions", "6", "w3"}};
  Result<KafkaSinkOptions> o = parse_options(c);
  ASSERT_TRUE(o.is_ok()) << o.status().to_string();
  EXPECT_EQ(o->partitions, 6);
  ASSERT_EQ(o->properties.size(), 1u);
  EXPECT_EQ(o->properties[0].first, "security.protocol");
}

}  // namespace
}  // namespace delta::sink::kafka
