#include "edge/ingest_json.h"

#include <cmath>
#include <utility>

#include "base/rfc3339.h"
#include "edge/ingest.h"

namespace delta::edge {
namespace {

namespace od = simdjson::ondemand;

bool is_digit(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

size_t skip_digits(std::string_view s, size_t i) {
  while (is_digit(s, i)) ++i;
  return i;
}

bool is_integer_literal(std::string_view token) {
  return token.find_first_of(".eE") == std::string_view::npos;
}

std::string_view raw_token(od::value& v) { return trim_json_ws(v.raw_json_token()); }

void take_key(const FieldSpec& spec, std::string_view key, ItemFacts* facts) {
  if (!spec.take_key) return;
  facts->has_key = true;
  facts->key = key;
}

// A number token that get_int64 refused: bad syntax, too big, or not an integer.
Failure bad_integer(od::value& v, std::string_view raw) {
  if (!is_json_number(raw)) return fail(error_code::kMalformedJson, "invalid number");
  if (is_integer_literal(raw)) return fail(error_code::kOutOfRange, "integer does not fit in int64");
  double d = 0;
  if (v.get_double().get(d) != simdjson::SUCCESS || std::fabs(d) >= 0x1p63) {
    return fail(error_code::kOutOfRange, "number does not fit in int64");
  }
  return fail(error_code::kWrongType, "expected an integer, got a fraction or an exponent");
}

}  // namespace

Failure from_simdjson(simdjson::error_code e) {
  switch (e) {
    case simdjson::UTF8_ERROR: return fail(error_code::kInvalidUtf8, "text is not valid UTF-8");
    case simdjson::DEPTH_ERROR: return fail(error_code::kTooDeep, "");
    default: return fail(error_code::kMalformedJson, simdjson::error_message(e));
  }
}

std::string_view trim_json_ws(std::string_view s) {
  while (!s.empty() && is_json_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_json_ws(s.back())) s.remove_suffix(1);
  return s;
}

bool is_json_number(std::string_view s) {
  size_t i = s.empty() || s[0] != '-' ? 0 : 1;
  if (!is_digit(s, i)) return false;
  i = s[i] == '0' ? i + 1 : skip_digits(s, i);
  if (i < s.size() && s[i] == '.') {
    if (!is_digit(s, ++i)) return false;
    i = skip_digits(s, i);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!is_digit(s, i)) return false;
    i = skip_digits(s, i);
  }
  return i == s.size();
}

Failure ValueChecker::any(od::value& v, uint32_t depth) {
  Type t;
  if (auto e = v.type().get(t)) return from_simdjson(e);
  switch (t) {
    case Type::object: return object(v, depth + 1);
    case Type::array: return array(v, depth + 1);
    case Type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return from_simdjson(e);
      return {};
    }
    case Type::number: return number(v);
    case Type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) return from_simdjson(e);
      return {};
    }
    case Type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
        return fail(error_code::kMalformedJson, "invalid literal");
      }
      return {};
    }
  }
  return fail(error_code::kMalformedJson, "unknown value");
}

// Any number must be one simdjson parses (int64, uint64 or a finite double): every later stage
// reads stored events with it. 1e400 is valid JSON grammar but would be refused there.
Failure ValueChecker::number(od::value& v) {
  std::string_view raw = raw_token(v);
  od::number n;
  if (v.get_number().get(n) == simdjson::SUCCESS) return {};
  if (!is_json_number(raw)) return fail(error_code::kMalformedJson, "invalid number");
  return fail(error_code::kOutOfRange, "number does not fit in int64, uint64 or a finite float64");
}

Failure ValueChecker::object(od::value& v, uint32_t depth) {
  if (depth > max_depth_) return fail(error_code::kTooDeep, "");
  od::object object;
  if (auto e = v.get_object().get(object)) return from_simdjson(e);
  for (auto member : object) {
    if (auto e = member.error()) return from_simdjson(e);
    od::field& field = member.value_unsafe();  // by reference: copies stall store forwarding
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return from_simdjson(e);
    if (Failure f = any(field.value(), depth)) return f;
  }
  return {};
}

Failure ValueChecker::array(od::value& v, uint32_t depth) {
  if (depth > max_depth_) return fail(error_code::kTooDeep, "");
  od::array array;
  if (auto e = v.get_array().get(array)) return from_simdjson(e);
  for (auto element : array) {
    if (auto e = element.error()) return from_simdjson(e);
    if (Failure f = any(element.value_unsafe(), depth)) return f;
  }
  return {};
}

Failure ValueChecker::field(const FieldSpec& spec, od::value& v, ItemFacts* facts) {
  Type t;
  if (auto e = v.type().get(t)) return from_simdjson(e);
  if (t == Type::null) return null_field(spec, v);
  switch (spec.type) {
    case model::FieldType::kString: return string_field(spec, v, t, facts);
    case model::FieldType::kInt64: return int64_field(spec, v, t, facts);
    case model::FieldType::kFloat64: return float64_field(spec, v, t, facts);
    case model::FieldType::kBool: return bool_field(spec, v, t, facts);
    case model::FieldType::kTimestamp: return timestamp_field(spec, v, t, facts);
    case model::FieldType::kJson: return json_field(spec, v, t, facts);
  }
  return fail(error_code::kWrongType, "unknown field type");
}

Failure ValueChecker::null_field(const FieldSpec& spec, od::value& v) {
  bool is_null = false;
  if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) {
    return fail(error_code::kMalformedJson, "invalid literal");
  }
  if (spec.required) return fail(error_code::kWrongType, "required field is null");
  return {};
}

Failure ValueChecker::string_field(const FieldSpec& spec, od::value& v, Type t, ItemFacts* facts) {
  if (t != Type::string) return fail(error_code::kWrongType, "expected a JSON string");
  std::string_view s;
  if (auto e = v.get_string().get(s)) return from_simdjson(e);
  take_key(spec, s, facts);
  if (spec.take_text) {
    facts->has_text = true;
    facts->text = s;
  }
  return {};
}

Failure ValueChecker::int64_field(const FieldSpec& spec, od::value& v, Type t, ItemFacts* facts) {
  if (t != Type::number) return fail(error_code::kWrongType, "expected an integer");
  std::string_view raw = raw_token(v);
  int64_t n = 0;
  if (v.get_int64().get(n) != simdjson::SUCCESS) return bad_integer(v, raw);
  take_key(spec, raw, facts);
  return {};
}

Failure ValueChecker::float64_field(const FieldSpec& spec, od::value& v, Type t, ItemFacts* facts) {
  if (t != Type::number) return fail(error_code::kWrongType, "expected a number");
  std::string_view raw = raw_token(v);
  od::number n;  // get_number, not get_double: the latter takes integers past uint64 that others refuse
  if (v.get_number().get(n) != simdjson::SUCCESS) {
    if (!is_json_number(raw)) return fail(error_code::kMalformedJson, "invalid number");
    return fail(error_code::kOutOfRange, "number is not a finite float64");
  }
  if (!std::isfinite(n.as_double())) return fail(error_code::kOutOfRange, "number is not a finite float64");
  take_key(spec, raw, facts);
  return {};
}

Failure ValueChecker::bool_field(const FieldSpec& spec, od::value& v, Type t, ItemFacts* facts) {
  if (t != Type::boolean) return fail(error_code::kWrongType, "expected true or false");
  std::string_view raw = raw_token(v);
  bool b = false;
  if (auto e = v.get_bool().get(b)) return from_simdjson(e);
  take_key(spec, raw, facts);
  return {};
}

Failure ValueChecker::timestamp_field(const FieldSpec& spec, od::value& v, Type t, ItemFacts* facts) {
  static constexpr const char* kExpected = "expected an RFC 3339 date-time string or epoch milliseconds";
  int64_t ms = 0;
  if (t == Type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return from_simdjson(e);
    if (!parse_rfc3339_ms(s, &ms)) return fail(error_code::kBadTimestamp, kExpected);
    take_key(spec, s, facts);
  } else if (t == Type::number) {
    std::string_view raw = raw_token(v);
    if (v.get_int64().get(ms) != simdjson::SUCCESS) {
      if (!is_json_number(raw)) return fail(error_code::kMalformedJson, "invalid number");
      return fail(error_code::kBadTimestamp, kExpected);
    }
    take_key(spec, raw, facts);
  } else {
    return fail(error_code::kBadTimestamp, kExpected);
  }
  // Beyond the years 0000..9999 no date-time names it, and a window's end overflows int64 near its ends.
  if (ms < kMinTimestampMs || ms > kMaxTimestampMs)
    return fail(error_code::kBadTimestamp, "a timestamp must be within the years 0000 to 9999 (UTC)");
  if (spec.take_time) {
    facts->has_time = true;
    facts->time_ms = ms;
  }
  return {};
}

Failure ValueChecker::json_field(const FieldSpec& spec, od::value& v, Type t, ItemFacts* facts) {
  if (!spec.take_key || t == Type::object || t == Type::array) return any(v, 1);
  if (t == Type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return from_simdjson(e);
    take_key(spec, s, facts);
    return {};
  }
  std::string_view raw = raw_token(v);
  if (Failure f = any(v, 1)) return f;
  take_key(spec, raw, facts);
  return {};
}

}  // namespace delta::edge
