// compile_view: a view's expressions against its stream's schema, and every error it reports
// pointing at the view, the expression and the column.
#include "process/view_plan.h"

#include <gtest/gtest.h>

namespace delta::process {
namespace {

config::PipelineConfig parse_ok(std::string_view views) {
  std::string yaml =
      "streams:\n"
      "  orders:\n"
      "    time_field: ts\n"
      "    schema: {ts: timestamp, id: string, country: string, amount: float64, qty: int64, note: string}\n"
      "    dedup: {field: id, horizon: 1m}\n"
      "views:\n" +
      std::string(views);
  Result<config::PipelineConfig> cfg = config::parse(yaml, "p.yaml");
  EXPECT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  return cfg.is_ok() ? std::move(*cfg) : config::PipelineConfig{};
}

std::string error_of(std::string_view select, std::string_view extra = "") {
  config::PipelineConfig cfg = parse_ok(
      "  v:\n    from: orders\n    window: {tumbling: 10s}\n    group_by: [country]\n    select: {x: \"" +
      std::string(select) + "\"}\n" + std::string(extra));
  Result<std::vector<std::unique_ptr<ViewPlan>>> plans = compile_views(cfg);
  return plans.is_ok() ? "no error" : plans.status().message();
}

TEST(ViewPlan, CompilesAViewIntoItsResultsTable) {
  config::PipelineConfig cfg = parse_ok(
      "  v:\n    from: orders\n    where: \"amount > 0\"\n    window: {tumbling: 10s, allowed_lateness: 2s}\n"
      "    group_by: [country, {minute: \"time_bucket(ts, 1m)\"}]\n"
      "    select: {n: count(), total: sum(qty), avg_amount: avg(amount), users: count_distinct(id), "
      "p99: \"quantile(amount, 0.99)\"}\n");
  Result<std::vector<std::unique_ptr<ViewPlan>>> plans = compile_views(cfg);
  ASSERT_TRUE(plans.is_ok()) << plans.status().to_string();
  const ViewPlan& p = *(*plans)[0];
  EXPECT_TRUE(p.where.has_value());
  EXPECT_TRUE(p.dedup_id.has_value());
  ASSERT_EQ(p.aggregates.size(), 5u);
  EXPECT_EQ(p.aggregates[4].spec.kind, AggKind::kQuantile);
  EXPECT_DOUBLE_EQ(p.aggregates[4].spec.q, 0.99);
  EXPECT_EQ(p.window.kind, WindowKind::kTumbling);
  EXPECT_EQ(p.window.allowed_lateness_ms, 2000);
  std::vector<std::string> names;
  for (const sink::Column& c : p.table.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"window_start", "window_end", "country", "minute", "n", "total",
                                             "avg_amount", "users", "p99", "final"}));
  EXPECT_EQ(p.table.key_columns,
            (std::vector<std::string>{"window_start", "window_end", "country", "minute"}));
  EXPECT_EQ(p.table.columns[5].type, sink::ColumnType::kInt64);    // sum of an int64
  EXPECT_EQ(p.table.columns[6].type, sink::ColumnType::kFloat64);  // avg
  EXPECT_EQ(p.table.columns[3].type, sink::ColumnType::kTimestamp);
}

TEST(ViewPlan, ErrorsNameTheFileTheViewTheExpressionAndTheColumn) {
  EXPECT_EQ(
      error_of("sum(amont)"),
      "p.yaml:11:17: views.v.select.x: expression \"sum(amont)\" at column 5: unknown field \"amont\" (did "
      "you mean \"amount\"?)");
  EXPECT_EQ(error_of("sum(note)"),
            "p.yaml:11:17: views.v.select.x: sum needs a number (int64 or float64), got "
            "string in \"sum(note)\"");
  EXPECT_EQ(
      error_of("median(amount)"),
      "p.yaml:11:17: views.v.select.x: unknown aggregate \"median\" (expected an aggregate: count(), sum(x), "
      "min(x), max(x), avg(x), count_distinct(x) or quantile(x, q))");
  EXPECT_EQ(error_of("amount * 2"),
            "p.yaml:11:17: views.v.select.x: expected an aggregate: count(), sum(x), min(x), max(x), avg(x), "
            "count_distinct(x) or quantile(x, q), got \"amount * 2\"");
  EXPECT_EQ(
      error_of("quantile(amount, 2)"),
      "p.yaml:11:17: views.v.select.x: quantile(x, q) needs q, a number from 0 to 1, got \"quantile(amount, "
      "2)\"");
  EXPECT_EQ(
      error_of("count(id)"),
      "p.yaml:11:17: views.v.select.x: count() counts events and takes no argument (count_distinct(x) counts "
      "values), got \"count(id)\"");
  EXPECT_EQ(error_of("max()"), "p.yaml:11:17: views.v.select.x: max(x) needs an argument, got \"max()\"");
  EXPECT_EQ(
      error_of("count()", "    where: \"amount > 'x'\"\n"),
      "p.yaml:12:12: views.v.where: expression \"amount > 'x'\" at column 8: cannot compare float64 with "
      "string");
  EXPECT_EQ(error_of("count()", "    where: \"amount\"\n"),
            "p.yaml:12:12: views.v.where: expression \"amount\" at column 1: a condition must be bool, got "
            "float64");
}

TEST(ViewPlan, GroupByErrorsPointAtTheKey) {
  config::PipelineConfig cfg = parse_ok(
      "  v:\n    from: orders\n    window: {tumbling: 10s}\n    group_by: [{c: \"lowr(country)\"}]\n"
      "    select: {n: count()}\n");
  Result<std::vector<std::unique_ptr<ViewPlan>>> plans = compile_views(cfg);
  ASSERT_FALSE(plans.is_ok());
  EXPECT_EQ(plans.status().message(),
            "p.yaml:10:20: views.v.group_by[0].c: expression \"lowr(country)\" at column 1: unknown function "
            "\"lowr\" (did you mean \"lower\"?)");
}

TEST(ViewPlan, OutputColumnsMustBeUnique) {
  config::PipelineConfig cfg = parse_ok(
      "  v:\n    from: orders\n    window: {tumbling: 10s}\n    group_by: [country]\n"
      "    select: {country: count()}\n");
  Result<std::vector<std::unique_ptr<ViewPlan>>> plans = compile_views(cfg);
  ASSERT_FALSE(plans.is_ok());
  EXPECT_EQ(plans.status().message(),
            "p.yaml:11:23: views.v.select.country: column \"country\" is named twice in the view's output");
}

}  // namespace
}  // namespace delta::process
