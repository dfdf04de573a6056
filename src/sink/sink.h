// Sink: where a stream's raw (masked) events and a view's results are delivered (DESIGN.md
// "Roles" and "Delivery semantics"; issue 5). One interface, an embedded default and a production
// backend per role: local archive | S3, sqlite | ClickHouse, memory | Redis, plus kafka and live.
//
// The sink runtime (runtime.h) owns the batching, retries and dead letters; a backend only writes.
// A backend is shared by every table routed to it (a stream's events and several views' results can
// go to one `analytics` store), so prepare() is called once per table before any write() to it.
//
// Rows are JSON objects, one per event or result, with the table's column names:
//  - events: the event as the log stores it (masked, minified); time_ms is its event time, offset its
//    log offset, partition its log partition.
//  - view results: {"window_start":"<RFC 3339 ms>","window_end":"...", <group-by columns>,
//    <aggregates>}; key is the group key as text (the group-by values joined by ','); a retraction
//    (a session that merged into another) has is_retraction set and only the key columns.
// Idempotence: a batch of events may be written again after a crash or a retry (at-least-once); a
// backend makes that harmless with deterministic names (archive: offsets), keyed upserts (results:
// window_start, window_end and the group-by columns) or insert deduplication.
//
// Threads: a backend is used by one runtime thread at a time (its own); it need not be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace delta::sink {

enum class ColumnType : uint8_t { kString, kInt64, kFloat64, kBool, kTimestamp, kJson };

struct Column {
  std::string name;
  ColumnType type = ColumnType::kString;
  bool nullable = true;
};

// What a sink writes into: one table per stream (raw events) and one per view (results).
struct TableSpec {
  enum class Kind : uint8_t { kEvents, kViewResults };
  Kind kind = Kind::kEvents;
  std::string name;                      // the stream's or view's name
  std::vector<Column> columns;           // events: the schema's fields; results: see above
  std::vector<std::string> key_columns;  // results: window_start, window_end, group-by; events: none
  std::string time_column;               // events: the time field ("" = ingest time); results: window_start
  int32_t partitions = 1;                // events: the stream's partitions
};

struct Row {
  std::string_view json;       // one JSON object
  int64_t time_ms = 0;         // events: event time; results: window start
  int64_t end_ms = 0;          // results: window end
  int64_t offset = -1;         // events: log offset
  std::string_view key;        // results: the group key as text
  bool is_retraction = false;  // results only
};

struct Batch {
  const TableSpec* table = nullptr;
  int32_t partition = -1;  // events: the log partition, the rows in offset order; results: -1
  std::span<const Row> rows;
};

// A row the backend refused for good (a constraint, a type it cannot take): it goes to the dead
// letter queue with `reason`; the rest of the batch is durable.
struct RowError {
  size_t index = 0;
  std::string reason;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Connects, creates what is missing for `table`. Retryable errors: kUnavailable, kIoError.
  virtual Status prepare(const TableSpec& table) = 0;
  // Writes the batch durably. ok: every row is stored except those in *rejected. Not ok: nothing can
  // be assumed stored; the runtime retries the whole batch with backoff (retryable: kUnavailable,
  // kIoError, kDeadlineExceeded) or sends it to the DLQ (anything else).
  virtual Status write(const Batch& batch, std::vector<RowError>* rejected) = 0;
  virtual void close() = 0;
};

// What producers (view workers, stream shippers) hand rows to. SinkRuntime (runtime.h) implements
// it; tests of producers may use a double. Thread-safe.
class RowTarget {
 public:
  virtual ~RowTarget() = default;
  // Prepares `table` before the first delivery to it; the spec outlives the target.
  virtual void add_table(const TableSpec* table) = 0;
  // Queues rows (copied) of one table; `done` runs on the target's thread once every row is durable
  // in the backend or dead-lettered. Blocks while the queue is full (backpressure: the log keeps
  // the events). Rows of one (table, partition) are written in order.
  virtual void deliver(const TableSpec& table, int32_t partition, std::span<const Row> rows,
                       std::function<void()> done) = 0;
};

// View results that the results API can serve (`GET /v1/views/{view}/results`): the memory cache
// or the analytical store. Thread-safe: called from I/O threads while the sink writes.
class ResultsReader {
 public:
  virtual ~ResultsReader() = default;
  // A JSON array of result rows of `view`, ordered by window_start then key: windows starting in
  // [from_ms, to_ms), only group key `key` when non-empty, at most `limit` rows.
  virtual Result<std::string> results(std::string_view view, std::string_view key, int64_t from_ms,
                                      int64_t to_ms, size_t limit) = 0;
};

// The dead letter queue: the `_dlq` stream of the log (one record per dead letter, carrying the
// original event, the stream, the stage, the reason and the time). Thread-safe.
class DeadLetters {
 public:
  virtual ~DeadLetters() = default;
  // Queues one dead letter; the text is copied. `stage`: "ingest", "view:<name>", "sink:<name>".
  virtual void add(std::string_view stream, std::string_view stage, std::string_view reason,
                   std::string_view event_json) = 0;
  // Blocks until every dead letter added before the call is durable in the log.
  virtual Status sync() = 0;
};

}  // namespace delta::sink
