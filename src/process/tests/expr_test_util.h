// Shared by the expression tests: a clickstream-like schema and helpers that compile, evaluate over
// a JSON event and render the result as "type:value" text, so expectations read as one string.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "model/schema.h"
#include "process/expr.h"
#include "process/expr_json_event.h"

namespace delta::process::testing {

inline model::StreamSchema test_schema() {
  using model::FieldType;
  model::StreamSchema s;
  s.name = "clicks";
  s.fields = {{"ts", FieldType::kTimestamp, true},    {"user_id", FieldType::kString, true},
              {"email", FieldType::kString, false},   {"type", FieldType::kString, true},
              {"amount", FieldType::kFloat64, false}, {"count", FieldType::kInt64, false},
              {"flag", FieldType::kBool, false},      {"country", FieldType::kString, false},
              {"meta", FieldType::kJson, false},      {"in", FieldType::kString, false}};
  s.time_field = "ts";
  return s;
}

inline std::string render(const Value& v) {
  char buf[64];
  switch (v.type) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return v.b ? "true" : "false";
    case ValueType::kInt64: return "int64:" + std::to_string(v.i);
    case ValueType::kFloat64: {
      auto end = std::to_chars(buf, buf + sizeof buf, v.f).ptr;
      return "float64:" + std::string(buf, end);
    }
    case ValueType::kString: return "string:" + std::string(v.s);
    case ValueType::kTimestamp: return "timestamp:" + std::to_string(v.i);
    case ValueType::kAny: return "any";
  }
  return "?";
}

// Compiles `expr` and evaluates it over `event`; a compile error comes back as "error: <message>".
inline std::string eval_on(std::string_view expr, std::string_view event = "{}") {
  Result<CompiledExpr> c = compile_expression(expr, test_schema());
  if (!c.is_ok()) return "error: " + c.status().message();
  JsonEventView view(c->fields());
  Status s = view.reset(event);
  if (!s.is_ok()) return "bad event: " + s.message();
  return render(c->eval(view));
}

// The message of the compile error of `expr`, or "compiled" when there is none.
inline std::string error_of(std::string_view expr) {
  Result<CompiledExpr> c = compile_expression(expr, test_schema());
  return c.is_ok() ? "compiled" : c.status().message();
}

}  // namespace delta::process::testing
