// Nexmark end to end (issue 4): bid events generated here, stored in an EmbeddedLog (durability os)
// as the edge stores them (one minified JSON object per record, batches of --batch records), then
// read back from the log and processed:
//   q0  pass-through: every stored event handed on as a row to a sink::RowTarget (what a stream
//       shipper or subscription does; no JSON parse)
//   q1  currency conversion: auction, bidder, price * 0.908, date_time per event (CompiledExprs over
//       a JsonEventView), each result encoded as a JSON row and handed to the RowTarget
//   q2  filter: `auction % 123 = 0`, the selected auction and price as JSON rows
//   q5  hopping count(*) per auction, 10 s / 2 s, through a real ViewWorker
//   q7  tumbling max(price) per auction, 10 s, through a real ViewWorker
// The generator is window_bench's: auctions uniform over 1M ids, 200 bids per event-time ms (a 10 s
// window holds ~2M bids over ~865k auctions), event time in order with up to 1 s of jitter; the
// stream's out-of-orderness is 1 s, so no bid is late. Records are partitioned by auction. One last
// record per partition, an hour of event time later, closes every window, so "done" is: every
// record read and every window fired (the worker's state holds only that record's pane).
//
// The parent fills the log once, then runs every query --repeats times, rounds interleaved, each in
// a child process of its own (this binary with --child) so that each run's peak RSS is its own; the
// log's files stay in the page cache between runs (reads are memory copies, not disk reads).
// Per run: events/s per core (CPU time of the processing thread: CLOCK_THREAD_CPUTIME_ID for q0-q2,
// which run on the child's main thread; for q5/q7 the process's CPU time minus the polling main
// thread's, i.e. the worker thread and the idle log threads), wall events/s, peak RSS, for q5/q7 the
// RSS while streaming (before the worker reaches the closing records, which fire the last windows
// all at once), and the window state's peak bytes (ViewSnapshot.state_bytes, sampled every millisecond) per
// auction (÷ 1M) and per live (key, pane) entry. Medians of the repeats at the end.
//
// Run: build/bench/nexmark_bench [--events 8000000] [--repeats 3] [--queries q0,q1,q2,q5,q7]
//      [--partitions 1] [--batch 1000] [--time rfc3339] [--no-padding] [--simdjson-only] [--dir /tmp]
// --no-padding parses q1/q2 events without the readable bytes after the event (so the simdjson path
// copies each event into a padded buffer first); --simdjson-only turns JsonEventView's flat path off
// for q1/q2 (the A/B of the flat scanner in one binary).
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/json_escape.h"
#include "base/rfc3339.h"
#include "config/config.h"
#include "log/embedded_log.h"
#include "model/record_batch.h"
#include "obs/metrics.h"
#include "process/expr.h"
#include "process/expr_json_event.h"
#include "process/json_write.h"
#include "process/view_plan.h"
#include "process/view_worker.h"
#include "sink/sink.h"

namespace delta::bench {
namespace {

constexpr uint64_t kAuctions = 1'000'000;
constexpr uint64_t kFirstAuction = 1000;  // Nexmark's first auction id
constexpr int kBidsPerMs = 200;
constexpr int64_t kBase = 1'700'000'000'000;
constexpr size_t kReadBytes = 1 << 20;  // per log read, as ViewWorkerOptions::read_bytes
constexpr std::string_view kStream = "bids";

struct Options {
  int64_t events = 8'000'000;
  int repeats = 3;
  int partitions = 1;
  int batch = 1000;
  bool rfc3339 = false;
  bool padding = true;
  bool flat = true;  // JsonEventView's flat path (--simdjson-only: off)
  std::string queries = "q0,q1,q2,q5,q7";
  std::string dir = "/tmp";
  bool keep = false;
  // --child
  bool child = false;
  std::string query, log_dir;
};

std::string pipeline_yaml(int partitions) {
  return "streams:\n"
         "  bids:\n"
         "    time_field: date_time\n"
         "    key: auction\n"
         "    partitions: " +
         std::to_string(partitions) +
         "\n"
         "    schema: {auction: int64, bidder: int64, price: int64, channel: string, url: string, "
         "date_time: timestamp}\n"
         "    watermark: {out_of_orderness: 1s, idle_timeout: 0}\n"
         "views:\n"
         "  q5:\n"
         "    from: bids\n"
         "    window: {hopping: 10s, slide: 2s}\n"
         "    group_by: [auction]\n"
         "    select: {bids: count()}\n"
         "  q7:\n"
         "    from: bids\n"
         "    window: {tumbling: 10s}\n"
         "    group_by: [auction]\n"
         "    select: {max_price: max(price)}\n";
}

config::PipelineConfig pipeline(const Options& o, const std::string& log_dir) {
  Result<config::PipelineConfig> cfg = config::parse(pipeline_yaml(o.partitions), "nexmark.yaml");
  if (!cfg.is_ok()) {
    std::fprintf(stderr, "config: %s\n", cfg.status().to_string().c_str());
    std::exit(2);
  }
  cfg->log.dir = log_dir;
  cfg->log.durability = config::Durability::kOs;
  cfg->log.retention_ms = 0;
  return std::move(*cfg);
}

// Nexmark bids (splitmix64, deterministic), encoded as the log stores them.
class BidGenerator {
 public:
  explicit BidGenerator(bool rfc3339) : rfc3339_(rfc3339) {}

  // Writes the next bid's JSON into *out (cleared first); returns its event time and auction.
  int64_t next(std::string* out, uint64_t* auction) {
    static constexpr const char* kChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
    *auction = kFirstAuction + next_u64() % kAuctions;
    uint64_t bidder = kFirstAuction + next_u64() % 100'000;
    int64_t price = 100 + static_cast<int64_t>(next_u64() % 100'000);
    uint64_t channel = next_u64() % 4;
    uint64_t url = next_u64() % 1000;
    int64_t date_time = kBase + i_ / kBidsPerMs - static_cast<int64_t>(next_u64() % 1000);
    ++i_;
    encode(out, *auction, bidder, price, kChannels[channel], url, date_time);
    return date_time;
  }

  void encode(std::string* out, uint64_t auction, uint64_t bidder, int64_t price, const char* channel,
              uint64_t url, int64_t date_time) const {
    out->clear();
    *out += "{\"auction\":";
    append_int(out, static_cast<int64_t>(auction));
    *out += ",\"bidder\":";
    append_int(out, static_cast<int64_t>(bidder));
    *out += ",\"price\":";
    append_int(out, price);
    *out += ",\"channel\":\"";
    *out += channel;
    *out += "\",\"url\":\"https://www.nexmark.com/item.htm?query=1&channel_id=";
    append_int(out, static_cast<int64_t>(url));
    *out += "\",\"date_time\":";
    if (rfc3339_) {
      *out += '"';
      append_rfc3339_ms(*out, date_time);
      *out += '"';
    } else {
      append_int(out, date_time);
    }
    *out += '}';
  }

  static void append_int(std::string* out, int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  }

 private:
  uint64_t next_u64() {
    uint64_t z = (x_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  bool rfc3339_;
  uint64_t x_ = 5;
  int64_t i_ = 0;
};

int partition_of(uint64_t auction, int partitions) {
  return static_cast<int>((auction * 0x9E3779B97F4A7C15ull >> 32) % static_cast<uint64_t>(partitions));
}

std::unique_ptr<log::EmbeddedLog> open_log(const config::PipelineConfig& cfg, obs::Registry& registry) {
  auto opened = log::EmbeddedLog::open(cfg.log, SystemClock::instance(), registry);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "log: %s\n", opened.status().to_string().c_str());
    std::exit(2);
  }
  return std::move(*opened);
}

// Fills the log: o.events bids, then one closing record per partition, an hour of event time after
// the last bid, which moves every partition's watermark past every window of the bids. Appends are
// queued with at most 32 in flight (the log refuses past its queue bound).
void fill(const Options& o, const std::string& log_dir) {
  obs::Registry registry;
  config::PipelineConfig cfg = pipeline(o, log_dir);
  std::unique_ptr<log::EmbeddedLog> log = open_log(cfg, registry);
  if (Status st = log->ensure_stream(kStream, o.partitions); !st.is_ok()) {
    std::fprintf(stderr, "log: %s\n", st.to_string().c_str());
    std::exit(2);
  }
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  bool failed = false;
  auto append = [&](int p, model::RecordBatchBuilder& b) {
    if (b.empty()) return;
    std::string bytes(b.finish(0));
    b.clear();
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < 32; });
      ++in_flight;
    }
    log->append(kStream, p, std::move(bytes), [&](Result<log::AppendResult> r) {
      std::lock_guard lock(mu);
      --in_flight;
      failed |= !r.is_ok();
      cv.notify_all();
    });
  };
  std::vector<model::RecordBatchBuilder> builders(static_cast<size_t>(o.partitions));
  BidGenerator gen(o.rfc3339);
  std::string json;
  uint64_t auction = 0;
  uint64_t bytes = 0;
  for (int64_t i = 0; i < o.events; ++i) {
    int64_t t = gen.next(&json, &auction);
    bytes += json.size();
    int p = partition_of(auction, o.partitions);
    model::RecordBatchBuilder& b = builders[static_cast<size_t>(p)];
    b.add(t, json);
    if (b.record_count() >= o.batch) append(p, b);
  }
  const int64_t close_time = kBase + o.events / kBidsPerMs + 3'600'000;
  for (int p = 0; p < o.partitions; ++p) {
    gen.encode(&json, 1, 1, 1, "Google", 0, close_time);
    builders[static_cast<size_t>(p)].add(close_time, json);
    append(p, builders[static_cast<size_t>(p)]);
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  log->close();
  if (failed) {
    std::fprintf(stderr, "log: an append failed\n");
    std::exit(2);
  }
  std::printf("filled %s: %lld bids (+%d closing records), %.1f MB of JSON, %.0f B/event, %d partition(s)\n",
              log_dir.c_str(), static_cast<long long>(o.events), o.partitions,
              static_cast<double>(bytes) / 1e6, static_cast<double>(bytes) / static_cast<double>(o.events),
              o.partitions);
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// The resident set now (VmRSS), unlike ru_maxrss, which only grows.
int64_t rss_kb() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size = 0, resident = 0;
  if (std::fscanf(f, "%lld %lld", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE) / 1024;
}

int64_t max_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A sink that counts the rows handed to it and acknowledges at once.
class CountingTarget final : public sink::RowTarget {
 public:
  void add_table(const sink::TableSpec*) override {}
  void deliver(const sink::TableSpec&, int32_t, std::span<const sink::Row> rows,
               std::function<void()> done) override {
    rows_.fetch_add(rows.size(), std::memory_order_relaxed);
    for (const sink::Row& r : rows) bytes_ += r.json.size();  // touch every row, as a sink would
    done();
  }
  uint64_t rows() const { return rows_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> rows_{0};
  uint64_t bytes_ = 0;
};

struct RunResult {
  uint64_t events = 0, rows = 0, late = 0;
  double cpu_s = 0, wall_s = 0;
  int64_t rss_kb = 0;
  int64_t stream_rss_kb = 0;  // q5/q7: the largest RSS seen before the closing records
  size_t state_bytes = 0, state_entries = 0;
};

// q0-q2: reads every partition from the log on this thread, in reads of kReadBytes; per record
// q.record(batch, record, rows), per stored batch q.flush(rows) and one delivery to the target.
template <typename Query>
RunResult read_all(log::Log& log, int partitions, CountingTarget& target, Query& q) {
  RunResult r;
  sink::TableSpec table;
  std::vector<sink::Row> rows;
  rows.reserve(8192);
  log::ReadResult result;  // reused across reads, as the view worker's
  log::ReadResult* read = &result;
  const double cpu0 = thread_cpu_s(), wall0 = now_s();
  for (int p = 0; p < partitions; ++p) {
    Result<log::PartitionInfo> info = log.partition_info(kStream, p);
    if (!info.is_ok()) std::exit(3);
    int64_t next = info->start_offset;
    while (next < info->end_offset) {
      Status st = log.read_into(kStream, p, next, kReadBytes, read);
      if (!st.is_ok() || read->batches.empty()) {
        std::fprintf(stderr, "read: %s\n", st.is_ok() ? "empty" : st.to_string().c_str());
        std::exit(3);
      }
      for (std::string_view batch : read->batches) {
        rows.clear();
        model::RecordIterator it(batch);
        model::Record rec;
        while (it.next(&rec)) {
          if (rec.offset < next) continue;
          ++r.events;
          q.record(batch, rec, rows);
        }
        if (!it.status().is_ok()) std::exit(3);
        q.flush(rows);
        if (!rows.empty()) target.deliver(table, p, rows, [] {});
      }
      next = read->next_offset;
    }
  }
  r.cpu_s = thread_cpu_s() - cpu0;
  r.wall_s = now_s() - wall0;
  r.rows = target.rows();
  return r;
}

// q0: the stored event itself is the row.
struct PassThrough {
  void record(std::string_view, const model::Record& rec, std::vector<sink::Row>& rows) {
    sink::Row row;
    row.json = rec.value;
    row.time_ms = rec.time_ms;
    row.offset = rec.offset;
    rows.push_back(row);
  }
  void flush(std::vector<sink::Row>&) {}
};

// Projected values of one batch's events as JSON objects in one reused buffer, written through
// pointers (process::json_write). A column that is a bare int64/timestamp field read by the
// JsonEventView's flat path copies the event's own digits (JsonEventView::raw) instead of
// formatting the number again.
class RowEncoder {
 public:
  explicit RowEncoder(const std::vector<std::string>& names) {
    for (const std::string& n : names) {
      std::string m(n.size() * 6 + 4, '\0');
      char* e = json::write_quoted(m.data() + 1, n);
      *e++ = ':';
      m.resize(static_cast<size_t>(e - m.data()));
      bound_ += m.size() + 32;
      names_.push_back(std::move(m));  // `,"name":`; the first column's comma becomes the '{'
    }
  }
  void begin() { start_ = p_ = out_.grow(bound_ + 2); }
  // Column i's value: the event's own text when `raw` is the integer v was read from, else v.
  void field(size_t i, const process::Value& v, std::string_view raw) {
    namespace jw = process::json_write;
    *p_++ = i == 0 ? '{' : ',';
    p_ = jw::bytes(p_, std::string_view(names_[i]).substr(1));
    switch (v.type) {
      case process::ValueType::kInt64:
      case process::ValueType::kTimestamp:
        p_ = !raw.empty() && raw[0] != '"' ? jw::bytes(p_, raw) : jw::i64(p_, v.i);
        break;
      case process::ValueType::kFloat64: p_ = jw::f64(p_, v.f); break;
      default: p_ = jw::bytes(p_, "null"); break;
    }
  }
  void end(const model::Record& rec) {
    *p_++ = '}';
    out_.commit(p_);
    sink::Row row;
    row.json = std::string_view(start_, static_cast<size_t>(p_ - start_));
    row.time_ms = rec.time_ms;
    row.offset = rec.offset;
    rows_.push_back(row);
  }
  // Appends the batch's rows (valid until the next batch) and starts a new batch.
  void flush(std::vector<sink::Row>& rows) {
    rows.insert(rows.end(), rows_.begin(), rows_.end());
    rows_.clear();
    out_.clear();
  }

 private:
  std::vector<std::string> names_;
  size_t bound_ = 0;
  process::json_write::Buffer out_;
  char* p_ = nullptr;
  char* start_ = nullptr;
  std::vector<sink::Row> rows_;
};

process::CompiledExpr compile(std::string_view text, const model::StreamSchema& schema,
                              process::FieldSet* fields, bool condition = false) {
  Result<process::CompiledExpr> e = condition ? process::compile_condition(text, schema, fields)
                                              : process::compile_expression(text, schema, fields);
  if (!e.is_ok()) {
    std::fprintf(stderr, "%s\n", e.status().to_string().c_str());
    std::exit(2);
  }
  return std::move(*e);
}

// q1 and q2: parse the referenced fields once per event, filter (q2), project into a JSON row.
class Projection {
 public:
  Projection(const model::StreamSchema& schema, std::string_view where,
             std::vector<std::pair<std::string, std::string>> columns, bool padding, bool flat)
      : padding_(padding), enc_(names_of(columns)) {
    if (!where.empty()) where_.emplace(compile(where, schema, &fields_, true));
    for (auto& [name, text] : columns) {
      exprs_.push_back(compile(text, schema, &fields_));
      slots_.push_back(exprs_.back().field_slot());
    }
    view_ = std::make_unique<process::JsonEventView>(fields_);
    view_->set_flat_path(flat);
  }
  void record(std::string_view batch, const model::Record& rec, std::vector<sink::Row>&) {
    // With the bytes after the event (the rest of the batch) simdjson reads in place; without,
    // JsonEventView copies the event into a padded buffer first.
    size_t readable = padding_ ? static_cast<size_t>(batch.data() + batch.size() - rec.value.data()) : 0;
    if (!view_->reset(rec.value, readable).is_ok()) return;
    if (where_ && !where_->matches(*view_)) return;
    enc_.begin();
    for (size_t i = 0; i < exprs_.size(); ++i) {
      const int64_t slot = slots_[i];
      if (slot < 0) {
        enc_.field(i, exprs_[i].eval(*view_), "");
      } else {  // a bare field: read straight from the (final) view, no evaluator
        const auto at = static_cast<uint32_t>(slot);
        enc_.field(i, view_->field(at), view_->raw(at));
      }
    }
    enc_.end(rec);
  }
  void flush(std::vector<sink::Row>& rows) { enc_.flush(rows); }

 private:
  bool padding_;
  process::FieldSet fields_;
  static std::vector<std::string> names_of(const std::vector<std::pair<std::string, std::string>>& columns) {
    std::vector<std::string> names;
    for (const auto& c : columns) names.push_back(c.first);
    return names;
  }
  std::optional<process::CompiledExpr> where_;
  std::vector<process::CompiledExpr> exprs_;
  std::vector<int64_t> slots_;  // field_slot() of each column
  std::unique_ptr<process::JsonEventView> view_;
  RowEncoder enc_;
};

RunResult run_view(const Options& o, const config::PipelineConfig& cfg, log::Log& log) {
  const config::ViewConfig* view = nullptr;
  for (const config::ViewConfig& v : cfg.views) view = v.name == o.query ? &v : view;
  if (view == nullptr) std::exit(2);
  Result<std::unique_ptr<process::ViewPlan>> plan = process::compile_view(*view, cfg.streams[0]);
  if (!plan.is_ok()) {
    std::fprintf(stderr, "view: %s\n", plan.status().to_string().c_str());
    std::exit(2);
  }
  uint64_t total = 0;
  for (int p = 0; p < o.partitions; ++p)
    total += static_cast<uint64_t>(log.partition_info(kStream, p)->end_offset);
  CountingTarget target;
  obs::Registry registry;
  process::ViewWorkerOptions wo;
  wo.checkpoint_dir = o.log_dir + "/../views-" + std::to_string(getpid());
  wo.poll_ms = 1;
  RunResult r;
  {
    process::ViewWorker worker(**plan, log, {&target}, nullptr, nullptr, registry, SystemClock::instance(),
                               wo);
    const double cpu0 = process_cpu_s(), main0 = thread_cpu_s(), wall0 = now_s();
    if (Status st = worker.start(); !st.is_ok()) {
      std::fprintf(stderr, "view: %s\n", st.to_string().c_str());
      std::exit(2);
    }
    const double deadline = wall0 + 600;
    process::ViewSnapshot s;
    // A round reads up to kReadBytes per partition (>= ~10k bids of >= 100 bytes): while the snapshot
    // is two rounds' worth short of the last bid, the worker has not reached the closing records.
    const uint64_t margin = 2 * static_cast<uint64_t>(o.partitions) * (kReadBytes / 100);
    for (;;) {
      s = worker.snapshot();
      if (s.state_bytes > r.state_bytes) {
        r.state_bytes = s.state_bytes;
        r.state_entries = s.state_entries;
      }
      if (s.events + margin < static_cast<uint64_t>(o.events))
        r.stream_rss_kb = std::max(r.stream_rss_kb, rss_kb());
      // Done: every record read, and every window but the closing records' fired and emitted.
      if (s.events >= total && s.state_entries <= 1) break;
      if (now_s() > deadline) {
        std::fprintf(stderr, "%s: not done after 600 s (events %llu of %llu, entries %zu)\n", o.query.c_str(),
                     static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(total),
                     s.state_entries);
        std::exit(4);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a bench, not a test
    }
    r.wall_s = now_s() - wall0;
    r.cpu_s = (process_cpu_s() - cpu0) - (thread_cpu_s() - main0);
    r.events = s.events;
    r.late = s.late;
    r.rows = target.rows();
    worker.stop();
  }
  std::error_code ec;
  std::filesystem::remove_all(wo.checkpoint_dir, ec);
  return r;
}

int child(const Options& o) {
  config::PipelineConfig cfg = pipeline(o, o.log_dir);
  obs::Registry registry;
  std::unique_ptr<log::EmbeddedLog> log = open_log(cfg, registry);
  RunResult r;
  if (o.query == "q0") {
    PassThrough q;
    CountingTarget target;
    r = read_all(*log, o.partitions, target, q);
  } else if (o.query == "q1") {
    Projection q(cfg.streams[0], "",
                 {{"auction", "auction"},
                  {"bidder", "bidder"},
                  {"price", "price * 0.908"},
                  {"date_time", "date_time"}},
                 o.padding, o.flat);
    CountingTarget target;
    r = read_all(*log, o.partitions, target, q);
  } else if (o.query == "q2") {
    Projection q(cfg.streams[0], "auction % 123 = 0", {{"auction", "auction"}, {"price", "price"}}, o.padding,
                 o.flat);
    CountingTarget target;
    r = read_all(*log, o.partitions, target, q);
  } else {
    r = run_view(o, cfg, *log);
  }
  log->close();
  std::printf(
      "RESULT events=%llu rows=%llu late=%llu cpu=%.6f wall=%.6f rss=%lld stream_rss=%lld state=%zu "
      "entries=%zu\n",
      static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.rows),
      static_cast<unsigned long long>(r.late), r.cpu_s, r.wall_s, static_cast<long long>(max_rss_kb()),
      static_cast<long long>(r.stream_rss_kb), r.state_bytes, r.state_entries);
  return 0;
}

std::string loadavg() {
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  char buf[64] = {};
  if (std::fgets(buf, sizeof buf, f) == nullptr) buf[0] = 0;
  std::fclose(f);
  std::string s(buf);
  // The three averages only.
  size_t n = 0, pos = 0;
  while (n < 3 && (pos = s.find(' ', pos + 1)) != std::string::npos) ++n;
  return s.substr(0, pos);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int parent(const Options& o) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 2;
  exe[n] = 0;
  std::string work = o.dir + "/nexmark-XXXXXX";
  if (mkdtemp(work.data()) == nullptr) {
    std::perror("mkdtemp");
    return 2;
  }
  const std::string log_dir = work + "/log";
  std::printf(
      "nexmark: %lld bids, %d partition(s), batches of %d, date_time as %s, %d repeats; load average %s\n",
      static_cast<long long>(o.events), o.partitions, o.batch, o.rfc3339 ? "RFC 3339" : "epoch ms", o.repeats,
      loadavg().c_str());
  const double fill0 = now_s();
  fill(o, log_dir);
  std::printf("fill took %.1f s\n", now_s() - fill0);

  std::vector<std::string> queries;
  for (size_t at = 0; at <= o.queries.size();) {
    size_t comma = std::min(o.queries.find(',', at), o.queries.size());
    if (comma > at) queries.push_back(o.queries.substr(at, comma - at));
    at = comma + 1;
  }
  std::vector<std::vector<RunResult>> results(queries.size());
  // RSS MB: peak (ru_maxrss); streaming: q5/q7's largest RSS before the worker reaches the closing
  // records, which fire the last windows all at once.
  std::printf("%-4s %3s %12s %12s %12s %10s %8s %9s %9s %8s %8s\n", "q", "run", "events", "ev/s/core",
              "wall ev/s", "rows", "RSS MB", "streaming", "B/auction", "B/entry", "cpu s");
  for (int round = 0; round < o.repeats; ++round) {
    for (size_t qi = 0; qi < queries.size(); ++qi) {
      std::string cmd = std::string(exe) + " --child --query " + queries[qi] + " --log-dir " + log_dir +
                        " --partitions " + std::to_string(o.partitions) + " --events " +
                        std::to_string(o.events) + (o.rfc3339 ? " --time rfc3339" : "") +
                        (o.padding ? "" : " --no-padding") + (o.flat ? "" : " --simdjson-only");
      FILE* pipe = popen(cmd.c_str(), "r");
      if (pipe == nullptr) return 2;
      char line[512];
      RunResult r;
      bool got = false;
      while (std::fgets(line, sizeof line, pipe) != nullptr) {
        unsigned long long ev = 0, rows = 0, late = 0;
        long long rss = 0, base = 0;
        if (std::sscanf(line,
                        "RESULT events=%llu rows=%llu late=%llu cpu=%lf wall=%lf rss=%lld stream_rss=%lld "
                        "state=%zu entries=%zu",
                        &ev, &rows, &late, &r.cpu_s, &r.wall_s, &rss, &base, &r.state_bytes,
                        &r.state_entries) == 9) {
          r.events = ev;
          r.rows = rows;
          r.late = late;
          r.rss_kb = rss;
          r.stream_rss_kb = base;
          got = true;
        }
      }
      if (pclose(pipe) != 0 || !got) {
        std::fprintf(stderr, "%s: the child failed\n", queries[qi].c_str());
        return 3;
      }
      const double ev = static_cast<double>(r.events);
      std::printf(
          "%-4s %3d %12llu %12.0f %12.0f %10llu %8.1f %9.1f %9.1f %8.1f %8.3f\n", queries[qi].c_str(),
          round + 1, static_cast<unsigned long long>(r.events), ev / r.cpu_s, ev / r.wall_s,
          static_cast<unsigned long long>(r.rows), static_cast<double>(r.rss_kb) / 1024,
          static_cast<double>(r.stream_rss_kb) / 1024, static_cast<double>(r.state_bytes) / kAuctions,
          r.state_entries ? static_cast<double>(r.state_bytes) / static_cast<double>(r.state_entries) : 0.0,
          r.cpu_s);
      if (r.late > 0)
        std::printf("     (%llu late events: the generator should produce none)\n",
                    static_cast<unsigned long long>(r.late));
      std::fflush(stdout);
      results[qi].push_back(r);
    }
  }
  std::printf("\nmedians of %d runs (load average now %s)\n", o.repeats, loadavg().c_str());
  std::printf("%-4s %12s %12s %8s %9s %9s %8s %10s %s\n", "q", "ev/s/core", "wall ev/s", "RSS MB",
              "streaming", "B/auction", "B/entry", "target", "met");
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    std::vector<double> core, wall, rss, stream_rss, per_auction, per_entry;
    for (const RunResult& r : results[qi]) {
      core.push_back(static_cast<double>(r.events) / r.cpu_s);
      wall.push_back(static_cast<double>(r.events) / r.wall_s);
      rss.push_back(static_cast<double>(r.rss_kb) / 1024);
      stream_rss.push_back(static_cast<double>(r.stream_rss_kb) / 1024);
      per_auction.push_back(static_cast<double>(r.state_bytes) / kAuctions);
      per_entry.push_back(
          r.state_entries ? static_cast<double>(r.state_bytes) / static_cast<double>(r.state_entries) : 0.0);
    }
    const bool windowed = queries[qi] == "q5" || queries[qi] == "q7";
    const double target = windowed ? 2e6 : 5e6;
    std::printf("%-4s %12.0f %12.0f %8.1f %9.1f %9.1f %8.1f %10.0f %s\n", queries[qi].c_str(), median(core),
                median(wall), median(rss), median(stream_rss), median(per_auction), median(per_entry), target,
                median(core) >= target ? "yes" : "NO");
  }
  if (!o.keep) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  } else {
    std::printf("log kept in %s\n", work.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace delta::bench

int main(int argc, char** argv) {
  delta::bench::Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", argv[i]);
      std::exit(2);
    }
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--events") {
      o.events = std::atoll(value(i).c_str());
    } else if (a == "--repeats") {
      o.repeats = std::atoi(value(i).c_str());
    } else if (a == "--partitions") {
      o.partitions = std::atoi(value(i).c_str());
    } else if (a == "--batch") {
      o.batch = std::atoi(value(i).c_str());
    } else if (a == "--queries") {
      o.queries = value(i);
    } else if (a == "--dir") {
      o.dir = value(i);
    } else if (a == "--time") {
      o.rfc3339 = value(i) == "rfc3339";
    } else if (a == "--no-padding") {
      o.padding = false;
    } else if (a == "--simdjson-only") {
      o.flat = false;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--child") {
      o.child = true;
    } else if (a == "--query") {
      o.query = value(i);
    } else if (a == "--log-dir") {
      o.log_dir = value(i);
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--events N] [--repeats N] [--queries q0,q1,q2,q5,q7] [--partitions N] [--batch N] "
          "[--time ms|rfc3339] [--no-padding] [--simdjson-only] [--dir DIR] [--keep]\n",
          argv[0]);
      return 2;
    }
  }
  if (o.events <= 0 || o.repeats <= 0 || o.partitions <= 0 || o.batch <= 0) {
    std::fprintf(stderr, "--events, --repeats, --partitions and --batch must be positive\n");
    return 2;
  }
  return o.child ? delta::bench::child(o) : delta::bench::parent(o);
}
