#include "sink/stream_shipper.h"

#include <chrono>

#include "obs/logger.h"

namespace delta::sink {
namespace {

constexpr size_t kReadBytes = 1 << 20;
constexpr int64_t kCommitIntervalNs = 200'000'000;
constexpr auto kIdleWait = std::chrono::milliseconds(20);

ColumnType column_type(model::FieldType t) {
  switch (t) {
    case model::FieldType::kString: return ColumnType::kString;
    case model::FieldType::kInt64: return ColumnType::kInt64;
    case model::FieldType::kFloat64: return ColumnType::kFloat64;
    case model::FieldType::kBool: return ColumnType::kBool;
    case model::FieldType::kTimestamp: return ColumnType::kTimestamp;
    case model::FieldType::kJson: return ColumnType::kJson;
  }
  return ColumnType::kString;
}

}  // namespace

TableSpec events_table(const model::StreamSchema& schema) {
  TableSpec t;
  t.kind = TableSpec::Kind::kEvents;
  t.name = schema.name;
  for (const model::Field& f : schema.fields) t.columns.push_back({f.name, column_type(f.type), !f.required});
  t.time_column = schema.time_field;
  t.partitions = schema.partitions;
  return t;
}

StreamShipper::StreamShipper(const TableSpec& table, log::Log& log, std::vector<RowTarget*> sinks,
                             obs::Registry& registry)
    : table_(table),
      log_(log),
      sinks_(std::move(sinks)),
      consumer_("sink." + table.name),
      partitions_(static_cast<size_t>(table.partitions)),
      commits_failed_(registry.counter("delta_sink_commit_failures_total",
                                       "Failed commits of a stream's delivered offsets",
                                       {{"stream", table.name}})) {
  for (size_t p = 0; p < partitions_.size(); ++p) {
    partitions_[p].lag = &registry.gauge("delta_sink_stream_lag_events",
                                         "Events of a partition not yet stored by every sink of the stream",
                                         {{"stream", table.name}, {"partition", std::to_string(p)}});
  }
}

StreamShipper::~StreamShipper() {
  request_stop();
  join();
}

Status StreamShipper::start() {
  for (int32_t p = 0; p < table_.partitions; ++p) {
    Result<int64_t> c = log_.committed(consumer_, table_.name, p);
    int64_t from = 0;
    if (c.is_ok()) {
      from = *c;
    } else if (c.status().code() != StatusCode::kNotFound) {
      return c.status();
    }
    Result<log::PartitionInfo> info = log_.partition_info(table_.name, p);
    if (!info.is_ok()) return info.status();
    from = std::max(from, info->start_offset);
    partitions_[p].next_read = partitions_[p].committed = partitions_[p].completed = from;
  }
  for (RowTarget* s : sinks_) s->add_table(&table_);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void StreamShipper::request_stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  cv_.notify_all();
}

void StreamShipper::join() {
  if (thread_.joinable()) thread_.join();
  for (int32_t p = 0; p < table_.partitions; ++p) commit(p, true);
}

void StreamShipper::run() {
  while (true) {
    bool progress = false;
    for (int32_t p = 0; p < table_.partitions; ++p) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
      }
      commit(p, false);
      progress = ship(p) || progress;
    }
    if (progress) continue;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kIdleWait, [&] { return stop_; });
  }
}

// Reads the next chunk of partition `p` and delivers it to every sink. False when caught up.
bool StreamShipper::ship(int32_t p) {
  Partition& part = partitions_[static_cast<size_t>(p)];
  Result<log::PartitionInfo> info = log_.partition_info(table_.name, p);
  if (!info.is_ok()) return false;
  part.lag->set(info->end_offset - part.committed);
  if (part.next_read >= info->end_offset) return false;
  log::ReadResult* read = &read_;  // reused: no fresh buffer per read
  if (Status st = log_.read_into(table_.name, p, part.next_read, kReadBytes, read); !st.is_ok()) {
    obs::error("sink", "stream read failed",
               {{"stream", table_.name}, {"partition", p}, {"error", st.to_string()}});
    return false;
  }
  rows_.clear();
  for (std::string_view batch : read->batches) {
    model::RecordIterator it(batch);
    model::Record rec;
    while (it.next(&rec)) {
      if (rec.offset < part.next_read) continue;
      Row row;
      row.json = rec.value;
      row.time_ms = rec.time_ms;
      row.offset = rec.offset;
      rows_.push_back(row);
    }
    if (!it.status().is_ok()) {
      obs::error("sink", "stream batch is corrupt",
                 {{"stream", table_.name}, {"partition", p}, {"error", it.status().to_string()}});
      return false;
    }
  }
  if (rows_.empty()) return false;
  auto chunk = std::make_shared<Chunk>();
  chunk->end = rows_.back().offset + 1;
  chunk->remaining = static_cast<int>(sinks_.size());
  part.chunks.push_back(chunk);
  for (RowTarget* s : sinks_) s->deliver(table_, p, rows_, [chunk] { chunk->remaining.fetch_sub(1); });
  part.next_read = chunk->end;
  return true;
}

// Commits the end of the longest prefix of chunks every sink has completed.
void StreamShipper::commit(int32_t p, bool force) {
  Partition& part = partitions_[static_cast<size_t>(p)];
  while (!part.chunks.empty() && part.chunks.front()->remaining.load() == 0) {
    part.completed = part.chunks.front()->end;
    part.chunks.pop_front();
  }
  int64_t to = part.completed;
  if (to <= part.committed) return;
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  if (!force && now - part.last_commit_ns < kCommitIntervalNs) return;
  if (Status st = log_.commit(consumer_, table_.name, p, to); !st.is_ok()) {
    commits_failed_.inc();
    obs::error("sink", "offset commit failed",
               {{"stream", table_.name}, {"partition", p}, {"error", st.to_string()}});
    return;
  }
  part.committed = to;
  part.last_commit_ns = now;
}

}  // namespace delta::sink
