#include "process/expr_json_event.h"

#include <charconv>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "process/expr_time.h"

namespace delta::process {
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

// ---- The flat path: one scalar pass over a top-level object (see the header). Every helper returns
// the position after what it read, or nullptr when the input is not what the flat path handles
// (malformed, escapes in what it must return, nesting deeper than kMaxSkipDepth, number forms whose
// conversion it leaves to simdjson): the caller then parses the event with simdjson instead.

constexpr int kMaxSkipDepth = 64;

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

const char* skip_ws(const char* p, const char* end) {
  while (p < end && is_ws(*p)) ++p;
  return p;
}

// p is just after a string's opening quote: returns the closing quote. *escaped tells whether the
// contents hold a (valid) escape; a raw control character or a bad escape is malformed.
const char* string_end(const char* p, const char* end, bool* escaped) {
  for (;;) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i is_ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v);  // unsigned c <= 0x1f
      const int m = _mm_movemask_epi8(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), is_ctl));
      if (m != 0) {
        p += __builtin_ctz(static_cast<unsigned>(m));
        break;
      }
      p += 16;
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
    if (p >= end) return nullptr;
    if (*p == '"') return p;
    if (*p != '\\') return nullptr;  // a raw control character
    *escaped = true;
    if (end - p < 2) return nullptr;
    const char e = p[1];
    if (e == 'u') {
      if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) return nullptr;
      p += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
               e == 't') {
      p += 2;
    } else {
      return nullptr;
    }
  }
}

// A number's text and shape, from the JSON grammar.
struct Number {
  const char* event;  // the start of the event: bytes from here on may be read
  const char* begin;
  const char* int_end;  // end of the integer part
  bool fraction = false, exponent = false;
};

const char* number_end(const char* p, const char* end, Number* n) {
  n->begin = p;
  if (p < end && *p == '-') ++p;
  if (p >= end) return nullptr;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && is_digit(*p)) ++p;
  } else {
    return nullptr;
  }
  n->int_end = p;
  if (p < end && *p == '.') {
    ++p;
    if (p >= end || !is_digit(*p)) return nullptr;
    while (p < end && is_digit(*p)) ++p;
    n->fraction = true;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !is_digit(*p)) return nullptr;
    while (p < end && is_digit(*p)) ++p;
    n->exponent = true;
  }
  if (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']') return nullptr;
  return p;
}

// The value of 8 ASCII digits loaded little-endian into v, in a few multiplications instead of a
// chain of eight (the digits were checked by number_end).
uint64_t eight_digits(uint64_t v) {
  v -= 0x3030303030303030ull;
  v = v * 10 + (v >> 8);  // pairs of digits in every other byte
  return (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
          (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
         32;
}

// The integer of an integral number. false: it does not fit in int64, or is -0 (which simdjson
// reads as a float): both are left to simdjson.
bool integer_of(const Number& n, int64_t* out) {
  const bool negative = *n.begin == '-';
  const char* d = n.begin + (negative ? 1 : 0);
  const size_t digits = static_cast<size_t>(n.int_end - d);
  if (digits > 19) return false;
  uint64_t v = 0;
  static constexpr uint64_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  for (; n.int_end - d > 16; ++d) v = v * 10 + static_cast<uint64_t>(*d - '0');  // < 10^19 < 2^64
  uint64_t word;
  for (; n.int_end - d >= 8; d += 8) {
    std::memcpy(&word, d, 8);
    v = v * 100'000'000 + eight_digits(word);
  }
  if (const auto k = static_cast<size_t>(n.int_end - d); k > 0) {
    if (n.int_end - 8 >= n.event) {
      // The 8 bytes that end with the last k digits, the bytes before them made '0's.
      std::memcpy(&word, n.int_end - 8, 8);
      const uint64_t low = (uint64_t{1} << (8 * (8 - k))) - 1;  // little-endian: the first 8 - k bytes
      v = v * kPow10[k] + eight_digits((word & ~low) | (0x3030303030303030ull & low));
    } else {
      for (; d < n.int_end; ++d) v = v * 10 + static_cast<uint64_t>(*d - '0');
    }
  }
  if (negative) {
    if (v == 0 || v > uint64_t{1} << 63) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// A number without exponent as a double (correctly rounded, as simdjson's); exponents (where
// range and rounding corners lie) are left to simdjson.
bool double_of(const Number& n, const char* end, double* out) {
  if (n.exponent) return false;
  auto [ptr, ec] = std::from_chars(n.begin, end, *out);
  return ec == std::errc() && ptr == end;
}

const char* literal_end(const char* p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0)
    return nullptr;
  p += word.size();
  if (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']') return nullptr;
  return p;
}

const char* skip_value(const char* p, const char* end, int depth);

// p at '{' or '['.
const char* skip_container(const char* p, const char* end, int depth) {
  if (depth >= kMaxSkipDepth) return nullptr;
  const char close = *p == '{' ? '}' : ']';
  const bool object = close == '}';
  p = skip_ws(p + 1, end);
  if (p < end && *p == close) return p + 1;
  for (;;) {
    if (object) {
      if (p >= end || *p != '"') return nullptr;
      bool escaped = false;
      p = string_end(p + 1, end, &escaped);
      if (p == nullptr) return nullptr;
      p = skip_ws(p + 1, end);
      if (p >= end || *p != ':') return nullptr;
      p = skip_ws(p + 1, end);
    }
    p = skip_value(p, end, depth + 1);
    if (p == nullptr) return nullptr;
    p = skip_ws(p, end);
    if (p >= end) return nullptr;
    if (*p == close) return p + 1;
    if (*p != ',') return nullptr;
    p = skip_ws(p + 1, end);
  }
}

// Validates one value at p (no leading whitespace) and returns its end.
const char* skip_value(const char* p, const char* end, int depth) {
  if (p >= end) return nullptr;
  switch (*p) {
    case '"': {
      bool escaped = false;
      p = string_end(p + 1, end, &escaped);
      return p == nullptr ? nullptr : p + 1;
    }
    case '{':
    case '[': return skip_container(p, end, depth);
    case 't': return literal_end(p, end, "true");
    case 'f': return literal_end(p, end, "false");
    case 'n': return literal_end(p, end, "null");
    default: {
      Number n;
      return number_end(p, end, &n);
    }
  }
}

// A referenced field's value at p (inside the event that starts at `event`), read as `type` the way
// read_typed() reads it through simdjson: the same value, or null where the JSON type does not fit. Sets
// *out; returns the value's end.
const char* read_flat(const char* event, const char* p, const char* end, FieldType type, Value* out) {
  *out = Value::null();
  if (p >= end) return nullptr;
  const char c = *p;
  if (c == '"') {
    if (type != FieldType::kString && type != FieldType::kTimestamp && type != FieldType::kJson)
      return skip_value(p, end, 0);
    bool escaped = false;
    const char* q = string_end(p + 1, end, &escaped);
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
    Number n;
    n.event = event;
    const char* q = number_end(p, end, &n);
    if (q == nullptr) return nullptr;
    int64_t i = 0;
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
  seen_.assign(nodes_.size(), 0);
  padded_.resize(1);
  flat_ = true;
  for (uint32_t c : nodes_[0].children) flat_ &= nodes_[c].children.empty();
  for (KeyMemo& m : memo_) m.key.reserve(kMemoKeyBytes);
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
  std::fill(values_.begin(), values_.end(), Value::null());
  std::fill(raw_.begin(), raw_.end(), std::string_view());
  ++serial_;
  pending_ = nodes_[0].children.size();
  if (flat_ && use_flat_) {
    if (read_flat_object(json)) return Status::ok();
    std::fill(values_.begin(), values_.end(), Value::null());  // start again, with simdjson
    std::fill(raw_.begin(), raw_.end(), std::string_view());
    ++serial_;
    pending_ = nodes_[0].children.size();
  }
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

namespace {

// a[0, n) == b[0, n) for sizeof(Word) <= n <= 2 * sizeof(Word): two overlapping words each.
template <typename Word>
bool same_ends(const char* a, const char* b, size_t n) {
  Word a0, a1, b0, b1;
  std::memcpy(&a0, a, sizeof(Word));
  std::memcpy(&b0, b, sizeof(Word));
  std::memcpy(&a1, a + n - sizeof(Word), sizeof(Word));
  std::memcpy(&b1, b + n - sizeof(Word), sizeof(Word));
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

}  // namespace

// Whether the key at p (just after its opening quote) is `key`: the same bytes, then the closing
// quote. A memo's key holds no quote or backslash, so the match is exact.
bool JsonEventView::same_key_at(const char* p, const char* end, const std::string& key) {
  const size_t n = key.size();
  if (static_cast<size_t>(end - p) <= n || p[n] != '"') return false;
  const char* k = key.data();
  if (n >= 8 && n <= 16) return same_ends<uint64_t>(p, k, n);
  if (n >= 4) return n < 8 ? same_ends<uint32_t>(p, k, n) : std::memcmp(p, k, n) == 0;
  return std::memcmp(p, k, n) == 0;
}

bool JsonEventView::read_flat_object(std::string_view json) {
  const char* p = json.data();
  const char* const end = p + json.size();
  p = skip_ws(p, end);
  if (p >= end || *p != '{') return false;
  if (pending_ == 0) return true;  // as visit(): nothing referenced, nothing read
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') return skip_ws(p + 1, end) == end;
  for (size_t member = 0;; ++member) {
    if (p >= end || *p != '"') return false;
    // Events of a stream mostly list their keys in the same order: the key the last event had at
    // this position, when it is here again, is found without scanning for its end or looking it up.
    int child;
    const char* key_end;
    KeyMemo* memo = member < kMemoKeys ? &memo_[member] : nullptr;
    if (memo != nullptr && memo->valid && same_key_at(p + 1, end, memo->key)) {
      key_end = p + 1 + memo->key.size();
      child = memo->child;
    } else {
      bool escaped = false;
      key_end = string_end(p + 1, end, &escaped);
      if (key_end == nullptr || escaped) return false;  // an escaped key: simdjson compares it unescaped
      const std::string_view key(p + 1, static_cast<size_t>(key_end - p - 1));
      child = find_top(key);
      if (memo != nullptr && key.size() <= kMemoKeyBytes) {
        memo->key.assign(key);  // within the capacity reserved at construction
        memo->child = child;
        memo->valid = true;
      }
    }
    p = skip_ws(key_end + 1, end);
    if (p >= end || *p != ':') return false;
    p = skip_ws(p + 1, end);
    if (child >= 0 && seen_[child] != serial_) {  // the first occurrence of a key wins
      seen_[child] = serial_;
      const Node& n = nodes_[child];
      const char* start = p;
      p = read_flat(json.data(), p, end, n.type, &values_[n.slot]);
      if (p == nullptr) return false;
      raw_[n.slot] = std::string_view(start, static_cast<size_t>(p - start));
      if (--pending_ == 0) return true;  // as visit(): the rest is not read
    } else {
      p = skip_value(p, end, 0);
      if (p == nullptr) return false;
    }
    p = skip_ws(p, end);
    if (p >= end) return false;
    if (*p == '}') return skip_ws(p + 1, end) == end;
    if (*p != ',') return false;
    p = skip_ws(p + 1, end);
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
