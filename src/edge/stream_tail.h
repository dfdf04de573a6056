// StreamTail: one stream subscriber's reader of the log. It keeps the next offset to send per
// partition and turns what the log holds from there into rows (ws_protocol.h append_event_row),
// keeping only the events its filter (a condition of the processing language) selects.
//
// A subscriber that reconnects with the positions it last saw misses nothing still in the log;
// positions below a partition's start offset (deleted by retention) skip to the oldest kept event.
//
// Thread: owned by one session, used on its strand. Reads go to the log synchronously (the page
// cache, in practice); nothing is allocated per event once the buffers have grown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "log/log.h"
#include "model/schema.h"
#include "process/expr.h"
#include "process/expr_json_event.h"

namespace delta::edge {

class StreamTail {
 public:
  // `from` per partition: an offset, kFromLatest or kFromBeginning (ws_protocol.h).
  // `filter`: a compiled condition (its own FieldSet), or nullopt for every event.
  static Result<std::unique_ptr<StreamTail>> open(log::Log& log, const model::StreamSchema& schema,
                                                  const std::vector<int64_t>& from,
                                                  std::optional<process::CompiledExpr> filter);

  // Appends rows to *out, about `max_bytes` of stored events at most, and advances. *more is set
  // when the log holds more than was read. Returns the number of rows appended.
  Result<size_t> read(std::string* out, size_t max_bytes, bool* more);
  // Events between the positions and the end of the log (filtered or not).
  Result<int64_t> lag();

 private:
  StreamTail(log::Log& log, const model::StreamSchema& schema, std::vector<int64_t> next,
             std::optional<process::CompiledExpr> filter);
  bool selected(std::string_view event);

  log::Log& log_;
  const model::StreamSchema& schema_;
  std::vector<int64_t> next_;  // by partition
  std::optional<process::CompiledExpr> filter_;
  std::unique_ptr<process::JsonEventView> view_;  // with a filter
  log::ReadResult read_;                          // reused from read to read
  int32_t start_partition_ = 0;                   // round-robin start, for fairness between partitions
};

}  // namespace delta::edge
