// SinkRuntime's own logic with a scripted backend: batching (rows, bytes, linger, offset-aligned
// cuts), retries with backoff, the DLQ for rejected rows and refused batches, backpressure, and
// `done` only after every row is stored or dead-lettered.
#include "sink/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace delta::sink {
namespace {

using namespace std::chrono_literals;

struct Script {
  std::mutex mu;
  std::vector<std::vector<int64_t>> batches;  // offsets of each successful write
  std::vector<Status> failures;               // returned by the next writes, in order
  std::vector<size_t> reject;                 // row indexes the next successful write rejects
  int writes = 0;
  std::atomic<bool> block{false};
};

class ScriptedSink final : public Sink {
 public:
  explicit ScriptedSink(Script* s) : s_(s) {}
  Status prepare(const TableSpec&) override { return Status::ok(); }
  Status write(const Batch& batch, std::vector<RowError>* rejected) override {
    while (s_->block.load()) std::this_thread::sleep_for(1ms);
    std::lock_guard<std::mutex> lock(s_->mu);
    ++s_->writes;
    if (!s_->failures.empty()) {
      Status st = s_->failures.front();
      s_->failures.erase(s_->failures.begin());
      return st;
    }
    std::vector<int64_t> offsets;
    for (const Row& r : batch.rows) offsets.push_back(r.offset);
    s_->batches.push_back(offsets);
    for (size_t i : s_->reject) rejected->push_back({i, "refused by the script"});
    s_->reject.clear();
    return Status::ok();
  }
  void close() override {}

 private:
  Script* s_;
};

struct Letter {
  std::string stream, stage, reason, event;
};

class RecordingDlq final : public DeadLetters {
 public:
  void add(std::string_view stream, std::string_view stage, std::string_view reason,
           std::string_view event) override {
    std::lock_guard<std::mutex> lock(mu);
    letters.push_back({std::string(stream), std::string(stage), std::string(reason), std::string(event)});
  }
  Status sync() override {
    ++syncs;
    return Status::ok();
  }
  std::mutex mu;
  std::vector<Letter> letters;
  std::atomic<int> syncs{0};
};

Row make_row(std::string_view json, int64_t time_ms, int64_t offset) {
  Row r;
  r.json = json;
  r.time_ms = time_ms;
  r.offset = offset;
  return r;
}

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return f();
}

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config.name = "t";
    config.kind = "scripted";
    config.batch_rows = 3;
    config.linger_ms = 60'000;
    config.retry_initial_ms = 1;
    config.retry_max_ms = 4;
    table.name = "orders";
    events.resize(10);
    for (size_t i = 0; i < events.size(); ++i) events[i] = "{\"n\":" + std::to_string(i) + "}";
  }
  std::unique_ptr<SinkRuntime> start() {
    auto rt = SinkRuntime::start(config, std::make_unique<ScriptedSink>(&script), &dlq, registry,
                                 SystemClock::instance());
    EXPECT_TRUE(rt.is_ok()) << rt.status().to_string();
    (*rt)->add_table(&table);
    return std::move(*rt);
  }
  std::vector<Row> rows(int64_t first, int64_t last) {
    std::vector<Row> out;
    for (int64_t o = first; o <= last; ++o)
      out.push_back(make_row(events[static_cast<size_t>(o)], 1000 + o, o));
    return out;
  }
  // Starts a runtime, delivers offsets [first, last], and waits (bounded) for `done`; closes it.
  bool deliver_and_wait(int64_t first, int64_t last) {
    auto rt = start();
    std::atomic<int> done{0};
    std::vector<Row> r = rows(first, last);
    rt->deliver(table, 0, r, [&] { ++done; });
    bool ok = eventually([&] { return done.load() == 1; });
    rt->close();
    return ok;
  }
  uint64_t counter(const std::string& name) {
    return registry.counter(name, "", {{"sink", "t"}, {"table", "orders"}, {"kind", "events"}}).value();
  }

  config::SinkConfig config;
  TableSpec table;
  Script script;
  RecordingDlq dlq;
  obs::Registry registry;
  std::vector<std::string> events;
};

TEST_F(RuntimeTest, CutsFullBatchesAndWritesTheTailAtClose) {
  auto rt = start();
  std::atomic<int> done{0};
  std::vector<Row> r = rows(0, 6);
  rt->deliver(table, 0, r, [&] { ++done; });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(script.mu);
    return script.batches.size() == 2;
  }));
  EXPECT_EQ(done.load(), 0) << "done before the last row is stored";
  rt->close();
  EXPECT_EQ(done.load(), 1);
  ASSERT_EQ(script.batches.size(), 3u);
  EXPECT_EQ(script.batches[0], (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(script.batches[1], (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(script.batches[2], (std::vector<int64_t>{6}));
  EXPECT_EQ(counter("delta_sink_rows_total"), 7u);
  EXPECT_EQ(counter("delta_sink_batches_total"), 3u);
}

// A replay that starts mid-batch (offset 1) still ends its first batch at the same boundary (2),
// so the archive's object names match the first run's.
TEST_F(RuntimeTest, CutsAtOffsetsThatAreMultiplesOfBatchRows) {
  auto rt = start();
  std::vector<Row> r = rows(1, 7);
  rt->deliver(table, 0, r, nullptr);
  rt->close();
  ASSERT_EQ(script.batches.size(), 3u);
  EXPECT_EQ(script.batches[0], (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(script.batches[1], (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(script.batches[2], (std::vector<int64_t>{6, 7}));
}

TEST_F(RuntimeTest, LingerWritesAPartialBatch) {
  config.linger_ms = 20;
  EXPECT_TRUE(deliver_and_wait(0, 0));
}

TEST_F(RuntimeTest, BatchBytesCutsEarly) {
  config.batch_rows = 100;
  config.batch_bytes = 12;  // two rows of 7 bytes
  auto rt = start();
  std::vector<Row> r = rows(0, 4);
  rt->deliver(table, 0, r, nullptr);
  rt->close();
  ASSERT_EQ(script.batches.size(), 3u);
  EXPECT_EQ(script.batches[0].size(), 2u);
}

TEST_F(RuntimeTest, RetriesRetryableErrorsThenStoresOnce) {
  script.failures = {Status::unavailable("down"), Status::io_error("disk"),
                     Status::deadline_exceeded("slow")};
  ASSERT_TRUE(deliver_and_wait(0, 2));
  EXPECT_EQ(script.writes, 4);
  ASSERT_EQ(script.batches.size(), 1u);
  EXPECT_EQ(counter("delta_sink_retries_total"), 3u);
  EXPECT_TRUE(dlq.letters.empty());
}

TEST_F(RuntimeTest, NonRetryableBatchGoesToTheDlq) {
  script.failures = {Status::invalid_argument("schema mismatch")};
  ASSERT_TRUE(deliver_and_wait(0, 2));
  ASSERT_EQ(dlq.letters.size(), 3u);
  EXPECT_EQ(dlq.letters[0].stream, "orders");
  EXPECT_EQ(dlq.letters[0].stage, "sink:t");
  EXPECT_EQ(dlq.letters[0].reason, "schema mismatch");
  EXPECT_EQ(dlq.letters[2].event, events[2]);
  EXPECT_GE(dlq.syncs.load(), 1) << "dead letters must be durable before done";
  EXPECT_EQ(counter("delta_sink_dead_letters_total"), 3u);
}

TEST_F(RuntimeTest, RejectedRowsGoToTheDlqAndTheRestLands) {
  script.reject = {1};
  auto rt = start();
  std::vector<Row> r = rows(0, 2);
  rt->deliver(table, 0, r, nullptr);
  rt->close();
  ASSERT_EQ(dlq.letters.size(), 1u);
  EXPECT_EQ(dlq.letters[0].event, events[1]);
  EXPECT_EQ(dlq.letters[0].reason, "refused by the script");
  EXPECT_EQ(counter("delta_sink_rows_total"), 2u);
}

TEST_F(RuntimeTest, DeliverBlocksWhileTheQueueIsFull) {
  config.batch_bytes = 1;  // capacity: 1 MiB
  script.block = true;
  auto rt = start();
  std::string big(700 * 1024, 'x');
  big = "{\"b\":\"" + big + "\"}";
  std::vector<Row> one{make_row(big, 1, 0)};
  std::vector<Row> two{make_row(big, 1, 1)};
  rt->deliver(table, 0, one, nullptr);
  std::atomic<bool> second{false};
  std::thread t([&] {
    rt->deliver(table, 0, two, nullptr);
    second = true;
  });
  std::this_thread::sleep_for(50ms);  // give deliver() the chance to return early (it must not)
  EXPECT_FALSE(second.load());
  script.block = false;
  EXPECT_TRUE(eventually([&] { return second.load(); }));
  t.join();
  rt->close();
  EXPECT_EQ(script.batches.size(), 2u);
}

TEST_F(RuntimeTest, CloseGivesUpOnADownBackendWithoutCallingDone) {
  for (int i = 0; i < 1000; ++i) script.failures.push_back(Status::unavailable("down"));
  auto rt = start();
  rt->close_timeout_ms = 50;
  std::atomic<int> done{0};
  std::vector<Row> r = rows(0, 0);
  rt->deliver(table, 0, r, [&] { ++done; });
  rt->close();
  EXPECT_EQ(done.load(), 0) << "an unstored row must stay uncommitted";
  EXPECT_TRUE(dlq.letters.empty());
}

// Regression: close() arriving while the thread retried a full batch (flush_ready without force)
// never returned: past the close deadline the write gave up, the batch stayed in its lane and the
// loop wrote it again at once, forever. `delta run` hung on SIGTERM with a sink down.
TEST_F(RuntimeTest, CloseReturnsWhileAFullBatchIsBeingRetried) {
  for (int i = 0; i < 100000; ++i) script.failures.push_back(Status::unavailable("down"));
  auto rt = start();
  rt->close_timeout_ms = 50;
  std::atomic<int> done{0};
  std::vector<Row> r = rows(0, 2);  // batch_rows 3: a full batch, written without waiting for close
  rt->deliver(table, 0, r, [&] { ++done; });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(script.mu);
    return script.writes >= 2;
  }));
  rt->close();  // hung here
  EXPECT_EQ(done.load(), 0) << "an unstored row must stay uncommitted";
}

// SinkSet::stop() begins every runtime's close before it waits for any, so a shutdown with several
// sinks down waits one close deadline, not one per sink: the deadline is fixed by begin_close().
TEST_F(RuntimeTest, BeginCloseFixesTheDeadlineSoSeveralRuntimesCloseTogether) {
  for (int i = 0; i < 100000; ++i) script.failures.push_back(Status::unavailable("down"));
  ManualClock clock;
  std::vector<std::unique_ptr<SinkRuntime>> rts;
  std::atomic<int> done{0};
  std::vector<Row> r = rows(0, 0);
  for (int i = 0; i < 2; ++i) {
    auto rt = SinkRuntime::start(config, std::make_unique<ScriptedSink>(&script), &dlq, registry, clock);
    ASSERT_TRUE(rt.is_ok()) << rt.status().to_string();
    (*rt)->add_table(&table);
    (*rt)->close_timeout_ms = 1000;
    (*rt)->deliver(table, 0, r, [&] { ++done; });
    rts.push_back(std::move(*rt));
  }
  for (auto& rt : rts) rt->begin_close();
  clock.advance_ms(1001);  // both deadlines pass at once; the clock does not move again
  for (auto& rt : rts) rt->finish_close();
  EXPECT_EQ(done.load(), 0) << "unstored rows must stay uncommitted";
}

TEST(Backoff, DoublesUpToTheCeilingWithJitter) {
  EXPECT_EQ(backoff_ms(100, 30'000, 1, 1.0), 100);
  EXPECT_EQ(backoff_ms(100, 30'000, 2, 1.0), 200);
  EXPECT_EQ(backoff_ms(100, 30'000, 4, 1.0), 800);
  EXPECT_EQ(backoff_ms(100, 30'000, 30, 1.0), 30'000);
  EXPECT_EQ(backoff_ms(100, 30'000, 30, 0.5), 15'000);
  EXPECT_EQ(backoff_ms(100, 30'000, 1, 0.1), 50) << "jitter is clamped to [0.5, 1]";
}

TEST(Retryable, ClassifiesCodes) {
  EXPECT_TRUE(is_retryable(Status::unavailable("")));
  EXPECT_TRUE(is_retryable(Status::io_error("")));
  EXPECT_TRUE(is_retryable(Status::deadline_exceeded("")));
  EXPECT_FALSE(is_retryable(Status::invalid_argument("")));
  EXPECT_FALSE(is_retryable(Status::internal("")));
}

}  // namespace
}  // namespace delta::sink
