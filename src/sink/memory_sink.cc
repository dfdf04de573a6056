#include "sink/memory_sink.h"

#include "config/units.h"
#include "sink/backend_options.h"

namespace delta::sink {
namespace {

constexpr int64_t kDefaultTtlMs = 3600'000;
constexpr int64_t kDefaultMaxRows = 1'000'000;
constexpr int64_t kExpiryScanIntervalMs = 1000;

struct Options {
  int64_t ttl_ms = kDefaultTtlMs;
  int64_t max_rows = kDefaultMaxRows;
};

Result<Options> read_options(const config::SinkConfig& c) {
  BackendOptions o(c);
  Options out;
  std::string ttl = o.string("ttl");
  out.max_rows = o.integer("max_rows", kDefaultMaxRows, 1, 1'000'000'000);
  DELTA_RETURN_IF_ERROR(o.finish());
  if (!ttl.empty()) {
    std::optional<int64_t> ms = config::parse_duration_ms(ttl);
    if (!ms || *ms <= 0) {
      return Status::invalid_argument(c.option("ttl")->where +
                                      ": expected a positive duration like 10m or 1h");
    }
    out.ttl_ms = *ms;
  }
  return out;
}

}  // namespace

Status MemorySink::check_options(const config::SinkConfig& config) { return read_options(config).status(); }

Result<std::unique_ptr<Sink>> MemorySink::create(const config::SinkConfig& config) {
  Result<Options> o = read_options(config);
  if (!o) return o.status();
  return std::unique_ptr<Sink>(
      std::make_unique<MemorySink>(o->ttl_ms, static_cast<size_t>(o->max_rows), SystemClock::instance()));
}

MemorySink::MemorySink(int64_t ttl_ms, size_t max_rows, const Clock& clock)
    : ttl_ms_(ttl_ms), max_rows_(max_rows), clock_(clock) {}

Status MemorySink::prepare(const TableSpec& table) {
  if (table.kind != TableSpec::Kind::kViewResults) {
    return Status::invalid_argument("a memory sink caches view results; stream \"" + table.name +
                                    "\" should send its events to a local, sqlite, clickhouse or s3 sink");
  }
  std::lock_guard lock(mu_);
  views_.try_emplace(table.name);
  return Status::ok();
}

Status MemorySink::write(const Batch& batch, std::vector<RowError>* rejected) {
  (void)rejected;
  int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  Rows& rows = views_[batch.table->name];
  for (const Row& r : batch.rows) {
    auto id = std::make_pair(r.time_ms, std::string(r.key));
    if (r.is_retraction) {
      rows_ -= rows.erase(id);
      continue;
    }
    auto [it, inserted] = rows.insert_or_assign(std::move(id), Entry{std::string(r.json), now + ttl_ms_});
    (void)it;
    if (inserted) ++rows_;
  }
  evict(now);
  return Status::ok();
}

// Drops expired rows (a full scan, at most once a second), then the oldest windows while over
// max_rows. REQUIRES: mu_ held.
void MemorySink::evict(int64_t now) {
  if (now < next_expiry_scan_ms_ && rows_ <= max_rows_) return;
  next_expiry_scan_ms_ = now + kExpiryScanIntervalMs;
  for (auto& [name, rows] : views_) {
    for (auto it = rows.begin(); it != rows.end();) {
      if (it->second.expires_ms <= now) {
        it = rows.erase(it);
        --rows_;
      } else {
        ++it;
      }
    }
  }
  while (rows_ > max_rows_) {
    Rows* oldest = nullptr;
    for (auto& [name, rows] : views_) {
      if (!rows.empty() && (oldest == nullptr || rows.begin()->first.first < oldest->begin()->first.first))
        oldest = &rows;
    }
    if (oldest == nullptr) break;
    oldest->erase(oldest->begin());
    --rows_;
  }
}

Result<std::string> MemorySink::results(std::string_view view, std::string_view key, int64_t from_ms,
                                        int64_t to_ms, size_t limit) {
  int64_t now = clock_.now_ms();
  std::string out = "[";
  std::lock_guard lock(mu_);
  auto v = views_.find(view);
  if (v == views_.end()) return Status::not_found("no results for view \"" + std::string(view) + "\"");
  size_t n = 0;
  for (auto it = v->second.lower_bound(std::make_pair(from_ms, std::string()));
       it != v->second.end() && n < limit; ++it) {
    if (it->first.first >= to_ms) break;
    if (it->second.expires_ms <= now || (!key.empty() && it->first.second != key)) continue;
    if (n++ > 0) out += ',';
    out += it->second.json;
  }
  out += ']';
  return out;
}

size_t MemorySink::rows() const {
  std::lock_guard lock(mu_);
  return rows_;
}

}  // namespace delta::sink
