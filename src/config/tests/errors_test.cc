// Refusing bad configurations: each error is "<file>:<line>:<column>: <what was expected>" with
// 1-based positions, and only the first error is reported.
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

// The error message parse() gives for `yaml`, or "OK" when it parses.
std::string error_of(std::string_view yaml) {
  Result<PipelineConfig> r = parse(yaml, "pipeline.yaml");
  if (r.is_ok()) return "OK";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

// A valid streams section to append to a server or log section under test.
const std::string kStreams = "streams: {s: {schema: {ts: timestamp}}}\n";

TEST(ConfigErrors, UnknownKeyAtTheTopLevel) {
  EXPECT_EQ(error_of("streams: {s: {schema: {a: string}}}\nstreamz: {}\n"),
            "pipeline.yaml:2:1: unknown key \"streamz\" at the top level (expected one of: server, log, "
            "masking, streams, auth, views, sinks)");
}

TEST(ConfigErrors, UndefinedSinksAreRefused) {
  EXPECT_EQ(error_of("streams:\n  s: {sinks: [a], schema: {a: string}}\n"),
            "pipeline.yaml: streams.s.sinks: no sink named \"a\" (define it under sinks:)");
}

TEST(ConfigErrors, UnknownKeyInServer) {
  EXPECT_EQ(error_of("server:\n  listen: \"a:1\"\n  io_thread: 2\n" + kStreams),
            "pipeline.yaml:3:3: unknown key \"io_thread\" in server (expected one of: listen, io_threads, "
            "max_body_bytes, max_decoded_body_bytes, max_event_bytes, max_json_depth, max_connections, "
            "header_timeout, body_timeout, idle_timeout, max_inflight_bytes, ws_max_message_bytes, "
            "ws_subscriber_queue_events, tls)");
}

TEST(ConfigErrors, UnknownKeyInLog) {
  EXPECT_EQ(error_of("log: {kind: embedded, retension: 1h}\n" + kStreams),
            "pipeline.yaml:1:23: unknown key \"retension\" in log (expected one of: kind, dir, durability, "
            "retention, retention_bytes, segment_bytes, segment_age, partition_quota_bytes, quota_bytes, "
            "brokers, topic_prefix, properties)");
}

TEST(ConfigErrors, UnknownKeyInStream) {
  std::string yaml = R"(server:
  listen: "127.0.0.1:8080"
streams:
  orders:
    time_field: ts
    key: user_id
    partitons: 4
    schema: {ts: timestamp, user_id: string}
)";
  EXPECT_EQ(
      error_of(yaml),
      "pipeline.yaml:7:5: unknown key \"partitons\" in stream \"orders\" (expected one of: time_field, key, "
      "partitions, schema, mask, sinks, dedup, watermark, source)");
}

TEST(ConfigErrors, UnknownKeyInLongFormField) {
  EXPECT_EQ(
      error_of("streams:\n  s:\n    schema:\n      a: {type: string, optional: true}\n"),
      "pipeline.yaml:4:25: unknown key \"optional\" in field \"a\" of stream \"s\" (expected one of: type, "
      "required)");
}

TEST(ConfigErrors, DuplicateKey) {
  EXPECT_EQ(error_of("streams:\n  s: {schema: {a: string, a: int64}}\n"),
            "pipeline.yaml:2:27: duplicate key \"a\" in the schema of stream \"s\" (first at line 2)");
}

TEST(ConfigErrors, BadIntegerShowsPathBoundsAndValue) {
  EXPECT_EQ(
      error_of("server:\n  io_threads: 2\n  max_connections: lots\n" + kStreams),
      "pipeline.yaml:3:20: server.max_connections: expected an integer from 1 to 1000000, got \"lots\"");
  EXPECT_EQ(error_of("server: {io_threads: 65}\n" + kStreams),
            "pipeline.yaml:1:22: server.io_threads: expected an integer from 0 to 64, got \"65\"");
  EXPECT_EQ(error_of("server: {max_json_depth: 0}\n" + kStreams),
            "pipeline.yaml:1:26: server.max_json_depth: expected an integer from 1 to 1024, got \"0\"");
  EXPECT_EQ(error_of("server: {io_threads: -1}\n" + kStreams),
            "pipeline.yaml:1:22: server.io_threads: expected an integer from 0 to 64, got \"-1\"");
  EXPECT_EQ(error_of("server: {io_threads: 1.5}\n" + kStreams),
            "pipeline.yaml:1:22: server.io_threads: expected an integer from 0 to 64, got \"1.5\"");
}

TEST(ConfigErrors, WrongNodeKinds) {
  EXPECT_EQ(error_of("server: 8080\n" + kStreams),
            "pipeline.yaml:1:9: server: expected a mapping, got a scalar");
  EXPECT_EQ(error_of("server: {io_threads: [1, 2]}\n" + kStreams),
            "pipeline.yaml:1:22: server.io_threads: expected an integer from 0 to 64, got a list");
  EXPECT_EQ(error_of("log: {dir: {a: b}}\n" + kStreams),
            "pipeline.yaml:1:12: log.dir: expected a non-empty string, got a mapping");
  EXPECT_EQ(error_of("streams: [a, b]\n"), "pipeline.yaml:1:10: streams: expected a mapping, got a list");
  EXPECT_EQ(error_of("- a\n- b\n"), "pipeline.yaml:1:1: expected a mapping, got a list");
  EXPECT_EQ(
      error_of("streams:\n  s: {schema: {a: [string]}}\n"),
      "pipeline.yaml:2:19: streams.s.schema.a: expected a type (string, int64, float64, bool, timestamp or "
      "json; a trailing ? makes the field optional) or a mapping {type, required}, got a list");
  EXPECT_EQ(error_of("? [a]\n: 1\n"), "pipeline.yaml:1:3: expected a key name, got a list");
}

TEST(ConfigErrors, EmptyValuePointsAtItsKey) {
  EXPECT_EQ(error_of("server:\n  io_threads:\n  listen: \"a:1\"\n" + kStreams),
            "pipeline.yaml:2:3: server.io_threads: expected an integer from 0 to 64, got nothing");
  EXPECT_EQ(error_of("log:\n  dir: \"\"\n" + kStreams),
            "pipeline.yaml:2:8: log.dir: expected a non-empty string, got \"\"");
}

TEST(ConfigErrors, BadSizes) {
  EXPECT_EQ(
      error_of("server: {max_body_bytes: 16XB}\n" + kStreams),
      "pipeline.yaml:1:26: server.max_body_bytes: expected a size from 1KiB to 1GiB (bytes, or a number with "
      "B, KB, MB, GB, TB, KiB, MiB, GiB or TiB), got \"16XB\"");
  EXPECT_EQ(
      error_of("server: {max_body_bytes: 2GiB}\n" + kStreams),
      "pipeline.yaml:1:26: server.max_body_bytes: expected a size from 1KiB to 1GiB (bytes, or a number with "
      "B, KB, MB, GB, TB, KiB, MiB, GiB or TiB), got \"2GiB\"");
  EXPECT_EQ(error_of("log: {segment_bytes: 1.5MiB}\n" + kStreams).substr(0, 60),
            "pipeline.yaml:1:22: log.segment_bytes: expected a size from ");
}

TEST(ConfigErrors, BadDurations) {
  EXPECT_EQ(error_of("server: {header_timeout: 10}\n" + kStreams),
            "pipeline.yaml:1:26: server.header_timeout: expected a duration from 1ms to 1h (a number with "
            "ms, s, m, "
            "h or d), got \"10\"");
  EXPECT_EQ(error_of("server: {idle_timeout: 2h}\n" + kStreams),
            "pipeline.yaml:1:24: server.idle_timeout: expected a duration from 1ms to 1h (a number with ms, "
            "s, m, h "
            "or d), got \"2h\"");
  EXPECT_EQ(error_of("server: {body_timeout: 0ms}\n" + kStreams),
            "pipeline.yaml:1:24: server.body_timeout: expected a duration from 1ms to 1h (a number with ms, "
            "s, m, h "
            "or d), got \"0ms\"");
  EXPECT_EQ(
      error_of("log: {segment_age: 1h30m}\n" + kStreams),
      "pipeline.yaml:1:20: log.segment_age: expected a duration from 1s to 30d (a number with ms, s, m, h or "
      "d), got \"1h30m\"");
}

TEST(ConfigErrors, BadListen) {
  const std::string what = "expected host:port with a port from 0 to 65535, got ";
  EXPECT_EQ(error_of("server: {listen: \"127.0.0.1\"}\n" + kStreams),
            "pipeline.yaml:1:18: server.listen: " + what + "\"127.0.0.1\"");
  EXPECT_EQ(error_of("server: {listen: \"127.0.0.1:65536\"}\n" + kStreams),
            "pipeline.yaml:1:18: server.listen: " + what + "\"127.0.0.1:65536\"");
  EXPECT_EQ(error_of("server: {listen: \":80\"}\n" + kStreams),
            "pipeline.yaml:1:18: server.listen: " + what + "\":80\"");
  EXPECT_EQ(error_of("server: {listen: \"::1:80\"}\n" + kStreams),
            "pipeline.yaml:1:18: server.listen: " + what + "\"::1:80\"");
  EXPECT_EQ(error_of("server: {listen: \"h:-1\"}\n" + kStreams),
            "pipeline.yaml:1:18: server.listen: " + what + "\"h:-1\"");
}

TEST(ConfigErrors, ServerLimitsMustNest) {
  EXPECT_EQ(
      error_of("server:\n  max_body_bytes: 128MiB\n" + kStreams),
      "pipeline.yaml:2:3: server: max_body_bytes (128MiB) must not exceed max_decoded_body_bytes (64MiB)");
  EXPECT_EQ(
      error_of("server: {max_event_bytes: 100MiB, max_decoded_body_bytes: 64MiB}\n" + kStreams),
      "pipeline.yaml:1:9: server: max_event_bytes (100MiB) must not exceed max_decoded_body_bytes (64MiB)");
}

TEST(ConfigErrors, LogKindAndDurability) {
  EXPECT_EQ(error_of("log:\n  kind: kafka\n" + kStreams),
            "pipeline.yaml:2:3: log: kind kafka needs \"brokers\" (host:port,...)");
  EXPECT_EQ(error_of("log:\n  kind: files\n" + kStreams),
            "pipeline.yaml:2:9: log.kind: expected embedded or kafka, got \"files\"");
  EXPECT_EQ(error_of("log: {durability: always}\n" + kStreams),
            "pipeline.yaml:1:19: log.durability: expected fsync or os, got \"always\"");
}

TEST(ConfigErrors, StreamsMustBeThere) {
  EXPECT_EQ(error_of(""), "pipeline.yaml:1:1: expected a mapping, got nothing");
  EXPECT_EQ(error_of("# only a comment\n"), "pipeline.yaml:1:1: expected a mapping, got nothing");
  EXPECT_EQ(error_of("\nserver: {io_threads: 1}\n"),
            "pipeline.yaml:2:1: missing \"streams\" (at least one stream is required)");
  EXPECT_EQ(error_of("streams: {}\n"),
            "pipeline.yaml:1:10: streams: expected at least one stream, got an empty mapping");
}

TEST(ConfigErrors, StreamNames) {
  EXPECT_EQ(
      error_of("streams:\n  _dlq: {schema: {a: string}}\n"),
      "pipeline.yaml:2:3: streams: stream name \"_dlq\" starts with '_', which is reserved for internal "
      "streams such as _dlq");
  EXPECT_EQ(
      error_of("streams:\n  a.b: {schema: {a: string}}\n"),
      "pipeline.yaml:2:3: streams: bad stream name \"a.b\" (expected 1 to 64 letters, digits, '_' or '-')");
  EXPECT_EQ(
      error_of("streams:\n  \"\": {schema: {a: string}}\n"),
      "pipeline.yaml:2:3: streams: bad stream name \"\" (expected 1 to 64 letters, digits, '_' or '-')");
  std::string name64(64, 'x');
  EXPECT_EQ(error_of("streams:\n  " + name64 + ": {schema: {a: string}}\n"), "OK");
  EXPECT_EQ(error_of("streams:\n  " + name64 + "y: {schema: {a: string}}\n").substr(0, 42),
            "pipeline.yaml:2:3: streams: bad stream nam");
}

TEST(ConfigErrors, Partitions) {
  EXPECT_EQ(error_of("streams:\n  s: {partitions: 0, schema: {a: string}}\n"),
            "pipeline.yaml:2:19: streams.s.partitions: expected an integer from 1 to 1024, got \"0\"");
  EXPECT_EQ(error_of("streams:\n  s: {partitions: 1025, schema: {a: string}}\n"),
            "pipeline.yaml:2:19: streams.s.partitions: expected an integer from 1 to 1024, got \"1025\"");
}

TEST(ConfigErrors, SchemaProblems) {
  EXPECT_EQ(error_of("streams:\n  s: {partitions: 2}\n"),
            "pipeline.yaml:2:3: streams.s: missing \"schema\" (field name: type)");
  EXPECT_EQ(error_of("streams:\n  s: {schema: {}}\n"),
            "pipeline.yaml:2:15: streams.s.schema: expected at least one field, got an empty mapping");
  EXPECT_EQ(error_of("streams:\n  s: {schema: {\"\": string}}\n"),
            "pipeline.yaml:2:16: streams.s.schema: a field name must not be empty");
  EXPECT_EQ(
      error_of("streams:\n  s: {schema: {a: flaot64}}\n"),
      "pipeline.yaml:2:19: streams.s.schema.a: expected a type (string, int64, float64, bool, timestamp or "
      "json; a trailing ? makes the field optional) or a mapping {type, required}, got \"flaot64\"");
  EXPECT_EQ(error_of("streams:\n  s: {schema: {a: {required: false}}}\n"),
            "pipeline.yaml:2:19: streams.s.schema.a: missing \"type\"");
  EXPECT_EQ(
      error_of("streams:\n  s: {schema: {a: {type: \"int64?\"}}}\n"),
      "pipeline.yaml:2:26: streams.s.schema.a.type: expected a type: string, int64, float64, bool, timestamp "
      "or json, got \"int64?\"");
  EXPECT_EQ(error_of("streams:\n  s: {schema: {a: {type: int64, required: maybe}}}\n"),
            "pipeline.yaml:2:43: streams.s.schema.a.required: expected true or false, got \"maybe\"");
}

TEST(ConfigErrors, TimeFieldMustBeATimestampOrInt64FieldOfTheSchema) {
  std::string yaml = "streams:\n  s:\n    time_field: when\n    schema: {ts: timestamp, email: string}\n";
  EXPECT_EQ(
      error_of(yaml),
      "pipeline.yaml:3:17: streams.s.time_field: expected a field of the schema (ts, email), got \"when\"");
  yaml = "streams:\n  s:\n    schema: {ts: timestamp, email: string}\n    time_field: email\n";
  EXPECT_EQ(error_of(yaml),
            "pipeline.yaml:4:17: streams.s.time_field: expected a field of type timestamp or int64, got "
            "\"email\" (a "
            "string field)");
}

TEST(ConfigErrors, KeyMustBeANonJsonFieldOfTheSchema) {
  EXPECT_EQ(error_of("streams:\n  s: {key: user, schema: {user_id: string}}\n"),
            "pipeline.yaml:2:12: streams.s.key: expected a field of the schema (user_id), got \"user\"");
  EXPECT_EQ(
      error_of("streams:\n  s: {key: doc, schema: {doc: json}}\n"),
      "pipeline.yaml:2:12: streams.s.key: expected a field of any type but json, got \"doc\" (a json field)");
}

TEST(ConfigErrors, YamlSyntaxErrorsHaveAPosition) {
  EXPECT_EQ(error_of("streams:\n  s: {schema: [a, b\n"),
            "pipeline.yaml:3:1: bad YAML: end of sequence flow not found");
  EXPECT_EQ(error_of("server:\n  io_threads: 1\n max_connections: 2\n"),
            "pipeline.yaml:3:2: bad YAML: end of map not found");
  EXPECT_EQ(error_of("streams:\n\t- b\n"), "pipeline.yaml:2:2: bad YAML: illegal block entry");
  EXPECT_EQ(error_of("a: b: c\n"), "pipeline.yaml:1:5: bad YAML: illegal map value");
}

TEST(ConfigErrors, BadInterpolation) {
  EXPECT_EQ(error_of("log: {dir: \"${unclosed\"}\n" + kStreams),
            "pipeline.yaml:1:12: log.dir: unclosed \"${\" (write \"$${\" for a literal \"${\")");
  EXPECT_EQ(
      error_of("log: {dir: \"${1X}\"}\n" + kStreams),
      "pipeline.yaml:1:12: log.dir: bad variable name in \"${1X}\" (expected letters, digits and '_', not "
      "starting with a digit)");
}

TEST(ConfigErrors, OnlyTheFirstErrorIsReported) {
  EXPECT_EQ(error_of("server: {io_threads: 99, max_json_depth: 0}\nbogus: 1\n"),
            "pipeline.yaml:1:22: server.io_threads: expected an integer from 0 to 64, got \"99\"");
}

}  // namespace
}  // namespace delta::config
