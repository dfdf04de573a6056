// ResultCollector: the JSON of result rows for every group-key type and aggregate value, the sink
// key, and rows that stay valid while the collector's buffers grow across blocks.
#include "process/view_results.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace delta::process {
namespace {

std::unique_ptr<ViewPlan> plan_with_keys(std::string_view group_by) {
  std::string yaml =
      "streams:\n"
      "  s:\n"
      "    time_field: ts\n"
      "    schema: {ts: timestamp, name: string, n: int64, x: float64, ok: bool}\n"
      "views:\n"
      "  v:\n"
      "    from: s\n"
      "    window: {tumbling: 10s}\n"
      "    group_by: " +
      std::string(group_by) +
      "\n"
      "    select: {\"c\\\"nt\": count(), total: sum(x)}\n";
  Result<config::PipelineConfig> cfg = config::parse(yaml, "p.yaml");
  EXPECT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  Result<std::vector<std::unique_ptr<ViewPlan>>> plans = compile_views(*cfg);
  EXPECT_TRUE(plans.is_ok()) << plans.status().to_string();
  return std::move((*plans)[0]);
}

TEST(ResultCollector, RowsForEveryKeyTypeAndValue) {
  std::unique_ptr<ViewPlan> plan = plan_with_keys("[name, n, x, ok, ts]");
  ASSERT_EQ(plan->keys.size(), 5u);
  ResultCollector c(*plan, [] {});
  std::string key;
  encode_key_value(key, Value::string("a\"b\\c\x01"));
  encode_key_value(key, Value::int64(std::numeric_limits<int64_t>::min()));
  encode_key_value(key, Value::float64(-2.5));
  encode_key_value(key, Value::boolean(true));
  encode_key_value(key, Value::timestamp(1'700'000'000'123));
  std::vector<AggValue> values = {{AggValue::Type::kInt, 9'223'372'036'854'775'807, 0},
                                  {AggValue::Type::kFloat, 0, 0.1}};
  c.on_result({10'000, 20'000, key, values, false, false});
  std::string null_key;
  encode_key_value(null_key, Value::null());
  encode_key_value(null_key, Value::int64(0));
  encode_key_value(null_key, Value::null());
  encode_key_value(null_key, Value::boolean(false));
  encode_key_value(null_key, Value::null());
  std::vector<AggValue> nulls = {{AggValue::Type::kInt, 0, 0}, {}};
  c.on_result({10'000, 20'000, null_key, nulls, false, false, /*is_early=*/true});
  c.on_result({0, 10'000, null_key, {}, false, /*is_retraction=*/true});
  ASSERT_EQ(c.size(), 3u);
  const std::vector<sink::Row>& rows = c.rows();
  EXPECT_EQ(
      rows[0].json,
      "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"window_end\":\"1970-01-01T00:00:20.000Z\","
      "\"name\":\"a\\\"b\\\\c\\u0001\",\"n\":-9223372036854775808,\"x\":-2.5,\"ok\":true,"
      "\"ts\":\"2023-11-14T22:13:20.123Z\",\"c\\\"nt\":9223372036854775807,\"total\":0.1,\"final\":true}");
  EXPECT_EQ(rows[0].key, "a\"b\\c\x01,-9223372036854775808,-2.5,true,2023-11-14T22:13:20.123Z");
  EXPECT_EQ(rows[0].time_ms, 10'000);
  EXPECT_EQ(rows[0].end_ms, 20'000);
  EXPECT_EQ(rows[1].json,
            "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"window_end\":\"1970-01-01T00:00:20.000Z\","
            "\"name\":null,\"n\":0,\"x\":null,\"ok\":false,\"ts\":null,\"c\\\"nt\":0,\"total\":null,"
            "\"final\":false}");
  EXPECT_EQ(rows[1].key, ",0,,false,");
  EXPECT_EQ(rows[2].json,
            "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":\"1970-01-01T00:00:10.000Z\","
            "\"name\":null,\"n\":0,\"x\":null,\"ok\":false,\"ts\":null}");
  EXPECT_TRUE(rows[2].is_retraction);
}

TEST(ResultCollector, RowsStayValidAcrossBufferBlocksAndRounds) {
  std::unique_ptr<ViewPlan> plan = plan_with_keys("[name]");
  int full = 0;
  ResultCollector c(*plan, [&] { ++full; });
  std::vector<AggValue> values = {{AggValue::Type::kInt, 1, 0}, {AggValue::Type::kFloat, 0, 1.5}};
  const std::string long_name(3000, 'z');  // ~3 KB rows: 1 MiB blocks fill every few hundred rows
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 2000; ++i) {
      std::string key;
      encode_key_value(key, Value::string(long_name + std::to_string(i)));
      c.on_result({0, 10'000, key, values, false, false});
    }
    ASSERT_EQ(c.size(), 2000u);
    const std::vector<sink::Row>& rows = c.rows();
    for (int i = 0; i < 2000; ++i) {
      const std::string name = long_name + std::to_string(i);
      ASSERT_EQ(rows[i].key, name);
      ASSERT_EQ(rows[i].json,
                "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":"
                "\"1970-01-01T00:00:10.000Z\",\"name\":\"" +
                    name + "\",\"c\\\"nt\":1,\"total\":1.5,\"final\":true}");
    }
    c.clear();
    EXPECT_TRUE(c.empty());
  }
  EXPECT_EQ(full, 0);  // under 65,536 rows
}

}  // namespace
}  // namespace delta::process
