#include "process/view_results.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "base/hash.h"
#include "base/rfc3339.h"

namespace delta::process {
namespace {
// Result rows held before they are handed to the sinks (about 250 bytes each).
constexpr size_t kMaxRoundRows = 65536;

void append_number(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

void encode_key_value(std::string& key, const Value& v) {
  key += static_cast<char>(v.type);
  switch (v.type) {
    case ValueType::kString: {
      auto n = static_cast<uint32_t>(v.s.size());
      key.append(reinterpret_cast<const char*>(&n), 4);
      key.append(v.s);
      break;
    }
    case ValueType::kInt64:
    case ValueType::kTimestamp: key.append(reinterpret_cast<const char*>(&v.i), 8); break;
    case ValueType::kFloat64: key.append(reinterpret_cast<const char*>(&v.f), 8); break;
    case ValueType::kBool: key += v.b ? '\1' : '\0'; break;
    case ValueType::kNull:
    case ValueType::kAny: break;
  }
}

namespace {

// Decodes one column of an encoded key: appends it as JSON to *json and as text to *text.
std::string_view decode_key_value(std::string_view key, std::string* json, std::string* text) {
  auto type = static_cast<ValueType>(key[0]);
  key.remove_prefix(1);
  int64_t i = 0;
  double f = 0;
  switch (type) {
    case ValueType::kString: {
      uint32_t n = 0;
      std::memcpy(&n, key.data(), 4);
      std::string_view s = key.substr(4, n);
      append_json_string(*json, s);
      text->append(s);
      return key.substr(4 + n);
    }
    case ValueType::kInt64:
      std::memcpy(&i, key.data(), 8);
      append_number(*json, i);
      append_number(*text, i);
      return key.substr(8);
    case ValueType::kTimestamp: {
      std::memcpy(&i, key.data(), 8);
      std::string ts;
      append_rfc3339_ms(ts, i);
      append_json_string(*json, ts);
      text->append(ts);
      return key.substr(8);
    }
    case ValueType::kFloat64:
      std::memcpy(&f, key.data(), 8);
      append_double(*json, f);
      append_double(*text, f);
      return key.substr(8);
    case ValueType::kBool:
      *json += key[0] ? "true" : "false";
      *text += key[0] ? "true" : "false";
      return key.substr(1);
    case ValueType::kNull:
    case ValueType::kAny: *json += "null"; return key;
  }
  return key;
}

}  // namespace

uint64_t value_hash(const Value& v) {
  switch (v.type) {
    case ValueType::kString: return hash64(v.s);
    case ValueType::kInt64:
    case ValueType::kTimestamp: return hash64({reinterpret_cast<const char*>(&v.i), 8});
    case ValueType::kFloat64: {
      // An integral float counts as the same value as the int64 (1.0 and 1 are one user).
      if (v.f == std::trunc(v.f) && std::fabs(v.f) < 9e15) {
        auto i = static_cast<int64_t>(v.f);
        return hash64({reinterpret_cast<const char*>(&i), 8});
      }
      return hash64({reinterpret_cast<const char*>(&v.f), 8});
    }
    case ValueType::kBool: return v.b ? 1 : 2;
    case ValueType::kNull:
    case ValueType::kAny: return 0;
  }
  return 0;
}

ResultCollector::ResultCollector(const ViewPlan& plan, std::function<void()> full)
    : plan_(plan), full_(std::move(full)) {
  // `,"name":` of every column, escaped once.
  auto member = [](const std::string& name) {
    std::string m = ",";
    append_json_string(m, name);
    return m + ":";
  };
  for (const KeyColumn& k : plan.keys) key_names_.push_back(member(k.name));
  for (const AggregateColumn& a : plan.aggregates) value_names_.push_back(member(a.name));
}

void ResultCollector::on_result(const ResultRow& r) {
  size_t json_start = json_.size(), key_start = keys_.size();
  if (r.start_ms != bounds_start_ || r.end_ms != bounds_end_) {  // rows come window by window
    bounds_start_ = r.start_ms;
    bounds_end_ = r.end_ms;
    bounds_ = "{\"window_start\":\"";
    append_rfc3339_ms(bounds_, r.start_ms);
    bounds_ += "\",\"window_end\":\"";
    append_rfc3339_ms(bounds_, r.end_ms);
    bounds_ += '"';
  }
  json_ += bounds_;
  std::string_view key = r.key;
  for (size_t i = 0; i < plan_.keys.size(); ++i) {
    json_ += key_names_[i];
    if (i > 0) keys_ += ',';
    key = decode_key_value(key, &json_, &keys_);
  }
  for (size_t i = 0; i < r.values.size(); ++i) {
    json_ += value_names_[i];
    const AggValue& v = r.values[i];
    if (v.type == AggValue::Type::kInt)
      append_number(json_, v.i);
    else if (v.type == AggValue::Type::kFloat)
      append_double(json_, v.f);
    else
      json_ += "null";
  }
  if (!r.is_retraction) json_ += r.is_early ? ",\"final\":false" : ",\"final\":true";
  json_ += '}';
  spans_.push_back({json_start, json_.size() - json_start, key_start, keys_.size() - key_start, r.start_ms,
                    r.end_ms, r.is_retraction});
  if (spans_.size() >= kMaxRoundRows) full_();
}

const std::vector<sink::Row>& ResultCollector::rows() {
  rows_.clear();
  for (const Span& s : spans_) {
    sink::Row row;
    row.json = std::string_view(json_).substr(s.json_at, s.json_len);
    row.key = std::string_view(keys_).substr(s.key_at, s.key_len);
    row.time_ms = s.start;
    row.end_ms = s.end;
    row.is_retraction = s.retraction;
    rows_.push_back(row);
  }
  return rows_;
}

void ResultCollector::clear() {
  json_.clear();
  keys_.clear();
  spans_.clear();
}

}  // namespace delta::process
