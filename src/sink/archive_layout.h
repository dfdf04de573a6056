// The archive's object names, shared by the `local` archive (local_archive.h) and the S3 backend, so
// both write the same Hive-partitioned layout that Spark, ClickHouse and DuckDB read:
//
//   stream=<stream>/date=YYYY-MM-DD/hour=HH/part-<partition>-<first offset>-<last offset>.ndjson.zst
//
// date and hour are those of the batch's first row's event time, in UTC. A view's results use
// view=<view>/date=.../hour=.../results-<first window start ms>-<last window start ms>-<rows>.ndjson.zst
// (results are upserts: re-archiving a window writes a second object; readers keep the latest).
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sink/sink.h"

namespace delta::sink {

// "YYYY-MM-DD" and the hour (0-23) of `time_ms` (UTC epoch milliseconds).
std::string utc_date(int64_t time_ms);
int utc_hour(int64_t time_ms);

// The key of a batch's object, relative to the archive root. REQUIRES: !batch.rows.empty().
std::string archive_object_key(const Batch& batch);
// The key of an events object from its parts.
std::string archive_events_key(std::string_view stream, int64_t first_time_ms, int32_t partition,
                               int64_t first, int64_t last);

// What an events object's file name says: "part-3-100-199.ndjson.zst" -> {3, 100, 199}.
struct ArchivePart {
  int32_t partition = 0;
  int64_t first = 0;
  int64_t last = 0;
};
std::optional<ArchivePart> parse_archive_part(std::string_view file_name);

// The rows as NDJSON (one row's JSON per line), compressed with zstd at `level`.
Result<std::string> archive_body(const Batch& batch, int level);

}  // namespace delta::sink
