// The sqlite sink against a real SQLite file: tables from the TableSpec, replays that add nothing,
// upserts and retractions of results, per-row refusals, a locked database as a retryable error,
// the results reader and the read-only query engine.
#include "sink/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace delta::sink {
namespace {

namespace fsys = std::filesystem;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = (fsys::temp_directory_path() / ("delta-sqlite-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
              .string();
    fsys::remove_all(dir);
    fsys::create_directories(dir);
    path = dir + "/a.db";
    config.name = "analytics";
    config.kind = "sqlite";
    config.options.push_back({"path", path, "t.yaml:1:1: sinks.analytics.path"});
    config.options.push_back({"busy_timeout_ms", "50", "t.yaml:1:1: sinks.analytics.busy_timeout_ms"});
    events.name = "orders";
    events.columns = {{"id", ColumnType::kString},
                      {"amount", ColumnType::kFloat64},
                      {"n", ColumnType::kInt64},
                      {"meta", ColumnType::kJson}};
    results.kind = TableSpec::Kind::kViewResults;
    results.name = "revenue";
    results.columns = {{"window_start", ColumnType::kTimestamp},
                       {"window_end", ColumnType::kTimestamp},
                       {"country", ColumnType::kString},
                       {"total", ColumnType::kFloat64}};
    results.key_columns = {"window_start", "window_end", "country"};
  }
  void TearDown() override { fsys::remove_all(dir); }

  std::unique_ptr<SqliteStore> open() {
    auto s = SqliteStore::create(config);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    EXPECT_TRUE((*s)->prepare(events).is_ok());
    EXPECT_TRUE((*s)->prepare(results).is_ok());
    return std::move(*s);
  }
  Status write_events(Sink& s, const std::vector<std::string>& json, int64_t first,
                      std::vector<RowError>* rejected) {
    std::vector<Row> rows;
    for (size_t i = 0; i < json.size(); ++i) {
      Row r;
      r.json = json[i];
      r.offset = first + static_cast<int64_t>(i);
      rows.push_back(r);
    }
    return s.write(Batch{&events, 1, rows}, rejected);
  }
  std::string query(const std::string& sql) {
    SqliteQueryEngine q(path);
    Result<std::string> r = q.query(sql, 100);
    return r.is_ok() ? *r : "ERROR " + r.status().to_string();
  }

  std::string dir, path;
  config::SinkConfig config;
  TableSpec events, results;
};

TEST_F(SqliteTest, EventsLandOnceEvenWhenReplayed) {
  auto s = open();
  std::vector<std::string> json = {R"({"id":"a","amount":1.5,"n":7,"meta":{"x":[1,2]}})",
                                   R"({"id":"b","amount":2,"n":8,"extra":"ignored"})"};
  std::vector<RowError> rejected;
  ASSERT_TRUE(write_events(*s, json, 10, &rejected).is_ok());
  ASSERT_TRUE(write_events(*s, json, 10, &rejected).is_ok());  // the replay
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(query("select count(*) from orders"),
            R"x({"columns":["count(*)"],"rows":[[2]],"truncated":false})x");
  EXPECT_EQ(
      query("select id, amount, n, meta, _partition, _offset from orders order by _offset"),
      R"({"columns":["id","amount","n","meta","_partition","_offset"],"rows":[["a",1.5,7,"{\"x\":[1,2]}",1,10],)"
      R"(["b",2,8,null,1,11]],"truncated":false})");
}

TEST_F(SqliteTest, AValueOverTheLimitIsRejectedAndTheRestLands) {
  config.options.push_back({"max_value_bytes", "16", "t.yaml:1:1: sinks.analytics.max_value_bytes"});
  auto s = open();
  std::vector<std::string> json = {R"({"id":"short"})", R"({"id":"much too long for sixteen bytes"})",
                                   R"({"id":"ok"})"};
  std::vector<RowError> rejected;
  ASSERT_TRUE(write_events(*s, json, 0, &rejected).is_ok());
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 1u);
  EXPECT_NE(rejected[0].reason.find("too big"), std::string::npos) << rejected[0].reason;
  EXPECT_EQ(query("select id from orders order by _offset"),
            R"({"columns":["id"],"rows":[["short"],["ok"]],"truncated":false})");
}

TEST_F(SqliteTest, ResultsAreUpsertedByKeyAndRetractionsDelete) {
  auto s = open();
  std::string w = R"("window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:00:10.000Z")";
  std::vector<std::string> json = {
      "{" + w + R"(,"country":"DE","total":1})", "{" + w + R"(,"country":"FR","total":2})",
      "{" + w + R"(,"country":"DE","total":5})", "{" + w + R"(,"country":"FR"})"};
  std::vector<Row> rows(4);
  for (size_t i = 0; i < 4; ++i) {
    rows[i].json = json[i];
    rows[i].time_ms = 1'767'225'600'000;
    rows[i].key = i % 2 == 0 ? "DE" : "FR";
  }
  rows[3].is_retraction = true;
  std::vector<RowError> rejected;
  ASSERT_TRUE(s->write(Batch{&results, -1, rows}, &rejected).is_ok());
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(query("select country, total from revenue"),
            R"({"columns":["country","total"],"rows":[["DE",5]],"truncated":false})");
  Result<std::string> r = s->results("revenue", "DE", 0, INT64_MAX, 10);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, "[{" + w + R"(,"country":"DE","total":5}])");
  EXPECT_EQ(*s->results("revenue", "FR", 0, INT64_MAX, 10), "[]");
}

TEST_F(SqliteTest, ALockedDatabaseIsRetryable) {
  auto s = open();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::vector<RowError> rejected;
  Status st = write_events(*s, {R"({"id":"a"})"}, 0, &rejected);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(write_events(*s, {R"({"id":"a"})"}, 0, &rejected).is_ok());
}

TEST_F(SqliteTest, QueriesThatWriteAreRefused) {
  auto s = open();
  SqliteQueryEngine q(path);
  for (std::string sql : {"delete from orders", "insert into orders(id,_partition,_offset) values('x',0,0)",
                          "create table x(a)", "drop table orders", "attach database 'x.db' as x",
                          "select 1; delete from orders"}) {
    Result<std::string> r = q.query(sql, 10);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << sql;
  }
  EXPECT_FALSE(fsys::exists(dir + "/x.db"));
  Result<std::string> bad = q.query("select nope from orders", 10);
  EXPECT_NE(bad.status().message().find("no such column"), std::string::npos);
  Result<std::string> many =
      q.query("with recursive c(x) as (select 1 union all select x+1 from c limit 50) select x from c", 3);
  ASSERT_TRUE(many.is_ok());
  EXPECT_EQ(*many, R"({"columns":["x"],"rows":[[1],[2],[3]],"truncated":true})");
}

TEST_F(SqliteTest, ATableGainsNewSchemaColumns) {
  { auto s = open(); }
  events.columns.push_back({"country", ColumnType::kString});
  auto s = open();
  std::vector<RowError> rejected;
  ASSERT_TRUE(write_events(*s, {R"({"id":"a","country":"DE"})"}, 0, &rejected).is_ok());
  EXPECT_EQ(query("select country from orders"),
            R"({"columns":["country"],"rows":[["DE"]],"truncated":false})");
}

}  // namespace
}  // namespace delta::sink
