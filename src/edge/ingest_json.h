// Internal to the ingest decoder: checking one JSON value (simdjson on-demand) against a field type.
//
// simdjson's on-demand API validates only what is read, so ValueChecker reads everything: strings
// are unescaped (checking escapes and surrogates), literals are matched, numbers are parsed (they
// must fit int64, uint64 or a finite double, as for every later stage that parses the stored event),
// containers are walked to `max_depth`. Nothing here allocates or keeps state
// between items; one ValueChecker lives for one item on the decoder's thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

#include "model/schema.h"

namespace delta::edge {

// Why an item was rejected; an empty `code` means it was not. `code` is one of error_code, `detail`
// a static string that never contains input bytes, `slot` the schema field concerned or -1.
struct Failure {
  std::string_view code;
  const char* detail = "";
  int slot = -1;
  explicit operator bool() const { return !code.empty(); }
};

inline Failure fail(std::string_view code, const char* detail) { return {code, detail, -1}; }

// Maps a simdjson error to a Failure: UTF8_ERROR is invalid_utf8, DEPTH_ERROR too_deep, the rest
// malformed_json with simdjson's own (input-free) explanation.
Failure from_simdjson(simdjson::error_code e);

inline bool is_json_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// `s` without JSON whitespace (space, tab, CR, LF) at either end.
std::string_view trim_json_ws(std::string_view s);
// True when `token` is exactly one number in RFC 8259 grammar (no surrounding whitespace).
bool is_json_number(std::string_view token);

// What an accepted item told us beyond "valid": its event time and its routing key.
struct ItemFacts {
  bool has_time = false;
  int64_t time_ms = 0;
  bool has_key = false;
  std::string_view key;   // into the input or the parser's string buffer; valid until the next item
  bool has_text = false;  // set by a string field whose spec says take_text
  std::string_view text;  // that string, unescaped; valid until the next item
};

struct FieldSpec {
  model::FieldType type = model::FieldType::kJson;
  bool required = false;
  bool take_time = false;  // this occurrence gives the event time
  bool take_key = false;   // this occurrence gives the routing key
  bool take_text = false;  // a string value is kept in ItemFacts::text (for masking)
};

class ValueChecker {
 public:
  // Values nested deeper than `max_depth` (the event object is depth 1) are too_deep.
  explicit ValueChecker(uint32_t max_depth) : max_depth_(max_depth) {}

  // Any JSON value whose parent container is at `depth`.
  Failure any(simdjson::ondemand::value& v, uint32_t depth);
  // A member of the event object described by `spec`; fills `facts` when the spec says so.
  Failure field(const FieldSpec& spec, simdjson::ondemand::value& v, ItemFacts* facts);

 private:
  using Type = simdjson::ondemand::json_type;
  Failure number(simdjson::ondemand::value& v);
  Failure object(simdjson::ondemand::value& v, uint32_t depth);
  Failure array(simdjson::ondemand::value& v, uint32_t depth);
  Failure null_field(const FieldSpec& spec, simdjson::ondemand::value& v);
  Failure string_field(const FieldSpec& spec, simdjson::ondemand::value& v, Type t, ItemFacts* facts);
  Failure int64_field(const FieldSpec& spec, simdjson::ondemand::value& v, Type t, ItemFacts* facts);
  Failure float64_field(const FieldSpec& spec, simdjson::ondemand::value& v, Type t, ItemFacts* facts);
  Failure bool_field(const FieldSpec& spec, simdjson::ondemand::value& v, Type t, ItemFacts* facts);
  Failure timestamp_field(const FieldSpec& spec, simdjson::ondemand::value& v, Type t, ItemFacts* facts);
  Failure json_field(const FieldSpec& spec, simdjson::ondemand::value& v, Type t, ItemFacts* facts);

  uint32_t max_depth_;
};

}  // namespace delta::edge
