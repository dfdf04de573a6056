#include "process/expr_json_event.h"

#include <cstring>

#include "process/expr_json_scan.h"
#include "process/expr_time.h"

namespace delta::process {

using namespace json_scan;

namespace {

namespace od = simdjson::ondemand;
using model::FieldType;

Status json_error(simdjson::error_code e) {
  return Status::invalid_argument(std::string("event is not valid JSON: ") + simdjson::error_message(e));
}

Value read_number(od::value& v) {
  od::number n;
  if (v.get_number().get(n) != simdjson::SUCCESS) return Value::null();
  if (n.is_int64()) return Value::int64(n.get_int64());
  return Value::float64(n.as_double());
}

// A value inside a json field: its own JSON type; objects and arrays as their JSON text.
Value read_dynamic(od::value& v) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return Value::null();
  std::string_view s;
  bool b = false;
  switch (t) {
    case od::json_type::string: return v.get_string().get(s) ? Value::null() : Value::string(s);
    case od::json_type::number: return read_number(v);
    case od::json_type::boolean: return v.get_bool().get(b) ? Value::null() : Value::boolean(b);
    case od::json_type::object: {
      od::object o;
      return v.get_object().get(o) || o.raw_json().get(s) ? Value::null() : Value::string(s);
    }
    case od::json_type::array: {
      od::array a;
      return v.get_array().get(a) || a.raw_json().get(s) ? Value::null() : Value::string(s);
    }
    default: return Value::null();
  }
}

Value read_timestamp(od::value& v) {
  std::string_view s;
  int64_t ms = 0;
  if (v.get_int64().get(ms) == simdjson::SUCCESS) return Value::timestamp(ms);
  if (v.get_string().get(s) == simdjson::SUCCESS && parse_rfc3339_ms(s, &ms)) return Value::timestamp(ms);
  return Value::null();
}

Value read_typed(od::value& v, FieldType type) {
  std::string_view s;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  switch (type) {
    case FieldType::kString: return v.get_string().get(s) ? Value::null() : Value::string(s);
    case FieldType::kInt64: return v.get_int64().get(i) ? Value::null() : Value::int64(i);
    case FieldType::kFloat64: return v.get_double().get(d) ? Value::null() : Value::float64(d);
    case FieldType::kBool: return v.get_bool().get(b) ? Value::null() : Value::boolean(b);
    case FieldType::kTimestamp: return read_timestamp(v);
    case FieldType::kJson: return read_dynamic(v);
  }
  return Value::null();
}

// ---- The flat path: one scalar pass over a top-level object (see the header); the scanner's pieces
// are in expr_json_scan.h.

// A referenced field's value at p (inside the event that starts at `event`), read as `type` the way
// read_typed() reads it through simdjson: the same value, or null where the JSON type does not fit. Sets
// *out; returns the value's end.
const char* read_flat(const char* event, const char* p, const char* end, const char* limit, FieldType type,
                      Value* out) {
  *out = Value::null();
  if (p >= end) return nullptr;
  const char c = *p;
  if (c == '"') {
    if (type != FieldType::kString && type != FieldType::kTimestamp && type != FieldType::kJson)
      return skip_value(p, end, 0);
    bool escaped = false;
    const char* q = string_end(p + 1, end, limit, &escaped);
    if (q == nullptr || escaped) return nullptr;  // escapes: simdjson unescapes
    std::string_view s(p + 1, static_cast<size_t>(q - p - 1));
    int64_t ms = 0;
    if (type != FieldType::kTimestamp) {
      *out = Value::string(s);
    } else if (parse_rfc3339_ms(s, &ms)) {
      *out = Value::timestamp(ms);
    }
    return q + 1;
  }
  if (c == '-' || is_digit(c)) {
    if (type == FieldType::kString || type == FieldType::kBool) return skip_value(p, end, 0);
    // The caller tried short_integer first for int64 and timestamp fields: this is the general case.
    int64_t i = 0;
    Number n;
    n.event = event;
    const char* q = number_end(p, end, &n);
    if (q == nullptr) return nullptr;
    double d = 0;
    if (type == FieldType::kFloat64 || (type == FieldType::kJson && (n.fraction || n.exponent))) {
      if (!double_of(n, q, &d)) return nullptr;
      *out = Value::float64(d);
      return q;
    }
    if (n.fraction || n.exponent) return q;  // int64 / timestamp: not an integer, null
    if (!integer_of(n, &i)) return nullptr;
    *out = type == FieldType::kTimestamp ? Value::timestamp(i) : Value::int64(i);
    return q;
  }
  if (c == 't' || c == 'f') {
    const char* q = literal_end(p, end, c == 't' ? "true" : "false");
    if (q != nullptr && (type == FieldType::kBool || type == FieldType::kJson))
      *out = Value::boolean(c == 't');
    return q;
  }
  if (c == '{' || c == '[') {
    if (type == FieldType::kJson) return nullptr;  // its raw JSON text: left to simdjson
    return skip_container(p, end, 0);
  }
  return literal_end(p, end, "null");
}

}  // namespace

struct JsonEventView::Node {
  std::string key;
  int32_t slot = -1;
  FieldType type = FieldType::kJson;
  std::vector<uint32_t> children;
};

JsonEventView::JsonEventView(const FieldSet& fields)
    : nodes_(1), values_(fields.size()), raw_(fields.size()) {
  for (uint32_t slot = 0; slot < fields.size(); ++slot) {
    uint32_t at = 0;
    for (const std::string& part : fields[slot].parts) {
      int child = find_child(at, part);
      if (child < 0) {
        nodes_[at].children.push_back(static_cast<uint32_t>(nodes_.size()));
        child = static_cast<int>(nodes_.size());
        nodes_.push_back(Node{part, -1, at == 0 ? fields[slot].top_type : FieldType::kJson, {}});
      }
      at = static_cast<uint32_t>(child);
    }
    nodes_[at].slot = static_cast<int32_t>(slot);
  }
  dense_ = values_.data();  // values_ keeps its size (and buffer) from here on
  seen_.assign(nodes_.size(), 0);
  padded_.resize(1);
  flat_ = true;
  for (uint32_t c : nodes_[0].children) flat_ &= nodes_[c].children.empty();
  // A seed under which the referenced top-level keys take distinct slots, when one of the first 64
  // does (almost always for a view's few fields); else slots some share, searched by find_child.
  for (shape_seed_ = 0; shape_seed_ < 64; ++shape_seed_) {
    top_by_shape_.fill(0);
    bool distinct = true;
    for (uint32_t c : nodes_[0].children) {
      uint8_t& at = top_by_shape_[key_shape(nodes_[c].key)];
      distinct &= at == 0 && c < kShared;
      at = at == 0 && c < kShared ? static_cast<uint8_t>(c) : kShared;
    }
    if (distinct) break;
  }
}

size_t JsonEventView::key_shape(std::string_view key) const {
  if (key.empty()) return 0;
  const uint32_t h = (static_cast<uint32_t>(key.size()) + shape_seed_) * 0x9E3779B1u ^
                     static_cast<unsigned char>(key[0]) * 0x85EBCA77u ^
                     static_cast<unsigned char>(key.back()) * 0xC2B2AE3Du ^
                     static_cast<unsigned char>(key[key.size() / 2]) * 0x27D4EB2Fu;
  return h >> 24;
}

// find_child(0, key) for the flat path: the one child whose length and first and last bytes hash to
// this slot, compared inline; a slot that several share falls back to the list.
int JsonEventView::find_top(std::string_view key) const {
  const uint8_t at = top_by_shape_[key_shape(key)];
  if (at == 0) return -1;
  if (at == kShared) return find_child(0, key);
  const std::string& k = nodes_[at].key;
  if (k.size() != key.size()) return -1;
  for (size_t i = 0; i < k.size(); ++i) {
    if (k[i] != key[i]) return -1;
  }
  return at;
}

JsonEventView::~JsonEventView() = default;

int JsonEventView::find_child(uint32_t node, std::string_view key) const {
  for (uint32_t c : nodes_[node].children) {
    if (nodes_[c].key == key) return static_cast<int>(c);
  }
  return -1;
}

Status JsonEventView::reset(std::string_view json, size_t readable) {
  if (flat_ && use_flat_) {
    ++serial_;
    pending_ = nodes_[0].children.size();
    if (read_flat_object(json, readable)) {
      // Each field seen was set; those the event does not have read as null.
      if (pending_ != 0) {
        for (uint32_t c : nodes_[0].children) {
          if (seen_[c] == serial_) continue;
          values_[nodes_[c].slot] = Value::null();
          raw_[nodes_[c].slot] = std::string_view();
        }
      }
      return Status::ok();
    }
  }
  std::fill(values_.begin(), values_.end(), Value::null());  // (again) with simdjson
  std::fill(raw_.begin(), raw_.end(), std::string_view());
  ++serial_;
  pending_ = nodes_[0].children.size();
  const char* data = json.data();
  if (readable < json.size() + simdjson::SIMDJSON_PADDING) {
    std::string& buf = padded_[0];
    buf.resize(json.size() + simdjson::SIMDJSON_PADDING);  // keeps its capacity between events
    std::memcpy(buf.data(), json.data(), json.size());
    data = buf.data();
    readable = buf.size();
  }
  od::document doc;
  od::object object;
  if (auto e = parser_.iterate(data, json.size(), readable).get(doc)) return json_error(e);
  if (auto e = doc.get_object().get(object)) return json_error(e);
  Status s = visit(object, 0, 0);
  if (!s.is_ok()) std::fill(values_.begin(), values_.end(), Value::null());
  return s;
}

DELTA_SCAN_INLINE bool JsonEventView::KeyMemo::matches(const char* p, const char* end,
                                                       const char* limit) const {
  const size_t n = len;
  if (n == 0 || static_cast<size_t>(end - p) < n) return false;
#ifdef __SSE2__
  if (n <= 16 && limit - p >= 16) {  // one compare of 16 bytes, of which the first n count
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(text.data()));
    const unsigned want = (1u << n) - 1;
    return (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, k))) & want) == want;
  }
#endif
  return std::memcmp(p, text.data(), n) == 0;
}

void JsonEventView::KeyMemo::remember(std::string_view head, int child_node) {
  child = child_node;
  len = 0;
  if (head.size() > kMemoKeyBytes) return;  // too long to remember: looked up every time
  std::memcpy(text.data(), head.data(), head.size());
  len = static_cast<uint32_t>(head.size());
}

bool JsonEventView::read_flat_object(std::string_view json, size_t readable) {
  const char* p = json.data();
  const char* const end = p + json.size();
  const char* const limit = p + std::max(readable, json.size());
  p = skip_ws(p, end);
  if (p >= end || *p != '{') return false;
  if (pending_ == 0) return true;  // as visit(): nothing referenced, nothing read
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') return skip_ws(p + 1, end) == end;
  for (size_t member = 0;; ++member) {
    if (p >= end || *p != '"') return false;
    // Events of a stream mostly list their keys in the same order: the key the last event had at
    // this position, when it is here again, is found without scanning for its end or looking it up.
    // A memo's key holds no quote, backslash or control character, so the match is exact.
    KeyMemo* memo = member < kMemoKeys ? &memo_[member] : nullptr;
    int child;
    if (memo != nullptr && memo->matches(p + 1, end, limit)) {
      child = memo->child;
      p += 1 + memo->len;
    } else {
      bool escaped = false;
      const char* key_end = string_end(p + 1, end, limit, &escaped);
      if (key_end == nullptr || escaped) return false;  // an escaped key: simdjson compares it unescaped
      const std::string_view key(p + 1, static_cast<size_t>(key_end - p - 1));
      const char* colon = skip_ws_fast(key_end + 1, end);
      if (colon >= end || *colon != ':') return false;
      child = find_top(key);
      if (memo != nullptr) memo->remember(std::string_view(p + 1, static_cast<size_t>(colon - p)), child);
      p = colon + 1;
    }
    p = skip_ws_fast(p, end);
    if (child >= 0 && seen_[child] != serial_) {  // the first occurrence of a key wins
      seen_[child] = serial_;
      const Node& n = nodes_[child];
      const char* start = p;
      int64_t i = 0;
      const bool integral = n.type == FieldType::kInt64 || n.type == FieldType::kTimestamp;
      if (const char* q = integral && p < end ? short_integer(p, end, limit, &i) : nullptr) {
        values_[n.slot] = n.type == FieldType::kTimestamp ? Value::timestamp(i) : Value::int64(i);
        p = q;
      } else {
        p = read_flat(json.data(), p, end, limit, n.type, &values_[n.slot]);
        if (p == nullptr) return false;
      }
      raw_[n.slot] = std::string_view(start, static_cast<size_t>(p - start));
      if (--pending_ == 0) return true;  // as visit(): the rest is not read
    } else if (p < end && *p == '"') {   // the common unreferenced value, without skip_value's dispatch
      bool escaped = false;
      p = string_end(p + 1, end, limit, &escaped);
      if (p == nullptr) return false;
      ++p;
    } else {
      p = skip_value(p, end, 0);
      if (p == nullptr) return false;
    }
    p = skip_ws_fast(p, end);
    if (p >= end) return false;
    if (*p == '}') return skip_ws(p + 1, end) == end;
    if (*p != ',') return false;
    p = skip_ws_fast(p + 1, end);
  }
}

Status JsonEventView::visit(od::object object, uint32_t node, size_t depth) {
  if (pending_ == 0 && node == 0) return Status::ok();
  for (auto member : object) {
    if (auto e = member.error()) return json_error(e);
    od::field& field = member.value_unsafe();  // by reference, as at ingest: copies cost
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return json_error(e);
    int child = find_child(node, key);
    if (child < 0 || seen_[child] == serial_) continue;
    seen_[child] = serial_;
    DELTA_RETURN_IF_ERROR(take(field.value(), static_cast<uint32_t>(child), depth));
    if (node == 0 && --pending_ == 0) break;
  }
  return Status::ok();
}

// A referenced path's value: read it (a leaf), descend into it (a prefix), or both.
Status JsonEventView::take(od::value value, uint32_t node, size_t depth) {
  const Node& n = nodes_[node];
  if (n.children.empty()) {
    values_[n.slot] = read_typed(value, n.type);
    return Status::ok();
  }
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    if (n.slot >= 0) values_[n.slot] = read_typed(value, n.type);
    return Status::ok();
  }
  if (n.slot < 0) return visit(object, node, depth + 1);
  return take_nested(object, node, depth + 1);
}

// Both `a` and `a.b` are referenced: `a` reads as its JSON text, and that text is parsed again for
// `a.b` (on-demand cannot both skip over an object and walk into it). Rare, so it may cost a copy.
Status JsonEventView::take_nested(od::object object, uint32_t node, size_t depth) {
  std::string_view raw;
  if (auto e = object.raw_json().get(raw)) return json_error(e);
  values_[nodes_[node].slot] = Value::string(raw);
  if (nested_parsers_.size() < depth) nested_parsers_.resize(depth);
  if (padded_.size() <= depth) padded_.resize(depth + 1);
  auto& parser = nested_parsers_[depth - 1];
  if (!parser) parser = std::make_unique<od::parser>();
  std::string& buf = padded_[depth];
  buf.assign(raw);
  buf.resize(raw.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::object inner;
  if (auto e = parser->iterate(buf.data(), raw.size(), buf.size()).get(doc)) return json_error(e);
  if (auto e = doc.get_object().get(inner)) return json_error(e);
  return visit(inner, node, depth);
}

void filter(CompiledExpr& condition, JsonEventView& view, std::span<const std::string_view> events,
            FilterResult* out) {
  out->selected.clear();
  out->failed.clear();
  for (size_t i = 0; i < events.size(); ++i) {
    if (!view.reset(events[i]).is_ok()) {
      out->failed.push_back(static_cast<uint32_t>(i));
    } else if (condition.matches(view)) {
      out->selected.push_back(static_cast<uint32_t>(i));
    }
  }
}

}  // namespace delta::process
