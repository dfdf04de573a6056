// RedisSink against a real redis-server on a free loopback port: result hashes with a TTL and the
// latest-window pointer, PUBLISH, retractions, events in capped streams that a replay does not
// duplicate, and an outage in the middle of a stream of batches that loses nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sink/redis/redis_sink.h"
#include "tests/integration/servers.h"

namespace delta::testing {
namespace {

using sink::Batch;
using sink::ColumnType;
using sink::Row;
using sink::RowError;
using sink::TableSpec;
using sink::redis::RedisSink;
using sink::redis::RedisSinkOptions;

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

struct Rows {
  std::vector<std::string> json, keys;
  std::vector<Row> rows;
  void result(int64_t window_ms, std::string key, std::string json_text, bool retraction = false) {
    json.push_back(std::move(json_text));
    keys.push_back(std::move(key));
    Row r;
    r.time_ms = window_ms;
    r.end_ms = window_ms + 10'000;
    r.is_retraction = retraction;
    rows.push_back(r);
  }
  void event(int64_t offset) {
    json.push_back(R"({"id":"e)" + std::to_string(offset) + R"("})");
    keys.emplace_back();
    Row r;
    r.offset = offset;
    rows.push_back(r);
  }
  std::span<const Row> span() {
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].json = json[i];
      rows[i].key = keys[i];
    }
    return rows;
  }
};

class RedisSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RedisServer>(dir_.path());
    ASSERT_TRUE(server_->start()) << "redis-server did not start (run scripts/setup.sh): "
                                  << server_->error();
    results_.kind = TableSpec::Kind::kViewResults;
    results_.name = "by_country";
    events_.kind = TableSpec::Kind::kEvents;
    events_.name = "clicks";
  }

  std::unique_ptr<RedisSink> make(bool publish) {
    RedisSinkOptions o;
    o.url = server_->url();
    o.publish = publish;
    o.ttl_ms = 60'000;
    o.events_max_len = 1000;
    Result<std::unique_ptr<RedisSink>> s = RedisSink::create(o);
    return std::move(*s);
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> server_;
  TableSpec results_, events_;
};

TEST_F(RedisSinkTest, ResultsAreHashesWithATtlAndALatestPointer) {
  auto sink = make(false);
  ASSERT_TRUE(sink->prepare(results_).is_ok());
  Rows r;
  r.result(
      1000, "DE",
      R"({"window_start":"1970-01-01T00:00:01.000Z","country":"DE","orders":3,"revenue":7.5,"tags":["a"]})");
  r.result(11000, "DE",
           R"({"window_start":"1970-01-01T00:00:11.000Z","country":"DE","orders":1,"revenue":null})");
  r.result(1000, "FR", R"({"window_start":"1970-01-01T00:00:01.000Z","country":"FR","orders":2})");
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink->write(Batch{&results_, -1, r.span()}, &rejected).is_ok());
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(trimmed(server_->cli({"HGET", "delta:by_country:1000:DE", "orders"})), "3");
  EXPECT_EQ(trimmed(server_->cli({"HGET", "delta:by_country:1000:DE", "revenue"})), "7.5");
  EXPECT_EQ(trimmed(server_->cli({"HGET", "delta:by_country:1000:DE", "country"})), "DE");
  EXPECT_EQ(trimmed(server_->cli({"HGET", "delta:by_country:1000:DE", "tags"})), "[\"a\"]");
  EXPECT_EQ(trimmed(server_->cli({"HEXISTS", "delta:by_country:11000:DE", "revenue"})), "0");
  int64_t ttl = std::stoll(server_->cli({"PTTL", "delta:by_country:1000:DE"}));
  EXPECT_GT(ttl, 50'000);
  EXPECT_LE(ttl, 60'000);
  EXPECT_EQ(trimmed(server_->cli({"GET", "delta:by_country:latest:DE"})), "11000");
  EXPECT_EQ(trimmed(server_->cli({"GET", "delta:by_country:latest:FR"})), "1000");

  // A late update of an older window rewrites it but does not move the pointer back.
  Rows late;
  late.result(1000, "DE", R"({"window_start":"1970-01-01T00:00:01.000Z","country":"DE","orders":4})");
  late.result(1000, "FR", "", true);  // FR's window was retracted
  ASSERT_TRUE(sink->write(Batch{&results_, -1, late.span()}, &rejected).is_ok());
  EXPECT_EQ(trimmed(server_->cli({"HGET", "delta:by_country:1000:DE", "orders"})), "4");
  EXPECT_EQ(trimmed(server_->cli({"HEXISTS", "delta:by_country:1000:DE", "revenue"})), "0");
  EXPECT_EQ(trimmed(server_->cli({"GET", "delta:by_country:latest:DE"})), "11000");
  EXPECT_EQ(trimmed(server_->cli({"EXISTS", "delta:by_country:1000:FR"})), "0");
  EXPECT_EQ(trimmed(server_->cli({"EXISTS", "delta:by_country:latest:FR"})), "0");
}

TEST_F(RedisSinkTest, ResultsArePublishedWhenAsked) {
  Subprocess sub({"redis-cli", "-p", std::to_string(server_->port()), "SUBSCRIBE", "delta:by_country"},
                 dir_.path() + "/sub.out");
  ASSERT_TRUE(sub.start());
  ASSERT_TRUE(sub.wait_for_output("delta:by_country", 10'000));
  auto sink = make(true);
  Rows r;
  r.result(1000, "DE", R"({"country":"DE","orders":3})");
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink->write(Batch{&results_, -1, r.span()}, &rejected).is_ok());
  EXPECT_TRUE(sub.wait_for_output(R"({"country":"DE","orders":3})", 10'000)) << sub.output();
}

TEST_F(RedisSinkTest, EventsGoToACappedStreamAndAReplayAddsNothing) {
  auto sink = make(false);
  Rows r;
  for (int i = 0; i < 50; ++i) r.event(i);
  std::vector<RowError> rejected;
  ASSERT_TRUE(sink->write(Batch{&events_, 2, r.span()}, &rejected).is_ok());
  ASSERT_TRUE(sink->write(Batch{&events_, 2, r.span()}, &rejected).is_ok());  // a retry
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(trimmed(server_->cli({"XLEN", "delta:clicks:2"})), "50");
  std::string first = server_->cli({"XRANGE", "delta:clicks:2", "-", "+", "COUNT", "1"});
  EXPECT_NE(first.find("1-0"), std::string::npos) << first;
  EXPECT_NE(first.find(R"({"id":"e0"})"), std::string::npos) << first;
}

TEST_F(RedisSinkTest, AnOutageInTheMiddleOfAStreamLosesNothing) {
  auto sink = make(false);
  ASSERT_TRUE(sink->prepare(results_).is_ok());
  constexpr int kBatches = 12, kRows = 100;
  std::vector<int> held;
  for (int b = 0; b < kBatches; ++b) {
    if (b == 4) server_->stop();
    if (b == 8) {
      ASSERT_TRUE(server_->start()) << server_->error();
    }
    Rows r;
    for (int i = 0; i < kRows; ++i) {
      int id = b * kRows + i;
      r.result(1000, "k" + std::to_string(id), R"({"n":)" + std::to_string(id) + "}");
    }
    std::vector<RowError> rejected;
    Status s = sink->write(Batch{&results_, -1, r.span()}, &rejected);
    if (b >= 4 && b < 8) {
      EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.to_string();
      held.push_back(b);
      continue;
    }
    // Just after the restart the client may still be backing off: retry as the runtime would.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!s.is_ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the runtime's backoff
      s = sink->write(Batch{&results_, -1, r.span()}, &rejected);
    }
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  for (int b : held) {  // the held batches, retried after the restart (the script is loaded again)
    Rows r;
    for (int i = 0; i < kRows; ++i) {
      int id = b * kRows + i;
      r.result(1000, "k" + std::to_string(id), R"({"n":)" + std::to_string(id) + "}");
    }
    std::vector<RowError> rejected;
    ASSERT_TRUE(sink->write(Batch{&results_, -1, r.span()}, &rejected).is_ok());
  }
  EXPECT_EQ(trimmed(server_->cli({"EVAL", "return #redis.call('KEYS', 'delta:by_country:1000:*')", "0"})),
            std::to_string(kBatches * kRows));
  EXPECT_EQ(trimmed(server_->cli({"HGET", "delta:by_country:1000:k555", "n"})), "555");
}

}  // namespace
}  // namespace delta::testing
