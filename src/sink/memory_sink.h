// MemorySink (kind `memory`): the embedded cache of view results — the latest row of every
// (view, window, group key), kept in process for `ttl` after it was last written, and served by
// the results API (`GET /v1/views/{view}/results`, ResultsReader). The production counterpart is
// Redis (redis/). Not durable: after a restart it holds what the views re-emit (windows still
// open when the process stopped); durable results belong in sqlite or ClickHouse.
//
// Options: ttl (duration, default 1h), max_rows (default 1000000: beyond it the oldest windows
// are evicted first). Events tables are refused: this sink holds view results.
// Threads: write() on the sink runtime's thread and results() on I/O threads, under one mutex
// taken once per batch or query.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "config/config.h"
#include "sink/sink.h"

namespace delta::sink {

class MemorySink final : public Sink, public ResultsReader {
 public:
  static Status check_options(const config::SinkConfig& config);
  static Result<std::unique_ptr<Sink>> create(const config::SinkConfig& config);
  MemorySink(int64_t ttl_ms, size_t max_rows, const Clock& clock);

  Status prepare(const TableSpec& table) override;
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override {}

  Result<std::string> results(std::string_view view, std::string_view key, int64_t from_ms, int64_t to_ms,
                              size_t limit) override;
  size_t rows() const;

 private:
  struct Entry {
    std::string json;
    int64_t expires_ms;
  };
  using Rows = std::map<std::pair<int64_t, std::string>, Entry, std::less<>>;  // (window start, key)

  void evict(int64_t now);

  const int64_t ttl_ms_;
  const size_t max_rows_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Rows, std::less<>> views_;  // GUARDED_BY(mu_)
  size_t rows_ = 0;                                 // GUARDED_BY(mu_)
  int64_t next_expiry_scan_ms_ = 0;                 // GUARDED_BY(mu_)
};

}  // namespace delta::sink
