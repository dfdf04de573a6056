// Windowed aggregation cost per event on Nexmark bids (auction, bidder, price, channel, url,
// date_time), generated here: 1M distinct auctions drawn uniformly, 200 bids per event-time ms (so a
// 10 s window holds ~2M bids over ~865k of the 1M auctions), one partition, event time in order
// with up to 1 s of jitter (out-of-orderness 1 s). The operator is fed in batches of 1000 with
// advance() after each, as a partition worker would, and emits into a sink that only counts rows.
// Events are pre-decoded: this measures the window core (group key, pane table, aggregates,
// firing, emission), not JSON parsing (see expr_bench).
//   q5: hopping count(*) per auction, size 10 s, slide 2 s
//   q7: tumbling max(price) per auction, 10 s
//   cnt_sum_min_max: tumbling count, sum, min, max of price per auction, 10 s (the memory target)
// Prints events/s per core (items_per_second, CPU time), the state's peak bytes (sampled every
// 100 batches), live (key, pane) entries at that peak, bytes per entry and per auction (peak / 1M),
// and the process's VmHWM (a process-wide peak: it includes every benchmark run before).
// Run: build/bench/window_bench [--benchmark_min_time=1]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/clock.h"
#include "process/window_operator.h"

namespace delta::process {
namespace {

constexpr int kEvents = 8'000'000;
constexpr uint64_t kAuctions = 1'000'000;
constexpr int kBidsPerMs = 200;
constexpr int kBatch = 1000;

struct Bid {
  uint64_t auction;
  uint64_t bidder;
  int64_t price;
  uint8_t channel;
  uint16_t url;  // index into a table of 1000 URLs
  int64_t date_time;
};

// Deterministic Nexmark-style bid stream (splitmix64), generated a batch at a time outside the
// timed region so the bench does not hold millions of bids in memory.
class BidGenerator {
 public:
  void next_batch(std::vector<Bid>& out) {
    for (Bid& b : out) {
      b.auction = next() % kAuctions;
      b.bidder = next() % 100'000;
      b.price = 100 + static_cast<int64_t>(next() % 100'000);
      b.channel = static_cast<uint8_t>(next() % 4);
      b.url = static_cast<uint16_t>(next() % 1000);
      b.date_time = kBase + i_ / kBidsPerMs - static_cast<int64_t>(next() % 1000);
      ++i_;
    }
  }

 private:
  static constexpr int64_t kBase = 1'700'000'000'000;
  uint64_t next() {
    uint64_t z = (x_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t x_ = 5;
  int64_t i_ = 0;
};

class CountingSink final : public ResultSink {
 public:
  void on_result(const ResultRow& r) override { rows += r.values.empty() ? 0 : 1; }
  int64_t rows = 0;
};

int64_t vm_hwm_kb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  int64_t kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::atoll(line + 6);
  }
  std::fclose(f);
  return kb;
}

void run(benchmark::State& state, WindowSpec spec, std::vector<AggSpec> aggs) {
  Result<AggLayout> layout = AggLayout::make(std::move(aggs));
  if (!layout.is_ok()) std::abort();
  ManualClock clock;
  std::vector<AggInput> inputs(layout->size());
  size_t peak_bytes = 0, peak_entries = 0;
  int64_t rows = 0;
  for (auto _ : state) {
    auto op = WindowOperator::make(spec, &layout.value(), {1, 1000, 0}, &clock);
    if (!op.is_ok()) std::abort();
    CountingSink sink;
    BidGenerator gen;
    std::vector<Bid> events(kBatch);
    for (int i = 0; i < kEvents; ++i) {
      if (i % kBatch == 0) {
        state.PauseTiming();
        gen.next_batch(events);
        state.ResumeTiming();
      }
      const Bid& b = events[i % kBatch];
      for (AggInput& in : inputs) in = {static_cast<double>(b.price), 0, false};
      std::string_view key(reinterpret_cast<const char*>(&b.auction), sizeof b.auction);
      benchmark::DoNotOptimize((*op)->add(0, b.date_time, key, inputs));
      if ((i + 1) % kBatch == 0) {
        (*op)->advance(sink);
        if ((i + 1) % (kBatch * 100) == 0 && (*op)->memory_bytes() > peak_bytes) {
          peak_bytes = (*op)->memory_bytes();
          peak_entries = (*op)->entries();
        }
      }
    }
    (*op)->finish(sink);
    rows = sink.rows;
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
  state.counters["rows_per_run"] = static_cast<double>(rows);
  state.counters["state_peak_MB"] = static_cast<double>(peak_bytes) / 1e6;
  state.counters["entries_at_peak"] = static_cast<double>(peak_entries);
  state.counters["bytes_per_entry"] = peak_entries ? static_cast<double>(peak_bytes) / peak_entries : 0;
  state.counters["bytes_per_auction"] = static_cast<double>(peak_bytes) / kAuctions;
  state.counters["VmHWM_MB"] = static_cast<double>(vm_hwm_kb()) / 1024.0;
}

void BM_Q5HoppingCount(benchmark::State& s) {
  run(s, {WindowKind::kHopping, 10'000, 2'000}, {{AggKind::kCount}});
}
void BM_Q7TumblingMax(benchmark::State& s) { run(s, {WindowKind::kTumbling, 10'000}, {{AggKind::kMax}}); }
void BM_TumblingCountSumMinMax(benchmark::State& s) {
  run(s, {WindowKind::kTumbling, 10'000},
      {{AggKind::kCount}, {AggKind::kSum}, {AggKind::kMin}, {AggKind::kMax}});
}

BENCHMARK(BM_Q5HoppingCount)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Q7TumblingMax)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_TumblingCountSumMinMax)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace delta::process

BENCHMARK_MAIN();
