// SourceAppender without Kafka: messages through validation and masking into a log that can refuse,
// invalid ones into a DLQ with their topic, partition and offset.
#include "source/source_appender.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "process/mask.h"

namespace delta::source {
namespace {

// A log that keeps appended events per partition and refuses the first `refusals` appends.
class FakeLog final : public log::Log {
 public:
  Status ensure_stream(std::string_view, int32_t) override { return Status::ok(); }
  void append(std::string_view, int32_t partition, std::string batch, log::AppendCallback done) override {
    std::thread([this, partition, batch = std::move(batch), done = std::move(done)] {
      std::unique_lock lock(mu_);
      if (refusals > 0) {
        --refusals;
        lock.unlock();
        return done(Status::resource_exhausted("quota reached"));
      }
      model::RecordIterator it(batch);
      model::Record rec;
      while (it.next(&rec)) events[partition].emplace_back(rec.value);
      lock.unlock();
      done(log::AppendResult{});
    }).detach();
  }
  Status read_into(std::string_view, int32_t, int64_t, size_t, log::ReadResult*) override {
    return Status::internal("unused");
  }
  Result<log::PartitionInfo> partition_info(std::string_view, int32_t) override {
    return log::PartitionInfo{};
  }
  Status commit(std::string_view, std::string_view, int32_t, int64_t) override { return Status::ok(); }
  Result<int64_t> committed(std::string_view, std::string_view, int32_t) override {
    return Status::not_found("none");
  }
  void enforce_retention() override {}
  void close() override {}

  std::vector<std::string> all() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto& [p, v] : events) out.insert(out.end(), v.begin(), v.end());
    return out;
  }

  std::mutex mu_;
  int refusals = 0;                                    // GUARDED_BY(mu_)
  std::map<int32_t, std::vector<std::string>> events;  // GUARDED_BY(mu_)
};

struct Letter {
  std::string stream, stage, reason, event;
};

class FakeDlq final : public DeadLetterQueue {
 public:
  void add(std::string_view stream, std::string_view stage, std::string_view reason,
           std::string_view event) override {
    letters.push_back({std::string(stream), std::string(stage), std::string(reason), std::string(event)});
  }
  Status sync() override {
    ++syncs;
    return Status::ok();
  }
  std::vector<Letter> letters;
  int syncs = 0;
};

class FixedClock final : public Clock {
 public:
  int64_t now_ms() const override { return 1'700'000'000'000; }
  int64_t monotonic_ns() const override { return 0; }
};

model::StreamSchema orders_schema() {
  model::StreamSchema s;
  s.name = "orders";
  s.fields = {{"id", model::FieldType::kString, true},
              {"amount", model::FieldType::kFloat64, true},
              {"email", model::FieldType::kString, false}};
  s.key_field = "id";
  s.partitions = 3;
  return s;
}

class SourceAppenderTest : public ::testing::Test {
 protected:
  Result<AppendCounts> run(std::vector<SourceMessage> msgs, SourceAppender* appender = nullptr) {
    if (appender == nullptr) appender = &appender_;
    return appender->append(msgs, stop_, [this] { ++refused_; });
  }
  model::StreamSchema schema_ = orders_schema();
  FakeLog log_;
  FakeDlq dlq_;
  FixedClock clock_;
  SourceAppender appender_{schema_, edge::IngestLimits{}, nullptr, log_, dlq_, clock_};
  std::atomic<bool> stop_{false};
  std::atomic<int> refused_{0};
};

SourceMessage msg(std::string_view value, int64_t offset, int32_t partition = 0) {
  return {"orders-in", partition, offset, value};
}

TEST_F(SourceAppenderTest, ValidMessagesAreAppendedAndInvalidOnesDeadLettered) {
  Result<AppendCounts> r = run({msg(R"({"id":"a","amount":1})", 10), msg(R"({"id":"b","amount":"x"})", 11),
                                msg("{not json", 12), msg(R"({"id":"c","amount":2.5})", 13)});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->appended, 2);
  EXPECT_EQ(r->rejected, 2);
  std::vector<std::string> got = log_.all();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{R"({"id":"a","amount":1})", R"({"id":"c","amount":2.5})"}));
  ASSERT_EQ(dlq_.letters.size(), 2u);
  EXPECT_EQ(dlq_.letters[0].stream, "orders");
  EXPECT_EQ(dlq_.letters[0].stage, "source:kafka:orders-in/0@11");
  EXPECT_EQ(dlq_.letters[0].reason.substr(0, 12), "wrong_type: ");
  EXPECT_EQ(dlq_.letters[0].event, R"({"id":"b","amount":"x"})");
  EXPECT_EQ(dlq_.letters[1].stage, "source:kafka:orders-in/0@12");
  EXPECT_EQ(dlq_.letters[1].reason.substr(0, 16), "malformed_json: ");
  EXPECT_EQ(dlq_.syncs, 1);  // the DLQ is durable before append() returns (and offsets commit)
  EXPECT_EQ(refused_, 0);
}

// A message is one event whatever its line breaks: pretty-printed JSON is accepted, and a raw line
// break inside a string (invalid JSON) rejects the message instead of splitting it into lines.
TEST_F(SourceAppenderTest, LineBreaksInAValueDoNotSplitIt) {
  Result<AppendCounts> r =
      run({msg("{\n  \"id\": \"a\",\n  \"amount\": 1\n}\n", 0),
           msg("{\"id\":\"line\nbreak\",\"amount\":1}", 1), msg(R"({"id":"q\"\n","amount":3})", 2)});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->appended, 2);
  ASSERT_EQ(dlq_.letters.size(), 1u);
  EXPECT_EQ(dlq_.letters[0].stage, "source:kafka:orders-in/0@1");
  EXPECT_EQ(dlq_.letters[0].event, "{\"id\":\"line\nbreak\",\"amount\":1}");  // as sent
}

TEST_F(SourceAppenderTest, EmptyValuesAreDeadLettered) {
  Result<AppendCounts> r = run({msg("", 4), msg("", 5)});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->rejected, 2);
  ASSERT_EQ(dlq_.letters.size(), 2u);
  EXPECT_EQ(dlq_.letters[1].stage, "source:kafka:orders-in/0@5");
  EXPECT_EQ(dlq_.letters[1].reason.substr(0, 13), "empty_value: ");
}

// The decoder reports at most kMaxReportedErrors per body; every invalid message must still reach
// the DLQ, each with its own offset.
TEST_F(SourceAppenderTest, EveryInvalidMessageOfALargeBatchReachesTheDlq) {
  std::vector<std::string> values;
  for (int i = 0; i < 1000; ++i) {
    values.push_back(i % 3 == 0 ? R"({"id":"k)" + std::to_string(i) + R"(","amount":1})" : R"({"id":1})");
  }
  std::vector<SourceMessage> msgs;
  for (int i = 0; i < 1000; ++i) msgs.push_back(msg(values[static_cast<size_t>(i)], i));
  Result<AppendCounts> r = run(msgs);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->appended, 334);
  EXPECT_EQ(r->rejected, 666);
  ASSERT_EQ(dlq_.letters.size(), 666u);
  std::set<std::string> stages;
  for (const Letter& l : dlq_.letters) stages.insert(l.stage);
  EXPECT_EQ(stages.size(), 666u);
  EXPECT_EQ(stages.count("source:kafka:orders-in/0@998"), 1u);
  EXPECT_EQ(log_.all().size(), 334u);
}

TEST_F(SourceAppenderTest, MaskedStreamsMaskEventsAndWithholdRejectedValues) {
  schema_.mask = {{"email", model::MaskPolicy::kRedact, 4}};
  std::unique_ptr<process::Masker> masker = process::masker_for(schema_, "");
  SourceAppender masked(schema_, edge::IngestLimits{}, masker.get(), log_, dlq_, clock_);
  Result<AppendCounts> r = run({msg(R"({"id":"a","amount":1,"email":"ada@example.com"})", 0),
                                msg(R"({"id":"b","amount":"x","email":"bob@example.com"})", 1)},
                               &masked);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(log_.all(), (std::vector<std::string>{R"({"id":"a","amount":1,"email":"[REDACTED]"})"}));
  ASSERT_EQ(dlq_.letters.size(), 1u);
  EXPECT_EQ(dlq_.letters[0].event.find("bob@"), std::string::npos);
  EXPECT_NE(dlq_.letters[0].event.find("orders-in/0@1"), std::string::npos);
}

// A refused append is held, consumption is told to pause once, and the same events are appended
// when the log takes them again: nothing is dropped.
TEST_F(SourceAppenderTest, RefusedAppendsAreRetriedUntilTheLogTakesThem) {
  appender_.set_backoff(1, 4);
  {
    std::lock_guard lock(log_.mu_);
    log_.refusals = 5;
  }
  std::vector<std::string> values;
  for (int i = 0; i < 30; ++i) values.push_back(R"({"id":"k)" + std::to_string(i) + R"(","amount":1})");
  std::vector<SourceMessage> msgs;
  for (int i = 0; i < 30; ++i) msgs.push_back(msg(values[static_cast<size_t>(i)], i));
  Result<AppendCounts> r = run(msgs);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->appended, 30);
  EXPECT_GE(r->retries, 5);
  EXPECT_EQ(refused_, 1);
  std::vector<std::string> got = log_.all();
  std::sort(got.begin(), got.end());
  std::sort(values.begin(), values.end());
  EXPECT_EQ(got, values);
}

TEST_F(SourceAppenderTest, StopEndsTheRetriesWithoutSuccess) {
  appender_.set_backoff(1, 2);
  {
    std::lock_guard lock(log_.mu_);
    log_.refusals = 1'000'000;
  }
  std::thread stopper([this] {
    while (refused_ == 0) std::this_thread::yield();
    stop_.store(true);
    appender_.wake();
  });
  Result<AppendCounts> r = run({msg(R"({"id":"a","amount":1})", 0)});
  stopper.join();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace delta::source
