// Loading valid configurations: the demo round trip, every key of the documented format, defaults,
// optional fields, the time/key field rules, files on disk and ${VAR} interpolation.
#include "config/config.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace delta::config {
namespace {

using model::FieldType;

void expect_same_streams(const model::StreamSchema& a, const model::StreamSchema& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.time_field, b.time_field);
  EXPECT_EQ(a.key_field, b.key_field);
  EXPECT_EQ(a.partitions, b.partitions);
  EXPECT_EQ(a.mask, b.mask) << a.name;
  ASSERT_EQ(a.fields.size(), b.fields.size()) << a.name;
  for (size_t i = 0; i < a.fields.size(); ++i) {
    EXPECT_EQ(a.fields[i].name, b.fields[i].name) << i;
    EXPECT_EQ(a.fields[i].type, b.fields[i].type) << a.fields[i].name;
    EXPECT_EQ(a.fields[i].required, b.fields[i].required) << a.fields[i].name;
  }
}

PipelineConfig parse_ok(std::string_view yaml) {
  Result<PipelineConfig> r = parse(yaml, "test.yaml");
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : PipelineConfig{};
}

constexpr std::string_view kOneStream = "streams: {s: {schema: {ts: timestamp}}}\n";

TEST(ConfigDemo, ParsingDemoYamlGivesDemoConfig) {
  Result<PipelineConfig> parsed = parse(demo_yaml(), "<built-in demo>");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  PipelineConfig demo = demo_config();
  EXPECT_EQ(parsed->source, demo.source);
  ASSERT_EQ(parsed->streams.size(), demo.streams.size());
  expect_same_streams(parsed->streams[0], demo.streams[0]);
}

TEST(ConfigDemo, DemoIsTheClickstreamPipeline) {
  PipelineConfig demo = demo_config();
  EXPECT_EQ(demo.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(demo.log.dir, "./data/log");
  EXPECT_EQ(demo.log.durability, Durability::kFsync);
  EXPECT_EQ(demo.log.retention_ms, 24 * 3600 * 1000);
  const model::StreamSchema* events = demo.find_stream("events");
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(events->time_field, "ts");
  EXPECT_EQ(events->key_field, "user_id");
  EXPECT_EQ(events->partitions, 4);
  ASSERT_EQ(events->fields.size(), 8u);
  int amount = events->field_index("amount");
  ASSERT_GE(amount, 0);
  EXPECT_EQ(events->fields[amount].type, FieldType::kFloat64);
  EXPECT_FALSE(events->fields[amount].required);
  EXPECT_TRUE(events->fields[events->field_index("device")].required);
}

TEST(ConfigParse, EveryDocumentedKey) {
  PipelineConfig c = parse_ok(R"(
server:
  listen: "0.0.0.0:9000"
  io_threads: 2
  max_body_bytes: 8MiB
  max_decoded_body_bytes: 32MB
  max_event_bytes: 512KiB
  max_json_depth: 16
  max_connections: 5000
  header_timeout: 500ms
  body_timeout: 2m
  idle_timeout: 1h
  max_inflight_bytes: 1GiB
log: {kind: embedded, dir: /var/delta, durability: os, retention: 7d, retention_bytes: 1GB,
      segment_bytes: 64MiB, segment_age: 30m, partition_quota_bytes: 2GiB, quota_bytes: 10GiB}
streams:
  orders:
    time_field: ts
    key: user_id
    partitions: 16
    schema: {ts: timestamp, user_id: string, email: string, amount: "float64?", country: string}
)");
  EXPECT_EQ(c.source, "test.yaml");
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.io_threads, 2);
  EXPECT_EQ(c.server.max_body_bytes, 8u << 20);
  EXPECT_EQ(c.server.max_decoded_body_bytes, 32'000'000u);
  EXPECT_EQ(c.server.max_event_bytes, 512u << 10);
  EXPECT_EQ(c.server.max_json_depth, 16u);
  EXPECT_EQ(c.server.max_connections, 5000u);
  EXPECT_EQ(c.server.header_timeout_ms, 500u);
  EXPECT_EQ(c.server.body_timeout_ms, 120'000u);
  EXPECT_EQ(c.server.idle_timeout_ms, 3'600'000u);
  EXPECT_EQ(c.server.max_inflight_bytes, 1ull << 30);
  EXPECT_EQ(c.log.dir, "/var/delta");
  EXPECT_EQ(c.log.durability, Durability::kOs);
  EXPECT_EQ(c.log.retention_ms, 7ll * 24 * 3600 * 1000);
  EXPECT_EQ(c.log.retention_bytes, 1'000'000'000u);
  EXPECT_EQ(c.log.segment_bytes, 64ull << 20);
  EXPECT_EQ(c.log.segment_ms, 30 * 60 * 1000);
  EXPECT_EQ(c.log.partition_quota_bytes, 2ull << 30);
  EXPECT_EQ(c.log.quota_bytes, 10ull << 30);
  ASSERT_EQ(c.streams.size(), 1u);
  const model::StreamSchema& s = c.streams[0];
  EXPECT_EQ(s.name, "orders");
  EXPECT_EQ(s.partitions, 16);
  EXPECT_EQ(s.time_field, "ts");
  EXPECT_EQ(s.key_field, "user_id");
  ASSERT_EQ(s.fields.size(), 5u);
  EXPECT_EQ(s.fields[0].name, "ts");  // document order is kept
  EXPECT_EQ(s.fields[4].name, "country");
}

TEST(ConfigParse, OmittedKeysKeepTheirDefaults) {
  PipelineConfig c = parse_ok(kOneStream);
  EXPECT_EQ(c.server, ServerConfig{});
  EXPECT_EQ(c.log, LogConfig{});
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].partitions, 1);
  EXPECT_EQ(c.streams[0].time_field, "");
  EXPECT_EQ(c.streams[0].key_field, "");
}

TEST(ConfigParse, SeveralStreamsInOrderAndFindStream) {
  PipelineConfig c = parse_ok("streams:\n  b-2: {schema: {x: int64}}\n  A_1: {schema: {y: bool}}\n");
  ASSERT_EQ(c.streams.size(), 2u);
  EXPECT_EQ(c.streams[0].name, "b-2");
  EXPECT_EQ(c.streams[1].name, "A_1");
  ASSERT_NE(c.find_stream("A_1"), nullptr);
  EXPECT_EQ(c.find_stream("A_1")->fields[0].type, FieldType::kBool);
  EXPECT_EQ(c.find_stream("a_1"), nullptr);
  EXPECT_EQ(c.find_stream("nope"), nullptr);
}

TEST(ConfigSchema, ShortFormIsRequiredAndQuestionMarkIsOptional) {
  PipelineConfig c = parse_ok(R"(streams: {s: {schema: {a: string, b: "int64?", c: json, d: "bool?"}}})");
  const auto& f = c.streams[0].fields;
  ASSERT_EQ(f.size(), 4u);
  EXPECT_TRUE(f[0].required);
  EXPECT_EQ(f[1].type, FieldType::kInt64);
  EXPECT_FALSE(f[1].required);
  EXPECT_EQ(f[2].type, FieldType::kJson);
  EXPECT_TRUE(f[2].required);
  EXPECT_EQ(f[3].type, FieldType::kBool);
  EXPECT_FALSE(f[3].required);
}

// yaml-cpp reads an unquoted trailing '?' in block style (not in flow style, where it must be quoted).
TEST(ConfigSchema, UnquotedQuestionMarkInBlockStyle) {
  PipelineConfig c = parse_ok("streams:\n  s:\n    schema:\n      a: float64?\n");
  ASSERT_EQ(c.streams[0].fields.size(), 1u);
  EXPECT_EQ(c.streams[0].fields[0].type, FieldType::kFloat64);
  EXPECT_FALSE(c.streams[0].fields[0].required);
}

TEST(ConfigSchema, LongFormDefaultsToRequired) {
  PipelineConfig c = parse_ok(R"(
streams:
  s:
    schema:
      a: {type: float64, required: false}
      b: {type: string}
      c: {required: true, type: timestamp}
)");
  const auto& f = c.streams[0].fields;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].type, FieldType::kFloat64);
  EXPECT_FALSE(f[0].required);
  EXPECT_TRUE(f[1].required);
  EXPECT_EQ(f[2].type, FieldType::kTimestamp);
  EXPECT_TRUE(f[2].required);
}

TEST(ConfigSchema, TimeFieldIsMadeRequired) {
  PipelineConfig c = parse_ok(R"(streams: {s: {time_field: ts, schema: {x: string, ts: "timestamp?"}}})");
  EXPECT_EQ(c.streams[0].time_field, "ts");
  EXPECT_TRUE(c.streams[0].fields[1].required);
  EXPECT_FALSE(parse_ok(R"(streams: {s: {schema: {ts: "timestamp?"}}})").streams[0].fields[0].required);
}

TEST(ConfigSchema, Int64TimeFieldAndNonStringKeysAreAccepted) {
  PipelineConfig c = parse_ok(R"(streams: {s: {key: n, time_field: at, schema: {at: int64, n: int64}}})");
  EXPECT_EQ(c.streams[0].time_field, "at");
  EXPECT_EQ(c.streams[0].key_field, "n");
}

TEST(ConfigParse, ListenForms) {
  EXPECT_EQ(parse_ok("server: {listen: \"[::1]:0\"}\n" + std::string(kOneStream)).server.listen, "[::1]:0");
  EXPECT_EQ(parse_ok("server: {listen: \"localhost:65535\"}\n" + std::string(kOneStream)).server.listen,
            "localhost:65535");
}

TEST(ConfigParse, BoundsAreInclusive) {
  PipelineConfig c = parse_ok(R"(
server: {io_threads: 64, max_json_depth: 1024, max_connections: 1000000, header_timeout: 1ms, body_timeout: 1h}
streams: {s: {partitions: 1024, schema: {a: string}}}
)");
  EXPECT_EQ(c.server.io_threads, 64);
  EXPECT_EQ(c.server.max_json_depth, 1024u);
  EXPECT_EQ(c.server.max_connections, 1'000'000u);
  EXPECT_EQ(c.server.header_timeout_ms, 1u);
  EXPECT_EQ(c.server.body_timeout_ms, 3'600'000u);
  EXPECT_EQ(c.streams[0].partitions, 1024);
}

TEST(ConfigParse, ZeroMeansNoLimitForRetention) {
  PipelineConfig c = parse_ok("log: {retention: 0, retention_bytes: 0B}\n" + std::string(kOneStream));
  EXPECT_EQ(c.log.retention_ms, 0);
  EXPECT_EQ(c.log.retention_bytes, 0u);
}

// ${VAR} interpolation; variables are named DELTA_CONFIG_TEST_* so they cannot clash.
TEST(ConfigEnv, VariablesAreInterpolatedInScalarValues) {
  setenv("DELTA_CONFIG_TEST_HOST", "10.0.0.1", 1);
  setenv("DELTA_CONFIG_TEST_PORT", "7070", 1);
  setenv("DELTA_CONFIG_TEST_THREADS", "3", 1);
  setenv("DELTA_CONFIG_TEST_TYPE", "int64", 1);
  PipelineConfig c = parse_ok(R"(
server: {listen: "${DELTA_CONFIG_TEST_HOST}:${DELTA_CONFIG_TEST_PORT}", io_threads: "${DELTA_CONFIG_TEST_THREADS}"}
log: {dir: "/data/$${literal}/${DELTA_CONFIG_TEST_PORT}"}
streams: {s: {schema: {n: "${DELTA_CONFIG_TEST_TYPE}?"}}}
)");
  EXPECT_EQ(c.server.listen, "10.0.0.1:7070");
  EXPECT_EQ(c.server.io_threads, 3);
  EXPECT_EQ(c.log.dir, "/data/${literal}/7070");
  EXPECT_EQ(c.streams[0].fields[0].type, FieldType::kInt64);
  EXPECT_FALSE(c.streams[0].fields[0].required);
}

TEST(ConfigEnv, UnsetVariableIsAnErrorAtItsValue) {
  unsetenv("DELTA_CONFIG_TEST_UNSET");
  Result<PipelineConfig> r =
      parse("log:\n  dir: ${DELTA_CONFIG_TEST_UNSET}/x\n" + std::string(kOneStream), "p.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "p.yaml:2:8: log.dir: environment variable DELTA_CONFIG_TEST_UNSET is not set");
}

TEST(ConfigEnv, ErrorsNeverShowAnInterpolatedValue) {
  setenv("DELTA_CONFIG_TEST_SECRET", "hunter2", 1);
  Result<PipelineConfig> r =
      parse("server:\n  listen: \"${DELTA_CONFIG_TEST_SECRET}\"\n" + std::string(kOneStream), "p.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            "p.yaml:2:11: server.listen: expected host:port with a port from 0 to 65535, got the value of "
            "${DELTA_CONFIG_TEST_SECRET}");
  Result<PipelineConfig> r2 =
      parse("server:\n  io_threads: x${DELTA_CONFIG_TEST_SECRET}\n" + std::string(kOneStream), "p.yaml");
  ASSERT_FALSE(r2.is_ok());
  EXPECT_EQ(r2.status().message().find("hunter2"), std::string::npos) << r2.status().message();
  EXPECT_NE(r2.status().message().find("${DELTA_CONFIG_TEST_SECRET}"), std::string::npos);
}

TEST(ConfigEnv, KeysAreNotInterpolated) {
  setenv("DELTA_CONFIG_TEST_NAME", "orders", 1);
  PipelineConfig c = parse_ok("streams: {s: {schema: {\"${DELTA_CONFIG_TEST_NAME}x\": string}}}\n");
  EXPECT_EQ(c.streams[0].fields[0].name, "${DELTA_CONFIG_TEST_NAME}x");
}

class ConfigFile : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  // Writes `text` to a fresh temporary file and returns its path.
  std::string write(std::string_view text) {
    char tmpl[] = "/tmp/delta_config_test_XXXXXX";
    int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    path_ = tmpl;
    return path_;
  }
  std::string path_;
};

TEST_F(ConfigFile, LoadsAFileAndNamesItAsTheSource) {
  std::string path = write(demo_yaml());
  Result<PipelineConfig> r = load_file(path);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->source, path);
  EXPECT_NE(r->find_stream("events"), nullptr);
}

TEST_F(ConfigFile, ErrorsNameTheFile) {
  std::string path = write("streams:\n  s: {schema: {a: strin}}\n");
  Result<PipelineConfig> r = load_file(path);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message().rfind(path + ":2:", 0), 0u) << r.status().message();
}

TEST_F(ConfigFile, MissingFileIsNotFound) {
  Result<PipelineConfig> r = load_file("/nonexistent/dir/pipeline.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "config file \"/nonexistent/dir/pipeline.yaml\" does not exist");
}

TEST_F(ConfigFile, DirectoryIsAnIoError) {
  Result<PipelineConfig> r = load_file("/tmp");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace delta::config
