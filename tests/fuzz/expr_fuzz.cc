// libFuzzer target for the expression language: lexing, parsing, type checking and compiling
// against a fixed clickstream schema; what compiles is evaluated over a few fixed events.
//
// Beyond "no crash, no sanitizer report", every run checks the contracts of process/expr.h: a
// refused expression is invalid_argument with a message that starts `expression "<text>" at
// column `, and an evaluated value is null or of the expression's static type (unless that type is
// json/null, known per event).
//
// An input that starts with '{' is also read as an event by two JsonEventViews, one with the flat
// path (its own scanner) and one with simdjson only, over every field of the schema and over two
// of them (where the flat path stops early): where both read the event they must read the same
// values, and on valid JSON (simdjson's DOM parser accepts it) the same status. The flat path reads
// it a second time followed by readable bytes that are not part of it (digits, a quote, a brace,
// as the next event of a log batch would be), which must not change what it reads.
//
// A compiled expression's value is also compared with that of `coalesce(<text>)`, which has the
// same value but is always evaluated by the node walk: roots that eval() computes without the walk
// (expr_program.h, Shortcut) must agree with it.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
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

bool same_value(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kInt64:
    case ValueType::kTimestamp: return a.i == b.i;
    case ValueType::kFloat64: return std::memcmp(&a.f, &b.f, sizeof a.f) == 0;  // -0.0 is not 0.0
    case ValueType::kBool: return a.b == b.b;
    case ValueType::kString: return a.s == b.s;
    default: return true;
  }
}

void evaluate(CompiledExpr& expr, CompiledExpr* walked) {
  JsonEventView view(expr.fields());
  std::unique_ptr<JsonEventView> walked_view;
  if (walked != nullptr) walked_view = std::make_unique<JsonEventView>(walked->fields());
  for (std::string_view event : kEvents) {
    FUZZ_CHECK(view.reset(event).is_ok());
    const Value v = expr.eval(view);
    check_value(expr, v);
    if (walked == nullptr) continue;
    FUZZ_CHECK(walked_view->reset(event).is_ok());
    FUZZ_CHECK(same_value(v, walked->eval(*walked_view)));
  }
}

void compare_event_paths(std::string_view event) {
  static const delta::model::StreamSchema schema = clickstream();
  struct Pair {
    FieldSet fields;
    std::unique_ptr<JsonEventView> flat, simd;
    explicit Pair(const std::vector<std::string>& names) {
      for (const std::string& n : names) {
        FieldPath p;
        p.parts = {n};
        for (const auto& f : schema.fields) p.top_type = f.name == n ? f.type : p.top_type;
        fields.add(p);
      }
      flat = std::make_unique<JsonEventView>(fields);
      simd = std::make_unique<JsonEventView>(fields);
      simd->set_flat_path(false);
    }
  };
  static Pair all({"ts", "user_id", "email", "type", "amount", "country", "count", "flag", "meta"});
  static Pair two({"type", "count"});
  simdjson::dom::parser dom;
  const bool valid = dom.parse(event.data(), event.size()).error() == simdjson::SUCCESS;
  static std::string followed;
  followed.assign(event).append("1234567890\"}]        ");
  const std::string_view in_batch(followed.data(), event.size());
  for (Pair* p : {&all, &two}) {
    const bool simd_ok = p->simd->reset(event).is_ok();
    for (bool padded : {false, true}) {
      const bool flat_ok =
          padded ? p->flat->reset(in_batch, followed.size()).is_ok() : p->flat->reset(event).is_ok();
      if (valid) FUZZ_CHECK(flat_ok == simd_ok);
      if (!flat_ok || !simd_ok) continue;
      for (uint32_t i = 0; i < p->fields.size(); ++i)
        FUZZ_CHECK(same_value(p->flat->field(i), p->simd->field(i)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const delta::model::StreamSchema schema = clickstream();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!text.empty() && text[0] == '{') compare_event_paths(text);
  delta::Result<CompiledExpr> expr = compile_expression(text, schema);
  if (!expr.is_ok()) {
    FUZZ_CHECK(expr.status().code() == delta::StatusCode::kInvalidArgument);
    FUZZ_CHECK(expr.status().message().starts_with("expression \"" + std::string(text) + "\" at column "));
    return 0;
  }
  delta::Result<CompiledExpr> walked = compile_expression("coalesce(" + std::string(text) + ")", schema);
  evaluate(*expr, walked.is_ok() ? &*walked : nullptr);
  delta::Result<CompiledExpr> condition = compile_condition(text, schema);
  ValueType t = expr->type();
  FUZZ_CHECK(condition.is_ok() == (t == ValueType::kBool || t == ValueType::kAny || t == ValueType::kNull));
  return 0;
}
