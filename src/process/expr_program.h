// Internal to the expression library: the compiled form. A Program is a flat vector of nodes; a
// node's operands are other nodes, listed in `kids` from `first` for `count`. The root is the last
// node. Built once by the compiler, then immutable and shared by every copy of a CompiledExpr.
#pragma once

#include <re2/re2.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "process/expr.h"
#include "process/expr_ast.h"

namespace delta::process {

enum class Op : uint8_t {
  kConst,
  kField,
  kNeg,
  kArith,
  kCompare,
  kAnd,
  kOr,
  kNot,
  kIsNull,
  kIn,
  kMatch,
  kCast,
  kCall,
};

// Functions evaluated by expr_functions.cc (kCall's aux).
enum class Fn : uint8_t {
  kLower,
  kUpper,
  kLength,
  kStartsWith,
  kContains,
  kMatches,
  kTimeBucket,
  kHour,
  kDay,
  kCoalesce,
};

struct Node {
  Op op = Op::kConst;
  uint8_t aux = 0;  // kArith/kCompare: BinOp; kCast: target ValueType; kCall: Fn; kIn/kIsNull: negated
  ValueType type = ValueType::kNull;
  uint32_t first = 0, count = 0;  // operands in Program::kids
  Value constant;                 // kConst
  int64_t imm = 0;                // kField: slot; time_bucket: width in ms
  const RE2* re = nullptr;        // kMatch, matches()
};

// A root that CompiledExpr::eval() computes without walking the nodes: a field; an arithmetic
// operator or a comparison whose operands are fields and constants (`price * 0.908`, `amount > 10`);
// a comparison of such an arithmetic operator with a field or a constant (`auction % 123 = 0`).
// The walk's own functions (arith_values, compare_op) compute it, so the value is the walk's.
struct Shortcut {
  enum class Kind : uint8_t { kNone, kField, kArith, kCompare, kCompareArith };
  struct Operand {
    int64_t slot = -1;  // a field's slot; -1: `constant`
    Value constant;
  };
  Kind kind = Kind::kNone;
  BinOp op = BinOp::kEq;      // the root's operator
  BinOp inner = BinOp::kAdd;  // kCompareArith: a inner b, compared with c
  Operand a, b, c;            // kField: a
};

struct Program {
  std::string text;
  std::vector<Node> nodes;
  std::vector<uint32_t> kids;
  std::deque<std::string> strings;  // bytes of string constants; a deque never moves them
  std::vector<std::unique_ptr<RE2>> regexes;
  FieldSet own_fields;
  Shortcut shortcut;  // set by the compiler once the nodes are final (shortcut_of)
};

// The shortcut for p's root, or kind kNone.
Shortcut shortcut_of(const Program& p);
// What the walk computes for `a op b`: arithmetic (+ - * / %) and comparisons, with their null rules.
Value arith_values(BinOp op, const Value& a, const Value& b);
Value compare_op(BinOp op, const Value& a, const Value& b);

// Per-copy scratch for strings made during one evaluation (lower, upper, cast to string): chunks
// kept across events, so after the first few events nothing is allocated.
class Arena {
 public:
  char* allocate(size_t n);
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }

 private:
  std::vector<std::string> chunks_;
  size_t chunk_ = 0, used_ = 0;
};

class Evaluator {
 public:
  Evaluator(const Program& p, const EventView& event, Arena* arena) : p_(p), event_(event), arena_(arena) {}
  Value eval(uint32_t n) const;
  Value kid(const Node& node, uint32_t k) const { return eval(p_.kids[node.first + k]); }
  Arena* arena() const { return arena_; }

 private:
  Value arith(const Node& node) const;
  Value compare(const Node& node) const;
  Value logic(const Node& node) const;
  Value in(const Node& node) const;
  Value match(const Node& node) const;

  const Program& p_;
  const EventView& event_;
  Arena* arena_;
};

Value eval_call(const Evaluator& ev, const Node& node);
Value eval_cast(const Evaluator& ev, const Node& node);

}  // namespace delta::process
