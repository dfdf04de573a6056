// ClickHouseQueryEngine: the QueryEngine (sink/query_engine.h) of a ClickHouse analytical store,
// for `POST /v1/query` and `delta query`. Each statement is sent over the HTTP interface with
// `readonly=1` (the server refuses anything that writes or changes settings), `max_execution_time`
// and `max_result_rows` (`result_overflow_mode=break`), in the JSONCompact format, and answered as
// {"columns":[...],"rows":[[...]],"truncated":bool}. 64-bit integers come back as JSON numbers.
//
// Errors: the server refusing the statement (syntax, unknown table, a write: code 164 READONLY) is
// kInvalidArgument; a time-out (code 159) kDeadlineExceeded; the server unreachable, an
// authentication failure or a 5xx that is not about the statement kUnavailable.
// Threads: query() is thread-safe (one kept-alive connection behind a mutex; queries are rare).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sink/clickhouse/clickhouse_sink.h"
#include "sink/clickhouse/http_client.h"
#include "sink/query_engine.h"

namespace delta::sink::clickhouse {

class ClickHouseQueryEngine final : public QueryEngine {
 public:
  // `max_execution_s`: the server stops a query after this many seconds.
  explicit ClickHouseQueryEngine(ClickHouseOptions options, int max_execution_s = 10);

  Result<std::string> query(std::string_view sql, size_t max_rows) override;

 private:
  Status error_of(const HttpAnswer& a) const;

  ClickHouseOptions options_;
  int max_execution_s_;
  std::mutex mu_;
  std::unique_ptr<HttpClient> http_;  // guarded by mu_; made on first use
};

// Turns ClickHouse's JSONCompact output into {"columns":[...],"rows":[[...]],"truncated":b} with at
// most `max_rows` rows. kInvalidArgument when `body` is not JSONCompact (the SQL named a FORMAT).
Result<std::string> compact_to_rows(std::string_view body, size_t max_rows);

}  // namespace delta::sink::clickhouse
