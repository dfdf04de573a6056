// SqliteStore: the `sqlite` sink, the embedded analytical store. One table per stream (raw events)
// and per view (results), created from the TableSpec, in one SQLite file in WAL mode.
//
//  - events: one column per schema field (TEXT/INTEGER/REAL by type; timestamps as the RFC 3339
//    text the event carries; json as its text) + _partition, _offset with UNIQUE(_partition,
//    _offset), inserted with ON CONFLICT DO NOTHING: a replayed batch adds nothing.
//  - results: the spec's columns + _key (the group key as text) and _window_start_ms, PRIMARY
//    KEY(key columns), upserted (ON CONFLICT DO UPDATE); a retraction deletes the row.
//  - a table that exists gets the columns it lacks (ALTER TABLE ADD COLUMN) at prepare().
// A batch is one transaction (BEGIN IMMEDIATE ... COMMIT). A row SQLite refuses on its own
// (SQLITE_TOOBIG past max_value_bytes, SQLITE_CONSTRAINT, SQLITE_MISMATCH, JSON it cannot read) is a
// RowError; a busy or locked database is kUnavailable, a disk error kIoError (both retried).
//
// Options: path (required), busy_timeout_ms (default 5000), max_value_bytes (default 0: SQLite's
// own limit, 1e9 bytes).
// Threads: the Sink methods run on the runtime's thread; results() and SqliteQueryEngine open their
// own read-only connection per call and are safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "sink/query_engine.h"
#include "sink/sink.h"

struct sqlite3;
struct sqlite3_stmt;

namespace delta::sink {

class SqliteStore final : public Sink, public ResultsReader {
 public:
  static Status check_options(const config::SinkConfig& config);
  static Result<std::unique_ptr<SqliteStore>> create(const config::SinkConfig& config);
  ~SqliteStore() override;

  Status prepare(const TableSpec& table) override;
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override;

  Result<std::string> results(std::string_view view, std::string_view key, int64_t from_ms, int64_t to_ms,
                              size_t limit) override;

  const std::string& path() const { return path_; }

 private:
  struct Table;

  Status open();
  Status exec(const std::string& sql);
  Status add_missing_columns(const Table& t);
  Status write_rows(Table& t, const Batch& batch, std::vector<RowError>* rejected);
  Status bind_row(Table& t, sqlite3_stmt* s, const Row& row, std::string* error);

  std::string path_;
  int busy_timeout_ms_ = 5000;
  int64_t max_value_bytes_ = 0;
  sqlite3* db_ = nullptr;
  std::vector<std::unique_ptr<Table>> tables_;
  std::string padded_;  // a row's JSON with simdjson padding, reused
};

// Read-only SQL on the SQLite file at `path`.
class SqliteQueryEngine final : public QueryEngine {
 public:
  explicit SqliteQueryEngine(std::string path, int64_t timeout_ms = 10'000)
      : path_(std::move(path)), timeout_ms_(timeout_ms) {}
  Result<std::string> query(std::string_view sql, size_t max_rows) override;

 private:
  std::string path_;
  int64_t timeout_ms_;
};

}  // namespace delta::sink
