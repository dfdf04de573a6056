#include "process/view_results.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/hash.h"
#include "base/json_escape.h"
#include "base/rfc3339.h"
#include "process/json_write.h"

namespace delta::process {
namespace {

// Result rows held before they are handed to the sinks (about 250 bytes each).
constexpr size_t kMaxRoundRows = 65536;

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

// A constant piece of every row, stored with kPad bytes after it so that it is copied in whole
// 16-byte moves (the destination has the slack: see on_result's bounds).
constexpr size_t kPad = 16;

char* write_piece(char* p, const std::string& padded) {
  const size_t n = padded.size() - kPad;
  for (size_t i = 0; i < n; i += 16) std::memcpy(p + i, padded.data() + i, 16);
  return p + n;
}

std::string padded(std::string s) { return s.append(kPad, '\0'); }

// Per column of a key: at most this many bytes of JSON and of text beyond the key's own bytes
// (6 per byte of a string), see decode_key_value.
constexpr size_t kColumnBound = 48;

// Decodes one column of an encoded key: writes it as JSON at *json and as text at *text (advancing
// both); returns the rest of the key.
std::string_view decode_key_value(std::string_view key, char** json, char** text) {
  auto type = static_cast<ValueType>(key[0]);
  key.remove_prefix(1);
  int64_t i = 0;
  double f = 0;
  switch (type) {
    case ValueType::kString: {
      uint32_t n = 0;
      std::memcpy(&n, key.data(), 4);
      std::string_view s = key.substr(4, n);
      *json = json::write_quoted(*json, s);
      *text = json_write::bytes(*text, s);
      return key.substr(4 + n);
    }
    case ValueType::kInt64: {
      std::memcpy(&i, key.data(), 8);
      char* start = *text;
      *text = json_write::i64(*text, i);
      *json = json_write::bytes(*json, std::string_view(start, static_cast<size_t>(*text - start)));
      return key.substr(8);
    }
    case ValueType::kTimestamp: {
      std::memcpy(&i, key.data(), 8);
      std::string ts;  // a timestamp group key: rare, and short enough for the small-string buffer
      append_rfc3339_ms(ts, i);
      *json = json::write_quoted(*json, ts);
      *text = json_write::bytes(*text, ts);
      return key.substr(8);
    }
    case ValueType::kFloat64: {
      std::memcpy(&f, key.data(), 8);
      char* start = *text;
      *text = json_write::f64(*text, f);
      *json = json_write::bytes(*json, std::string_view(start, static_cast<size_t>(*text - start)));
      return key.substr(8);
    }
    case ValueType::kBool:
      *json = json_write::bytes(*json, key[0] ? "true" : "false");
      *text = json_write::bytes(*text, key[0] ? "true" : "false");
      return key.substr(1);
    case ValueType::kNull:
    case ValueType::kAny: *json = json_write::bytes(*json, "null"); return key;
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
    std::string m(name.size() * 6 + 4, '\0');
    m[0] = ',';
    char* end = json::write_quoted(m.data() + 1, name);
    *end++ = ':';
    m.resize(static_cast<size_t>(end - m.data()));
    return m;
  };
  for (const KeyColumn& k : plan.keys) key_names_.push_back(padded(member(k.name)));
  for (const AggregateColumn& a : plan.aggregates) value_names_.push_back(padded(member(a.name)));
  for (const std::string& n : key_names_) names_bytes_ += n.size();
  for (const std::string& n : value_names_) names_bytes_ += n.size();
}

void ResultCollector::on_result(const ResultRow& r) {
  if (r.start_ms != bounds_start_ || r.end_ms != bounds_end_) {  // rows come window by window
    bounds_start_ = r.start_ms;
    bounds_end_ = r.end_ms;
    bounds_ = "{\"window_start\":\"";
    append_rfc3339_ms(bounds_, r.start_ms);
    bounds_ += "\",\"window_end\":\"";
    append_rfc3339_ms(bounds_, r.end_ms);
    bounds_ += '"';
    bounds_ = padded(std::move(bounds_));
  }
  // Written through pointers into buffers grown to a bound first: no per-append size checks.
  const size_t columns = plan_.keys.size() + r.values.size();
  char* json =
      json_.grow(bounds_.size() + names_bytes_ + r.key.size() * 6 + columns * (kColumnBound + kPad) + 32);
  char* const json0 = json;
  char* text = keys_.grow(r.key.size() + columns * kColumnBound);
  char* const text0 = text;
  json = write_piece(json, bounds_);
  std::string_view key = r.key;
  for (size_t i = 0; i < plan_.keys.size(); ++i) {
    json = write_piece(json, key_names_[i]);
    if (i > 0) *text++ = ',';
    key = decode_key_value(key, &json, &text);
  }
  for (size_t i = 0; i < r.values.size(); ++i) {
    json = write_piece(json, value_names_[i]);
    const AggValue& v = r.values[i];
    if (v.type == AggValue::Type::kInt)
      json = json_write::i64(json, v.i);
    else if (v.type == AggValue::Type::kFloat)
      json = json_write::f64(json, v.f);
    else
      json = json_write::bytes(json, "null");
  }
  if (!r.is_retraction) json = json_write::bytes(json, r.is_early ? ",\"final\":false" : ",\"final\":true");
  *json++ = '}';
  json_.commit(json);
  keys_.commit(text);
  sink::Row row;
  row.json = std::string_view(json0, static_cast<size_t>(json - json0));
  row.key = std::string_view(text0, static_cast<size_t>(text - text0));
  row.time_ms = r.start_ms;
  row.end_ms = r.end_ms;
  row.is_retraction = r.is_retraction;
  rows_.push_back(row);
  if (rows_.size() >= kMaxRoundRows) full_();
}

void ResultCollector::clear() {
  json_.clear();
  keys_.clear();
  rows_.clear();
}

}  // namespace delta::process
