// Expressions for `where` conditions and computed fields: parsed, type-checked against a stream's
// schema and compiled once when the configuration loads, then evaluated per event without heap
// allocation.
//
// Language (keywords and function names are case-insensitive):
//   literals    42, 1.5, 2e3, 'text' or "text" (escapes \\ \' \" \n \r \t \uXXXX, others such as
//               \d kept as written for regexes; '' inside '...'),
//               true, false, null, durations 500ms 10s 5m 1h 1d (int64 milliseconds)
//   fields      amount, a.b.c (b.c inside the json field a), `odd name` for keywords/other names
//   arithmetic  + - * / % on int64 and float64 (int64 op int64 stays int64; / truncates toward 0);
//               timestamp ± int64 ms -> timestamp, timestamp - timestamp -> int64 ms
//   comparison  = == != <> < <= > >=, x ~ 're' (RE2 partial match), x [not] in (a, b, ...),
//               x is [not] null; numbers compare across int64/float64, timestamps with int64 ms
//               and with RFC 3339 string literals
//   logic       and, or, not with SQL three-valued logic (null and false = false, null or true = true)
//   functions   lower(s), upper(s) (ASCII), length(s) (UTF-8 characters), starts_with(s, p),
//               contains(s, p), matches(s, 're'), time_bucket(ts, '10s' | 10s) (floor, UTC epoch),
//               hour(ts) 0..23, day(ts) day of month 1..31 (UTC), coalesce(a, b, ...),
//               cast(x as int64|float64|string|bool|timestamp)
//   precedence  or < and < not < comparisons < + - < * / % < unary - < primary
//
// Null and failure semantics (no evaluation ever fails; bad data yields null):
//   - any operator or function with a null operand is null, except and/or (three-valued), is null,
//     coalesce, and `in` (true if any element equals, else null if anything was null, else false).
//   - division or modulo by zero, int64 overflow and non-finite float64 results are null.
//   - a cast that cannot convert ('abc' as int64, 1e300 as int64) is null (TRY_CAST semantics).
//   - a value read inside a json field has its JSON type (string, int64 if integral, else float64,
//     bool, null; an object or array reads as its JSON text, a string); where it does not fit the
//     operator (json `x` in `x + 1` holds a string), the result is null.
//   - a `where` condition that is null drops the event, as false does.
//
// Errors (Status::invalid_argument) read `expression "<text>" at column <n>: <what>`, with the
// column counted in characters from 1 and pointing at the offending token. <what> is one of:
//   lexing    unexpected character "#" | unterminated string | invalid escape "\u12" in string |
//             invalid number "1." | integer "99999999999999999999" does not fit in int64 |
//             number "1e999" is out of range | invalid duration unit "x" (expected ms, s, m, h or d) |
//             duration "9999999999999999d" does not fit in int64 milliseconds |
//             unterminated quoted name | empty quoted name
//   parsing   empty expression | expression is longer than 65536 bytes |
//             expected an operand, got ")" | expected "\")\"", got the end of the expression |
//             expected "null", got "x" | expected "as", got ... | expected a type name, got ... |
//             expected a field name after ".", got ... | in needs at least one value |
//             unexpected "x" after the end of the expression | expression nests deeper than 128 levels
//   checking  unknown field "amont" (did you mean "amount"?) | unknown field "x" |
//             field "email" is string, not json: it has no field "x" |
//             unknown function "lowr" (did you mean "lower"?) | unknown function "f" |
//             lower expects 1 argument, got 2 | coalesce expects at least 1 argument, got 0 |
//             lower expects argument 1 to be string, got int64 |
//             cannot compare float64 with string | operator + cannot take string and int64 |
//             unary - cannot take string | not expects bool, got int64 | and expects bool, got int64 |
//             the pattern of matches must be a string literal | invalid regular expression "(": <RE2's
//             reason> | the width of time_bucket must be a duration literal like '10s' | invalid time_bucket
//             width "0s" (expected a positive duration like '10s') | unknown type "foo" in cast (expected
//             int64, float64, string, bool or timestamp) | cannot cast bool to timestamp | coalesce cannot
//             mix string and int64 | invalid timestamp literal "2024-13-01" (expected RFC 3339) | a condition
//             must be bool, got float64
// A caller (view configuration) prefixes the view's name.
//
// Thread and ownership: compile_* run on the configuring thread. A CompiledExpr shares its immutable
// program (nodes, constants, compiled regexes) with its copies; each copy has its own scratch
// arena, so give every worker thread its own copy. eval() is not reentrant on one copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/schema.h"
#include "process/expr_value.h"

namespace delta::process {

// A field an expression reads: a top-level schema field and, through a json field, a path inside.
struct FieldPath {
  std::vector<std::string> parts;  // parts[0] is the schema field
  model::FieldType top_type = model::FieldType::kJson;
  ValueType type = ValueType::kAny;  // static type: the schema's for parts.size() == 1
};

// The fields a set of expressions reads, each once: its index is the slot an EventView serves.
// Several expressions of one view compile into one FieldSet so that an event is parsed once for all.
class FieldSet {
 public:
  uint32_t add(FieldPath path);  // the existing slot when the same parts are already there
  size_t size() const { return paths_.size(); }
  const FieldPath& operator[](size_t slot) const { return paths_[slot]; }

 private:
  std::vector<FieldPath> paths_;
};

// Typed access to one event's referenced fields, by FieldSet slot. Absent fields are null.
class EventView {
 public:
  virtual ~EventView() = default;
  virtual Value field(uint32_t slot) const = 0;
  // field(slot), read from the view's array of values when it keeps one (no virtual call per field
  // on the evaluation path).
  Value read(uint32_t slot) const { return dense_ != nullptr ? dense_[slot] : field(slot); }

 protected:
  // A view that keeps its values in one array, by slot, for as long as it lives, may point this at
  // it; field(slot) must then equal dense_[slot].
  const Value* dense_ = nullptr;
};

struct Program;

class CompiledExpr {
 public:
  CompiledExpr(std::shared_ptr<const Program> program);
  ~CompiledExpr();
  CompiledExpr(const CompiledExpr& other);
  CompiledExpr(CompiledExpr&&) noexcept;
  CompiledExpr& operator=(CompiledExpr&&) noexcept;

  // Evaluates over `event`, whose slots are those of the FieldSet this was compiled with. Strings
  // in the result stay valid until the next eval() on this object or until the event changes.
  Value eval(const EventView& event);
  // true only when the result is bool true (null and false drop the event).
  bool matches(const EventView& event) { return eval(event).is_true(); }
  ValueType type() const;  // kAny when known only per event, kNull for a null literal
  // The slot when the expression is a bare field (`price`, `meta.a`): its value is the field's,
  // unchanged; -1 otherwise.
  int64_t field_slot() const;
  const std::string& text() const;
  // The fields read, by slot, when compiled without a FieldSet; empty when compiled into one.
  const FieldSet& fields() const;

 private:
  struct Scratch;
  std::shared_ptr<const Program> program_;
  std::unique_ptr<Scratch> scratch_;
};

// Compiles `text` against `schema`. Fields are added to *fields when given (share one FieldSet
// between the expressions of a view), else to a FieldSet of the expression's own (fields()).
Result<CompiledExpr> compile_expression(std::string_view text, const model::StreamSchema& schema,
                                        FieldSet* fields = nullptr);
// As compile_expression, and the result must be bool (or null/json, known per event).
Result<CompiledExpr> compile_condition(std::string_view text, const model::StreamSchema& schema,
                                       FieldSet* fields = nullptr);

}  // namespace delta::process
