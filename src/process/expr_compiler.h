// Internal to the expression library: the type checker and code generator, in one pass over the
// syntax tree. Each compile_* returns the index of the node it emitted, whose `type` is the static
// type. Operators live in expr_compile.cc, functions and casts in expr_functions.cc.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "process/expr_ast.h"
#include "process/expr_program.h"

namespace delta::process {

class Compiler {
 public:
  Compiler(std::string_view text, const model::StreamSchema& schema, FieldSet* fields, Program* p)
      : text_(text), schema_(schema), fields_(fields), p_(*p) {}
  Result<uint32_t> compile(const Ast& a);

 private:
  Result<uint32_t> literal(const Ast& a);
  Result<uint32_t> field(const Ast& a);
  Result<uint32_t> unary(const Ast& a);
  Result<uint32_t> binary(const Ast& a);
  Result<uint32_t> arith(const Ast& a, uint32_t l, uint32_t r);
  Result<uint32_t> compare(const Ast& a, uint32_t l, uint32_t r);
  Result<uint32_t> logic(const Ast& a, uint32_t l, uint32_t r);
  Result<uint32_t> match(const Ast& a, uint32_t l, uint32_t r);
  Result<uint32_t> is_null(const Ast& a);
  Result<uint32_t> in(const Ast& a);
  Result<uint32_t> cast(const Ast& a);
  Result<uint32_t> call(const Ast& a);
  Result<uint32_t> coalesce(const Ast& a, Node node);
  Result<uint32_t> time_bucket(const Ast& a, Node node, uint32_t ts);
  Status check_args(const Ast& a, std::string_view name, size_t n);
  Status comparable(const Ast& at, uint32_t l, uint32_t* r);
  Result<const RE2*> regex(const Ast& pattern_ast, uint32_t pattern, std::string_view owner);
  Status compile_kids(const Ast& a, std::vector<uint32_t>* out);

  uint32_t emit(Node node, std::initializer_list<uint32_t> kids) {
    return emit(node, kids.begin(), kids.size());
  }
  uint32_t emit(Node node, const uint32_t* kids, size_t n);
  ValueType type(uint32_t n) const { return p_.nodes[n].type; }
  Status error(uint32_t pos, std::string_view what) const { return expr_error(text_, pos, what); }
  std::string_view name(uint32_t n) const { return value_type_name(type(n)); }

  std::string_view text_;
  const model::StreamSchema& schema_;
  FieldSet* fields_;
  Program& p_;
};

// The candidate nearest to `name` by edit distance, when near enough to be a likely typo; else "".
std::string_view did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace delta::process
