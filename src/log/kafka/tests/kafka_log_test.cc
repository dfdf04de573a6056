// KafkaLog against librdkafka's mock cluster in this process: topics, append -> read round trips
// with Kafka offsets, consumer-group commits, and refusals the edge turns into 503.
#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "log/kafka/kafka_log.h"
#include "tests/kafka_mock/mock_cluster.h"

namespace delta::log {
namespace {

using testing::MockKafkaCluster;

struct Event {
  int64_t time_ms;
  std::string json;
};

std::string make_batch(const std::vector<Event>& events) {
  model::RecordBatchBuilder b;
  for (const Event& e : events) b.add(e.time_ms, e.json);
  return std::string(b.finish(0));
}

std::vector<Event> events(int from, int n) {
  std::vector<Event> out;
  for (int i = from; i < from + n; ++i) {
    out.push_back({1'700'000'000'000 + i, R"({"id":"e)" + std::to_string(i) + R"(","user_id":"u)" +
                                              std::to_string(i % 3) + R"(","n":)" + std::to_string(i) + "}"});
  }
  return out;
}

class KafkaLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = MockKafkaCluster::create(3);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    cluster_ = std::move(*c);
    ASSERT_TRUE(cluster_->create_topic("t.events", 4).is_ok());
    ASSERT_TRUE(cluster_->create_topic("t.narrow", 2).is_ok());
    config_.kind = "kafka";
    config_.brokers = cluster_->bootstraps();
    config_.topic_prefix = "t.";
    config_.properties = {{"message.timeout.ms", "2000"}, {"retry.backoff.ms", "50"}};
    KafkaLogOptions options;
    options.key_fields["events"] = "user_id";
    options.admin_timeout_ms = 3000;
    auto log = KafkaLog::open(config_, clock_, registry_, options);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = std::move(*log);
  }
  void TearDown() override {
    if (log_) log_->close();
  }

  // Appends and waits (bounded) for the callback.
  Result<AppendResult> append(const std::string& stream, int32_t partition, std::string batch) {
    auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
    auto future = promise->get_future();
    log_->append(stream, partition, std::move(batch),
                 [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      return Status::internal("append callback never ran");
    }
    return future.get();
  }

  // Every record from `from` to the end of the partition, through read() with small reads.
  std::vector<model::Record> read_all(const std::string& stream, int32_t partition, int64_t from,
                                      std::vector<std::string>* keep) {
    std::vector<model::Record> out;
    for (int64_t next = from;;) {
      Result<ReadResult> r = log_->read(stream, partition, next, 64);
      EXPECT_TRUE(r.is_ok()) << r.status().to_string();
      if (!r.is_ok() || r->batches.empty()) break;
      for (std::string_view b : r->batches) {
        keep->emplace_back(b);
        model::RecordIterator it(keep->back());
        model::Record rec;
        while (it.next(&rec)) {
          if (rec.offset >= next) out.push_back(rec);
        }
        EXPECT_TRUE(it.status().is_ok()) << it.status().to_string();
      }
      EXPECT_GT(r->next_offset, next);
      next = r->next_offset;
      if (next >= r->end_offset) break;
    }
    return out;
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
  config::LogConfig config_;
  ManualClock clock_;
  obs::Registry registry_;
  std::unique_ptr<KafkaLog> log_;
};

TEST_F(KafkaLogTest, EnsureStreamAcceptsTheRightPartitionCountAndRefusesAnother) {
  EXPECT_TRUE(log_->ensure_stream("events", 4).is_ok());
  EXPECT_TRUE(log_->ensure_stream("events", 4).is_ok());  // idempotent
  Status st = log_->ensure_stream("narrow", 3);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.to_string();
  EXPECT_NE(st.message().find("t.narrow has 2 partitions"), std::string::npos) << st.message();
  EXPECT_EQ(log_->ensure_stream("bad/name", 1).code(), StatusCode::kInvalidArgument);
}

// librdkafka 2.0's mock cluster has no CreateTopics (rdkafka_mock.h), so here the request for a
// missing topic times out; what this checks is that the failure is reported, names the topic, and
// that no topic appears with a count nobody asked for (a metadata request naming the topic would
// have auto-created it with the mock's default of 4). Creation itself needs a real cluster.
TEST_F(KafkaLogTest, EnsureStreamOfAMissingTopicAsksTheBrokersAndReportsTheirAnswer) {
  Status st = log_->ensure_stream("fresh", 2);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("creating topic t.fresh"), std::string::npos) << st.to_string();
  EXPECT_EQ(append("fresh", 1, make_batch(events(0, 1))).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(cluster_->create_topic("t.fresh", 2).is_ok());
  st = log_->ensure_stream("fresh", 2);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
}

TEST_F(KafkaLogTest, AppendThenReadReturnsTheSameEventsAtKafkaOffsets) {
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  std::vector<Event> first = events(0, 5);
  std::vector<Event> second = events(5, 4);
  Result<AppendResult> a = append("events", 2, make_batch(first));
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->base_offset, 0);
  EXPECT_EQ(a->record_count, 5);
  Result<AppendResult> b = append("events", 2, make_batch(second));
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  EXPECT_EQ(b->base_offset, 5);

  Result<PartitionInfo> info = log_->partition_info("events", 2);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->start_offset, 0);
  EXPECT_EQ(info->end_offset, 9);
  EXPECT_EQ(log_->partition_info("events", 1)->end_offset, 0);

  std::vector<Event> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::vector<std::string> keep;
  std::vector<model::Record> got = read_all("events", 2, 0, &keep);
  ASSERT_EQ(got.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(got[i].offset, static_cast<int64_t>(i));
    EXPECT_EQ(got[i].time_ms, all[i].time_ms);
    EXPECT_EQ(got[i].value, all[i].json);
  }
  // A read from the middle (a new assignment) starts there.
  std::vector<model::Record> tail = read_all("events", 2, 6, &keep);
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].offset, 6);
  EXPECT_EQ(tail[0].value, all[6].json);
}

TEST_F(KafkaLogTest, ReadAtTheEndIsEmptyAndPastItIsOutOfRange) {
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  ASSERT_TRUE(append("events", 0, make_batch(events(0, 2))).is_ok());
  Result<ReadResult> at_end = log_->read("events", 0, 2, 1 << 20);
  ASSERT_TRUE(at_end.is_ok()) << at_end.status().to_string();
  EXPECT_TRUE(at_end->batches.empty());
  EXPECT_EQ(at_end->next_offset, 2);
  EXPECT_EQ(at_end->end_offset, 2);
  EXPECT_EQ(log_->read("events", 0, 3, 1 << 20).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log_->read("events", 7, 0, 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->read("nope", 0, 0, 1 << 20).status().code(), StatusCode::kNotFound);
}

TEST_F(KafkaLogTest, CommitAndCommittedRoundTripPerConsumerGroup) {
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  EXPECT_EQ(log_->committed("view-a", "events", 1).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(log_->commit("view-a", "events", 1, 42).is_ok());
  Result<int64_t> c = log_->committed("view-a", "events", 1);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(*c, 42);
  EXPECT_EQ(log_->committed("view-b", "events", 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->committed("view-a", "events", 0).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(log_->commit("view-a", "events", 1, 50).is_ok());
  EXPECT_EQ(*log_->committed("view-a", "events", 1), 50);
}

TEST_F(KafkaLogTest, UnknownStreamsAndBadBatchesAreRefused) {
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  EXPECT_EQ(append("nope", 0, make_batch(events(0, 1))).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(append("events", 4, make_batch(events(0, 1))).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(append("events", 0, "not a batch").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->partition_info("events", 0)->end_offset, 0);
}

// The fault the edge must answer with 503: brokers unreachable past message.timeout.ms.
TEST_F(KafkaLogTest, BrokersDownFailsAppendsWithResourceExhaustedAndRecovers) {
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  ASSERT_TRUE(append("events", 3, make_batch(events(0, 2))).is_ok());
  ASSERT_TRUE(cluster_->set_down().is_ok());
  Result<AppendResult> down = append("events", 3, make_batch(events(2, 3)));
  EXPECT_EQ(down.status().code(), StatusCode::kResourceExhausted) << down.status().to_string();
  EXPECT_GE(log_->probe().append_errors.value(), 1u);
  ASSERT_TRUE(cluster_->set_up().is_ok());
  Result<AppendResult> up = Status::internal("not tried");
  for (int i = 0; i < 10 && !(up = append("events", 3, make_batch(events(5, 1)))).is_ok(); ++i) {
  }
  ASSERT_TRUE(up.is_ok()) << up.status().to_string();
  EXPECT_EQ(log_->probe().inflight_messages.value(), 0);
}

TEST_F(KafkaLogTest, CloseRefusesLaterAppends) {
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  ASSERT_TRUE(append("events", 0, make_batch(events(0, 1))).is_ok());
  log_->close();
  EXPECT_EQ(append("events", 0, make_batch(events(1, 1))).status().code(), StatusCode::kUnavailable);
}

// Records what a group member is told and commits on revocation what it was asked to.
struct Member : PartitionGroup::Listener {
  std::set<int32_t> owned;
  int rebalances = 0;
  PartitionGroup* group = nullptr;
  std::string on_revoke_metadata;  // committed for every revoked partition, when set
  Status revoke_commit = Status::internal("not tried");
  void on_revoked(const std::vector<int32_t>& ps) override {
    ++rebalances;
    if (!on_revoke_metadata.empty() && group != nullptr) {
      std::vector<PartitionGroup::Checkpoint> cs;
      for (int32_t p : ps) cs.push_back({p, 7, on_revoke_metadata});
      revoke_commit = group->commit(cs);
    }
    for (int32_t p : ps) owned.erase(p);
  }
  void on_assigned(const std::vector<int32_t>& ps) override {
    ++rebalances;
    owned.insert(ps.begin(), ps.end());
  }
};

// Polls both members until `done` holds (bounded by 30 s).
bool poll_until(PartitionGroup& a, Member& ma, PartitionGroup* b, Member* mb,
                const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    a.poll(ma);
    if (b != nullptr) b->poll(*mb);
    if (done()) return true;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(20));  // the group protocol runs on librdkafka's threads
  }
  return false;
}

TEST_F(KafkaLogTest, GroupMembersSharePartitionsAndCommitOffsetsWithMetadata) {
  config_.properties.push_back({"session.timeout.ms", "6000"});
  config_.properties.push_back({"heartbeat.interval.ms", "200"});
  KafkaLogOptions options;
  options.admin_timeout_ms = 5000;
  auto second = KafkaLog::open(config_, clock_, registry_, options);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  log_->close();
  auto first = KafkaLog::open(config_, clock_, registry_, options);
  ASSERT_TRUE(first.is_ok());
  log_ = std::move(*first);
  ASSERT_TRUE(log_->ensure_stream("events", 4).is_ok());
  ASSERT_TRUE((*second)->ensure_stream("events", 4).is_ok());

  auto a = log_->join_group("g.view", "events");
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  Member ma;
  ma.group = a->get();
  ASSERT_TRUE(poll_until(**a, ma, nullptr, nullptr, [&] { return ma.owned.size() == 4; }));
  ASSERT_TRUE((*a)->commit({{1, 12, "meta one"}, {2, 3, ""}}).is_ok());
  Result<std::vector<PartitionGroup::Checkpoint>> c = (*a)->committed({0, 1, 2});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].offset, -1);
  EXPECT_EQ((*c)[1].offset, 12);
  EXPECT_EQ((*c)[1].metadata, "meta one");
  EXPECT_EQ((*c)[2].offset, 3);

  // A second member: the partitions are split, and the first commits on revocation.
  ma.on_revoke_metadata = "handed over";
  auto b = (*second)->join_group("g.view", "events");
  ASSERT_TRUE(b.is_ok());
  Member mb;
  mb.group = b->get();
  ASSERT_TRUE(poll_until(
      **a, ma, b->get(), &mb,
      [&] { return ma.owned.size() + mb.owned.size() == 4 && !ma.owned.empty() && !mb.owned.empty(); }))
      << ma.owned.size() << " " << mb.owned.size();
  for (int32_t p : ma.owned) EXPECT_FALSE(mb.owned.count(p)) << p;
  // Kafka accepts a commit during the revocation (the group is preparing the rebalance); the mock
  // refuses it with REBALANCE_IN_PROGRESS. Either way the checkpoint is whole: both fields or none.
  Result<std::vector<PartitionGroup::Checkpoint>> after = (*b)->committed({1});
  ASSERT_TRUE(after.is_ok());
  if (ma.revoke_commit.is_ok()) {
    EXPECT_EQ((*after)[0].offset, 7);
    EXPECT_EQ((*after)[0].metadata, "handed over");
  } else {
    EXPECT_NE(ma.revoke_commit.message().find("rebalance in progress"), std::string::npos)
        << ma.revoke_commit.to_string();
    EXPECT_EQ((*after)[0].offset, 12);
    EXPECT_EQ((*after)[0].metadata, "meta one");
  }

  // The first leaves: the second owns everything without waiting for a session timeout.
  ma.on_revoke_metadata.clear();
  (*a)->close(ma);
  EXPECT_TRUE(ma.owned.empty());
  ASSERT_TRUE(poll_until(**b, mb, nullptr, nullptr, [&] { return mb.owned.size() == 4; }));
  (*b)->close(mb);
  (*second)->close();
}

}  // namespace
}  // namespace delta::log
