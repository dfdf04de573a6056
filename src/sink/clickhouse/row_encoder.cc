#include "sink/clickhouse/row_encoder.h"

#include <charconv>
#include <cmath>

#include "base/json_escape.h"
#include "base/rfc3339.h"

namespace delta::sink::clickhouse {
namespace {

using simdjson::ondemand::json_type;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

void append_int(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end);
}

// "YYYY-MM-DD hh:mm:ss.mmm" in UTC (H. Hinnant's civil_from_days).
void append_datetime64(int64_t ms, std::string* out) {
  int64_t days = (ms >= 0 ? ms : ms - 86'399'999) / 86'400'000;
  int64_t rem = ms - days * 86'400'000;
  int64_t z = days + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  int64_t doe = z - era * 146'097;
  int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "\"%04lld-%02lld-%02lld %02lld:%02lld:%02lld.%03lld\"",
                        static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                        static_cast<long long>(rem / 3'600'000), static_cast<long long>(rem / 60'000 % 60),
                        static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
  out->append(buf, static_cast<size_t>(n));
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }

}  // namespace

RowEncoder::RowEncoder(const TableSpec& spec, const ServerFeatures& features)
    : events_(spec.kind == TableSpec::Kind::kEvents), datetime64_(features.datetime64) {
  for (const Column& c : spec.columns) {
    Col col{c.name, "", "", c.type};
    json::append_quoted(col.key, c.name);
    col.key += ':';
    if (c.type == ColumnType::kTimestamp) {
      json::append_quoted(col.ms_key, c.name + "_ms");
      col.ms_key += ':';
    }
    cols_.push_back(std::move(col));
  }
}

void RowEncoder::append_time(int64_t ms, std::string_view key, std::string_view ms_key,
                             std::string* out) const {
  *out += key;
  if (datetime64_) {
    append_datetime64(ms, out);
  } else {
    append_int(floor_div(ms, 1000), out);
  }
  *out += ',';
  *out += ms_key;
  append_int(ms, out);
}

bool RowEncoder::encode(const Row& row, int32_t partition, uint64_t version, std::string* out,
                        std::string* reason) {
  size_t mark = out->size();
  *out += '{';
  if (events_) {
    *out += "\"_partition\":";
    append_int(partition, out);
    *out += ",\"_offset\":";
    append_int(row.offset, out);
    *out += ',';
    append_time(row.time_ms, "\"_time\":", "\"_time_ms\":", out);
  } else {
    *out += "\"_version\":";
    append_int(static_cast<int64_t>(version), out);
    *out += row.is_retraction ? ",\"_retraction\":1" : ",\"_retraction\":0";
  }
  padded_.assign(row.json);
  padded_.resize(row.json.size() + simdjson::SIMDJSON_PADDING);
  if (!encode_fields(out, reason)) {
    out->resize(mark);
    return false;
  }
  *out += "}\n";
  return true;
}

bool RowEncoder::encode_fields(std::string* out, std::string* reason) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  size_t len = padded_.size() - simdjson::SIMDJSON_PADDING;
  if (parser_.iterate(padded_.data(), len, padded_.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    *reason = "not a JSON object";
    return false;
  }
  for (auto field : obj) {
    std::string_view name;
    simdjson::ondemand::value value;
    if (field.unescaped_key().get(name) != simdjson::SUCCESS ||
        field.value().get(value) != simdjson::SUCCESS) {
      *reason = "malformed JSON";
      return false;
    }
    const Col* col = nullptr;
    for (const Col& c : cols_) {
      if (c.name == name) col = &c;
    }
    if (col == nullptr) continue;  // not a column of the table
    if (!encode_value(*col, value, out, reason)) return false;
  }
  return true;
}

bool RowEncoder::encode_value(const Col& col, simdjson::ondemand::value value, std::string* out,
                              std::string* reason) {
  json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) {
    *reason = "malformed JSON in " + col.name;
    return false;
  }
  if (type == json_type::null) return true;  // the column's default (NULL when Nullable)
  auto refuse = [&](std::string_view expected) {
    *reason = "field " + col.name + ": expected " + std::string(expected);
    return false;
  };
  *out += ',';
  *out += col.key;
  switch (col.type) {
    case ColumnType::kString:
    case ColumnType::kJson: {
      if (type == json_type::string && col.type == ColumnType::kString) {
        *out += trim(value.raw_json_token());
      } else {
        std::string_view raw = value.raw_json_token();
        simdjson::ondemand::object o;
        simdjson::ondemand::array a;
        if (type == json_type::object && (value.get_object().get(o) || o.raw_json().get(raw)))
          return refuse("JSON");
        if (type == json_type::array && (value.get_array().get(a) || a.raw_json().get(raw)))
          return refuse("JSON");
        json::append_quoted(*out, trim(raw));
      }
      return true;
    }
    case ColumnType::kInt64: {
      int64_t v = 0;
      std::string_view s;
      if (type == json_type::number && value.get_int64().get(v) == simdjson::SUCCESS) {
      } else if (type == json_type::string && value.get_string().get(s) == simdjson::SUCCESS &&
                 std::from_chars(s.data(), s.data() + s.size(), v).ptr == s.data() + s.size() && !s.empty()) {
      } else {
        return refuse("int64");
      }
      append_int(v, out);
      return true;
    }
    case ColumnType::kFloat64: {
      double v = 0;
      if (type != json_type::number || value.get_double().get(v) != simdjson::SUCCESS || !std::isfinite(v))
        return refuse("float64");
      *out += trim(value.raw_json_token());
      return true;
    }
    case ColumnType::kBool: {
      bool v = false;
      if (type != json_type::boolean || value.get_bool().get(v) != simdjson::SUCCESS) return refuse("bool");
      *out += v ? '1' : '0';
      return true;
    }
    case ColumnType::kTimestamp: {
      int64_t ms = 0;
      std::string_view s;
      if (type == json_type::number && value.get_int64().get(ms) == simdjson::SUCCESS) {
      } else if (type == json_type::string && value.get_string().get(s) == simdjson::SUCCESS &&
                 parse_rfc3339_ms(s, &ms)) {
      } else {
        return refuse("an RFC 3339 timestamp or epoch milliseconds");
      }
      out->resize(out->size() - col.key.size() - 1);  // append_time writes both keys
      *out += ',';
      append_time(ms, col.key, col.ms_key, out);
      return true;
    }
  }
  return true;
}

}  // namespace delta::sink::clickhouse
