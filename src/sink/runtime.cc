#include "sink/runtime.h"

#include <algorithm>
#include <chrono>

#include "obs/logger.h"

namespace delta::sink {

bool is_retryable(const Status& status) {
  StatusCode c = status.code();
  return c == StatusCode::kUnavailable || c == StatusCode::kIoError || c == StatusCode::kDeadlineExceeded;
}

int64_t backoff_ms(int64_t initial_ms, int64_t max_ms, int attempt, double jitter) {
  int64_t d = std::max<int64_t>(initial_ms, 1);
  for (int i = 1; i < attempt && d < max_ms; ++i) d *= 2;
  d = std::min(d, std::max<int64_t>(max_ms, 1));
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(d) * std::clamp(jitter, 0.5, 1.0)));
}

// One deliver() call: its rows, copied into one buffer (one allocation per call, not per row).
struct SinkRuntime::Delivery {
  const TableSpec* table = nullptr;
  int32_t partition = -1;
  std::string data;
  std::vector<Row> rows;  // views into `data`
  std::function<void()> done;
  uint64_t bytes = 0;
  int64_t enqueued_ns = 0;
  size_t written = 0;  // rows already stored or dead-lettered
};

struct SinkRuntime::TableState {
  const TableSpec* spec = nullptr;
  bool prepared = false;
  obs::Counter* rows = nullptr;
  obs::Counter* bytes = nullptr;
  obs::Counter* batches = nullptr;
  obs::Counter* retries = nullptr;
  obs::Counter* failures = nullptr;
  obs::Counter* dead_letters = nullptr;
  obs::Histogram* latency = nullptr;
};

// The pending deliveries of one (table, partition), written in order.
struct SinkRuntime::Lane {
  TableState* table = nullptr;
  int32_t partition = -1;
  std::deque<std::unique_ptr<Delivery>> pending;
  size_t rows = 0;  // not yet written
};

namespace {

std::string_view kind_name(const TableSpec& t) {
  return t.kind == TableSpec::Kind::kEvents ? "events" : "results";
}

}  // namespace

Result<std::unique_ptr<SinkRuntime>> SinkRuntime::start(const config::SinkConfig& config,
                                                        std::unique_ptr<Sink> backend, DeadLetters* dlq,
                                                        obs::Registry& registry, Clock& clock) {
  if (!backend)
    return Status::invalid_argument(config.where + ": no backend for sink \"" + config.name + "\"");
  if (config.batch_rows == 0 || config.batch_bytes == 0) {
    return Status::invalid_argument(config.where + ": batch_rows and batch_bytes must be positive");
  }
  std::unique_ptr<SinkRuntime> rt(new SinkRuntime(config, std::move(backend), dlq, registry, clock));
  rt->thread_ = std::thread([r = rt.get()] { r->run(); });
  return rt;
}

SinkRuntime::SinkRuntime(const config::SinkConfig& config, std::unique_ptr<Sink> backend, DeadLetters* dlq,
                         obs::Registry& registry, Clock& clock)
    : config_(config),
      backend_(std::move(backend)),
      dlq_(dlq),
      registry_(registry),
      clock_(clock),
      capacity_(std::max<uint64_t>(config.batch_bytes * 4, 1ull << 20)),
      rng_(static_cast<uint64_t>(clock.monotonic_ns()) | 1),
      queue_bytes_(registry.gauge("delta_sink_queue_bytes", "Bytes queued for a sink, not yet stored",
                                  {{"sink", config.name}})),
      lag_ms_(registry.gauge("delta_sink_lag_ms", "Age of the oldest row queued for a sink, in milliseconds",
                             {{"sink", config.name}})) {}

SinkRuntime::~SinkRuntime() { close(); }

SinkRuntime::TableState& SinkRuntime::table_state(const TableSpec* table) {
  std::unique_ptr<TableState>& t = tables_[table];
  if (t) return *t;
  t = std::make_unique<TableState>();
  t->spec = table;
  obs::Labels l{{"sink", config_.name}, {"table", table->name}, {"kind", std::string(kind_name(*table))}};
  t->rows = &registry_.counter("delta_sink_rows_total", "Rows stored by a sink", l);
  t->bytes = &registry_.counter("delta_sink_bytes_total", "Bytes of rows stored by a sink", l);
  t->batches = &registry_.counter("delta_sink_batches_total", "Batches written by a sink", l);
  t->retries = &registry_.counter("delta_sink_retries_total", "Retried writes and prepares of a sink", l);
  t->failures = &registry_.counter("delta_sink_failures_total", "Failed writes and prepares of a sink", l);
  t->dead_letters =
      &registry_.counter("delta_sink_dead_letters_total", "Rows a sink sent to the dead letter queue", l);
  t->latency = &registry_.histogram("delta_sink_write_seconds", "Latency of one successful batch write", l);
  return *t;
}

void SinkRuntime::add_table(const TableSpec* table) {
  std::lock_guard<std::mutex> lock(mu_);
  table_state(table);
}

void SinkRuntime::deliver(const TableSpec& table, int32_t partition, std::span<const Row> rows,
                          std::function<void()> done) {
  auto d = std::make_unique<Delivery>();
  d->table = &table;
  d->partition = partition;
  size_t total = 0;
  for (const Row& r : rows) total += r.json.size() + r.key.size();
  d->data.reserve(total);
  d->rows.reserve(rows.size());
  for (const Row& r : rows) {
    Row copy = r;
    size_t at = d->data.size();
    d->data.append(r.json);
    d->data.append(r.key);
    copy.json = std::string_view(d->data.data() + at, r.json.size());
    copy.key = std::string_view(d->data.data() + at + r.json.size(), r.key.size());
    d->rows.push_back(copy);
  }
  d->done = std::move(done);
  d->bytes = total + rows.size() * sizeof(Row);
  d->enqueued_ns = clock_.monotonic_ns();
  std::unique_lock<std::mutex> lock(mu_);
  space_.wait(lock, [&] { return closing_ || queued_bytes_ == 0 || queued_bytes_ + d->bytes <= capacity_; });
  table_state(&table);
  queued_bytes_ += d->bytes;
  queue_.push_back(std::move(d));
  wake_.notify_one();
}

void SinkRuntime::close() {
  begin_close();
  finish_close();
}

void SinkRuntime::begin_close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!thread_.joinable() || closing_) return;
  closing_ = true;
  close_deadline_ns_ = clock_.monotonic_ns() + close_timeout_ms * 1'000'000;
  wake_.notify_all();
  space_.notify_all();
}

void SinkRuntime::finish_close() {
  if (!thread_.joinable()) return;
  thread_.join();
  backend_->close();
}

bool SinkRuntime::stopping_for_good() {
  std::lock_guard<std::mutex> lock(mu_);
  return closing_ && clock_.monotonic_ns() >= close_deadline_ns_;
}

int64_t SinkRuntime::wait_ms() const {
  int64_t now = clock_.monotonic_ns();
  int64_t best = 1000;
  for (const auto& [key, lane] : lanes_) {
    if (lane->rows == 0) continue;
    int64_t due = lane->pending.front()->enqueued_ns + config_.linger_ms * 1'000'000;
    best = std::min(best, std::max<int64_t>(1, (due - now) / 1'000'000 + 1));
  }
  return best;
}

// Moves what deliver() queued into the lanes. Returns whether the runtime is closing.
bool SinkRuntime::take_queued(std::unique_lock<std::mutex>& lock) {
  wake_.wait_for(lock, std::chrono::milliseconds(wait_ms()), [&] { return !queue_.empty() || closing_; });
  while (!queue_.empty()) {
    std::unique_ptr<Delivery> d = std::move(queue_.front());
    queue_.pop_front();
    std::unique_ptr<Lane>& lane = lanes_[{d->table, d->partition}];
    if (!lane) {
      lane = std::make_unique<Lane>();
      lane->table = tables_[d->table].get();
      lane->partition = d->partition;
    }
    lane->rows += d->rows.size();
    lane->pending.push_back(std::move(d));
  }
  return closing_;
}

void SinkRuntime::run() {
  while (true) {
    bool closing;
    {
      std::unique_lock<std::mutex> lock(mu_);
      closing = take_queued(lock);
    }
    flush_ready(closing);
    update_gauges();
    if (closing && stopping_for_good()) break;
    if (closing) {
      std::lock_guard<std::mutex> lock(mu_);
      bool idle = queue_.empty() && std::all_of(lanes_.begin(), lanes_.end(),
                                                [](const auto& l) { return l.second->pending.empty(); });
      if (idle) break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (queued_bytes_ > 0) {
    obs::warn("sink", "closed with rows not stored; they will be delivered again from the log",
              {{"sink", config_.name}, {"bytes", static_cast<int64_t>(queued_bytes_)}});
  }
}

// How many rows the lane's next batch takes: at most batch_rows and about batch_bytes, and for
// events never past an offset that is a multiple of batch_rows (deterministic cuts on replay).
// *full: the cut ended on one of those limits (the batch is complete, no need to linger).
size_t SinkRuntime::cut(const Lane& lane, bool* full) const {
  size_t n = 0;
  uint64_t bytes = 0;
  auto limit = static_cast<int64_t>(config_.batch_rows);
  *full = true;
  for (const auto& d : lane.pending) {
    for (size_t i = d->written; i < d->rows.size(); ++i) {
      const Row& r = d->rows[i];
      ++n;
      bytes += r.json.size();
      if (n >= config_.batch_rows || bytes >= config_.batch_bytes) return n;
      if (r.offset >= 0 && (r.offset + 1) % limit == 0) return n;
    }
  }
  *full = false;
  return n;
}

void SinkRuntime::flush_ready(bool force) {
  int64_t now = clock_.monotonic_ns();
  for (auto& [key, lane] : lanes_) {
    while (lane->rows > 0) {
      bool full = false;
      size_t n = cut(*lane, &full);
      bool lingered = now - lane->pending.front()->enqueued_ns >= config_.linger_ms * 1'000'000;
      if (!full && !force && !lingered) break;
      write_lane(*lane, n);
      if (stopping_for_good()) return;  // the lane still holds the batch: writing it again would spin
    }
    complete_front(*lane, 0);
  }
}

void SinkRuntime::write_lane(Lane& lane, size_t n) {
  std::vector<Row> rows;
  rows.reserve(n);
  for (const auto& d : lane.pending) {
    for (size_t i = d->written; i < d->rows.size() && rows.size() < n; ++i) rows.push_back(d->rows[i]);
    if (rows.size() == n) break;
  }
  TableState& table = *lane.table;
  Batch batch{table.spec, lane.partition, rows};
  std::vector<RowError> rejected;
  Status st = write_with_retries(table, batch, &rejected);
  if (st.code() == StatusCode::kResourceExhausted && stopping_for_good()) return;  // abandoned at close
  bool dead = false;
  if (!st.is_ok()) {
    table.failures->inc();
    obs::error("sink", "batch refused for good; its rows go to the dead letter queue",
               {{"sink", config_.name}, {"table", table.spec->name}, {"error", st.to_string()}});
    dead_letter(table, rows, st.message());
    dead = true;
  } else {
    for (const RowError& e : rejected) {
      if (e.index < rows.size()) dead_letter(table, std::span<const Row>(&rows[e.index], 1), e.reason);
    }
    dead = !rejected.empty();
    uint64_t bytes = 0;
    for (const Row& r : rows) bytes += r.json.size();
    table.rows->inc(rows.size() - rejected.size());
    table.bytes->inc(bytes);
    table.batches->inc();
  }
  if (dead && dlq_ != nullptr) {
    if (Status s = dlq_->sync(); !s.is_ok()) {
      obs::error("sink", "dead letter queue failed to sync",
                 {{"sink", config_.name}, {"error", s.to_string()}});
    }
  }
  complete_front(lane, n);
}

// Marks the lane's next `n` rows written and runs `done` for the deliveries now whole.
void SinkRuntime::complete_front(Lane& lane, size_t n) {
  lane.rows -= n;
  uint64_t freed = 0;
  while (!lane.pending.empty()) {
    Delivery& d = *lane.pending.front();
    size_t take = std::min(n, d.rows.size() - d.written);
    d.written += take;
    n -= take;
    if (d.written < d.rows.size()) break;
    if (d.done) d.done();
    freed += d.bytes;
    lane.pending.pop_front();
  }
  if (freed == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  queued_bytes_ -= freed;
  space_.notify_all();
}

Status SinkRuntime::prepare(TableState& table) {
  Status st = backend_->prepare(*table.spec);
  if (st.is_ok()) table.prepared = true;
  return st;
}

Status SinkRuntime::write_with_retries(TableState& table, const Batch& batch,
                                       std::vector<RowError>* rejected) {
  for (int attempt = 1;; ++attempt) {
    Status st = table.prepared ? Status::ok() : prepare(table);
    bool preparing = !st.is_ok();
    if (st.is_ok()) {
      rejected->clear();
      int64_t start = clock_.monotonic_ns();
      st = backend_->write(batch, rejected);
      if (st.is_ok()) {
        table.latency->observe(static_cast<double>(clock_.monotonic_ns() - start) / 1e9);
        return st;
      }
      if (!is_retryable(st)) return st;
    }
    // Prepare is retried whatever the error: a table that cannot be created holds the sink back
    // (its rows stay in the log) rather than dead-lettering everything routed to it.
    table.failures->inc();
    table.retries->inc();
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    double jitter = 0.5 + 0.5 * static_cast<double>(rng_ % 1'000'000) / 1e6;
    int64_t delay = backoff_ms(config_.retry_initial_ms, config_.retry_max_ms, attempt, jitter);
    obs::warn("sink", preparing ? "prepare failed; retrying" : "write failed; retrying",
              {{"sink", config_.name},
               {"table", table.spec->name},
               {"attempt", attempt},
               {"backoff_ms", delay},
               {"error", st.to_string()}});
    std::unique_lock<std::mutex> lock(mu_);
    int64_t until = clock_.monotonic_ns() + delay * 1'000'000;
    while (clock_.monotonic_ns() < until) {
      if (closing_ && clock_.monotonic_ns() >= close_deadline_ns_) break;
      wake_.wait_for(
          lock, std::chrono::milliseconds(std::max<int64_t>(1, (until - clock_.monotonic_ns()) / 1'000'000)));
    }
    if (closing_ && clock_.monotonic_ns() >= close_deadline_ns_) {
      return Status::resource_exhausted("sink closed while retrying");
    }
  }
}

void SinkRuntime::dead_letter(TableState& table, std::span<const Row> rows, const std::string& reason) {
  table.dead_letters->inc(rows.size());
  if (dlq_ == nullptr) {
    obs::error("sink", "no dead letter queue: rows lost",
               {{"sink", config_.name}, {"rows", static_cast<int64_t>(rows.size())}});
    return;
  }
  std::string stage = "sink:" + config_.name;
  for (const Row& r : rows) dlq_->add(table.spec->name, stage, reason, r.json);
}

void SinkRuntime::update_gauges() {
  int64_t oldest = 0;
  int64_t now = clock_.monotonic_ns();
  for (const auto& [key, lane] : lanes_) {
    if (!lane->pending.empty()) oldest = std::max(oldest, now - lane->pending.front()->enqueued_ns);
  }
  lag_ms_.set(oldest / 1'000'000);
  std::lock_guard<std::mutex> lock(mu_);
  queue_bytes_.set(static_cast<int64_t>(queued_bytes_));
}

}  // namespace delta::sink
