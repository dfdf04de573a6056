// libFuzzer target for the expression language: lexing, parsing, type checking and compiling
// against a fixed clickstream schema; what compiles is evaluated over a few fixed events.
//
// Beyond "no crash, no sanitizer report", every run checks the contracts of process/expr.h: a
// refused expression is invalid_argument with a message that starts `expression "<text>" at
// column `, and an evaluated value is null or of the expression's static type (unless that type is
// json/null, known per event).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "process/expr.h"
#include "process/expr_json_event.h"

namespace {

using namespace delta::process;

delta::model::StreamSchema clickstream() {
  using delta::model::FieldType;
  delta::model::StreamSchema s;
  s.name = "clicks";
  s.fields = {{"ts", FieldType::kTimestamp, true},    {"user_id", FieldType::kString, true},
              {"email", FieldType::kString, false},   {"type", FieldType::kString, true},
              {"amount", FieldType::kFloat64, false}, {"country", FieldType::kString, false},
              {"count", FieldType::kInt64, false},    {"flag", FieldType::kBool, false},
              {"meta", FieldType::kJson, false}};
  s.time_field = "ts";
  return s;
}

constexpr std::string_view kEvents[] = {
    R"({"ts":"2024-02-29T13:45:10.123Z","user_id":"u1","email":"Ann@Example.com","type":"Click",)"
    R"("amount":12.5,"country":"DE","count":3,"flag":true,"meta":{"n":4,"s":"x","o":{"k":[1,2]},"z":null}})",
    R"({"ts":-9223372036854775808,"type":"","amount":-0.0,"count":-9223372036854775808,"meta":"m"})",
    R"({"ts":9223372036854775807,"count":9223372036854775807,"amount":1.7976931348623157e308,"meta":[1]})",
    R"({})",
};

void check_value(const CompiledExpr& expr, const Value& v) {
  ValueType t = expr.type();
  if (t == ValueType::kAny || t == ValueType::kNull) return;
  FUZZ_CHECK(v.is_null() || v.type == t);
}

void evaluate(CompiledExpr& expr) {
  JsonEventView view(expr.fields());
  for (std::string_view event : kEvents) {
    FUZZ_CHECK(view.reset(event).is_ok());
    check_value(expr, expr.eval(view));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const delta::model::StreamSchema schema = clickstream();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  delta::Result<CompiledExpr> expr = compile_expression(text, schema);
  if (!expr.is_ok()) {
    FUZZ_CHECK(expr.status().code() == delta::StatusCode::kInvalidArgument);
    FUZZ_CHECK(expr.status().message().starts_with("expression \"" + std::string(text) + "\" at column "));
    return 0;
  }
  evaluate(*expr);
  delta::Result<CompiledExpr> condition = compile_condition(text, schema);
  ValueType t = expr->type();
  FUZZ_CHECK(condition.is_ok() == (t == ValueType::kBool || t == ValueType::kAny || t == ValueType::kNull));
  return 0;
}
