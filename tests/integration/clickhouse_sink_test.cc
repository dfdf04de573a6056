// ClickHouseSink against a real clickhouse-server (Debian 12's 18.16) on a free loopback port:
// rows arrive with their content and types, refused rows are found and only they are rejected,
// replays and updates collapse (ReplacingMergeTree, read with FINAL), an outage in the middle of a
// stream of batches loses nothing, and queries are read-only.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "sink/clickhouse/clickhouse_sink.h"
#include "tests/integration/servers.h"

namespace delta::testing {
namespace {

using sink::Batch;
using sink::ColumnType;
using sink::Row;
using sink::RowError;
using sink::TableSpec;
using sink::clickhouse::ClickHouseOptions;
using sink::clickhouse::ClickHouseSink;

TableSpec events_table() {
  TableSpec t;
  t.kind = TableSpec::Kind::kEvents;
  t.name = "clicks";
  t.columns = {{"id", ColumnType::kString, false}, {"ts", ColumnType::kTimestamp, true},
               {"n", ColumnType::kInt64, true},    {"price", ColumnType::kFloat64, true},
               {"ok", ColumnType::kBool, true},    {"props", ColumnType::kJson, true}};
  t.time_column = "ts";
  return t;
}

TableSpec results_table() {
  TableSpec t;
  t.kind = TableSpec::Kind::kViewResults;
  t.name = "by_country";
  t.columns = {{"window_start", ColumnType::kTimestamp, false},
               {"window_end", ColumnType::kTimestamp, false},
               {"country", ColumnType::kString, true},
               {"orders", ColumnType::kInt64, true},
               {"revenue", ColumnType::kFloat64, true}};
  t.key_columns = {"window_start", "window_end", "country"};
  t.time_column = "window_start";
  return t;
}

// Event i: id "e<i>", event time 2024-01-02T03:04:05.000Z + i ms.
std::string event_json(int i) {
  return R"({"id":"e)" + std::to_string(i) + R"(","ts":")" + "2024-01-02T03:04:05." +
         std::to_string(100 + i % 900) + R"(Z","n":)" + std::to_string(i) +
         R"(,"price":1.5,"ok":true,"props":{"a":[1,"x"]},"extra":"dropped"})";
}

struct Rows {
  std::vector<std::string> json;
  std::vector<Row> rows;
  void add(std::string j, int64_t offset, int64_t time_ms = 1'704'164'645'000) {
    json.push_back(std::move(j));
    rows.push_back(Row{});
    rows.back().offset = offset;
    rows.back().time_ms = time_ms;
  }
  // Row::json views into `json`: fix them once every row is added.
  std::span<const Row> span() {
    for (size_t i = 0; i < rows.size(); ++i) rows[i].json = json[i];
    return rows;
  }
};

Rows events(int first, int count) {
  Rows r;
  for (int i = first; i < first + count; ++i) r.add(event_json(i), i);
  return r;
}

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

class ClickHouseSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ClickHouseServer>(dir_.path());
    ASSERT_TRUE(server_->start()) << "clickhouse-server did not start (run scripts/setup.sh): "
                                  << server_->error();
    ClickHouseOptions o;
    o.http.base_url = server_->url();
    o.http.user = "default";
    o.database = "delta_test";
    o.table_prefix = "t_";
    sink_ = std::make_unique<ClickHouseSink>(o);
  }

  std::string q(const std::string& sql) { return trimmed(server_->query(sql).body); }

  TempDir dir_;
  std::unique_ptr<ClickHouseServer> server_;
  std::unique_ptr<ClickHouseSink> sink_;
  TableSpec events_ = events_table();
  TableSpec results_ = results_table();
};

TEST_F(ClickHouseSinkTest, EventsArriveWithTheirContentAndTypes) {
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  EXPECT_EQ(sink_->server_version().substr(0, 5), "18.16");
  EXPECT_FALSE(sink_->features().datetime64);
  Rows r = events(0, 500);
  std::vector<RowError> rejected;
  Status s = sink_->write(Batch{&events_, 3, r.span()}, &rejected);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(q("SELECT count(), uniqExact(id), min(_offset), max(_offset) FROM delta_test.t_clicks"),
            "500\t500\t0\t499");
  EXPECT_EQ(q("SELECT _partition, _offset, _time, _time_ms, id, ts, ts_ms, n, price, ok, props "
              "FROM delta_test.t_clicks WHERE id = 'e7' FORMAT JSONEachRow"),
            R"({"_partition":3,"_offset":"7","_time":"2024-01-02 03:04:05","_time_ms":"1704164645000",)"
            R"("id":"e7","ts":"2024-01-02 03:04:05","ts_ms":"1704164645107","n":"7","price":1.5,)"
            R"("ok":1,"props":"{\"a\":[1,\"x\"]}"})");
}

TEST_F(ClickHouseSinkTest, RowsTheServerRefusesAreFoundAndOnlyTheyAreRejected) {
  // The table exists already with `id` as a Date: ClickHouse refuses ids that are not dates.
  ASSERT_EQ(server_->query("CREATE DATABASE delta_test").status, 200);
  ASSERT_EQ(server_
                ->query("CREATE TABLE delta_test.t_clicks (_partition Int32, _offset Int64, _time DateTime, "
                        "_time_ms Int64, id Date, n Nullable(Int64)) ENGINE = MergeTree ORDER BY _offset")
                .status,
            200);
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  Rows r;
  for (int i = 0; i < 40; ++i) {
    bool bad = i == 5 || i == 6 || i == 31;
    r.add(
        R"({"id":")" + std::string(bad ? "not-a-date" : "2024-01-02") + R"(","n":)" + std::to_string(i) + "}",
        i);
  }
  r.add(R"({"id":"2024-01-02","n":"forty"})", 40);  // refused by the sink itself: not an int64
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink_->write(Batch{&events_, 0, r.span()}, &rejected).is_ok());
  std::set<size_t> bad;
  for (const RowError& e : rejected) {
    bad.insert(e.index);
    if (e.index != 40) {
      EXPECT_NE(e.reason.find("Code: "), std::string::npos) << e.reason;
    }
  }
  EXPECT_EQ(rejected.size(), 4u);
  EXPECT_EQ(bad, (std::set<size_t>{5, 6, 31, 40}));
  EXPECT_EQ(q("SELECT count() FROM delta_test.t_clicks"), "37");
}

TEST_F(ClickHouseSinkTest, ReplayedEventsAndUpdatedResultsCollapse) {
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  ASSERT_TRUE(sink_->prepare(results_).is_ok());
  Rows r = events(0, 100);
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink_->write(Batch{&events_, 0, r.span()}, &rejected).is_ok());
  ASSERT_TRUE(sink_->write(Batch{&events_, 0, r.span()}, &rejected).is_ok());  // a retry
  EXPECT_EQ(q("SELECT count() FROM delta_test.t_clicks FINAL"), "100");

  Rows res;
  const std::string w =
      R"("window_start":"2024-01-02T03:04:00.000Z","window_end":"2024-01-02T03:04:10.000Z")";
  res.add("{" + w + R"(,"country":"DE","orders":1,"revenue":2.5})", -1);
  res.add("{" + w + R"(,"country":"FR","orders":4,"revenue":8})", -1);
  ASSERT_TRUE(sink_->write(Batch{&results_, -1, res.span()}, &rejected).is_ok());
  Rows update;  // a late event updates DE
  update.add("{" + w + R"(,"country":"DE","orders":2,"revenue":5})", -1);
  ASSERT_TRUE(sink_->write(Batch{&results_, -1, update.span()}, &rejected).is_ok());
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(
      q("SELECT country, orders, revenue, window_start_ms, window_end FROM delta_test.t_by_country FINAL "
        "ORDER BY country"),
      "DE\t2\t5\t1704164640000\t2024-01-02 03:04:10\nFR\t4\t8\t1704164640000\t2024-01-02 03:04:10");
}

TEST_F(ClickHouseSinkTest, AnOutageInTheMiddleOfAStreamLosesNothing) {
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  constexpr int kBatches = 20, kRows = 250;
  int unavailable = 0;
  for (int b = 0; b < kBatches; ++b) {
    if (b == 7) server_->stop();
    Rows r = events(b * kRows, kRows);
    std::vector<RowError> rejected;
    Status s = sink_->write(Batch{&events_, 0, r.span()}, &rejected);
    if (b >= 7 && b < 10) {
      // Down: the backend says retryable, as the runtime expects; it will hold the batch.
      EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.to_string();
      ++unavailable;
      if (b == 9) {
        ASSERT_TRUE(server_->start()) << server_->error();
      }
      // The runtime's retry: the same batch until it lands.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!s.is_ok() && b == 9 && std::chrono::steady_clock::now() < deadline) {
        s = sink_->write(Batch{&events_, 0, r.span()}, &rejected);
        if (!s.is_ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff
      }
      if (b < 9) continue;  // batches 7 and 8 are retried below, as the runtime would
    }
    ASSERT_TRUE(s.is_ok()) << b << ": " << s.to_string();
  }
  for (int b : {7, 8}) {
    Rows r = events(b * kRows, kRows);
    std::vector<RowError> rejected;
    ASSERT_TRUE(sink_->write(Batch{&events_, 0, r.span()}, &rejected).is_ok());
  }
  EXPECT_EQ(unavailable, 3);
  EXPECT_EQ(q("SELECT count(), uniqExact(id) FROM delta_test.t_clicks FINAL"), "5000\t5000");
  ASSERT_EQ(server_->query("OPTIMIZE TABLE delta_test.t_clicks FINAL").status, 200);
  EXPECT_EQ(q("SELECT count() FROM delta_test.t_clicks"), "5000");
}

TEST_F(ClickHouseSinkTest, PasswordsAreUsedAndAWrongOneIsRetryable) {
  ClickHouseOptions o;
  o.http.base_url = server_->url();
  o.http.user = "writer";
  o.http.password = "secret";
  ClickHouseSink good(o);
  EXPECT_TRUE(good.prepare(events_).is_ok());
  o.http.password = "wrong";
  ClickHouseSink bad(o);
  Status s = bad.prepare(events_);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("authentication failed"), std::string::npos) << s.to_string();
  EXPECT_EQ(s.message().find("wrong"), std::string::npos) << "the password leaked: " << s.to_string();
}

TEST_F(ClickHouseSinkTest, QueriesAreReadOnly) {
  ASSERT_TRUE(sink_->prepare(events_).is_ok());
  Rows r = events(0, 10);
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink_->write(Batch{&events_, 0, r.span()}, &rejected).is_ok());
  Result<std::string> rows = sink_->query("SELECT id, n FROM t_clicks WHERE n < 2 ORDER BY n");
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_EQ(*rows, "{\"id\":\"e0\",\"n\":\"0\"}\n{\"id\":\"e1\",\"n\":\"1\"}\n");
  Result<std::string> drop = sink_->query("DROP TABLE t_clicks");
  EXPECT_EQ(drop.status().code(), StatusCode::kInvalidArgument);
  Result<std::string> insert = sink_->query("INSERT INTO t_clicks (id) VALUES ('x')");
  EXPECT_EQ(insert.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q("SELECT count() FROM delta_test.t_clicks"), "10");
}

}  // namespace
}  // namespace delta::testing
