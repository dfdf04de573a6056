// Internal to the expression library: tokens, the syntax tree the parser builds and the checker
// reads, and the one way errors are worded. Built and dropped during compilation, on the caller's
// thread; nothing here is on the evaluation path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "process/expr_value.h"

namespace delta::process {

// Nesting bound for parentheses, operators and calls (the parser's recursion and the tree's
// height): checking, compiling and evaluating recurse over the tree, so this bounds their stack.
inline constexpr int kMaxExprDepth = 128;
inline constexpr size_t kMaxExprBytes = 64 * 1024;

enum class Tok : uint8_t {
  kEnd,
  kInt,
  kFloat,
  kString,
  kDuration,
  kIdent,
  kQuotedIdent,
  kLParen,
  kRParen,
  kComma,
  kDot,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kTilde,
};

struct Token {
  Tok kind = Tok::kEnd;
  uint32_t pos = 0;  // byte offset in the expression
  uint32_t len = 0;
  std::string text;  // identifier or unescaped string
  int64_t i = 0;     // kInt, kDuration (milliseconds)
  double f = 0;      // kFloat
};

enum class AstKind : uint8_t { kLiteral, kField, kNeg, kNot, kBinary, kIsNull, kIn, kCall, kCast };

// Binary operators; comparisons first, in the order of `kCompareOps` in the compiler.
enum class BinOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod, kAnd, kOr, kMatch };

struct Ast {
  AstKind kind = AstKind::kLiteral;
  BinOp op = BinOp::kEq;
  bool negated = false;           // `is not null`, `not in`
  bool duration = false;          // a kLiteral written as a duration (10s): int64 milliseconds
  int height = 1;                 // 1 + the largest height of the kids
  uint32_t pos = 0;               // where the construct starts (operators: the operator token)
  Value literal;                  // kLiteral; a string's bytes live in `name`
  std::string name;               // string literal bytes, function name, or cast target type
  std::vector<std::string> path;  // kField: a.b.c
  std::vector<uint32_t> path_pos;
  std::vector<std::unique_ptr<Ast>> kids;
};

// `expression "<text>" at column <n>: <what>`; the column counts UTF-8 characters from 1.
Status expr_error(std::string_view text, uint32_t pos, std::string_view what);
// `"<s>"` for messages: the text quoted.
std::string quoted(std::string_view s);

Result<std::vector<Token>> lex_expression(std::string_view text);
Result<std::unique_ptr<Ast>> parse_expression(std::string_view text);

}  // namespace delta::process
