// How a TableSpec becomes a ClickHouse table (src/sink/README.md, "ClickHouse"): column types, the
// engine and its sorting key, and the CREATE TABLE statement. Pure functions of the spec and the
// server's features; any thread.
//
// Events:  _partition Int32, _offset Int64, _time DateTime, _time_ms Int64, <schema fields>;
//          ReplacingMergeTree ORDER BY (_time, _partition, _offset): ordered by event time, and a
//          replayed event (same partition and offset, so the same time) collapses into one row.
// Results: <window_start, window_end, group-by columns, aggregates>, _version UInt64,
//          _retraction UInt8; ReplacingMergeTree(_version) ORDER BY (window_start_ms,
//          window_end_ms, <group-by>): the latest update of a window and key wins.
// Every timestamp column `c` is DateTime('UTC') (DateTime64(3, 'UTC') when the server has it) plus
// `c_ms` Int64 with the exact milliseconds, so queries read the same on every version.
#pragma once

#include <string>
#include <string_view>

#include "sink/sink.h"

namespace delta::sink::clickhouse {

// What the server can do, from SELECT version().
struct ServerFeatures {
  int major = 0;
  int minor = 0;
  bool datetime64 = false;          // 20.1+: DateTime64(3)
  bool insert_dedup_token = false;  // 22.2+: insert_deduplication_token on non-replicated tables
};

// "18.16.1" -> features; unparsable text gives none.
ServerFeatures features_of(std::string_view version);

// `name` quoted as a ClickHouse identifier: `name` with backticks and backslashes escaped.
std::string quote_identifier(std::string_view name);

// CREATE TABLE IF NOT EXISTS <database>.<table> ... for `spec`.
std::string create_table_sql(const TableSpec& spec, std::string_view database, std::string_view table,
                             const ServerFeatures& features);

}  // namespace delta::sink::clickhouse
