// The `views` and `sinks` sections, and the stream keys that feed views (dedup, watermark, sinks):
// what they read into, and the errors for what they refuse.
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

constexpr std::string_view kStream =
    "streams:\n"
    "  orders:\n"
    "    time_field: ts\n"
    "    schema: {ts: timestamp, id: string, country: string, amount: float64}\n";

Result<PipelineConfig> parse_with(std::string_view rest) {
  return parse(std::string(kStream) + std::string(rest), "p.yaml");
}

std::string error_of(std::string_view rest) {
  Result<PipelineConfig> r = parse_with(rest);
  return r.is_ok() ? "no error" : r.status().message();
}

TEST(ViewsConfig, ReadsEveryKey) {
  Result<PipelineConfig> cfg = parse_with(
      "views:\n"
      "  revenue:\n"
      "    from: orders\n"
      "    where: \"amount > 0\"\n"
      "    window: {hopping: 10s, slide: 5s, allowed_lateness: 2s}\n"
      "    group_by: [country, {minute: \"time_bucket(ts, 1m)\"}]\n"
      "    select: {n: count(), revenue: sum(amount)}\n"
      "    sinks: [cache]\n"
      "sinks:\n"
      "  cache: {kind: memory, ttl: 1h, linger: 50ms, batch_rows: 500}\n");
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  ASSERT_EQ(cfg->views.size(), 1u);
  const ViewConfig& v = cfg->views[0];
  EXPECT_EQ(v.name, "revenue");
  EXPECT_EQ(v.from, "orders");
  EXPECT_EQ(v.where.text, "amount > 0");
  EXPECT_EQ(v.where.where, "p.yaml:8:12: views.revenue.where");
  EXPECT_EQ(v.window, WindowKind::kHopping);
  EXPECT_EQ(v.size_ms, 10'000);
  EXPECT_EQ(v.slide_ms, 5'000);
  EXPECT_EQ(v.allowed_lateness_ms, 2'000);
  ASSERT_EQ(v.group_by.size(), 2u);
  EXPECT_EQ(v.group_by[0].name, "country");
  EXPECT_EQ(v.group_by[1].name, "minute");
  EXPECT_EQ(v.group_by[1].text, "time_bucket(ts, 1m)");
  ASSERT_EQ(v.select.size(), 2u);
  EXPECT_EQ(v.select[1].name, "revenue");
  EXPECT_EQ(v.select[1].text, "sum(amount)");
  EXPECT_EQ(v.sinks, std::vector<std::string>{"cache"});
  ASSERT_EQ(cfg->sinks.size(), 1u);
  const SinkConfig& s = cfg->sinks[0];
  EXPECT_EQ(s.kind, "memory");
  EXPECT_EQ(s.linger_ms, 50);
  EXPECT_EQ(s.batch_rows, 500u);
  ASSERT_NE(s.option("ttl"), nullptr);
  EXPECT_EQ(s.option("ttl")->value, "1h");
  EXPECT_EQ(s.option("ttl")->where, "p.yaml:14:30: sinks.cache.ttl");
}

TEST(ViewsConfig, NestedSinkOptionsAreFlattened) {
  Result<PipelineConfig> cfg = parse_with(
      "sinks:\n  k: {kind: kafka, properties: {security.protocol: SSL, sasl: {mechanism: PLAIN}}}\n");
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  ASSERT_NE(cfg->sinks[0].option("properties.security.protocol"), nullptr);
  EXPECT_EQ(cfg->sinks[0].option("properties.security.protocol")->value, "SSL");
  EXPECT_EQ(cfg->sinks[0].option("properties.sasl.mechanism")->value, "PLAIN");
}

TEST(ViewsConfig, StreamDedupWatermarkAndSinks) {
  Result<PipelineConfig> cfg = parse(
      "streams:\n"
      "  s:\n"
      "    schema: {ts: timestamp, id: string}\n"
      "    dedup: {field: id, horizon: 10m}\n"
      "    watermark: {out_of_orderness: 3s, idle_timeout: 0}\n"
      "    sinks: archive\n"
      "sinks: {archive: {kind: local, dir: /tmp/a}}\n",
      "p.yaml");
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  const model::StreamSchema& s = cfg->streams[0];
  EXPECT_EQ(s.dedup_field, "id");
  EXPECT_EQ(s.dedup_horizon_ms, 600'000);
  EXPECT_EQ(s.out_of_orderness_ms, 3'000);
  EXPECT_EQ(s.idle_timeout_ms, 0);
  EXPECT_EQ(s.sinks, std::vector<std::string>{"archive"});
}

TEST(ViewsConfig, Errors) {
  const std::string view = "views:\n  v:\n    from: orders\n";
  EXPECT_EQ(error_of(view + "    window: {tumbling: 10s}\n    group_by: [country]\n    select: {n: count()}\n"
                            "    sinks: [nowhere]\n"),
            "p.yaml:7:11: views.v.sinks: no sink named \"nowhere\" (define it under sinks:)");
  EXPECT_EQ(error_of("views:\n  v:\n    from: nope\n    window: {tumbling: 1s}\n    group_by: [country]\n"
                     "    select: {n: count()}\n"),
            "p.yaml:7:11: views.v.from: no stream named \"nope\"");
  EXPECT_EQ(error_of(view + "    group_by: [country]\n    select: {n: count()}\n"),
            "p.yaml:6:3: views.v: missing \"window\" ({tumbling: 10s} or the like)");
  EXPECT_EQ(error_of(view + "    window: {tumbling: 10s, session: 1s}\n    group_by: [country]\n"
                            "    select: {n: count()}\n"),
            "p.yaml:8:13: views.v.window: expected exactly one of tumbling: <size>, hopping: <size> (with "
            "slide) or session: <gap>");
  EXPECT_EQ(error_of(view + "    window: {hopping: 10s, slide: 3s}\n    group_by: [country]\n"
                            "    select: {n: count()}\n"),
            "p.yaml:8:35: views.v.window.slide: expected a slide that divides the window size, got a slide "
            "that does not");
  EXPECT_EQ(
      error_of(view + "    window: {tumbling: 10s}\n    group_by: [\"lower(country)\"]\n"
                      "    select: {n: count()}\n"),
      "p.yaml:9:16: views.v.group_by[0]: expected a field, or {name: expression} for a computed key, got "
      "the unnamed expression \"lower(country)\"");
  EXPECT_EQ(
      error_of(view + "    window: {tumbling: 10s}\n    group_by: [country]\n    select: {}\n"),
      "p.yaml:10:13: views.v.select: expected at least one aggregate (name: count()), got an empty mapping");
  EXPECT_EQ(
      error_of("sinks: {a: {kind: mongo}}\n"),
      "p.yaml:5:19: sinks.a.kind: expected local, sqlite, memory, clickhouse, redis, s3, kafka or live, got "
      "\"mongo\"");
  EXPECT_EQ(
      parse("streams:\n  s: {schema: {a: string}, sinks: [c]}\nsinks: {c: {kind: memory}}\n", "p.yaml")
          .status()
          .message(),
      "p.yaml: streams.s.sinks: sink \"c\" is a memory cache, which holds view results; send events to a "
      "local, sqlite, clickhouse, redis, s3 or kafka sink");
  EXPECT_EQ(error_of("sinks: {a: {url: x}}\n"),
            "p.yaml:5:9: sinks.a: missing \"kind\" (local, sqlite, memory, clickhouse, ...)");
}

TEST(ViewsConfig, DemoHasAViewWithAMemoryCache) {
  PipelineConfig demo = demo_config();
  ASSERT_NE(demo.find_view("activity"), nullptr);
  EXPECT_EQ(demo.find_view("activity")->from, "events");
  EXPECT_EQ(demo.streams[0].dedup_field, "event_id");
  ASSERT_NE(demo.find_sink("cache"), nullptr);
  EXPECT_EQ(demo.find_sink("cache")->kind, "memory");
}

}  // namespace
}  // namespace delta::config
