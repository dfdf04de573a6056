// Evaluation of a compiled program: a recursive walk over the flat node vector, no allocation
// beyond the scratch arena (which keeps its chunks across events).
#include <cmath>
#include <limits>

#include "process/expr_program.h"

namespace delta::process {
namespace {

constexpr size_t kChunkBytes = 4096;

Value checked_float(double d) { return std::isfinite(d) ? Value::float64(d) : Value::null(); }

Value int_arith(BinOp op, int64_t a, int64_t b, ValueType t) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case BinOp::kAdd: overflow = __builtin_add_overflow(a, b, &r); break;
    case BinOp::kSub: overflow = __builtin_sub_overflow(a, b, &r); break;
    case BinOp::kMul: overflow = __builtin_mul_overflow(a, b, &r); break;
    case BinOp::kDiv:
    case BinOp::kMod:
      if (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)) return Value::null();
      r = op == BinOp::kDiv ? a / b : a % b;
      break;
    default: return Value::null();
  }
  if (overflow) return Value::null();
  Value v = Value::int64(r);
  v.type = t;
  return v;
}

Value float_arith(BinOp op, double a, double b) {
  switch (op) {
    case BinOp::kAdd: return checked_float(a + b);
    case BinOp::kSub: return checked_float(a - b);
    case BinOp::kMul: return checked_float(a * b);
    case BinOp::kDiv: return b == 0 ? Value::null() : checked_float(a / b);
    case BinOp::kMod: return b == 0 ? Value::null() : checked_float(std::fmod(a, b));
    default: return Value::null();
  }
}

// The result type of integral operands: timestamps stay timestamps unless subtracted from each other.
ValueType integral_result(BinOp op, ValueType a, ValueType b) {
  bool at = a == ValueType::kTimestamp, bt = b == ValueType::kTimestamp;
  if (at && bt) return op == BinOp::kSub ? ValueType::kInt64 : ValueType::kNull;
  if ((at || bt) && op != BinOp::kAdd && op != BinOp::kSub) return ValueType::kNull;
  if (bt && op == BinOp::kSub) return ValueType::kNull;
  return at || bt ? ValueType::kTimestamp : ValueType::kInt64;
}

bool compare_result(BinOp op, int c) {
  switch (op) {
    case BinOp::kEq: return c == 0;
    case BinOp::kNe: return c != 0;
    case BinOp::kLt: return c < 0;
    case BinOp::kLe: return c <= 0;
    case BinOp::kGt: return c > 0;
    default: return c >= 0;
  }
}

// Three-valued logic over bool-or-null; anything else (a json value of another type) is null.
int truth(const Value& v) { return v.type == ValueType::kBool ? v.b : -1; }

}  // namespace

char* Arena::allocate(size_t n) {
  while (chunk_ < chunks_.size() && used_ + n > chunks_[chunk_].size()) {
    ++chunk_;
    used_ = 0;
  }
  if (chunk_ == chunks_.size()) chunks_.emplace_back(std::max(n, kChunkBytes), '\0');
  char* p = chunks_[chunk_].data() + used_;
  used_ += n;
  return p;
}

Value Evaluator::eval(uint32_t n) const {
  const Node& node = p_.nodes[n];
  switch (node.op) {
    case Op::kConst: return node.constant;
    case Op::kField: return event_.read(static_cast<uint32_t>(node.imm));
    case Op::kNeg: {
      Value v = kid(node, 0);
      if (v.type == ValueType::kFloat64) return Value::float64(-v.f);
      bool ok = v.type == ValueType::kInt64 && v.i != std::numeric_limits<int64_t>::min();
      return ok ? Value::int64(-v.i) : Value::null();
    }
    case Op::kArith: return arith(node);
    case Op::kCompare: return compare(node);
    case Op::kAnd:
    case Op::kOr:
    case Op::kNot: return logic(node);
    case Op::kIsNull: return Value::boolean(kid(node, 0).is_null() != static_cast<bool>(node.aux));
    case Op::kIn: return in(node);
    case Op::kMatch: return match(node);
    case Op::kCast: return eval_cast(*this, node);
    case Op::kCall: return eval_call(*this, node);
  }
  return Value::null();
}

namespace {

// arith_values, inlined where CompiledExpr::eval computes a root without the walk.
inline __attribute__((always_inline)) Value arith_inline(BinOp op, const Value& a, const Value& b) {
  bool ai = a.type == ValueType::kInt64 || a.type == ValueType::kTimestamp;
  bool bi = b.type == ValueType::kInt64 || b.type == ValueType::kTimestamp;
  if (ai && bi) {
    ValueType t = integral_result(op, a.type, b.type);
    return t == ValueType::kNull ? Value::null() : int_arith(op, a.i, b.i, t);
  }
  if (!is_numeric(a.type) || !is_numeric(b.type)) return Value::null();
  return float_arith(op, a.as_double(), b.as_double());
}

}  // namespace

Value arith_values(BinOp op, const Value& a, const Value& b) { return arith_inline(op, a, b); }

Value compare_op(BinOp op, const Value& a, const Value& b) {
  int c = 0;
  if (a.is_null() || b.is_null() || !compare_values(a, b, &c)) return Value::null();
  return Value::boolean(compare_result(op, c));
}

Value Evaluator::arith(const Node& node) const {
  return arith_values(static_cast<BinOp>(node.aux), kid(node, 0), kid(node, 1));
}

Value Evaluator::compare(const Node& node) const {
  Value a = kid(node, 0);
  if (a.is_null()) return a;
  return compare_op(static_cast<BinOp>(node.aux), a, kid(node, 1));
}

// and: false wins over null; or: true wins over null. The right side is skipped once decided.
Value Evaluator::logic(const Node& node) const {
  int a = truth(kid(node, 0));
  if (node.op == Op::kNot) return a < 0 ? Value::null() : Value::boolean(!a);
  bool is_and = node.op == Op::kAnd;
  if (a == (is_and ? 0 : 1)) return Value::boolean(a);
  int b = truth(kid(node, 1));
  if (b == (is_and ? 0 : 1)) return Value::boolean(b);
  return a < 0 || b < 0 ? Value::null() : Value::boolean(is_and);
}

Value Evaluator::in(const Node& node) const {
  Value x = kid(node, 0);
  if (x.is_null()) return x;
  bool saw_null = false;
  for (uint32_t k = 1; k < node.count; ++k) {
    Value e = kid(node, k);
    int c = 1;
    if (e.is_null())
      saw_null = true;
    else if (compare_values(x, e, &c) && c == 0)
      return Value::boolean(!node.aux);
  }
  return saw_null ? Value::null() : Value::boolean(node.aux);
}

Value Evaluator::match(const Node& node) const {
  Value s = kid(node, 0);
  if (s.type != ValueType::kString) return Value::null();
  return Value::boolean(RE2::PartialMatch(re2::StringPiece(s.s.data(), s.s.size()), *node.re));
}

struct CompiledExpr::Scratch {
  Arena arena;
};

CompiledExpr::CompiledExpr(std::shared_ptr<const Program> program)
    : program_(std::move(program)), scratch_(std::make_unique<Scratch>()) {}
CompiledExpr::~CompiledExpr() = default;
CompiledExpr::CompiledExpr(const CompiledExpr& other)
    : program_(other.program_), scratch_(std::make_unique<Scratch>()) {}
CompiledExpr::CompiledExpr(CompiledExpr&&) noexcept = default;
CompiledExpr& CompiledExpr::operator=(CompiledExpr&&) noexcept = default;

namespace {

inline __attribute__((always_inline)) Value operand(const Shortcut::Operand& o, const EventView& event) {
  return o.slot >= 0 ? event.read(static_cast<uint32_t>(o.slot)) : o.constant;
}

// A field or constant operand of node n, or false.
bool leaf(const Program& p, uint32_t n, Shortcut::Operand* out) {
  const Node& node = p.nodes[n];
  if (node.op == Op::kField) out->slot = node.imm;
  if (node.op == Op::kConst) out->constant = node.constant;
  return node.op == Op::kField || node.op == Op::kConst;
}

// Whether node n is an arithmetic operator over two leaves: sets op, a and b.
bool arith_of_leaves(const Program& p, uint32_t n, BinOp* op, Shortcut::Operand* a, Shortcut::Operand* b) {
  const Node& node = p.nodes[n];
  *op = static_cast<BinOp>(node.aux);
  return node.op == Op::kArith && leaf(p, p.kids[node.first], a) && leaf(p, p.kids[node.first + 1], b);
}

}  // namespace

Shortcut shortcut_of(const Program& p) {
  Shortcut s;
  const auto root = static_cast<uint32_t>(p.nodes.size() - 1);
  const Node& node = p.nodes[root];
  if (node.op == Op::kField) {
    s.kind = Shortcut::Kind::kField;
    s.a.slot = node.imm;
  } else if (arith_of_leaves(p, root, &s.op, &s.a, &s.b)) {
    s.kind = Shortcut::Kind::kArith;
  } else if (node.op == Op::kCompare) {
    s.op = static_cast<BinOp>(node.aux);
    const uint32_t l = p.kids[node.first], r = p.kids[node.first + 1];
    if (leaf(p, l, &s.a) && leaf(p, r, &s.b)) {
      s.kind = Shortcut::Kind::kCompare;
    } else if (arith_of_leaves(p, l, &s.inner, &s.a, &s.b) && leaf(p, r, &s.c)) {
      s.kind = Shortcut::Kind::kCompareArith;
    }
  }
  if (s.kind == Shortcut::Kind::kNone) s = Shortcut{};
  return s;
}

Value CompiledExpr::eval(const EventView& event) {
  const Shortcut& s = program_->shortcut;
  switch (s.kind) {
    case Shortcut::Kind::kField: return event.read(static_cast<uint32_t>(s.a.slot));
    case Shortcut::Kind::kArith: return arith_inline(s.op, operand(s.a, event), operand(s.b, event));
    case Shortcut::Kind::kCompare: return compare_op(s.op, operand(s.a, event), operand(s.b, event));
    case Shortcut::Kind::kCompareArith:
      return compare_op(s.op, arith_values(s.inner, operand(s.a, event), operand(s.b, event)),
                        operand(s.c, event));
    case Shortcut::Kind::kNone: break;
  }
  scratch_->arena.reset();
  Evaluator ev(*program_, event, &scratch_->arena);
  return ev.eval(static_cast<uint32_t>(program_->nodes.size() - 1));
}

ValueType CompiledExpr::type() const { return program_->nodes.back().type; }
int64_t CompiledExpr::field_slot() const {
  const Node& root = program_->nodes.back();
  return root.op == Op::kField ? root.imm : -1;
}
const std::string& CompiledExpr::text() const { return program_->text; }
const FieldSet& CompiledExpr::fields() const { return program_->own_fields; }

}  // namespace delta::process
