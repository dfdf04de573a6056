#include "sink/clickhouse/clickhouse_query.h"
#include "base/json_escape.h"
#include "base/url.h"

#include <simdjson.h>

#include "obs/logger.h"

namespace delta::sink::clickhouse {
namespace {

constexpr int kReadonlyCode = 164;  // READONLY: the statement would write or change settings
constexpr int kTimeoutCode = 159;   // TIMEOUT_EXCEEDED: max_execution_time

std::string first_line(std::string_view body) {
  std::string_view m = body.substr(0, body.find('\n'));
  return std::string(m.substr(0, 500));
}

}  // namespace

ClickHouseQueryEngine::ClickHouseQueryEngine(ClickHouseOptions options, int max_execution_s)
    : options_(std::move(options)), max_execution_s_(max_execution_s) {}

Result<std::string> ClickHouseQueryEngine::query(std::string_view sql, size_t max_rows) {
  // readonly=1 comes last: settings after it in the URL would be refused by newer servers.
  std::string path = "/?database=" + percent_encode(options_.database) +
                     "&max_result_rows=" + std::to_string(max_rows + 1) +
                     "&result_overflow_mode=break&max_execution_time=" + std::to_string(max_execution_s_) +
                     "&output_format_json_quote_64bit_integers=0&default_format=JSONCompact&readonly=1";
  HttpAnswer a;
  {
    std::lock_guard lock(mu_);
    if (http_ == nullptr) http_ = std::make_unique<HttpClient>(options_.http);
    a = http_->post(path, sql);
    if (a.status == 0) http_->reset();
  }
  if (a.status != 200) return error_of(a);
  return compact_to_rows(a.body, max_rows);
}

Status ClickHouseQueryEngine::error_of(const HttpAnswer& a) const {
  std::string where = "clickhouse at " + options_.http.base_url + ": ";
  if (a.status == 0) {
    if (a.timed_out) return Status::deadline_exceeded(where + a.transport_error);
    return Status::unavailable(where + a.transport_error);
  }
  int code = error_code_of(a.body);
  if (code == kReadonlyCode) {
    return Status::invalid_argument("only read-only statements are allowed: " + first_line(a.body));
  }
  if (code == kTimeoutCode) return Status::deadline_exceeded("clickhouse: " + first_line(a.body));
  // Without a code, or an authentication failure: the store's fault, not the statement's.
  if (code < 0 || code == 192 || code == 193 || code == 194 || code == 516) {
    return Status::unavailable(where + "HTTP " + std::to_string(a.status) + ": " + first_line(a.body));
  }
  return Status::invalid_argument("clickhouse: " + first_line(a.body));
}

Result<std::string> compact_to_rows(std::string_view body, size_t max_rows) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array meta, data;
  if (parser.parse(body.data(), body.size()).get(doc) || doc["meta"].get_array().get(meta) ||
      doc["data"].get_array().get(data)) {
    return Status::invalid_argument("clickhouse: the answer is not JSONCompact (leave out FORMAT)");
  }
  std::string out = "{\"columns\":[";
  bool first = true;
  for (simdjson::dom::element column : meta) {
    std::string_view name;
    if (column["name"].get_string().get(name)) return Status::internal("clickhouse: a column without a name");
    out += first ? "\"" : ",\"";
    first = false;
    json::append_escaped(out, name);
    out += '"';
  }
  out += "],\"rows\":[";
  size_t rows = 0;
  bool truncated = false;
  for (simdjson::dom::element row : data) {
    if (rows == max_rows) {
      truncated = true;
      break;
    }
    if (rows++ > 0) out += ',';
    out += simdjson::minify(row);
  }
  out += "],\"truncated\":";
  out += truncated ? "true}" : "false}";
  return out;
}

}  // namespace delta::sink::clickhouse
