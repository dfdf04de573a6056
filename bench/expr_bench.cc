// Expression cost per event: the condition `amount > 10 and country in ('DE','FR') and lower(type)
// = 'click'` over 1000 stored ~220-byte clickstream events, parse (JsonEventView) and evaluation
// together, as a view's filter runs it; and the parse alone, to show what evaluation adds. Prints
// events/s per core (items_per_second). BM_NexmarkQ1Columns: Nexmark q1's four columns (auction,
// bidder, price * 0.908, date_time) over 1000 stored bids, as nexmark_bench's q1 reads them but
// without the log read and the row encoding: the parse and evaluation part of q1 alone (with
// `simdjson` in the name, JsonEventView's flat path off).
// Run: build/bench/expr_bench [--benchmark_min_time=2]
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

// Nexmark bids as nexmark_bench stores them (the generator's shape, fixed seed), one after another
// in one buffer as in a log batch, so every event has readable bytes after it.
std::string nexmark_bids(std::vector<std::string_view>* views) {
  static constexpr const char* kChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
  std::mt19937_64 rng(7);
  std::string buf;
  std::vector<size_t> ends;
  char line[512];
  for (int i = 0; i < kEvents; ++i) {
    const int n = std::snprintf(
        line, sizeof line,
        "{\"auction\":%d,\"bidder\":%d,\"price\":%d,\"channel\":\"%s\",\"url\":\"https://www.nexmark.com/"
        "item.htm?query=1&channel_id=%d\",\"date_time\":%lld}",
        static_cast<int>(rng() % 1'000'000), static_cast<int>(rng() % 100'000),
        static_cast<int>(rng() % 100'000), kChannels[rng() % 4], static_cast<int>(rng() % 1000),
        1'700'000'000'000LL + i / 200);
    buf.append(line, static_cast<size_t>(n));
    ends.push_back(buf.size());
  }
  buf.append(64, ' ');
  for (size_t i = 0, begin = 0; i < ends.size(); begin = ends[i++])
    views->emplace_back(buf.data() + begin, ends[i] - begin);
  return buf;
}

void nexmark_q1(benchmark::State& state, bool flat) {
  std::vector<std::string_view> views;
  const std::string buf = nexmark_bids(&views);
  model::StreamSchema schema;
  schema.name = "bids";
  schema.fields = {
      {"auction", model::FieldType::kInt64, true}, {"bidder", model::FieldType::kInt64, true},
      {"price", model::FieldType::kInt64, true},   {"channel", model::FieldType::kString, true},
      {"url", model::FieldType::kString, true},    {"date_time", model::FieldType::kTimestamp, true}};
  FieldSet fields;
  std::vector<CompiledExpr> columns;
  for (const char* text : {"auction", "bidder", "price * 0.908", "date_time"}) {
    Result<CompiledExpr> e = compile_expression(text, schema, &fields);
    if (!e.is_ok()) std::abort();
    columns.push_back(std::move(*e));
  }
  JsonEventView view(fields);
  view.set_flat_path(flat);
  for (auto _ : state) {
    for (std::string_view e : views) {
      const size_t readable = static_cast<size_t>(buf.data() + buf.size() - e.data());
      if (!view.reset(e, readable).is_ok()) std::abort();
      for (CompiledExpr& c : columns) {
        Value v = c.eval(view);
        benchmark::DoNotOptimize(v);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}

void BM_FilterParseAndEval(benchmark::State& state) { run(state, true); }
void BM_ParseReferencedFieldsOnly(benchmark::State& state) { run(state, false); }
void BM_NexmarkQ1Columns(benchmark::State& state) { nexmark_q1(state, true); }
void BM_NexmarkQ1Columns_simdjson(benchmark::State& state) { nexmark_q1(state, false); }

BENCHMARK(BM_FilterParseAndEval);
BENCHMARK(BM_ParseReferencedFieldsOnly);
BENCHMARK(BM_NexmarkQ1Columns);
BENCHMARK(BM_NexmarkQ1Columns_simdjson);

}  // namespace
}  // namespace delta::process

BENCHMARK_MAIN();
