// MemorySink: the latest row per (view, window, key), served by range and key, retractions,
// expiry after the TTL, the max_rows bound, and its options.
#include "sink/memory_sink.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace delta::sink {
namespace {

TableSpec results_table() {
  TableSpec t;
  t.kind = TableSpec::Kind::kViewResults;
  t.name = "v";
  return t;
}

Row row(int64_t start, std::string_view key, std::string_view json, bool retraction = false) {
  Row r;
  r.time_ms = start;
  r.end_ms = start + 10;
  r.key = key;
  r.json = json;
  r.is_retraction = retraction;
  return r;
}

Status write(MemorySink& s, const TableSpec& t, std::vector<Row> rows) {
  std::vector<RowError> rejected;
  return s.write(Batch{&t, -1, rows}, &rejected);
}

TEST(MemorySink, KeepsTheLatestRowPerWindowAndKey) {
  ManualClock clock;
  MemorySink s(60'000, 100, clock);
  TableSpec t = results_table();
  ASSERT_TRUE(s.prepare(t).is_ok());
  ASSERT_TRUE(
      write(s, t, {row(0, "DE", R"({"n":1})"), row(0, "FR", R"({"n":2})"), row(10, "DE", R"({"n":3})")})
          .is_ok());
  ASSERT_TRUE(write(s, t, {row(0, "DE", R"({"n":4})")}).is_ok());  // an update replaces the row
  EXPECT_EQ(*s.results("v", "", INT64_MIN, INT64_MAX, 100), R"([{"n":4},{"n":2},{"n":3}])");
  EXPECT_EQ(*s.results("v", "DE", INT64_MIN, INT64_MAX, 100), R"([{"n":4},{"n":3}])");
  EXPECT_EQ(*s.results("v", "", 10, 20, 100), R"([{"n":3}])");
  EXPECT_EQ(*s.results("v", "", INT64_MIN, INT64_MAX, 1), R"([{"n":4}])");
  ASSERT_TRUE(write(s, t, {row(0, "FR", "", /*retraction=*/true)}).is_ok());
  EXPECT_EQ(*s.results("v", "", 0, 10, 100), R"([{"n":4}])");
  EXPECT_EQ(s.rows(), 2u);
  EXPECT_EQ(s.results("other", "", 0, 10, 100).status().code(), StatusCode::kNotFound);
}

TEST(MemorySink, RowsExpireAfterTheTtlAndTheOldestWindowsGoFirst) {
  ManualClock clock;
  MemorySink s(1000, 3, clock);
  TableSpec t = results_table();
  ASSERT_TRUE(s.prepare(t).is_ok());
  ASSERT_TRUE(write(s, t, {row(0, "a", "0a"), row(10, "a", "10a"), row(20, "a", "20a"), row(30, "a", "30a")})
                  .is_ok());
  EXPECT_EQ(s.rows(), 3u) << "max_rows 3: the oldest window went first";
  EXPECT_EQ(*s.results("v", "", INT64_MIN, INT64_MAX, 100), "[10a,20a,30a]");
  clock.advance_ms(1000);
  EXPECT_EQ(*s.results("v", "", INT64_MIN, INT64_MAX, 100), "[]") << "expired rows are never served";
  ASSERT_TRUE(write(s, t, {row(40, "a", "40a")}).is_ok());
  EXPECT_EQ(s.rows(), 1u) << "and are dropped by the next write";
}

TEST(MemorySink, RefusesEventsTablesAndBadOptions) {
  ManualClock clock;
  MemorySink s(1000, 3, clock);
  TableSpec events;
  events.name = "clicks";
  EXPECT_EQ(s.prepare(events).code(), StatusCode::kInvalidArgument);
  config::SinkConfig c;
  c.name = "cache";
  c.kind = "memory";
  c.where = "p.yaml:3:5: sinks.cache";
  c.options = {{"ttl", "soon", "p.yaml:3:20: sinks.cache.ttl"}};
  Status st = MemorySink::check_options(c);
  EXPECT_EQ(st.message(), "p.yaml:3:20: sinks.cache.ttl: expected a positive duration like 10m or 1h");
  c.options = {{"size", "1", "p.yaml:3:20: sinks.cache.size"}};
  EXPECT_FALSE(MemorySink::check_options(c).is_ok());
  c.options = {{"ttl", "10m", "p.yaml:3:20: sinks.cache.ttl"},
               {"max_rows", "5", "p.yaml:3:30: sinks.cache.max_rows"}};
  EXPECT_TRUE(MemorySink::check_options(c).is_ok());
}

}  // namespace
}  // namespace delta::sink
