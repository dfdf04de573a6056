// log_append_bench: append throughput of the embedded log (src/log) under group commit.
//
// Each benchmark keeps `appenders` appends in flight (like that many producers, each waiting for
// its ack before sending again) of 1000-event batches of ~220-byte clickstream events, against
// `partitions` partitions, with durability fsync or os. One iteration is one acknowledged batch.
// Counters: events/s, bytes/s (batch bytes), fsyncs per batch and the mean group size.
//
// The log lives in a fresh directory under $DELTA_BENCH_DIR (default /tmp), removed afterwards:
// point it at the disk you want to measure.
#include <benchmark/benchmark.h>
#include <ftw.h>

#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "config/config.h"
#include "log/embedded_log.h"
#include "model/record_batch.h"
#include "obs/metrics.h"

namespace {

constexpr int kEventsPerBatch = 1000;

std::string clickstream_batch() {
  delta::model::RecordBatchBuilder b;
  uint64_t x = 88172645463325252ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int i = 0; i < kEventsPerBatch; ++i) {
    int64_t ts = 1'700'000'000'000 + i;
    std::string e = "{\"ts\":" + std::to_string(ts) + ",\"user_id\":\"u" +
                    std::to_string(next() % 100000000) + "\",\"session\":\"" + std::to_string(next()) +
                    "\",\"email\":\"user" + std::to_string(next() % 1000000) +
                    "@example.com\",\"page\":\"/products/" + std::to_string(next() % 5000) +
                    "\",\"event\":\"page_view\",\"amount\":" + std::to_string(next() % 100000) +
                    ".25,\"country\":\"DE\",\"ua\":\"Mozilla/5.0\"}";
    b.add(ts, e);
  }
  return std::string(b.finish(0));
}

std::string make_temp_dir() {
  const char* base = std::getenv("DELTA_BENCH_DIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/delta_log_bench_XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

void remove_tree(const std::string& dir) {
  ::nftw(
      dir.c_str(), [](const char* f, const struct stat*, int, struct FTW*) { return ::remove(f); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

// Counts acknowledgements; the benchmark thread waits here when `window` appends are in flight.
class InFlight {
 public:
  void acquire(int window) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < window; });
    ++in_flight_;
  }
  void release(bool ok) {
    std::lock_guard lock(mu_);
    --in_flight_;
    if (!ok) ++failed_;
    cv_.notify_all();
  }
  int drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    return failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  int failed_ = 0;
};

void BM_LogAppend(benchmark::State& state) {
  const int appenders = static_cast<int>(state.range(0));
  const int partitions = static_cast<int>(state.range(1));
  const bool fsync = state.range(2) != 0;
  const std::string batch = clickstream_batch();
  std::string dir = make_temp_dir();
  delta::config::LogConfig config;
  config.dir = dir + "/log";
  config.durability = fsync ? delta::config::Durability::kFsync : delta::config::Durability::kOs;
  config.retention_ms = 0;
  delta::obs::Registry registry;
  auto log = delta::log::EmbeddedLog::open(config, delta::SystemClock::instance(), registry);
  if (!log || !(*log)->ensure_stream("bench", partitions).is_ok()) {
    state.SkipWithError("cannot open the log");
    return;
  }
  InFlight window;
  int64_t n = 0;
  for (auto _ : state) {
    window.acquire(appenders);
    (*log)->append("bench", static_cast<int32_t>(n++ % partitions), batch,
                   [&window](delta::Result<delta::log::AppendResult> r) { window.release(r.is_ok()); });
  }
  int failed = window.drain();
  const auto& probe = (*log)->probe();
  double fsyncs = static_cast<double>(probe.fsyncs.value());
  double groups = static_cast<double>(probe.groups.value());
  (*log)->close();
  if (failed > 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations() * kEventsPerBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kEventsPerBatch,
                                                  benchmark::Counter::kIsRate);
  state.counters["fsyncs/batch"] = fsyncs / static_cast<double>(state.iterations());
  state.counters["batches/group"] = groups > 0 ? static_cast<double>(state.iterations()) / groups : 0;
  state.counters["batch_bytes"] = static_cast<double>(batch.size());
  log->reset();
  remove_tree(dir);
}

// Args: appenders in flight, partitions, durability (1 = fsync, 0 = os).
BENCHMARK(BM_LogAppend)
    ->ArgNames({"appenders", "partitions", "fsync"})
    ->Args({1, 1, 1})
    ->Args({8, 1, 1})
    ->Args({64, 1, 1})
    ->Args({64, 4, 1})
    ->Args({1, 1, 0})
    ->Args({8, 1, 0})
    ->Args({64, 1, 0})
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
