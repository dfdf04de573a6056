#include "edge/stream_tail.h"

#include "edge/ws_protocol.h"

namespace delta::edge {

Result<std::unique_ptr<StreamTail>> StreamTail::open(log::Log& log, const model::StreamSchema& schema,
                                                     const std::vector<int64_t>& from,
                                                     std::optional<process::CompiledExpr> filter) {
  std::vector<int64_t> next(from.size());
  for (size_t p = 0; p < from.size(); ++p) {
    Result<log::PartitionInfo> info = log.partition_info(schema.name, static_cast<int32_t>(p));
    if (!info.is_ok()) return info.status();
    if (from[p] == kFromLatest) {
      next[p] = info->end_offset;
    } else if (from[p] == kFromBeginning) {
      next[p] = info->start_offset;
    } else {
      next[p] = std::max(from[p], info->start_offset);
    }
  }
  return std::unique_ptr<StreamTail>(new StreamTail(log, schema, std::move(next), std::move(filter)));
}

StreamTail::StreamTail(log::Log& log, const model::StreamSchema& schema, std::vector<int64_t> next,
                       std::optional<process::CompiledExpr> filter)
    : log_(log), schema_(schema), next_(std::move(next)), filter_(std::move(filter)) {
  if (filter_) view_ = std::make_unique<process::JsonEventView>(filter_->fields());
}

bool StreamTail::selected(std::string_view event) {
  if (!filter_) return true;
  if (!view_->reset(event).is_ok()) return false;
  return filter_->matches(*view_);
}

Result<size_t> StreamTail::read(std::string* out, size_t max_bytes, bool* more) {
  *more = false;
  size_t rows = 0, read_bytes = 0;
  auto partitions = static_cast<int32_t>(next_.size());
  for (int32_t i = 0; i < partitions; ++i) {
    int32_t p = (start_partition_ + i) % partitions;
    int64_t& next = next_[static_cast<size_t>(p)];
    while (true) {
      if (read_bytes >= max_bytes) {
        *more = true;
        break;
      }
      log::ReadResult* r = &read_;  // reused: no fresh buffer per read
      DELTA_RETURN_IF_ERROR(log_.read_into(schema_.name, p, next, max_bytes - read_bytes, r));
      if (r->batches.empty()) break;
      int64_t before = next;
      for (std::string_view batch : r->batches) {
        read_bytes += batch.size();
        model::RecordIterator it(batch);
        model::Record rec;
        while (it.next(&rec)) {
          if (rec.offset < next) continue;
          next = rec.offset + 1;
          if (!selected(rec.value)) continue;
          append_event_row(*out, p, rec.offset, rec.time_ms, rec.value);
          ++rows;
        }
        if (!it.status().is_ok()) return it.status();
      }
      if (next >= r->end_offset || next == before) break;
    }
  }
  start_partition_ = (start_partition_ + 1) % partitions;
  return rows;
}

Result<int64_t> StreamTail::lag() {
  int64_t lag = 0;
  for (size_t p = 0; p < next_.size(); ++p) {
    Result<log::PartitionInfo> info = log_.partition_info(schema_.name, static_cast<int32_t>(p));
    if (!info.is_ok()) return info.status();
    lag += std::max<int64_t>(0, info->end_offset - next_[p]);
  }
  return lag;
}

}  // namespace delta::edge
