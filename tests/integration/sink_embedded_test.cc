// The embedded sinks end to end with the real binary: events posted land in the local archive
// (decompressed and counted by event id) and in SQLite (counted with `delta query` and POST
// /v1/query); a row SQLite refuses goes to the DLQ, GET /v1/dlq shows it and replay re-ingests it;
// a query that writes is refused; and an outage (another connection holding SQLite's write lock)
// loses and duplicates nothing while Delta keeps accepting events.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zstd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

using namespace std::chrono_literals;

std::string config_for(const std::string& dir) {
  return R"(streams:
  clicks:
    time_field: ts
    partitions: 2
    schema: {ts: timestamp, id: string, note: "string?"}
    sinks: [archive, analytics]
sinks:
  archive: {kind: local, dir: ")" +
         dir + R"(/archive", linger: 50ms}
  analytics: {kind: sqlite, path: ")" +
         dir + R"(/analytics.db", max_value_bytes: 64, linger: 50ms, retry_initial: 10ms, retry_max: 200ms}
)";
}

std::string events(int first, int count, const std::string& note = "") {
  std::string out;
  for (int i = first; i < first + count; ++i) {
    out += R"({"ts":"2026-03-01T10:)" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
           R"(:00Z","id":"e)" + std::to_string(i) + "\"" +
           (note.empty() ? "" : ",\"note\":\"" + note + "\"") + "}\n";
  }
  return out;
}

// Every id in every archive object below `dir`, with repeats.
std::multiset<std::string> archived_ids(const std::string& dir) {
  std::multiset<std::string> ids;
  if (!std::filesystem::exists(dir)) return ids;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || !e.path().string().ends_with(".ndjson.zst")) continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::string in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string out(ZSTD_getFrameContentSize(in.data(), in.size()), '\0');
    size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) continue;
    out.resize(n);
    size_t at = 0;
    while ((at = out.find("\"id\":\"", at)) != std::string::npos) {
      at += 6;
      ids.insert(out.substr(at, out.find('"', at) - at));
    }
  }
  return ids;
}

std::string query(const DeltaProcess& d, const std::string& sql) {
  CommandResult r = run_delta({"query", "--url", d.url(""), sql});
  return r.exit_code == 0 ? r.out : "exit " + std::to_string(r.exit_code) + ": " + r.err;
}

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

class SinkEmbeddedTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::unique_ptr<DeltaProcess> delta;
  void start() {
    delta = std::make_unique<DeltaProcess>(tmp.path(), config_for(tmp.path()));
    ASSERT_TRUE(delta->start()) << delta->read_stdout();
  }
  HttpResult post(const std::string& body) {
    return http_post(delta->url("/v1/streams/clicks/events"), body, "application/x-ndjson");
  }
};

TEST_F(SinkEmbeddedTest, EventsLandInTheArchiveAndInSqlite) {
  start();
  for (int b = 0; b < 4; ++b) ASSERT_EQ(post(events(b * 50, 50)).status, 200);
  std::string want = "count(*)\tcount(distinct id)\n200\t200\n";
  EXPECT_TRUE(eventually([&] {
    return query(*delta, "select count(*), count(distinct id) from clicks") == want;
  })) << query(*delta, "select count(*), count(distinct id) from clicks");
  EXPECT_TRUE(eventually([&] { return archived_ids(tmp.path() + "/archive").size() == 200; }));
  std::multiset<std::string> ids = archived_ids(tmp.path() + "/archive");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 200u) << "an event archived twice";
  EXPECT_TRUE(ids.count("e0") == 1 && ids.count("e199") == 1);
  HttpResult r = http_post(delta->url("/v1/query"), R"({"sql":"select id from clicks where id = 'e7'"})",
                           "application/json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"columns":["id"],"rows":[["e7"]],"truncated":false})");
}

// The startup line suggests a `delta query` over a table the analytical store holds: here only a
// view's results go to SQLite (the stream has no sinks), so the hint must name the view, and the
// suggested command must run.
TEST(StartupHint, TheSuggestedQueryRunsOnWhatTheStoreHolds) {
  TempDir tmp;
  DeltaProcess d(tmp.path(), R"(streams:
  clicks:
    time_field: ts
    schema: {ts: timestamp, id: string}
views:
  per_id:
    from: clicks
    window: {tumbling: 10s}
    group_by: [id]
    select: {n: count()}
    sinks: [analytics]
sinks:
  analytics: {kind: sqlite, path: ")" +
                                 tmp.path() +
                                 R"(/analytics.db", linger: 50ms}
)");
  ASSERT_TRUE(d.start()) << d.read_stdout();
  const std::string marker = "query the analytical store: delta query --url " + d.url("") + " \"";
  ASSERT_TRUE(d.wait_for_output(marker, 1, 10'000)) << d.read_stdout();
  std::string out = d.read_stdout();
  size_t at = out.find(marker) + marker.size();
  std::string sql = out.substr(at, out.find('"', at) - at);
  EXPECT_NE(sql.find("from per_id"), std::string::npos) << sql;
  // The window of "a" closes when "b", an hour later, moves the watermark past it.
  ASSERT_EQ(
      http_post(
          d.url("/v1/streams/clicks/events"),
          "{\"ts\":\"2026-03-01T10:00:00Z\",\"id\":\"a\"}\n{\"ts\":\"2026-03-01T11:00:00Z\",\"id\":\"b\"}\n",
          "application/x-ndjson")
          .status,
      200);
  CommandResult r;
  EXPECT_TRUE(eventually([&] {
    r = run_delta({"query", "--url", d.url(""), sql});
    return r.exit_code == 0 && r.out.find("\ta\t1\t") != std::string::npos;
  })) << r.out
      << r.err;
  EXPECT_TRUE(r.out.starts_with("window_start\t")) << r.out;
}

TEST_F(SinkEmbeddedTest, AWriteQueryIsRefused) {
  start();
  ASSERT_EQ(post(events(0, 1)).status, 200);
  ASSERT_TRUE(eventually([&] { return query(*delta, "select count(*) from clicks") == "count(*)\n1\n"; }));
  HttpResult r = http_post(delta->url("/v1/query"), R"({"sql":"delete from clicks"})", "application/json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("read_only"), std::string::npos) << r.body;
  CommandResult c = run_delta({"query", "--url", delta->url(""), "drop table clicks"});
  EXPECT_NE(c.exit_code, 0);
  EXPECT_EQ(query(*delta, "select count(*) from clicks"), "count(*)\n1\n");
  EXPECT_EQ(http_post(delta->url("/v1/query"), "not json", "application/json").status, 400);
}

TEST_F(SinkEmbeddedTest, ARefusedRowGoesToTheDlqAndReplays) {
  start();
  std::string long_note(100, 'n');
  ASSERT_EQ(post(events(0, 3) + events(3, 1, long_note)).status, 200);
  HttpResult dlq;
  ASSERT_TRUE(eventually([&] {
    dlq = http_get(delta->url("/v1/dlq/clicks"));
    return dlq.body.find("\"id\":\"e3\"") != std::string::npos;
  })) << dlq.body;
  EXPECT_NE(dlq.body.find("\"stage\":\"sink:analytics\""), std::string::npos) << dlq.body;
  EXPECT_NE(dlq.body.find("too big"), std::string::npos) << dlq.body;
  EXPECT_TRUE(eventually([&] { return query(*delta, "select count(*) from clicks") == "count(*)\n3\n"; }));
  EXPECT_EQ(http_get(delta->url("/v1/dlq/nope")).status, 404);
  // The replayed event goes back through ingest: into the log, to the archive again, and (still too
  // big for SQLite) to the DLQ a second time.
  HttpResult replay = http_request("POST", delta->url("/v1/dlq/clicks/replay"), {}, "");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_NE(replay.body.find("\"replayed\":1"), std::string::npos) << replay.body;
  EXPECT_TRUE(eventually([&] {
    std::multiset<std::string> ids = archived_ids(tmp.path() + "/archive");
    return ids.count("e3") == 2;
  }));
  EXPECT_TRUE(eventually([&] {
    std::string body = http_get(delta->url("/v1/dlq/clicks")).body;
    size_t first = body.find("\"id\":\"e3\"");
    return first != std::string::npos && body.find("\"id\":\"e3\"", first + 1) != std::string::npos;
  }));
}

// SQLite held by another writer for a while: Delta keeps answering 200, the sink retries, and once
// the lock is gone every event is there exactly once. Then a restart replays from the committed
// offsets without duplicating anything.
TEST_F(SinkEmbeddedTest, AnOutageLosesAndDuplicatesNothing) {
  start();
  ASSERT_EQ(post(events(0, 10)).status, 200);
  ASSERT_TRUE(eventually([&] { return query(*delta, "select count(*) from clicks") == "count(*)\n10\n"; }));
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open((tmp.path() + "/analytics.db").c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  for (int b = 1; b < 11; ++b) ASSERT_EQ(post(events(b * 10, 10)).status, 200) << "Delta must keep accepting";
  ASSERT_TRUE(eventually([&] {
    return metric_value(http_get(delta->url("/metrics")).body,
                        "delta_sink_retries_total{sink=\"analytics\",table=\"clicks\",kind=\"events\"}") > 0;
  }));
  ASSERT_EQ(sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(locker);
  std::string want = "count(*)\tcount(distinct id)\n110\t110\n";
  std::string sql = "select count(*), count(distinct id) from clicks";
  EXPECT_TRUE(eventually([&] { return query(*delta, sql) == want; })) << query(*delta, sql);
  delta->kill9();
  ASSERT_TRUE(delta->start());
  ASSERT_EQ(post(events(110, 10)).status, 200);
  want = "count(*)\tcount(distinct id)\n120\t120\n";
  EXPECT_TRUE(eventually([&] { return query(*delta, sql) == want; })) << query(*delta, sql);
  EXPECT_TRUE(eventually([&] { return archived_ids(tmp.path() + "/archive").size() == 120; }))
      << archived_ids(tmp.path() + "/archive").size();
}

}  // namespace
}  // namespace delta::testing
