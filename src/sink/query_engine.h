// QueryEngine: read-only SQL against the analytical store, for `POST /v1/query` and `delta query`.
// Implementations: SqliteQueryEngine (sqlite_store.h: the file opened with SQLITE_OPEN_READONLY and
// every statement checked with sqlite3_stmt_readonly) and ClickHouse (readonly=1).
// Threads: query() is thread-safe (called from I/O threads).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace delta::sink {

class QueryEngine {
 public:
  virtual ~QueryEngine() = default;
  // Runs one statement and answers {"columns":[...],"rows":[[...],...],"truncated":bool} with at
  // most `max_rows` rows. kInvalidArgument: the SQL is wrong or would write (HTTP 400);
  // kUnavailable: the store cannot be reached; kDeadlineExceeded: it ran past the time limit.
  virtual Result<std::string> query(std::string_view sql, size_t max_rows) = 0;
};

}  // namespace delta::sink
