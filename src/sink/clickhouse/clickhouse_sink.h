// ClickHouseSink: the production analytical store (DESIGN.md "Roles"), over ClickHouse's HTTP
// interface with libcurl. prepare() reads the server's version (SELECT version()) and creates the
// database and the table when missing (table_layout.h); write() sends the batch as one
// INSERT ... FORMAT JSONEachRow.
//
// Errors: a transport failure, a timeout, an authentication failure or any other server error is
// retryable (kUnavailable): the runtime holds the batch. A ClickHouse error about the data (cannot
// parse, type mismatch: the codes in is_data_error) makes the sink split the batch in halves until
// it has the rows the server refuses; only those come back as RowErrors, with ClickHouse's message.
// Rows are idempotent on replay: events collapse by (_partition, _offset), results by their key
// (ReplacingMergeTree); on 22.2+ an insert_deduplication_token per batch of events drops a retried
// insert at once.
//
// Threads: one thread at a time (the runtime's), as sink.h says. query() (read-only SQL for
// `POST /v1/query`) takes its own connection and may run on another thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "sink/clickhouse/http_client.h"
#include "sink/clickhouse/row_encoder.h"
#include "sink/clickhouse/table_layout.h"
#include "sink/sink.h"

namespace delta::sink::clickhouse {

struct ClickHouseOptions {
  HttpOptions http;  // url, user, password, tls
  std::string database = "default";
  std::string table_prefix;  // table = prefix + stream or view name
};

// Reads sinks.<name> of kind clickhouse (options table in src/sink/README.md).
Result<ClickHouseOptions> parse_options(const config::SinkConfig& sink);

// True for ClickHouse error codes that mean "this data cannot be inserted" (parse and type errors).
bool is_data_error(int code);
// The code in an error body "Code: 27, e.displayText() = ..." (18.16) or "Code: 27. DB::..." (new),
// or -1.
int error_code_of(std::string_view body);

class ClickHouseSink : public Sink {
 public:
  explicit ClickHouseSink(ClickHouseOptions options);
  ~ClickHouseSink() override;

  Status prepare(const TableSpec& table) override;
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override;

  // Runs read-only SQL (readonly=1) and returns its JSONEachRow output. kInvalidArgument when the
  // server refuses the statement (a write, a syntax error), kUnavailable when it is unreachable.
  Result<std::string> query(std::string_view sql);

  // After prepare(): the server's version text ("18.16.1") and what it supports.
  const std::string& server_version() const { return version_; }
  const ServerFeatures& features() const { return features_; }
  std::string table_name(const TableSpec& table) const { return options_.table_prefix + table.name; }

 private:
  struct Prepared {
    std::string insert_path;  // "/?database=..&query=INSERT..."
    std::unique_ptr<RowEncoder> encoder;
  };
  Status connect();
  Status run(std::string_view sql);
  Status insert(const Prepared& p, const Batch& batch, std::string_view body);
  Status insert_range(const Prepared& p, size_t first, size_t last, std::vector<RowError>* rejected);
  Status classify(const HttpAnswer& a, std::string_view what) const;

  ClickHouseOptions options_;
  HttpClient http_;
  std::string version_;
  ServerFeatures features_;
  std::map<const TableSpec*, Prepared> tables_;
  uint64_t last_version_ = 0;
  // The batch being written, as lines, for splitting on a data error.
  std::string body_;
  std::vector<size_t> line_start_;  // body_ offset of line i; one extra entry: body_.size()
  std::vector<size_t> line_row_;    // batch row index of line i
  std::string token_;
  bool table_missing_ = false;
  std::mutex query_mu_;
  std::unique_ptr<HttpClient> query_http_;  // guarded by query_mu_
};

}  // namespace delta::sink::clickhouse
