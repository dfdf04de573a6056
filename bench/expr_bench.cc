// Expression cost per event: the condition `amount > 10 and country in ('DE','FR') and lower(type)
// = 'click'` over 1000 stored ~220-byte clickstream events, parse (JsonEventView) and evaluation
// together, as a view's filter runs it; and the parse alone, to show what evaluation adds. Prints
// events/s per core (items_per_second). Run: build/bench/expr_bench [--benchmark_min_time=2]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "clickstream.h"
#include "process/expr.h"
#include "process/expr_json_event.h"

namespace delta::process {
namespace {

constexpr int kEvents = 1000;
constexpr std::string_view kCondition = "amount > 10 and country in ('DE','FR') and lower(type) = 'click'";

model::StreamSchema clickstream() { return bench::clickstream_schema(); }

using bench::random_hex;

// Stored events as the log keeps them: compact JSON, one per string, random ids and emails.
std::vector<std::string> events() {
  static constexpr const char* kTypes[] = {"page_view", "Click", "add_to_cart", "purchase"};
  static constexpr const char* kCountries[] = {"DE", "FR", "US", "GB", "JP", "BR"};
  static constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
  std::mt19937_64 rng(42);
  std::vector<std::string> out;
  char line[512];
  for (int i = 0; i < kEvents; ++i) {
    int n = std::snprintf(
        line, sizeof line,
        "{\"ts\":\"2026-11-27T13:%02d:%02d.%03dZ\",\"event_id\":\"%s-%s\",\"user_id\":\"user-%07d\","
        "\"email\":\"%s@example.com\",\"type\":\"%s\",\"amount\":%d.%02d,\"country\":\"%s\",\"device\":\"%"
        "s\"}",
        static_cast<int>(rng() % 60), static_cast<int>(rng() % 60), static_cast<int>(rng() % 1000),
        random_hex(rng, 16).c_str(), random_hex(rng, 16).c_str(), static_cast<int>(rng() % 10000000),
        random_hex(rng, 20).c_str(), kTypes[rng() % 4], static_cast<int>(rng() % 30),
        static_cast<int>(rng() % 100), kCountries[rng() % 6], kDevices[rng() % 3]);
    out.emplace_back(line, n);
  }
  return out;
}

void run(benchmark::State& state, bool evaluate) {
  std::vector<std::string> stored = events();
  std::vector<std::string_view> views(stored.begin(), stored.end());
  FieldSet fields;
  Result<CompiledExpr> where = compile_condition(kCondition, clickstream(), &fields);
  if (!where.is_ok()) std::abort();
  JsonEventView view(fields);
  FilterResult out;
  int64_t bytes = 0;
  for (const auto& e : stored) bytes += static_cast<int64_t>(e.size());
  for (auto _ : state) {
    if (evaluate) {
      filter(*where, view, views, &out);
      benchmark::DoNotOptimize(out.selected.data());
    } else {
      for (std::string_view e : views) benchmark::DoNotOptimize(view.reset(e).is_ok());
    }
  }
  if (evaluate) state.counters["selected"] = static_cast<double>(out.selected.size());
  state.SetItemsProcessed(state.iterations() * kEvents);
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_FilterParseAndEval(benchmark::State& state) { run(state, true); }
void BM_ParseReferencedFieldsOnly(benchmark::State& state) { run(state, false); }

BENCHMARK(BM_FilterParseAndEval);
BENCHMARK(BM_ParseReferencedFieldsOnly);

}  // namespace
}  // namespace delta::process

BENCHMARK_MAIN();
