// SinkRuntime: one configured sink (config::SinkConfig) at work. It owns the backend (sink.h), a
// thread of its own and a bounded queue, and turns deliveries into batched writes:
//
//   deliver(table, partition, rows, done) ──► queue (bytes, bounded: deliver blocks when full)
//        ──► runtime thread: per (table, partition), cut a batch at batch_rows / batch_bytes /
//            linger_ms, prepare() the table once, write(), retry, dead-letter, then `done`.
//
// Batches of events never cross an offset that is a multiple of batch_rows, so a replay after a
// crash cuts the same full batches again (the archive's object names come from offsets); a batch
// cut short by linger_ms is the one case a replay may cut differently (see local_archive.h).
//
// Errors: write() failing with kUnavailable, kIoError or kDeadlineExceeded is retried with
// exponential backoff (retry_initial_ms doubling to retry_max_ms, jittered to 50-100%), forever:
// a sink that is down holds its deliveries, the callers hold their log offsets, the log keeps the
// events. Any other failure sends the whole batch to the DLQ; rows the backend rejects (RowError)
// go to the DLQ and the rest of the batch counts as stored. Dead letters carry stage
// "sink:<name>" and the backend's reason, and are durable (DeadLetters::sync) before `done` runs.
//
// Threads: deliver() and add_table() may be called from any thread; `done` runs on the runtime's
// thread (keep it short, do not deliver() from it). close() from the owner, once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "obs/metrics.h"
#include "sink/sink.h"

namespace delta::sink {

// True for the codes the runtime retries: kUnavailable, kIoError, kDeadlineExceeded.
bool is_retryable(const Status& status);

// The backoff before retry `attempt` (1-based): initial * 2^(attempt-1), capped at max_ms, then
// scaled by `jitter` in [0.5, 1].
int64_t backoff_ms(int64_t initial_ms, int64_t max_ms, int attempt, double jitter);

class SinkRuntime final : public RowTarget {
 public:
  // Starts the thread. `dlq` and `registry` outlive the runtime; `clock` too.
  static Result<std::unique_ptr<SinkRuntime>> start(const config::SinkConfig& config,
                                                    std::unique_ptr<Sink> backend, DeadLetters* dlq,
                                                    obs::Registry& registry, Clock& clock);
  ~SinkRuntime();
  SinkRuntime(const SinkRuntime&) = delete;
  SinkRuntime& operator=(const SinkRuntime&) = delete;

  // Prepares `table` (retrying) before the first delivery to it; the spec outlives the runtime.
  void add_table(const TableSpec* table) override;

  // Queues rows (copied) of one table; `done` runs on the runtime's thread once every row is
  // durable in the backend or dead-lettered. Blocks while the queue is full (backpressure: the
  // log keeps the events). Rows of one (table, partition) are written in order.
  void deliver(const TableSpec& table, int32_t partition, std::span<const Row> rows,
               std::function<void()> done) override;

  // Writes what is queued (bounded wait: close_timeout_ms), stops the thread. Deliveries still
  // queued after that never call `done` (their offsets stay uncommitted and are replayed).
  // close() = begin_close() + finish_close(); an owner of several runtimes begins them all first,
  // so their close deadlines run at the same time rather than one after another.
  void close();
  void begin_close();
  void finish_close();

  const std::string& name() const { return config_.name; }
  // The queue's capacity in bytes (4 x batch_bytes, at least 1 MiB).
  uint64_t queue_capacity() const { return capacity_; }

  int64_t close_timeout_ms = 10'000;

 private:
  struct Delivery;
  struct Lane;
  struct TableState;

  SinkRuntime(const config::SinkConfig& config, std::unique_ptr<Sink> backend, DeadLetters* dlq,
              obs::Registry& registry, Clock& clock);
  TableState& table_state(const TableSpec* table);  // REQUIRES: mu_ held
  void run();
  bool take_queued(std::unique_lock<std::mutex>& lock);
  void flush_ready(bool force);
  void write_lane(Lane& lane, size_t n);
  void complete_front(Lane& lane, size_t n);
  size_t cut(const Lane& lane, bool* full) const;
  Status prepare(TableState& table);
  Status write_with_retries(TableState& table, const Batch& batch, std::vector<RowError>* rejected);
  void dead_letter(TableState& table, std::span<const Row> rows, const std::string& reason);
  bool stopping_for_good();  // closing and past the close deadline
  int64_t wait_ms() const;
  void update_gauges();

  const config::SinkConfig config_;
  std::unique_ptr<Sink> backend_;
  DeadLetters* dlq_;
  obs::Registry& registry_;
  Clock& clock_;
  const uint64_t capacity_;

  std::mutex mu_;
  std::condition_variable wake_;                                    // the thread: work queued, or close
  std::condition_variable space_;                                   // deliver(): room in the queue
  std::deque<std::unique_ptr<Delivery>> queue_;                     // GUARDED_BY(mu_)
  uint64_t queued_bytes_ = 0;                                       // GUARDED_BY(mu_): queued + in lanes
  std::map<const TableSpec*, std::unique_ptr<TableState>> tables_;  // GUARDED_BY(mu_)
  bool closing_ = false;                                            // GUARDED_BY(mu_)
  int64_t close_deadline_ns_ = 0;                                   // GUARDED_BY(mu_)

  // The thread's own: pending deliveries per (table, partition), in arrival order.
  std::map<std::pair<const TableSpec*, int32_t>, std::unique_ptr<Lane>> lanes_;
  uint64_t lane_bytes_ = 0;
  uint64_t rng_;

  obs::Gauge& queue_bytes_;
  obs::Gauge& lag_ms_;
  std::thread thread_;
};

}  // namespace delta::sink
