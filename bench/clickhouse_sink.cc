// clickhouse_sink: rows/s of Delta's ClickHouse backend (ClickHouseSink::write: encoding the rows
// to JSONEachRow plus the HTTP inserts) next to ClickHouse's own HTTP insert of the same NDJSON
// (curl --data-binary, one process, one kept-alive connection, pre-encoded files), in the same run,
// batch for batch into the same table layout (the sink's events table, a MergeTree-family
// ReplacingMergeTree). Prints each repeat and the medians; ratio = delta / curl (target >= 0.8).
//
//   clickhouse_sink [--rows 200000] [--batch 10000] [--repeats 5]
//
// Starts its own clickhouse-server (Debian's) on free loopback ports, as the tests do.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench/clickstream.h"
#include "sink/clickhouse/clickhouse_sink.h"
#include "tests/integration/servers.h"

namespace delta::bench {
namespace {

using sink::Batch;
using sink::ColumnType;
using sink::Row;
using sink::RowError;
using sink::TableSpec;

constexpr int64_t kBaseMs = 1'704'164'640'000;  // 2024-01-02T03:04:00Z

TableSpec table(const std::string& name) {
  TableSpec t;
  t.kind = TableSpec::Kind::kEvents;
  t.name = name;
  t.time_column = "ts";
  for (const model::Field& f : clickstream_schema().fields) {
    ColumnType type = f.type == model::FieldType::kTimestamp ? ColumnType::kTimestamp
                      : f.type == model::FieldType::kFloat64 ? ColumnType::kFloat64
                                                             : ColumnType::kString;
    t.columns.push_back({f.name, type, !f.required});
  }
  return t;
}

struct Events {
  std::vector<std::string> json;
  std::vector<Row> rows;
};

Events generate(int n) {
  static const char* const kTypes[] = {"click", "view", "purchase"};
  static const char* const kCountries[] = {"DE", "FR", "US", "JP", "BR"};
  std::mt19937_64 rng(42);
  Events e;
  e.json.reserve(n);
  for (int i = 0; i < n; ++i) {
    int t = 3 * 3600 + 4 * 60 + i / 1000;  // seconds of the day: 03:04:00 + i ms
    char ts[40];
    std::snprintf(ts, sizeof ts, "2024-01-02T%02d:%02d:%02d.%03dZ", t / 3600 % 24, t / 60 % 60, t % 60,
                  i % 1000);
    e.json.push_back(std::string(R"({"ts":")") + ts + R"(","event_id":")" + random_hex(rng, 16) +
                     R"(","user_id":"u)" + std::to_string(rng() % 100'000) + R"(","email":")" +
                     random_hex(rng, 64) + R"(","type":")" + kTypes[i % 3] + R"(","amount":)" +
                     std::to_string(rng() % 10'000) + ".25,\"country\":\"" + kCountries[i % 5] +
                     R"(","device":"web"})");
    Row r;
    r.offset = i;
    r.time_ms = kBaseMs + i;
    e.rows.push_back(r);
  }
  for (int i = 0; i < n; ++i) e.rows[i].json = e.json[i];
  return e;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Delta's sink: every batch through ClickHouseSink::write. Returns seconds, or -1 on failure.
double run_delta(const std::string& url, const TableSpec& spec, const Events& e, int batch) {
  sink::clickhouse::ClickHouseOptions o;
  o.http.base_url = url;
  o.database = "bench";
  sink::clickhouse::ClickHouseSink s(o);
  if (Status st = s.prepare(spec); !st.is_ok()) {
    std::fprintf(stderr, "prepare: %s\n", st.to_string().c_str());
    return -1;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<RowError> rejected;
  for (size_t i = 0; i < e.rows.size(); i += batch) {
    size_t n = std::min<size_t>(batch, e.rows.size() - i);
    Status st = s.write(Batch{&spec, 0, std::span<const Row>(e.rows).subspan(i, n)}, &rejected);
    if (!st.is_ok() || !rejected.empty()) {
      std::fprintf(stderr, "write: %s\n", st.to_string().c_str());
      return -1;
    }
  }
  return seconds_since(t0);
}

// The same rows as the sink encodes them, one NDJSON file per batch, and a curl config that POSTs
// each file as INSERT ... FORMAT JSONEachRow into `table` (one process, `next` per batch).
std::string prepare_curl(const std::string& dir, const std::string& url, const std::string& table_name,
                         const TableSpec& spec, const Events& e, int batch) {
  sink::clickhouse::RowEncoder encoder(spec, sink::clickhouse::ServerFeatures{});
  std::string config, line, reason;
  for (size_t i = 0, file = 0; i < e.rows.size(); i += batch, ++file) {
    std::string body;
    for (size_t j = i; j < std::min(e.rows.size(), i + batch); ++j)
      encoder.encode(e.rows[j], 0, 0, &body, &reason);
    std::string path = dir + "/batch-" + std::to_string(file) + ".ndjson";
    std::ofstream(path, std::ios::binary) << body;
    if (!config.empty()) config += "next\n";
    config += "url = \"" + url + "/?query=INSERT%20INTO%20bench." + table_name +
              "%20FORMAT%20JSONEachRow\"\ndata-binary = \"@" + path +
              "\"\nsilent\nshow-error\nfail\noutput = \"/dev/null\"\n";
  }
  std::string config_path = dir + "/curl-" + table_name + ".conf";
  std::ofstream(config_path) << config;
  return config_path;
}

double run_curl(const std::string& config_path) {
  auto t0 = std::chrono::steady_clock::now();
  if (std::system(("curl -K " + config_path).c_str()) != 0) return -1;
  return seconds_since(t0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run(int rows, int batch, int repeats) {
  testing::TempDir dir;
  testing::ClickHouseServer server(dir.path());
  if (!server.start()) {
    std::fprintf(stderr, "clickhouse-server did not start (run scripts/setup.sh): %s\n",
                 server.error().c_str());
    return 1;
  }
  Events e = generate(rows);
  std::printf("clickhouse_sink: %d rows (~%zu bytes each), batches of %d, %d repeats\n", rows,
              e.json.front().size(), batch, repeats);
  std::vector<double> delta_rate, curl_rate, ratio;
  for (int r = 0; r < repeats; ++r) {
    TableSpec delta_spec = table("delta_" + std::to_string(r));
    TableSpec curl_spec = table("curl_" + std::to_string(r));
    if (server.query("CREATE DATABASE IF NOT EXISTS bench").status != 200) return 1;
    // The curl table is the sink's own layout: the sink creates it, then it is emptied.
    sink::clickhouse::ClickHouseOptions o;
    o.http.base_url = server.url();
    o.database = "bench";
    if (!sink::clickhouse::ClickHouseSink(o).prepare(curl_spec).is_ok()) return 1;
    std::string conf = prepare_curl(dir.path(), server.url(), curl_spec.name, curl_spec, e, batch);
    double d = 0, c = 0;
    if (r % 2 == 0) {  // alternate which goes first
      d = run_delta(server.url(), delta_spec, e, batch);
      c = run_curl(conf);
    } else {
      c = run_curl(conf);
      d = run_delta(server.url(), delta_spec, e, batch);
    }
    if (d < 0 || c < 0) return 1;
    std::string want = std::to_string(rows) + "\n";
    for (const TableSpec* t : {&delta_spec, &curl_spec}) {
      std::string count = server.query("SELECT count() FROM bench." + t->name).body;
      if (count != want) {
        std::fprintf(stderr, "%s holds %s rows, not %d\n", t->name.c_str(), count.c_str(), rows);
        return 1;
      }
    }
    delta_rate.push_back(rows / d);
    curl_rate.push_back(rows / c);
    ratio.push_back(c / d);
    std::printf("repeat %d: delta %.0f rows/s, curl %.0f rows/s, ratio %.2f\n", r + 1, rows / d, rows / c,
                c / d);
  }
  std::printf("median: delta %.0f rows/s, curl %.0f rows/s, ratio %.2f (target >= 0.8)\n", median(delta_rate),
              median(curl_rate), median(ratio));
  server.stop();
  return 0;
}

}  // namespace
}  // namespace delta::bench

int main(int argc, char** argv) {
  int rows = 200'000, batch = 10'000, repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--batch") == 0) batch = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--repeats") == 0) repeats = std::atoi(argv[i + 1]);
  }
  if (rows <= 0 || batch <= 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: clickhouse_sink [--rows N] [--batch N] [--repeats N]\n");
    return 2;
  }
  return delta::bench::run(rows, batch, repeats);
}
