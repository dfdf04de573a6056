// Value: what an expression evaluates to, a small tagged union of null, bool, int64, float64,
// string and timestamp (epoch milliseconds, UTC). Strings are views: into the event being
// evaluated, into the compiled expression's constants, or into the evaluator's scratch arena, so a
// Value is valid until the next evaluation by the same CompiledExpr or the next event in its view.
//
// ValueType also names static types during type checking, where kAny stands for a value read from
// inside a `json` field, whose type is known only per event. Pure data; any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace delta::process {

enum class ValueType : uint8_t { kNull, kBool, kInt64, kFloat64, kString, kTimestamp, kAny };

std::string_view value_type_name(ValueType t);
inline bool is_numeric(ValueType t) { return t == ValueType::kInt64 || t == ValueType::kFloat64; }

struct Value {
  ValueType type = ValueType::kNull;
  union {
    bool b;         // kBool
    int64_t i = 0;  // kInt64, kTimestamp
    double f;       // kFloat64
  };
  std::string_view s;  // kString

  static Value null() { return {}; }
  static Value boolean(bool v) {
    Value r;
    r.type = ValueType::kBool;
    r.b = v;
    return r;
  }
  static Value int64(int64_t v) { return integral(ValueType::kInt64, v); }
  static Value timestamp(int64_t ms) { return integral(ValueType::kTimestamp, ms); }
  static Value float64(double v) {
    Value r;
    r.type = ValueType::kFloat64;
    r.f = v;
    return r;
  }
  static Value string(std::string_view v) {
    Value r;
    r.type = ValueType::kString;
    r.s = v;
    return r;
  }

  bool is_null() const { return type == ValueType::kNull; }
  bool is_true() const { return type == ValueType::kBool && b; }
  // The number as a double. REQUIRES: kInt64 or kFloat64.
  double as_double() const { return type == ValueType::kFloat64 ? f : static_cast<double>(i); }

 private:
  static Value integral(ValueType t, int64_t v) {
    Value r;
    r.type = t;
    r.i = v;
    return r;
  }
};

// Three-way comparison of two non-null values of comparable types (numbers with numbers, int64
// with timestamps, strings, bools, timestamps). Returns false when they are not comparable.
bool compare_values(const Value& a, const Value& b, int* out);

}  // namespace delta::process
