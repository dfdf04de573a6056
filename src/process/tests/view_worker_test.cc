// ViewWorker over a real EmbeddedLog: results of every batching and partition interleaving are the
// same, a restart from any checkpoint gives the results of an uninterrupted run, late events reach
// the DLQ, duplicates are dropped, and offsets are committed only past closed windows and only
// after the sinks acknowledged.
#include "process/view_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "log/tests/test_util.h"
#include "model/record_batch.h"

namespace delta::process {
namespace {

using log::testing::TempDir;

constexpr int kPartitions = 2;

// Keeps the latest row per (window start, key), as an upserting sink does.
class RecordingTarget final : public sink::RowTarget {
 public:
  explicit RecordingTarget(bool auto_ack = true) : auto_ack_(auto_ack) {}
  void add_table(const sink::TableSpec*) override {}
  void deliver(const sink::TableSpec&, int32_t, std::span<const sink::Row> rows,
               std::function<void()> done) override {
    std::lock_guard lock(mu_);
    for (const sink::Row& r : rows) {
      auto id = std::make_pair(r.time_ms, std::string(r.key));
      if (r.is_retraction)
        latest_.erase(id);
      else
        latest_[id] = std::string(r.json);
      ++rows_;
    }
    if (auto_ack_)
      done();
    else
      held_.push_back(std::move(done));
  }
  // Final rows only (early ones are provisional).
  std::map<std::pair<int64_t, std::string>, std::string> finals() {
    std::lock_guard lock(mu_);
    std::map<std::pair<int64_t, std::string>, std::string> out;
    for (const auto& [id, json] : latest_) {
      if (json.find("\"final\":true") != std::string::npos) out[id] = json;
    }
    return out;
  }
  void ack_all() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& d : held) d();
  }
  size_t rows() {
    std::lock_guard lock(mu_);
    return rows_;
  }

 private:
  bool auto_ack_;
  std::mutex mu_;
  std::map<std::pair<int64_t, std::string>, std::string> latest_;
  std::vector<std::function<void()>> held_;
  size_t rows_ = 0;
};

// A sink that is down with its queue full, as a SinkRuntime is: it holds one delivery and blocks
// the next deliver() until close(), which writes (acknowledges) what it holds and lets deliver()
// return; after close() a delivery is acknowledged at once.
class FullQueueTarget final : public sink::RowTarget {
 public:
  void add_table(const sink::TableSpec*) override {}
  void deliver(const sink::TableSpec&, int32_t, std::span<const sink::Row>,
               std::function<void()> done) override {
    std::unique_lock lock(mu_);
    ++deliveries_;
    if (!closed_ && !held_) {
      held_ = std::move(done);
      return;
    }
    ++blocked_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return closed_; });
    --blocked_;
    lock.unlock();
    done();
  }
  void close() {
    std::function<void()> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    if (held) held();
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  size_t deliveries() {
    std::lock_guard lock(mu_);
    return deliveries_;
  }
  bool blocked() {
    std::lock_guard lock(mu_);
    return blocked_ > 0;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> held_;
  size_t deliveries_ = 0;
  int blocked_ = 0;
  bool closed_ = false;
};

class RecordingDlq final : public sink::DeadLetters {
 public:
  void add(std::string_view, std::string_view stage, std::string_view reason,
           std::string_view event) override {
    std::lock_guard lock(mu_);
    letters.push_back(std::string(stage) + "|" + std::string(reason) + "|" + std::string(event));
  }
  Status sync() override { return Status::ok(); }
  size_t count(std::string_view reason) {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const std::string& l : letters) n += l.find("|" + std::string(reason) + "|") != std::string::npos;
    return n;
  }
  std::vector<std::string> letters;

 private:
  std::mutex mu_;
};

struct Event {
  int partition;
  int64_t ts;
  std::string json;
};

config::PipelineConfig pipeline(int64_t lateness_ms = 2000) {
  std::string yaml =
      "streams:\n"
      "  s:\n"
      "    time_field: ts\n"
      "    key: k\n"
      "    partitions: 2\n"
      "    schema: {ts: int64, id: string, k: string, v: int64}\n"
      "    dedup: {field: id, horizon: 1m}\n"
      "    watermark: {out_of_orderness: 5s, idle_timeout: 0}\n"
      "views:\n"
      "  v:\n"
      "    from: s\n"
      "    where: \"v >= 0\"\n"
      "    window: {tumbling: 10s, allowed_lateness: " +
      std::to_string(lateness_ms) +
      "ms}\n"
      "    group_by: [k]\n"
      "    select: {n: count(), total: sum(v), hi: max(v)}\n";
  Result<config::PipelineConfig> cfg = config::parse(yaml, "test.yaml");
  EXPECT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  return std::move(*cfg);
}

Event event(int partition, int64_t ts, const std::string& id, const std::string& key, int64_t v) {
  return {partition, ts,
          "{\"ts\":" + std::to_string(ts) + ",\"id\":\"" + id + "\",\"k\":\"" + key +
              "\",\"v\":" + std::to_string(v) + "}"};
}

// Events over 20 keys and ~2 minutes, out of order by up to 12 s (some late), with retried ids.
std::vector<Event> workload(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Event> out;
  int64_t t = 0;
  for (int i = 0; i < n; ++i) {
    t += static_cast<int64_t>(rng() % 200);
    int k = static_cast<int>(rng() % 20);
    int64_t ts = std::max<int64_t>(0, t - static_cast<int64_t>(rng() % 12'000));
    std::string id = "e" + std::to_string(i);
    out.push_back(event(k % kPartitions, ts, id, "k" + std::to_string(k), static_cast<int64_t>(rng() % 100)));
    if (i % 50 == 0) out.push_back(out.back());  // a client retry: same id, dropped by dedup
  }
  for (int p = 0; p < kPartitions; ++p) {
    out.push_back(event(p, 10'000'000, "flush" + std::to_string(p), "k" + std::to_string(p), 0));
  }
  return out;
}

struct Bench {
  TempDir dir;
  ManualClock clock;
  obs::Registry registry;
  config::PipelineConfig cfg;
  std::unique_ptr<log::EmbeddedLog> log;
  std::unique_ptr<ViewPlan> plan;

  explicit Bench(config::PipelineConfig c) : cfg(std::move(c)) {
    cfg.log.dir = dir.path() + "/log";
    cfg.log.durability = config::Durability::kOs;
    auto opened = log::EmbeddedLog::open(cfg.log, clock, registry);
    EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
    log = std::move(*opened);
    EXPECT_TRUE(log->ensure_stream("s", kPartitions).is_ok());
    auto p = compile_view(cfg.views[0], cfg.streams[0]);
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    plan = std::move(*p);
  }
  ~Bench() { log->close(); }

  ViewWorkerOptions options() const {
    ViewWorkerOptions o;
    o.checkpoint_dir = dir.path() + "/views";
    o.commit_interval_ms = 0;
    o.poll_ms = 1;
    o.read_bytes = 4096;
    return o;
  }

  // Appends `events` in batches of `batch` records per partition, in the given order of events.
  void append(const std::vector<Event>& events, size_t batch) {
    std::vector<model::RecordBatchBuilder> builders(kPartitions);
    auto flush = [&](int p) {
      if (builders[static_cast<size_t>(p)].empty()) return;
      std::string bytes(builders[static_cast<size_t>(p)].finish(0));
      builders[static_cast<size_t>(p)].clear();
      ASSERT_TRUE(log::testing::append_wait(*log, "s", p, std::move(bytes)).is_ok());
    };
    for (const Event& e : events) {
      builders[static_cast<size_t>(e.partition)].add(e.ts, e.json);
      if (static_cast<size_t>(builders[static_cast<size_t>(e.partition)].record_count()) >= batch)
        flush(e.partition);
    }
    for (int p = 0; p < kPartitions; ++p) flush(p);
  }
};

// Polls `done` until it holds or 10 s pass.
bool eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

uint64_t events_read(const ViewWorker& w) { return w.snapshot().events; }

struct RunResult {
  std::map<std::pair<int64_t, std::string>, std::string> finals;
  size_t late = 0;
};

// One uninterrupted run over `events` appended in batches of `batch`.
RunResult run_all(const std::vector<Event>& events, size_t batch) {
  Bench s(pipeline());
  s.append(events, batch);
  RecordingTarget target;
  RecordingDlq dlq;
  ViewWorker w(*s.plan, *s.log, {&target}, &dlq, nullptr, s.registry, s.clock, s.options());
  EXPECT_TRUE(w.start().is_ok());
  EXPECT_TRUE(eventually([&] { return events_read(w) == events.size(); }));
  w.stop();
  return {target.finals(), dlq.count("late")};
}

TEST(ViewWorker, ResultsDoNotDependOnBatchingOrInterleaving) {
  std::vector<Event> events = workload(3000, 7);
  RunResult one = run_all(events, 1);
  ASSERT_GT(one.finals.size(), 100u);
  EXPECT_GT(one.late, 0u) << "the workload should have late events";

  // Another interleaving: every partition-1 event first, then partition 0 (same order inside each).
  std::vector<Event> regrouped;
  for (int p : {1, 0}) {
    for (const Event& e : events) {
      if (e.partition == p) regrouped.push_back(e);
    }
  }
  for (auto [evs, batch] : {std::pair{&events, size_t{7}}, std::pair{&regrouped, size_t{500}}}) {
    RunResult other = run_all(*evs, batch);
    EXPECT_EQ(other.late, one.late) << "batch " << batch;
    ASSERT_EQ(other.finals.size(), one.finals.size()) << "batch " << batch;
    EXPECT_TRUE(other.finals == one.finals) << "batch " << batch;
  }
}

TEST(ViewWorker, RestartFromAnyCheckpointGivesTheUninterruptedResults) {
  std::vector<Event> events = workload(3000, 11);
  RunResult expected = run_all(events, 13);

  Bench s(pipeline());
  RecordingTarget target;  // survives the "crashes", like a durable upserting sink
  RecordingDlq dlq;
  const std::string ckpt = s.options().checkpoint_dir + "/v.checkpoint";
  std::vector<Event> first(events.begin(), events.begin() + 1000),
      second(events.begin() + 1000, events.end());
  s.append(first, 13);
  {
    ViewWorker w(*s.plan, *s.log, {&target}, &dlq, nullptr, s.registry, s.clock, s.options());
    ASSERT_TRUE(w.start().is_ok());
    ASSERT_TRUE(eventually([&] { return events_read(w) == first.size(); }));
    w.stop();
  }
  std::filesystem::copy_file(ckpt, ckpt + ".old");
  s.append(second, 13);
  {
    ViewWorker w(*s.plan, *s.log, {&target}, &dlq, nullptr, s.registry, s.clock, s.options());
    ASSERT_TRUE(w.start().is_ok());
    ASSERT_TRUE(eventually([&] { return w.snapshot().partitions[0].next_offset > 700; }));
    w.stop();  // part way through the second half
  }
  // A crash that lost every checkpoint since the old one: replay from there.
  std::filesystem::rename(ckpt + ".old", ckpt);
  {
    ViewWorker w(*s.plan, *s.log, {&target}, &dlq, nullptr, s.registry, s.clock, s.options());
    ASSERT_TRUE(w.start().is_ok());
    ASSERT_TRUE(eventually([&] {
      ViewSnapshot n = w.snapshot();
      return n.partitions[0].next_offset == n.partitions[0].end_offset &&
             n.partitions[1].next_offset == n.partitions[1].end_offset && n.partitions[0].end_offset > 0;
    }));
    // Read to the end from offsets that sum to at most first.size(). (A snapshot taken right after
    // start() raced with the worker's first rounds.)
    EXPECT_GE(events_read(w), events.size() - first.size()) << "the restart replays from the old checkpoint";
    w.stop();
  }
  std::map<std::pair<int64_t, std::string>, std::string> got = target.finals();
  ASSERT_EQ(got.size(), expected.finals.size());
  EXPECT_TRUE(got == expected.finals);
}

TEST(ViewWorker, LateEventsGoToTheDlqAndDuplicatesAreDropped) {
  Bench s(pipeline(0));
  s.append({event(0, 1000, "a", "x", 1), event(0, 1000, "a", "x", 1), event(0, 30'000, "b", "x", 2),
            event(0, 2000, "c", "x", 4), event(1, 30'000, "d", "y", 8)},
           10);
  RecordingTarget target;
  RecordingDlq dlq;
  ViewWorker w(*s.plan, *s.log, {&target}, &dlq, nullptr, s.registry, s.clock, s.options());
  ASSERT_TRUE(w.start().is_ok());
  ASSERT_TRUE(eventually([&] { return events_read(w) == 5 && !target.finals().empty(); }));
  w.stop();
  ViewSnapshot snap = w.snapshot();
  EXPECT_EQ(snap.duplicates, 1u);
  EXPECT_EQ(snap.late, 1u);
  ASSERT_EQ(dlq.letters.size(), 1u);
  EXPECT_EQ(dlq.letters[0], "view:v|late|{\"ts\":2000,\"id\":\"c\",\"k\":\"x\",\"v\":4}");
  auto finals = target.finals();
  const std::pair<int64_t, std::string> x{0, "x"};
  ASSERT_EQ(finals.count(x), 1u);
  EXPECT_EQ(finals[x],
            "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":\"1970-01-01T00:00:10.000Z\","
            "\"k\":\"x\","
            "\"n\":1,\"total\":1,\"hi\":1,\"final\":true}");
}

TEST(ViewWorker, OffsetsWaitForOpenWindowsAndForSinkAcks) {
  Bench s(pipeline(0));
  RecordingTarget target(/*auto_ack=*/false);
  ViewWorker w(*s.plan, *s.log, {&target}, nullptr, nullptr, s.registry, s.clock, s.options());
  ASSERT_TRUE(w.start().is_ok());
  s.append({event(0, 1000, "a", "x", 1), event(0, 2000, "b", "x", 1), event(1, 1500, "c", "y", 1)}, 10);
  ASSERT_TRUE(eventually([&] { return events_read(w) == 3; }));
  // Window [0, 10s) is open: nothing may be committed past its first events.
  for (int i = 0; i < 20; ++i) {
    ViewSnapshot snap = w.snapshot();
    ASSERT_LE(snap.partitions[0].committed_offset, 0);
    ASSERT_LE(snap.partitions[1].committed_offset, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Both partitions move past 15 s: the window fires and is dropped; its results wait for the ack.
  s.append({event(0, 20'000, "d", "x", 1), event(1, 20'000, "e", "y", 1)}, 10);
  ASSERT_TRUE(eventually([&] { return target.rows() >= 2; }));
  for (int i = 0; i < 20; ++i) {
    ASSERT_LE(w.snapshot().partitions[0].committed_offset, 0) << "committed before the sink acknowledged";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  target.ack_all();
  ASSERT_TRUE(eventually([&] { return w.snapshot().partitions[0].committed_offset == 2; }))
      << w.snapshot().partitions[0].committed_offset;
  EXPECT_EQ(w.snapshot().partitions[1].committed_offset, 1);  // the open window [20s, 30s) starts at 1
  w.stop();
}

// Regression: `delta run` stopped the views before the sinks, but a worker blocked in deliver() on a
// sink that is down with its queue full only returns once that sink closes: stop() never returned
// and the process hung on SIGTERM. The order is request_stop(), close the sinks, stop(); what the
// sinks wrote while closing is then acknowledged and committed.
TEST(ViewWorker, StopsWhileBlockedOnAFullSinkOnceTheSinkCloses) {
  Bench s(pipeline(0));
  FullQueueTarget target;
  ViewWorker w(*s.plan, *s.log, {&target}, nullptr, nullptr, s.registry, s.clock, s.options());
  ASSERT_TRUE(w.start().is_ok());
  s.append({event(0, 1000, "a", "x", 1), event(0, 20'000, "b", "x", 1), event(1, 20'000, "c", "y", 1)}, 10);
  ASSERT_TRUE(eventually([&] { return target.deliveries() == 1; }));  // [0s, 10s) fired; held
  s.append({event(0, 40'000, "d", "x", 1), event(1, 40'000, "e", "y", 1)}, 10);
  ASSERT_TRUE(eventually([&] { return target.blocked(); }));  // [20s, 30s) fired; the queue is full
  w.request_stop();
  target.close();
  w.stop();
  ViewSnapshot snap = w.snapshot();
  EXPECT_EQ(snap.partitions[0].committed_offset, 2);  // the open window [40s, 50s) starts at 2
  EXPECT_EQ(snap.partitions[1].committed_offset, 1);
}

// A consumer-group coordinator in memory, for workers over the embedded log: eager rebalances (every
// member's revocation is delivered before any assignment), commits refused from members that do not
// own the partition or were declared dead (what Kafka's generation check does).
class FakeCoordinator {
 public:
  class Member;
  // Moves to `assignment` (member -> partitions), revoking everything first.
  void rebalance(const std::map<Member*, std::set<int32_t>>& assignment);
  void kill(Member* m) {
    std::lock_guard lock(mu_);
    dead_.insert(m);
  }
  std::mutex mu_;
  std::map<int32_t, log::PartitionGroup::Checkpoint> commits_;
  std::set<Member*> dead_;
  std::map<Member*, std::set<int32_t>> owned_, to_revoke_, to_assign_;
};

class FakeCoordinator::Member final : public log::PartitionGroup {
 public:
  explicit Member(FakeCoordinator& c) : c_(c) {}
  void poll(Listener& listener) override {
    std::vector<int32_t> revoke, assign;
    {
      std::lock_guard lock(c_.mu_);
      if (auto it = c_.to_revoke_.find(this); it != c_.to_revoke_.end()) {
        revoke.assign(it->second.begin(), it->second.end());
      } else if (c_.to_revoke_.empty()) {
        if (auto a = c_.to_assign_.find(this); a != c_.to_assign_.end()) {
          assign.assign(a->second.begin(), a->second.end());
          c_.owned_[this] = a->second;
          c_.to_assign_.erase(a);
        }
      }
    }
    if (!revoke.empty()) {
      listener.on_revoked(revoke);  // still the owner: it may commit
      std::lock_guard lock(c_.mu_);
      c_.owned_.erase(this);
      c_.to_revoke_.erase(this);
    }
    if (!assign.empty()) listener.on_assigned(assign);
  }
  Status commit(const std::vector<Checkpoint>& cs) override {
    std::lock_guard lock(c_.mu_);
    for (const Checkpoint& cp : cs) {
      if (c_.dead_.count(this) || !c_.owned_[this].count(cp.partition)) return Status::io_error("fenced");
    }
    for (const Checkpoint& cp : cs) c_.commits_[cp.partition] = cp;
    return Status::ok();
  }
  Result<std::vector<Checkpoint>> committed(const std::vector<int32_t>& partitions) override {
    std::lock_guard lock(c_.mu_);
    std::vector<Checkpoint> out;
    for (int32_t p : partitions) {
      auto it = c_.commits_.find(p);
      out.push_back(it != c_.commits_.end() ? it->second : Checkpoint{p, -1, ""});
    }
    return out;
  }
  void close(Listener&) override {}

 private:
  FakeCoordinator& c_;
};

void FakeCoordinator::rebalance(const std::map<Member*, std::set<int32_t>>& assignment) {
  std::lock_guard lock(mu_);
  for (auto& [m, ps] : owned_) {
    if (!ps.empty() && !dead_.count(m)) to_revoke_[m] = ps;
  }
  for (Member* m : dead_) owned_.erase(m);
  to_assign_ = assignment;
}

// The embedded log, with join_group answered by the coordinator (one member per call, in order).
class GroupLog final : public log::Log {
 public:
  GroupLog(log::Log& inner, std::vector<FakeCoordinator::Member*> members)
      : inner_(inner), members_(std::move(members)) {}
  Status ensure_stream(std::string_view s, int32_t n) override { return inner_.ensure_stream(s, n); }
  void append(std::string_view s, int32_t p, std::string b, log::AppendCallback done) override {
    inner_.append(s, p, std::move(b), std::move(done));
  }
  Status read_into(std::string_view s, int32_t p, int64_t from, size_t max, log::ReadResult* out) override {
    return inner_.read_into(s, p, from, max, out);
  }
  Result<log::PartitionInfo> partition_info(std::string_view s, int32_t p) override {
    return inner_.partition_info(s, p);
  }
  Status commit(std::string_view c, std::string_view s, int32_t p, int64_t o) override {
    return inner_.commit(c, s, p, o);
  }
  Result<int64_t> committed(std::string_view c, std::string_view s, int32_t p) override {
    return inner_.committed(c, s, p);
  }
  Result<std::unique_ptr<log::PartitionGroup>> join_group(std::string_view, std::string_view) override {
    std::lock_guard lock(mu_);
    if (next_ >= members_.size()) return Status::internal("no member left");
    // The worker owns the group object; the test keeps a pointer to steer it.
    return std::unique_ptr<log::PartitionGroup>(members_[next_++]);
  }
  void enforce_retention() override {}
  void close() override {}

 private:
  log::Log& inner_;
  std::vector<FakeCoordinator::Member*> members_;
  std::mutex mu_;
  size_t next_ = 0;
};

bool caught_up(const ViewWorker& w, std::initializer_list<int> partitions) {
  ViewSnapshot n = w.snapshot();
  for (int p : partitions) {
    const ViewSnapshot::Partition& ps = n.partitions[static_cast<size_t>(p)];
    if (!ps.assigned || ps.end_offset == 0 || ps.next_offset != ps.end_offset) return false;
  }
  return true;
}

// Two group members split the partitions; one dies (its commits fenced from then on, its emitted
// rows stay in the sink) and the other takes its partition over from the dead one's last commit.
// The sink ends with the rows of one uninterrupted worker, late events included.
TEST(ViewWorker, GroupMembersSplitPartitionsAndASurvivorTakesOverFromTheCommittedMetadata) {
  std::vector<Event> events = workload(3000, 23);
  RunResult expected = run_all(events, 13);

  Bench s(pipeline());
  FakeCoordinator coordinator;
  auto* m1 = new FakeCoordinator::Member(coordinator);  // owned by the workers once joined
  auto* m2 = new FakeCoordinator::Member(coordinator);
  GroupLog log(*s.log, {m1, m2});
  RecordingTarget target;
  RecordingDlq dlq;
  ViewWorkerOptions options = s.options();
  options.group = "view.v";
  options.commit_interval_ms = 50;
  std::vector<Event> first(events.begin(), events.begin() + 1200),
      second(events.begin() + 1200, events.end());
  s.append(first, 13);
  ViewWorker w1(*s.plan, log, {&target}, &dlq, nullptr, s.registry, s.clock, options);
  ASSERT_TRUE(w1.start().is_ok());
  coordinator.rebalance({{m1, {0, 1}}});
  ASSERT_TRUE(eventually([&] { return caught_up(w1, {0, 1}); }));
  EXPECT_EQ(w1.snapshot().assigned_partitions, 2u);

  ViewWorker w2(*s.plan, log, {&target}, &dlq, nullptr, s.registry, s.clock, options);
  ASSERT_TRUE(w2.start().is_ok());
  coordinator.rebalance({{m1, {0}}, {m2, {1}}});
  ASSERT_TRUE(eventually([&] { return caught_up(w1, {0}) && caught_up(w2, {1}); }));
  EXPECT_EQ(w1.snapshot().assigned_partitions, 1u);
  EXPECT_FALSE(w1.snapshot().partitions[1].assigned);
  EXPECT_EQ(w2.snapshot().assigned_partitions, 1u);
  EXPECT_GE(w1.snapshot().rebalances, 3u);

  s.append(second, 13);
  ASSERT_TRUE(eventually([&] { return w1.snapshot().partitions[0].next_offset > 1400; }));
  coordinator.kill(m1);  // from here its commits fail, as a SIGKILLed member's would
  w1.stop(0);
  ASSERT_GT(coordinator.commits_[0].offset, 0) << "the dead member had committed a checkpoint";
  coordinator.rebalance({{m2, {0, 1}}});
  ASSERT_TRUE(eventually([&] { return caught_up(w2, {0, 1}); }));
  w2.stop();

  std::map<std::pair<int64_t, std::string>, std::string> got = target.finals();
  ASSERT_EQ(got.size(), expected.finals.size());
  EXPECT_TRUE(got == expected.finals);
  // Late events the dead member had dead-lettered after its last commit are dead-lettered again by
  // the survivor (the DLQ is at-least-once); none is lost.
  EXPECT_GE(dlq.count("late"), expected.late);
}

}  // namespace
}  // namespace delta::process
