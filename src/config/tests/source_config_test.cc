// streams.<s>.source: what the loader accepts and refuses. Whether the brokers answer is the
// source's check at start (tests/integration/kafka_source_test.cc).
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

std::string with_source(std::string_view source) {
  return "streams:\n  orders:\n    schema: {ts: timestamp}\n    source: " + std::string(source) + "\n";
}

std::string error_of(std::string_view yaml) {
  Result<PipelineConfig> r = parse(yaml, "pipeline.yaml");
  return r.is_ok() ? "OK" : r.status().message();
}

TEST(SourceConfig, StreamsHaveNoSourceByDefault) {
  Result<PipelineConfig> r = parse("streams: {s: {schema: {ts: timestamp}}}\n", "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->sources.empty());
}

TEST(SourceConfig, ReadsEveryKeyAndDefaults) {
  Result<PipelineConfig> r =
      parse(with_source("{kind: kafka, brokers: \"k1:9092,k2:9092\", topics: [a, b.c]}"), "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->sources.size(), 1u);
  const SourceConfig& s = r->sources[0];
  EXPECT_EQ(s.stream, "orders");
  EXPECT_EQ(s.kind, "kafka");
  EXPECT_EQ(s.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(s.topics, (std::vector<std::string>{"a", "b.c"}));
  EXPECT_EQ(s.group, "delta.orders");
  EXPECT_FALSE(s.start_latest);
  EXPECT_TRUE(s.properties.empty());
  EXPECT_EQ(s.where, "p.yaml:4:13: streams.orders.source");

  r = parse(with_source("{brokers: b:1, topics: t, group: g1, start: latest, properties: "
                        "{security.protocol: SASL_SSL, fetch.wait.max.ms: 50}}"),
            "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->sources[0].topics, (std::vector<std::string>{"t"}));
  EXPECT_EQ(r->sources[0].group, "g1");
  EXPECT_TRUE(r->sources[0].start_latest);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(r->sources[0].properties,
            (std::vector<P>{{"security.protocol", "SASL_SSL"}, {"fetch.wait.max.ms", "50"}}));
}

TEST(SourceConfig, RefusesBadValuesWithTheirPosition) {
  EXPECT_EQ(
      error_of(with_source("{kind: http, brokers: b:1, topics: [a]}")),
      "pipeline.yaml:4:20: streams.orders.source.kind: expected kafka (the only source kind), got \"http\"");
  EXPECT_EQ(error_of(with_source("{topics: [a]}")),
            "pipeline.yaml:4:13: streams.orders.source: missing \"brokers\" (host:port,...)");
  EXPECT_EQ(error_of(with_source("{brokers: b:1}")),
            "pipeline.yaml:4:13: streams.orders.source: missing \"topics\" (a list of topic names)");
  EXPECT_EQ(
      error_of(with_source("{brokers: b:1, topics: []}")),
      "pipeline.yaml:4:36: streams.orders.source.topics: expected at least one topic, got an empty list");
  EXPECT_EQ(error_of(with_source("{brokers: b:1, topics: [a, \"b c\"]}")),
            "pipeline.yaml:4:40: streams.orders.source.topics[1]: expected a topic name of up to 249 "
            "characters of [A-Za-z0-9._-], got \"b c\"");
  EXPECT_EQ(error_of(with_source("{brokers: b:1, topics: [a, a]}")),
            "pipeline.yaml:4:40: streams.orders.source.topics[1]: topic \"a\" is listed twice");
  EXPECT_EQ(
      error_of(with_source("{brokers: b:1, topics: [a], start: beginning}")),
      "pipeline.yaml:4:48: streams.orders.source.start: expected earliest or latest, got \"beginning\"");
  EXPECT_NE(error_of(with_source("{brokers: b:1, topics: [a], offset: 3}")).find("pipeline.yaml:4:41:"),
            std::string::npos);
  EXPECT_NE(error_of(with_source("[a]")).find("expected a mapping"), std::string::npos);
}

TEST(SourceConfig, RefusesThePropertiesDeltaSets) {
  for (std::string key : {"group.id", "bootstrap.servers", "enable.auto.commit", "auto.offset.reset",
                          "enable.auto.offset.store"}) {
    std::string err = error_of(with_source("{brokers: b:1, topics: [a], properties: {" + key + ": x}}"));
    EXPECT_NE(err.find("streams.orders.source.properties." + key + ": set by Delta"), std::string::npos)
        << err;
  }
}

// A source reading the Kafka log's own topic would feed the stream its own events forever.
TEST(SourceConfig, RefusesTheKafkaLogsOwnTopic) {
  std::string err =
      error_of("log: {kind: kafka, brokers: b:1}\n" + with_source("{brokers: b:1, topics: [delta.orders]}"));
  EXPECT_EQ(err,
            "pipeline.yaml:5:13: streams.orders.source: topic \"delta.orders\" is the Kafka log's topic of "
            "stream \"orders\" (a source consumes topics that other systems write)");
  EXPECT_EQ(error_of(with_source("{brokers: b:1, topics: [delta.orders]}")), "OK");  // embedded log
}

}  // namespace
}  // namespace delta::config
