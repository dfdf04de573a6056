#include "sink/clickhouse/clickhouse_sink.h"
#include "base/url.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "obs/logger.h"
#include "sink/backend_options.h"

namespace delta::sink::clickhouse {
namespace {

constexpr size_t kMaxMessage = 500;

// The first line of a ClickHouse error, bounded.
std::string message_of(std::string_view body) {
  std::string_view m = body.substr(0, body.find('\n'));
  return std::string(m.substr(0, kMaxMessage));
}

bool is_auth_error(int code) { return code == 192 || code == 193 || code == 194 || code == 516; }

uint64_t now_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Result<ClickHouseOptions> parse_options(const config::SinkConfig& sink) {
  BackendOptions o(sink);
  ClickHouseOptions out;
  out.http.base_url = o.required("url");
  out.database = o.string("database", "default");
  out.http.user = o.string("user", "default");
  out.http.password = o.string("password");
  out.table_prefix = o.string("table_prefix");
  out.http.ca_file = o.string("tls.ca_file");
  out.http.insecure = o.boolean("tls.insecure", false);
  out.http.timeout_ms = o.integer("timeout_ms", 60'000, 100, 3'600'000);
  out.http.connect_timeout_ms = o.integer("connect_timeout_ms", 5'000, 100, 600'000);
  DELTA_RETURN_IF_ERROR(o.finish());
  std::string& url = out.http.base_url;
  while (url.ends_with('/')) url.pop_back();
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Status::invalid_argument(sink.option("url")->where +
                                    ": expected http://host:port or https://host:port");
  }
  if (out.database.empty()) return Status::invalid_argument(sink.where + ": database must not be empty");
  return out;
}

bool is_data_error(int code) {
  switch (code) {
    case 6:    // CANNOT_PARSE_TEXT
    case 25:   // CANNOT_PARSE_ESCAPE_SEQUENCE
    case 26:   // CANNOT_PARSE_QUOTED_STRING
    case 27:   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 32:   // ATTEMPT_TO_READ_AFTER_EOF
    case 33:   // CANNOT_READ_ALL_DATA
    case 38:   // CANNOT_PARSE_DATE
    case 41:   // CANNOT_PARSE_DATETIME
    case 53:   // TYPE_MISMATCH
    case 69:   // ARGUMENT_OUT_OF_BOUND
    case 70:   // CANNOT_CONVERT_TYPE
    case 72:   // CANNOT_PARSE_NUMBER
    case 117:  // INCORRECT_DATA
    case 131:  // TOO_LARGE_STRING_SIZE
    case 349:  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
      return true;
    default: return false;
  }
}

int error_code_of(std::string_view body) {
  size_t at = body.find("Code: ");
  if (at == std::string_view::npos) return -1;
  int code = -1;
  const char* p = body.data() + at + 6;
  if (std::from_chars(p, body.data() + body.size(), code).ec != std::errc()) return -1;
  return code;
}

ClickHouseSink::ClickHouseSink(ClickHouseOptions options)
    : options_(std::move(options)), http_(options_.http) {}

ClickHouseSink::~ClickHouseSink() = default;

Status ClickHouseSink::classify(const HttpAnswer& a, std::string_view what) const {
  std::string where = std::string(what) + " at " + options_.http.base_url + ": ";
  if (a.status == 0) return Status::unavailable(where + a.transport_error);
  int code = error_code_of(a.body);
  if (is_auth_error(code)) return Status::unavailable(where + "authentication failed: " + message_of(a.body));
  if (a.status >= 500 || a.status == 408 || a.status == 429 || code == 60 || code == 81)
    return Status::unavailable(where + "HTTP " + std::to_string(a.status) + ": " + message_of(a.body));
  return Status::invalid_argument(where + "HTTP " + std::to_string(a.status) + ": " + message_of(a.body));
}

Status ClickHouseSink::run(std::string_view sql) {
  HttpAnswer a = http_.post("/", sql);
  if (a.status == 200) return Status::ok();
  return classify(a, "clickhouse");
}

Status ClickHouseSink::connect() {
  if (!version_.empty()) return Status::ok();
  HttpAnswer a = http_.post("/", "SELECT version()");
  if (a.status != 200) return classify(a, "clickhouse SELECT version()");
  while (!a.body.empty() && (a.body.back() == '\n' || a.body.back() == '\r')) a.body.pop_back();
  features_ = features_of(a.body);
  version_ = a.body;
  obs::info("sink.clickhouse", "connected",
            {{"server.address", options_.http.base_url},
             {"clickhouse.version", version_},
             {"clickhouse.datetime64", features_.datetime64},
             {"clickhouse.insert_deduplication_token", features_.insert_dedup_token}});
  return Status::ok();
}

Status ClickHouseSink::prepare(const TableSpec& table) {
  DELTA_RETURN_IF_ERROR(connect());
  DELTA_RETURN_IF_ERROR(run("CREATE DATABASE IF NOT EXISTS " + quote_identifier(options_.database)));
  std::string name = table_name(table);
  Status created = run(create_table_sql(table, options_.database, name, features_));
  if (!created.is_ok()) return created;
  Prepared p;
  p.insert_path = "/?query=" + percent_encode("INSERT INTO " + quote_identifier(options_.database) + "." +
                                              quote_identifier(name) + " FORMAT JSONEachRow");
  p.encoder = std::make_unique<RowEncoder>(table, features_);
  tables_[&table] = std::move(p);
  return Status::ok();
}

Status ClickHouseSink::write(const Batch& batch, std::vector<RowError>* rejected) {
  auto it = tables_.find(batch.table);
  if (it == tables_.end()) {
    DELTA_RETURN_IF_ERROR(prepare(*batch.table));
    it = tables_.find(batch.table);
  }
  body_.clear();
  line_start_.clear();
  line_row_.clear();
  uint64_t version = std::max(last_version_ + 1, now_us());
  last_version_ = version + batch.rows.size();
  std::string reason;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    size_t start = body_.size();
    if (!it->second.encoder->encode(batch.rows[i], batch.partition, version + i, &body_, &reason)) {
      rejected->push_back(RowError{i, reason});
      continue;
    }
    line_start_.push_back(start);
    line_row_.push_back(i);
  }
  line_start_.push_back(body_.size());
  if (line_row_.empty()) return Status::ok();
  token_.clear();
  if (features_.insert_dedup_token && batch.table->kind == TableSpec::Kind::kEvents) {
    token_ = "&insert_deduplication_token=" + percent_encode(batch.table->name) + "-" +
             std::to_string(batch.partition) + "-" + std::to_string(batch.rows.front().offset) + "-" +
             std::to_string(batch.rows.back().offset);
  }
  table_missing_ = false;
  Status s = insert_range(it->second, 0, line_row_.size(), rejected);
  if (table_missing_) tables_.erase(it);  // dropped under us: create it again on the retry
  return s;
}

Status ClickHouseSink::insert_range(const Prepared& p, size_t first, size_t last,
                                    std::vector<RowError>* rejected) {
  std::string_view body(body_.data() + line_start_[first], line_start_[last] - line_start_[first]);
  std::string path = p.insert_path;
  if (!token_.empty()) {
    path += token_;
    if (first != 0 || last != line_row_.size())
      path += "-" + std::to_string(first) + "-" + std::to_string(last);
  }
  HttpAnswer a = http_.post(path, body);
  if (a.status == 200) return Status::ok();
  int code = error_code_of(a.body);
  table_missing_ = code == 60 || code == 81;  // UNKNOWN_TABLE, UNKNOWN_DATABASE
  if (a.status == 0 || !is_data_error(code)) return classify(a, "clickhouse insert");
  if (last - first == 1) {
    rejected->push_back(RowError{line_row_[first], "clickhouse: " + message_of(a.body)});
    return Status::ok();
  }
  size_t mid = first + (last - first) / 2;
  DELTA_RETURN_IF_ERROR(insert_range(p, first, mid, rejected));
  return insert_range(p, mid, last, rejected);
}

void ClickHouseSink::close() { tables_.clear(); }

Result<std::string> ClickHouseSink::query(std::string_view sql) {
  std::lock_guard lock(query_mu_);
  if (query_http_ == nullptr) query_http_ = std::make_unique<HttpClient>(options_.http);
  std::string path = "/?readonly=1&default_format=JSONEachRow&database=" + percent_encode(options_.database);
  HttpAnswer a = query_http_->post(path, sql);
  if (a.status == 200) return std::move(a.body);
  int code = error_code_of(a.body);
  if (a.status == 0 || is_auth_error(code) || code < 0) return classify(a, "clickhouse query");
  return Status::invalid_argument("clickhouse: " + message_of(a.body));  // the statement's fault
}

}  // namespace delta::sink::clickhouse
