// Helpers for the log tests: a temporary directory, batch builders and a blocking append.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "log/embedded_log.h"
#include "obs/metrics.h"

namespace delta::log::testing {

// A fresh directory from mkdtemp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A finished batch of `count` records; record i holds "<tag>-<i>" padded to about `value_bytes`.
std::string make_batch(int count, const std::string& tag, size_t value_bytes = 32, int64_t time_ms = 1000);

// The values of every record at or after `from` in `batches`.
std::vector<std::string> values_of(const ReadResult& r, int64_t from = 0);

// Appends and waits for the callback.
Result<AppendResult> append_wait(Log& log, const std::string& stream, int32_t partition, std::string batch);

// Reads everything from `from` to the end, following next_offset.
Result<std::vector<std::string>> read_all(Log& log, const std::string& stream, int32_t partition,
                                          int64_t from = 0);

std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);
std::string segment_path(const std::string& dir, const std::string& stream, int partition, int64_t base);

config::LogConfig test_config(const std::string& dir);

// A log with its own clock and registry, reopened on demand.
struct Harness {
  explicit Harness(config::LogConfig c, EmbeddedLogOptions o = {}) : config(std::move(c)), options(o) {}
  Status open() {
    log.reset();
    log = std::make_unique<EmbeddedLog>(config, clock, registry, options);
    return log->open();
  }
  uint64_t counter(const std::string& name) { return registry.counter(name, "").value(); }

  config::LogConfig config;
  EmbeddedLogOptions options;
  ManualClock clock;
  obs::Registry registry;
  std::unique_ptr<EmbeddedLog> log;
};

}  // namespace delta::log::testing
