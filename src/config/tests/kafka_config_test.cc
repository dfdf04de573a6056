// log: {kind: kafka, ...}: what the loader accepts and refuses. Whether the brokers answer is the
// log's check at start (src/log/tests/kafka_log_test.cc, tests/integration/kafka_log_test.cc).
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

const std::string kStreams = "streams: {s: {schema: {ts: timestamp}}}\n";

std::string error_of(std::string_view yaml) {
  Result<PipelineConfig> r = parse(yaml, "pipeline.yaml");
  return r.is_ok() ? "OK" : r.status().message();
}

TEST(KafkaLogConfig, EmbeddedByDefault) {
  Result<PipelineConfig> r = parse(kStreams, "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->log.kind, "embedded");
  EXPECT_TRUE(r->log.brokers.empty());
  EXPECT_EQ(r->log.topic_prefix, "delta.");
  EXPECT_TRUE(r->log.properties.empty());
}

TEST(KafkaLogConfig, ReadsEveryKeyAndKeepsPropertiesInOrder) {
  Result<PipelineConfig> r = parse(
      "log:\n  kind: kafka\n  brokers: \"k1:9092,k2:9092\"\n  topic_prefix: prod.events-\n"
      "  properties:\n    security.protocol: SASL_SSL\n    sasl.mechanism: PLAIN\n"
      "    message.timeout.ms: 5000\n" +
          kStreams,
      "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->log.kind, "kafka");
  EXPECT_EQ(r->log.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(r->log.topic_prefix, "prod.events-");
  using P = std::pair<std::string, std::string>;
  std::vector<P> want = {
      {"security.protocol", "SASL_SSL"}, {"sasl.mechanism", "PLAIN"}, {"message.timeout.ms", "5000"}};
  EXPECT_EQ(r->log.properties, want);
}

TEST(KafkaLogConfig, PropertyValuesComeFromTheEnvironment) {
  ::setenv("DELTA_KAFKA_TEST_PW", "s3cret", 1);
  Result<PipelineConfig> r =
      parse("log: {kind: kafka, brokers: b:1, properties: {sasl.password: \"${DELTA_KAFKA_TEST_PW}\"}}\n" +
                kStreams,
            "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->log.properties.size(), 1u);
  EXPECT_EQ(r->log.properties[0].second, "s3cret");
}

TEST(KafkaLogConfig, EmptyTopicPrefixIsAllowed) {
  Result<PipelineConfig> r =
      parse("log: {kind: kafka, brokers: b:1, topic_prefix: \"\"}\n" + kStreams, "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->log.topic_prefix, "");
}

TEST(KafkaLogConfig, RefusesUnknownKinds) {
  EXPECT_EQ(error_of("log: {kind: pulsar}\n" + kStreams),
            "pipeline.yaml:1:13: log.kind: expected embedded or kafka, got \"pulsar\"");
}

TEST(KafkaLogConfig, KafkaNeedsBrokers) {
  EXPECT_EQ(error_of("log:\n  kind: kafka\n  topic_prefix: x.\n" + kStreams),
            "pipeline.yaml:2:3: log: kind kafka needs \"brokers\" (host:port,...)");
}

TEST(KafkaLogConfig, BrokersWithoutKindKafkaIsAMistake) {
  EXPECT_EQ(error_of("log:\n  brokers: \"k:9092\"\n" + kStreams),
            "pipeline.yaml:2:3: log: brokers and properties are for kind kafka (the log is embedded)");
}

TEST(KafkaLogConfig, RefusesPropertiesDeltaSetsItself) {
  EXPECT_EQ(error_of("log:\n  kind: kafka\n  brokers: b:1\n  properties:\n    acks: 1\n" + kStreams),
            "pipeline.yaml:5:5: log.properties.acks: set by Delta (the brokers come from log.brokers; the "
            "producer is always idempotent with acks=all)");
  EXPECT_NE(error_of("log: {kind: kafka, brokers: b:1, properties: {enable.idempotence: false}}\n" + kStreams)
                .find("set by Delta"),
            std::string::npos);
}

TEST(KafkaLogConfig, RefusesBadTopicPrefixAndNonScalarProperties) {
  EXPECT_EQ(
      error_of("log: {kind: kafka, brokers: b:1, topic_prefix: \"a/b\"}\n" + kStreams),
      "pipeline.yaml:1:48: log.topic_prefix: expected up to 180 characters of [A-Za-z0-9._-], got \"a/b\"");
  EXPECT_NE(error_of("log: {kind: kafka, brokers: b:1, properties: {ssl.ca.location: [a, b]}}\n" + kStreams)
                .find("log.properties.ssl.ca.location: expected a librdkafka property value"),
            std::string::npos);
}

}  // namespace
}  // namespace delta::config
