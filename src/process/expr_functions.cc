// Functions and casts: their type checks (Compiler) and their evaluation (eval_call, eval_cast).
#include <charconv>
#include <cmath>
#include <cstring>

#include "process/expr_compiler.h"
#include "process/expr_time.h"

namespace delta::process {
namespace {

constexpr ValueType kStr = ValueType::kString, kTs = ValueType::kTimestamp;

struct FnSpec {
  std::string_view name;
  Fn fn;
  ValueType result;
  size_t nargs;  // coalesce: 0 listed, takes any number, at least 1
  ValueType args[2];
};

const FnSpec kFunctions[] = {
    {"lower", Fn::kLower, kStr, 1, {kStr}},
    {"upper", Fn::kUpper, kStr, 1, {kStr}},
    {"length", Fn::kLength, ValueType::kInt64, 1, {kStr}},
    {"starts_with", Fn::kStartsWith, ValueType::kBool, 2, {kStr, kStr}},
    {"contains", Fn::kContains, ValueType::kBool, 2, {kStr, kStr}},
    {"matches", Fn::kMatches, ValueType::kBool, 2, {kStr, kStr}},
    {"time_bucket", Fn::kTimeBucket, kTs, 2, {kTs, kStr}},
    {"hour", Fn::kHour, ValueType::kInt64, 1, {kTs}},
    {"day", Fn::kDay, ValueType::kInt64, 1, {kTs}},
    {"coalesce", Fn::kCoalesce, ValueType::kNull, 0, {}},
};

bool accepts(ValueType param, ValueType arg) {
  return arg == param || arg == ValueType::kNull || arg == ValueType::kAny ||
         (param == kTs && arg == ValueType::kInt64);
}

bool parse_cast_type(std::string_view name, ValueType* out) {
  static constexpr std::pair<std::string_view, ValueType> kNames[] = {
      {"int64", ValueType::kInt64},        {"int", ValueType::kInt64},       {"bigint", ValueType::kInt64},
      {"integer", ValueType::kInt64},      {"float64", ValueType::kFloat64}, {"float", ValueType::kFloat64},
      {"double", ValueType::kFloat64},     {"string", ValueType::kString},   {"text", ValueType::kString},
      {"varchar", ValueType::kString},     {"bool", ValueType::kBool},       {"boolean", ValueType::kBool},
      {"timestamp", ValueType::kTimestamp}};
  std::string lower(name);
  for (char& c : lower) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
  for (const auto& [n, t] : kNames) {
    if (lower == n) return (*out = t), true;
  }
  return false;
}

ValueType common_type(ValueType a, ValueType b) {
  if (a == ValueType::kNull || a == b) return b;
  if (b == ValueType::kNull) return a;
  if (a == ValueType::kAny || b == ValueType::kAny) return ValueType::kAny;
  if (is_numeric(a) && is_numeric(b)) return ValueType::kFloat64;
  return ValueType(255);  // no common type
}

bool is_int_like(const Value& v) { return v.type == ValueType::kInt64 || v.type == ValueType::kTimestamp; }

Value ascii_case(Arena* arena, std::string_view s, bool upper) {
  char lo = upper ? 'a' : 'A', hi = upper ? 'z' : 'Z';
  size_t i = 0;
  while (i < s.size() && (s[i] < lo || s[i] > hi)) ++i;
  if (i == s.size()) return Value::string(s);  // nothing to change: no copy
  char* out = arena->allocate(s.size());
  std::memcpy(out, s.data(), s.size());
  for (; i < s.size(); ++i) {
    if (out[i] >= lo && out[i] <= hi) out[i] = static_cast<char>(out[i] ^ 0x20);
  }
  return Value::string({out, s.size()});
}

int64_t utf8_length(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Value time_part(const Value& ts, Fn fn) {
  if (!is_int_like(ts)) return Value::null();
  CivilTime c = civil_from_ms(ts.i);
  return Value::int64(fn == Fn::kHour ? c.hour : c.day);
}

Value bucket(const Value& ts, int64_t width) {
  int64_t out = 0;
  if (!is_int_like(ts) || __builtin_mul_overflow(floor_div(ts.i, width), width, &out)) return Value::null();
  return Value::timestamp(out);
}

Value two_strings(const Value& a, const Value& b, Fn fn) {
  if (a.type != kStr || b.type != kStr) return Value::null();
  return Value::boolean(fn == Fn::kStartsWith ? a.s.starts_with(b.s)
                                              : a.s.find(b.s) != std::string_view::npos);
}

Value coalesce_value(const Evaluator& ev, const Node& node) {
  for (uint32_t k = 0; k < node.count; ++k) {
    Value v = ev.kid(node, k);
    if (v.is_null()) continue;
    if (node.type == ValueType::kFloat64 && v.type == ValueType::kInt64) return Value::float64(v.as_double());
    return v;
  }
  return Value::null();
}

// Casts ---------------------------------------------------------------------------------------

bool in_int64_range(double d) { return std::isfinite(d) && d >= -0x1p63 && d < 0x1p63; }

Value to_int64(const Value& v) {
  switch (v.type) {
    case ValueType::kBool: return Value::int64(v.b);
    case ValueType::kFloat64:
      return in_int64_range(v.f) ? Value::int64(static_cast<int64_t>(v.f)) : Value::null();
    case ValueType::kTimestamp: return Value::int64(v.i);
    case ValueType::kString: {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(v.s.data(), v.s.data() + v.s.size(), n);
      return ec == std::errc() && p == v.s.data() + v.s.size() ? Value::int64(n) : Value::null();
    }
    default: return v;
  }
}

Value to_float64(const Value& v) {
  switch (v.type) {
    case ValueType::kBool: return Value::float64(v.b);
    case ValueType::kInt64:
    case ValueType::kTimestamp: return Value::float64(static_cast<double>(v.i));
    case ValueType::kString: {
      double d = 0;
      auto [p, ec] = std::from_chars(v.s.data(), v.s.data() + v.s.size(), d);
      bool ok = ec == std::errc() && p == v.s.data() + v.s.size() && std::isfinite(d);
      return ok ? Value::float64(d) : Value::null();
    }
    default: return v;
  }
}

Value to_string(const Value& v, Arena* arena) {
  char buf[32];
  size_t n = 0;
  switch (v.type) {
    case ValueType::kBool: return Value::string(v.b ? "true" : "false");
    case ValueType::kInt64:
      n = static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v.i).ptr - buf);
      break;
    case ValueType::kFloat64:
      n = static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v.f).ptr - buf);
      break;
    case ValueType::kTimestamp: n = format_rfc3339_ms(v.i, buf); break;
    default: return v;
  }
  char* out = arena->allocate(n);
  std::memcpy(out, buf, n);
  return Value::string({out, n});
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != b[i]) return false;
  }
  return true;
}

Value to_bool(const Value& v) {
  switch (v.type) {
    case ValueType::kInt64: return Value::boolean(v.i != 0);
    case ValueType::kFloat64: return Value::boolean(v.f != 0);
    case ValueType::kString:
      if (iequals(v.s, "true") || v.s == "1") return Value::boolean(true);
      if (iequals(v.s, "false") || v.s == "0") return Value::boolean(false);
      return Value::null();
    default: return v.type == ValueType::kBool ? v : Value::null();
  }
}

Value to_timestamp(const Value& v) {
  int64_t ms = 0;
  switch (v.type) {
    case ValueType::kInt64: return Value::timestamp(v.i);
    case ValueType::kFloat64:
      return in_int64_range(v.f) ? Value::timestamp(static_cast<int64_t>(v.f)) : Value::null();
    case ValueType::kString: return parse_rfc3339_ms(v.s, &ms) ? Value::timestamp(ms) : Value::null();
    default: return v.type == kTs ? v : Value::null();
  }
}

}  // namespace

Value eval_cast(const Evaluator& ev, const Node& node) {
  Value v = ev.kid(node, 0);
  if (v.is_null()) return v;
  switch (node.type) {
    case ValueType::kInt64: return to_int64(v);
    case ValueType::kFloat64: return to_float64(v);
    case ValueType::kString: return to_string(v, ev.arena());
    case ValueType::kBool: return to_bool(v);
    case ValueType::kTimestamp: return to_timestamp(v);
    default: return Value::null();
  }
}

Value eval_call(const Evaluator& ev, const Node& node) {
  auto fn = static_cast<Fn>(node.aux);
  if (fn == Fn::kCoalesce) return coalesce_value(ev, node);
  Value a = ev.kid(node, 0);
  if (a.is_null()) return a;
  switch (fn) {
    case Fn::kLower:
    case Fn::kUpper: return a.type == kStr ? ascii_case(ev.arena(), a.s, fn == Fn::kUpper) : Value::null();
    case Fn::kLength: return a.type == kStr ? Value::int64(utf8_length(a.s)) : Value::null();
    case Fn::kStartsWith:
    case Fn::kContains: return two_strings(a, ev.kid(node, 1), fn);
    case Fn::kMatches:
      return a.type == kStr
                 ? Value::boolean(RE2::PartialMatch(re2::StringPiece(a.s.data(), a.s.size()), *node.re))
                 : Value::null();
    case Fn::kTimeBucket: return bucket(a, node.imm);
    case Fn::kHour:
    case Fn::kDay: return time_part(a, fn);
    default: return Value::null();
  }
}

// Compiler: calls and casts -------------------------------------------------------------------

Result<uint32_t> Compiler::call(const Ast& a) {
  const FnSpec* spec = nullptr;
  std::vector<std::string_view> names = {"cast"};
  for (const FnSpec& f : kFunctions) {
    if (f.name == a.name) spec = &f;
    names.push_back(f.name);
  }
  if (!spec) {
    std::string_view hint = did_you_mean(a.name, names);
    std::string what = "unknown function " + quoted(a.name);
    return error(a.pos, hint.empty() ? what : what + " (did you mean " + quoted(hint) + "?)");
  }
  Node node{.op = Op::kCall, .aux = static_cast<uint8_t>(spec->fn), .type = spec->result};
  if (spec->fn == Fn::kCoalesce) return coalesce(a, node);
  DELTA_RETURN_IF_ERROR(check_args(a, spec->name, spec->nargs));
  std::vector<uint32_t> kids;
  DELTA_RETURN_IF_ERROR(compile_kids(a, &kids));
  for (size_t i = 0; i < kids.size(); ++i) {
    if (spec->fn == Fn::kTimeBucket && i == 1) continue;  // a literal, checked by time_bucket()
    if (!accepts(spec->args[i], type(kids[i]))) {
      return error(a.kids[i]->pos, std::string(spec->name) + " expects argument " + std::to_string(i + 1) +
                                       " to be " + std::string(value_type_name(spec->args[i])) + ", got " +
                                       std::string(name(kids[i])));
    }
  }
  if (spec->fn == Fn::kTimeBucket) return time_bucket(a, node, kids[0]);
  if (spec->fn == Fn::kMatches) {
    Result<const RE2*> re = regex(*a.kids[1], kids[1], "matches");
    if (!re.is_ok()) return re.status();
    node.re = *re;
    return emit(node, {kids[0]});
  }
  return emit(node, kids.data(), kids.size());
}

Status Compiler::check_args(const Ast& a, std::string_view fn, size_t n) {
  if (a.kids.size() == n) return Status::ok();
  std::string what = std::string(fn) + " expects " + std::to_string(n) +
                     (n == 1 ? " argument" : " arguments") + ", got " + std::to_string(a.kids.size());
  return error(a.pos, what);
}

Result<uint32_t> Compiler::coalesce(const Ast& a, Node node) {
  if (a.kids.empty()) return error(a.pos, "coalesce expects at least 1 argument, got 0");
  std::vector<uint32_t> kids;
  DELTA_RETURN_IF_ERROR(compile_kids(a, &kids));
  node.type = ValueType::kNull;
  for (size_t i = 0; i < kids.size(); ++i) {
    ValueType t = common_type(node.type, type(kids[i]));
    if (t == ValueType(255)) {
      return error(a.kids[i]->pos, "coalesce cannot mix " + std::string(value_type_name(node.type)) +
                                       " and " + std::string(name(kids[i])));
    }
    node.type = t;
  }
  return emit(node, kids.data(), kids.size());
}

Result<uint32_t> Compiler::time_bucket(const Ast& a, Node node, uint32_t ts) {
  const Ast& w = *a.kids[1];
  bool literal = w.kind == AstKind::kLiteral && (w.duration || w.literal.type == kStr);
  if (!literal) return error(w.pos, "the width of time_bucket must be a duration literal like '10s'");
  if (!parse_duration_ms(w.name, &node.imm)) {
    return error(
        w.pos, "invalid time_bucket width " + quoted(w.name) + " (expected a positive duration like '10s')");
  }
  return emit(node, {ts});
}

Result<uint32_t> Compiler::cast(const Ast& a) {
  ValueType target;
  if (!parse_cast_type(a.name, &target)) {
    return error(a.path_pos[0], "unknown type " + quoted(a.name) +
                                    " in cast (expected int64, float64, string, bool or timestamp)");
  }
  Result<uint32_t> k = compile(*a.kids[0]);
  if (!k.is_ok()) return k;
  ValueType from = type(*k);
  if ((from == ValueType::kBool && target == kTs) || (from == kTs && target == ValueType::kBool)) {
    return error(a.pos,
                 "cannot cast " + std::string(name(*k)) + " to " + std::string(value_type_name(target)));
  }
  return emit(Node{.op = Op::kCast, .type = target}, {*k});
}

}  // namespace delta::process
