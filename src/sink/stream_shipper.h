// StreamShipper: delivers a stream's raw (masked) events, as the log stores them, to the stream's
// sinks (streams.<s>.sinks). One thread per stream: it reads each partition from the committed
// offset of consumer "sink.<stream>", hands every read chunk to each sink's runtime, and commits a
// partition's offset only once every sink has called `done` for everything below it. So a sink that
// is down holds the partition's offset back, the log keeps the events (its retention keeps what a
// consumer has not committed) and nothing is lost; after a crash the chunk is delivered again
// (at-least-once: the archive's names and SQLite's UNIQUE(_partition, _offset) make that harmless).
// Threads: start()/stop() from the owner; the rest on the shipper's thread; `done` callbacks on
// runtime threads touch only atomics.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "log/log.h"
#include "model/schema.h"
#include "obs/metrics.h"
#include "sink/runtime.h"

namespace delta::sink {

// The events table of a stream: its schema's fields, time column, partitions.
TableSpec events_table(const model::StreamSchema& schema);

class StreamShipper {
 public:
  // `table`, `log` and the runtimes outlive the shipper.
  StreamShipper(const TableSpec& table, log::Log& log, std::vector<RowTarget*> sinks,
                obs::Registry& registry);
  ~StreamShipper();

  Status start();
  // Asks the thread to stop (it stops delivering; deliveries in flight may still complete).
  void request_stop();
  // Joins the thread after a last commit of what the sinks completed. REQUIRES: request_stop().
  void join();

  const std::string& consumer() const { return consumer_; }

 private:
  struct Chunk {
    int64_t end = 0;  // one past its last offset
    std::atomic<int> remaining{0};
  };
  struct Partition {
    int64_t next_read = 0;
    int64_t committed = 0;  // in the log
    int64_t completed = 0;  // every sink is done below this
    int64_t last_commit_ns = 0;
    std::deque<std::shared_ptr<Chunk>> chunks;
    obs::Gauge* lag = nullptr;
  };

  void run();
  bool ship(int32_t p);
  void commit(int32_t p, bool force);

  const TableSpec& table_;
  log::Log& log_;
  std::vector<RowTarget*> sinks_;
  std::string consumer_;
  std::vector<Partition> partitions_;
  std::vector<Row> rows_;  // reused
  log::ReadResult read_;   // reused; rows_ point into it
  obs::Counter& commits_failed_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace delta::sink
