// Type checking and code generation for literals, fields and operators; the public compile_*.
#include <algorithm>

#include "process/expr_compiler.h"
#include "process/expr_time.h"

namespace delta::process {
namespace {

bool is_compare(BinOp op) { return op <= BinOp::kGe; }
bool is_loose(ValueType t) { return t == ValueType::kNull || t == ValueType::kAny; }

ValueType from_field_type(model::FieldType t) {
  switch (t) {
    case model::FieldType::kString: return ValueType::kString;
    case model::FieldType::kInt64: return ValueType::kInt64;
    case model::FieldType::kFloat64: return ValueType::kFloat64;
    case model::FieldType::kBool: return ValueType::kBool;
    case model::FieldType::kTimestamp: return ValueType::kTimestamp;
    case model::FieldType::kJson: return ValueType::kAny;
  }
  return ValueType::kAny;
}

std::string_view op_name(BinOp op) {
  static constexpr std::string_view kNames[] = {"=", "!=", "<", "<=", ">",   ">=", "+",
                                                "-", "*",  "/", "%",  "and", "or", "~"};
  return kNames[static_cast<int>(op)];
}

// Static type of l op r for + - * / %, or false when the operator does not take these types.
bool arith_type(BinOp op, ValueType l, ValueType r, ValueType* out) {
  bool additive = op == BinOp::kAdd || op == BinOp::kSub;
  auto ok = [&](ValueType t) {
    return is_numeric(t) || is_loose(t) || (additive && t == ValueType::kTimestamp);
  };
  if (!ok(l) || !ok(r)) return false;
  if (l == ValueType::kAny || r == ValueType::kAny) return (*out = ValueType::kAny), true;
  if (l == ValueType::kNull || r == ValueType::kNull) return (*out = l == ValueType::kNull ? r : l), true;
  bool lt = l == ValueType::kTimestamp, rt = r == ValueType::kTimestamp;
  if (lt && rt) return op == BinOp::kSub && ((*out = ValueType::kInt64), true);
  if (lt || rt) {
    *out = ValueType::kTimestamp;
    return (lt ? r : l) == ValueType::kInt64 && (op == BinOp::kAdd || lt);
  }
  *out = l == ValueType::kInt64 && r == ValueType::kInt64 ? ValueType::kInt64 : ValueType::kFloat64;
  return true;
}

bool types_comparable(ValueType a, ValueType b) {
  if (is_loose(a) || is_loose(b) || a == b) return true;
  if (is_numeric(a) && is_numeric(b)) return true;
  return (a == ValueType::kTimestamp && b == ValueType::kInt64) ||
         (a == ValueType::kInt64 && b == ValueType::kTimestamp);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

Result<CompiledExpr> compile(std::string_view text, const model::StreamSchema& schema, FieldSet* fields,
                             bool condition) {
  Result<std::unique_ptr<Ast>> ast = parse_expression(text);
  if (!ast.is_ok()) return ast.status();
  auto p = std::make_shared<Program>();
  p->text = text;
  Result<uint32_t> root = Compiler(text, schema, fields ? fields : &p->own_fields, p.get()).compile(**ast);
  if (!root.is_ok()) return root.status();
  ValueType t = p->nodes[*root].type;
  if (condition && t != ValueType::kBool && !is_loose(t)) {
    return expr_error(text, 0, "a condition must be bool, got " + std::string(value_type_name(t)));
  }
  p->shortcut = shortcut_of(*p);
  return CompiledExpr(std::move(p));
}

}  // namespace

std::string_view did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_d = std::min<size_t>(2, name.size() / 2) + 1;
  for (std::string_view c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_d) best = c, best_d = d;
  }
  return best;
}

uint32_t FieldSet::add(FieldPath path) {
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i].parts == path.parts) return static_cast<uint32_t>(i);
  }
  paths_.push_back(std::move(path));
  return static_cast<uint32_t>(paths_.size() - 1);
}

Result<CompiledExpr> compile_expression(std::string_view text, const model::StreamSchema& schema,
                                        FieldSet* fields) {
  return compile(text, schema, fields, false);
}

Result<CompiledExpr> compile_condition(std::string_view text, const model::StreamSchema& schema,
                                       FieldSet* fields) {
  return compile(text, schema, fields, true);
}

uint32_t Compiler::emit(Node node, const uint32_t* kids, size_t n) {
  node.first = static_cast<uint32_t>(p_.kids.size());
  node.count = static_cast<uint32_t>(n);
  p_.kids.insert(p_.kids.end(), kids, kids + n);
  p_.nodes.push_back(node);
  return static_cast<uint32_t>(p_.nodes.size() - 1);
}

Status Compiler::compile_kids(const Ast& a, std::vector<uint32_t>* out) {
  for (const auto& k : a.kids) {
    Result<uint32_t> n = compile(*k);
    if (!n.is_ok()) return n.status();
    out->push_back(*n);
  }
  return Status::ok();
}

Result<uint32_t> Compiler::compile(const Ast& a) {
  switch (a.kind) {
    case AstKind::kLiteral: return literal(a);
    case AstKind::kField: return field(a);
    case AstKind::kNeg:
    case AstKind::kNot: return unary(a);
    case AstKind::kBinary: return binary(a);
    case AstKind::kIsNull: return is_null(a);
    case AstKind::kIn: return in(a);
    case AstKind::kCall: return call(a);
    case AstKind::kCast: return cast(a);
  }
  return error(a.pos, "unknown construct");
}

Result<uint32_t> Compiler::literal(const Ast& a) {
  Node n{.op = Op::kConst, .type = a.literal.type, .constant = a.literal};
  if (a.literal.type == ValueType::kString) n.constant.s = p_.strings.emplace_back(a.name);
  return emit(n, {});
}

Result<uint32_t> Compiler::field(const Ast& a) {
  int index = schema_.field_index(a.path[0]);
  if (index < 0) {
    std::vector<std::string_view> names;
    for (const auto& f : schema_.fields) names.push_back(f.name);
    std::string_view hint = did_you_mean(a.path[0], names);
    std::string what = "unknown field " + quoted(a.path[0]);
    return error(a.pos, hint.empty() ? what : what + " (did you mean " + quoted(hint) + "?)");
  }
  const model::Field& f = schema_.fields[index];
  if (a.path.size() > 1 && f.type != model::FieldType::kJson) {
    return error(a.path_pos[1], "field " + quoted(f.name) + " is " +
                                    std::string(model::field_type_name(f.type)) +
                                    ", not json: it has no field " + quoted(a.path[1]));
  }
  ValueType t = a.path.size() > 1 ? ValueType::kAny : from_field_type(f.type);
  uint32_t slot = fields_->add(FieldPath{a.path, f.type, t});
  return emit(Node{.op = Op::kField, .type = t, .imm = slot}, {});
}

Result<uint32_t> Compiler::unary(const Ast& a) {
  Result<uint32_t> k = compile(*a.kids[0]);
  if (!k.is_ok()) return k;
  ValueType t = type(*k);
  if (a.kind == AstKind::kNot) {
    if (t != ValueType::kBool && !is_loose(t))
      return error(a.pos, "not expects bool, got " + std::string(name(*k)));
    return emit(Node{.op = Op::kNot, .type = ValueType::kBool}, {*k});
  }
  if (!is_numeric(t) && !is_loose(t)) return error(a.pos, "unary - cannot take " + std::string(name(*k)));
  return emit(Node{.op = Op::kNeg, .type = t}, {*k});
}

Result<uint32_t> Compiler::binary(const Ast& a) {
  Result<uint32_t> l = compile(*a.kids[0]);
  if (!l.is_ok()) return l;
  Result<uint32_t> r = compile(*a.kids[1]);
  if (!r.is_ok()) return r;
  if (is_compare(a.op)) return compare(a, *l, *r);
  if (a.op == BinOp::kAnd || a.op == BinOp::kOr) return logic(a, *l, *r);
  if (a.op == BinOp::kMatch) return match(a, *l, *r);
  return arith(a, *l, *r);
}

Result<uint32_t> Compiler::arith(const Ast& a, uint32_t l, uint32_t r) {
  ValueType t;
  if (!arith_type(a.op, type(l), type(r), &t)) {
    return error(a.pos, "operator " + std::string(op_name(a.op)) + " cannot take " + std::string(name(l)) +
                            " and " + std::string(name(r)));
  }
  return emit(Node{.op = Op::kArith, .aux = static_cast<uint8_t>(a.op), .type = t}, {l, r});
}

// Whether l and *r compare; a string literal compared with a timestamp becomes a timestamp.
Status Compiler::comparable(const Ast& at, uint32_t l, uint32_t* r) {
  for (uint32_t* n : {&l, r}) {
    Node& lit = p_.nodes[*n];
    uint32_t other = n == &l ? *r : l;
    if (lit.op != Op::kConst || lit.type != ValueType::kString || type(other) != ValueType::kTimestamp)
      continue;
    int64_t ms = 0;
    if (!parse_rfc3339_ms(lit.constant.s, &ms)) {
      return error(at.pos, "invalid timestamp literal " + quoted(lit.constant.s) + " (expected RFC 3339)");
    }
    lit.constant = Value::timestamp(ms);
    lit.type = ValueType::kTimestamp;
  }
  if (types_comparable(type(l), type(*r))) return Status::ok();
  return error(at.pos, "cannot compare " + std::string(name(l)) + " with " + std::string(name(*r)));
}

Result<uint32_t> Compiler::compare(const Ast& a, uint32_t l, uint32_t r) {
  DELTA_RETURN_IF_ERROR(comparable(a, l, &r));
  return emit(Node{.op = Op::kCompare, .aux = static_cast<uint8_t>(a.op), .type = ValueType::kBool}, {l, r});
}

Result<uint32_t> Compiler::logic(const Ast& a, uint32_t l, uint32_t r) {
  for (uint32_t k : {l, r}) {
    if (type(k) != ValueType::kBool && !is_loose(type(k))) {
      return error(a.pos, std::string(op_name(a.op)) + " expects bool, got " + std::string(name(k)));
    }
  }
  return emit(Node{.op = a.op == BinOp::kAnd ? Op::kAnd : Op::kOr, .type = ValueType::kBool}, {l, r});
}

Result<uint32_t> Compiler::match(const Ast& a, uint32_t l, uint32_t r) {
  if (type(l) != ValueType::kString && !is_loose(type(l))) {
    return error(a.pos, "operator ~ cannot take " + std::string(name(l)) + " and " + std::string(name(r)));
  }
  Result<const RE2*> re = regex(*a.kids[1], r, "~");
  if (!re.is_ok()) return re.status();
  return emit(Node{.op = Op::kMatch, .type = ValueType::kBool, .re = *re}, {l});
}

Result<const RE2*> Compiler::regex(const Ast& pattern_ast, uint32_t pattern, std::string_view owner) {
  const Node& n = p_.nodes[pattern];
  if (n.op != Op::kConst || n.type != ValueType::kString) {
    return error(pattern_ast.pos, "the pattern of " + std::string(owner) + " must be a string literal");
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(n.constant.s.data(), n.constant.s.size()), options);
  if (!re->ok())
    return error(pattern_ast.pos, "invalid regular expression " + quoted(n.constant.s) + ": " + re->error());
  p_.regexes.push_back(std::move(re));
  return p_.regexes.back().get();
}

Result<uint32_t> Compiler::is_null(const Ast& a) {
  Result<uint32_t> k = compile(*a.kids[0]);
  if (!k.is_ok()) return k;
  return emit(Node{.op = Op::kIsNull, .aux = a.negated, .type = ValueType::kBool}, {*k});
}

Result<uint32_t> Compiler::in(const Ast& a) {
  std::vector<uint32_t> kids;
  DELTA_RETURN_IF_ERROR(compile_kids(a, &kids));
  for (size_t i = 1; i < kids.size(); ++i) DELTA_RETURN_IF_ERROR(comparable(*a.kids[i], kids[0], &kids[i]));
  return emit(Node{.op = Op::kIn, .aux = a.negated, .type = ValueType::kBool}, kids.data(), kids.size());
}

}  // namespace delta::process
