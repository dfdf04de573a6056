// Recursive descent parser, one function per precedence level, loosest first:
//   or < and < not < comparison (= == != <> < <= > >= ~, is [not] null, [not] in (...))
//   < + - < * / % < unary - < primary (literal, field path, call, cast, parentheses).
#include <algorithm>

#include "process/expr_ast.h"

namespace delta::process {
namespace {

using AstPtr = std::unique_ptr<Ast>;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);  // ASCII letters only: identifiers are ASCII
         });
}

AstPtr node(AstKind kind, uint32_t pos) {
  auto a = std::make_unique<Ast>();
  a->kind = kind;
  a->pos = pos;
  return a;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> toks) : text_(text), toks_(std::move(toks)) {}
  Result<AstPtr> run();

 private:
  Result<AstPtr> parse_or();
  Result<AstPtr> parse_and();
  Result<AstPtr> parse_not();
  Result<AstPtr> parse_comparison();
  Result<AstPtr> parse_postfix(AstPtr lhs);
  Result<AstPtr> parse_in(AstPtr lhs, bool negated, uint32_t pos);
  Result<AstPtr> parse_additive();
  Result<AstPtr> parse_multiplicative();
  Result<AstPtr> parse_unary();
  Result<AstPtr> parse_primary();
  Result<AstPtr> parse_literal();
  Result<AstPtr> parse_name();
  Result<AstPtr> parse_call(const Token& name);
  Result<AstPtr> parse_cast(uint32_t pos);
  Status parse_args(Ast* call);
  Result<AstPtr> nested(Result<AstPtr> (Parser::*level)());
  Result<AstPtr> finish(AstPtr a);
  Result<AstPtr> binary(BinOp op, uint32_t pos, AstPtr lhs, AstPtr rhs);
  Status too_deep(uint32_t pos) const;

  const Token& peek(size_t ahead = 0) const { return toks_[std::min(at_ + ahead, toks_.size() - 1)]; }
  const Token& take() { return toks_[at_ < toks_.size() - 1 ? at_++ : at_]; }
  bool keyword(std::string_view kw, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::kIdent && iequals(peek(ahead).text, kw);
  }
  Status expect(Tok kind, std::string_view what);
  Status unexpected(std::string_view expected) const;
  std::string describe(const Token& t) const;

  std::string_view text_;
  std::vector<Token> toks_;
  size_t at_ = 0;
  int depth_ = 0;
};

Result<AstPtr> Parser::run() {
  if (peek().kind == Tok::kEnd) return expr_error(text_, 0, "empty expression");
  Result<AstPtr> root = parse_or();
  if (!root.is_ok()) return root;
  if (peek().kind != Tok::kEnd) {
    return expr_error(text_, peek().pos,
                      "unexpected " + describe(peek()) + " after the end of the expression");
  }
  return root;
}

// Every level that recurses into a looser one goes through here, so depth bounds the stack.
Result<AstPtr> Parser::nested(Result<AstPtr> (Parser::*level)()) {
  if (++depth_ > kMaxExprDepth) return too_deep(peek().pos);
  Result<AstPtr> r = (this->*level)();
  --depth_;
  return r;
}

// Sets the height of a node whose kids are in place, refusing trees taller than kMaxExprDepth
// (`1+1+...` grows the tree without nesting the parser).
Result<AstPtr> Parser::finish(AstPtr a) {
  for (const AstPtr& k : a->kids) a->height = std::max(a->height, k->height + 1);
  if (a->height > kMaxExprDepth) return too_deep(a->pos);
  return a;
}

Result<AstPtr> Parser::binary(BinOp op, uint32_t pos, AstPtr lhs, AstPtr rhs) {
  AstPtr a = node(AstKind::kBinary, pos);
  a->op = op;
  a->kids.push_back(std::move(lhs));
  a->kids.push_back(std::move(rhs));
  return finish(std::move(a));
}

Status Parser::too_deep(uint32_t pos) const {
  return expr_error(text_, pos, "expression nests deeper than " + std::to_string(kMaxExprDepth) + " levels");
}

Result<AstPtr> Parser::parse_or() {
  Result<AstPtr> lhs = parse_and();
  while (lhs.is_ok() && keyword("or")) {
    uint32_t pos = take().pos;
    Result<AstPtr> rhs = parse_and();
    if (!rhs.is_ok()) return rhs;
    lhs = binary(BinOp::kOr, pos, std::move(*lhs), std::move(*rhs));
  }
  return lhs;
}

Result<AstPtr> Parser::parse_and() {
  Result<AstPtr> lhs = parse_not();
  while (lhs.is_ok() && keyword("and")) {
    uint32_t pos = take().pos;
    Result<AstPtr> rhs = parse_not();
    if (!rhs.is_ok()) return rhs;
    lhs = binary(BinOp::kAnd, pos, std::move(*lhs), std::move(*rhs));
  }
  return lhs;
}

Result<AstPtr> Parser::parse_not() {
  if (!keyword("not")) return parse_comparison();
  AstPtr a = node(AstKind::kNot, take().pos);
  Result<AstPtr> operand = nested(&Parser::parse_not);
  if (!operand.is_ok()) return operand;
  a->kids.push_back(std::move(*operand));
  return finish(std::move(a));
}

Result<AstPtr> Parser::parse_comparison() {
  Result<AstPtr> lhs = parse_additive();
  if (!lhs.is_ok()) return lhs;
  return parse_postfix(std::move(*lhs));
}

// Comparisons associate to the left, so `a < b < c` reaches the checker as (a < b) < c and fails
// there with a type error that names the columns.
Result<AstPtr> Parser::parse_postfix(AstPtr lhs) {
  static constexpr std::pair<Tok, BinOp> kOps[] = {
      {Tok::kEq, BinOp::kEq}, {Tok::kNe, BinOp::kNe}, {Tok::kLt, BinOp::kLt},      {Tok::kLe, BinOp::kLe},
      {Tok::kGt, BinOp::kGt}, {Tok::kGe, BinOp::kGe}, {Tok::kTilde, BinOp::kMatch}};
  for (;;) {
    const auto* op =
        std::find_if(std::begin(kOps), std::end(kOps), [&](auto& o) { return o.first == peek().kind; });
    uint32_t pos = peek().pos;
    if (op != std::end(kOps)) {
      take();
      Result<AstPtr> rhs = parse_additive();
      if (!rhs.is_ok()) return rhs;
      Result<AstPtr> b = binary(op->second, pos, std::move(lhs), std::move(*rhs));
      if (!b.is_ok()) return b;
      lhs = std::move(*b);
    } else if (keyword("is")) {
      take();
      AstPtr a = node(AstKind::kIsNull, pos);
      if (keyword("not")) a->negated = take().kind == Tok::kIdent;
      if (!keyword("null")) return unexpected("\"null\"");
      take();
      a->kids.push_back(std::move(lhs));
      Result<AstPtr> b = finish(std::move(a));
      if (!b.is_ok()) return b;
      lhs = std::move(*b);
    } else if (keyword("in") || (keyword("not") && keyword("in", 1))) {
      bool negated = keyword("not");
      at_ += negated ? 2 : 1;
      Result<AstPtr> in = parse_in(std::move(lhs), negated, pos);
      if (!in.is_ok()) return in;
      lhs = std::move(*in);
    } else {
      return lhs;
    }
  }
}

Result<AstPtr> Parser::parse_in(AstPtr lhs, bool negated, uint32_t pos) {
  AstPtr a = node(AstKind::kIn, pos);
  a->negated = negated;
  a->kids.push_back(std::move(lhs));
  DELTA_RETURN_IF_ERROR(expect(Tok::kLParen, "\"(\""));
  DELTA_RETURN_IF_ERROR(parse_args(a.get()));
  if (a->kids.size() == 1) return expr_error(text_, pos, "in needs at least one value");
  return finish(std::move(a));
}

Result<AstPtr> Parser::parse_additive() {
  Result<AstPtr> lhs = parse_multiplicative();
  while (lhs.is_ok() && (peek().kind == Tok::kPlus || peek().kind == Tok::kMinus)) {
    const Token& op = take();
    BinOp bop = op.kind == Tok::kPlus ? BinOp::kAdd : BinOp::kSub;
    Result<AstPtr> rhs = parse_multiplicative();
    if (!rhs.is_ok()) return rhs;
    lhs = binary(bop, op.pos, std::move(*lhs), std::move(*rhs));
  }
  return lhs;
}

Result<AstPtr> Parser::parse_multiplicative() {
  Result<AstPtr> lhs = parse_unary();
  while (lhs.is_ok() &&
         (peek().kind == Tok::kStar || peek().kind == Tok::kSlash || peek().kind == Tok::kPercent)) {
    const Token& op = take();
    BinOp bop = op.kind == Tok::kStar ? BinOp::kMul : (op.kind == Tok::kSlash ? BinOp::kDiv : BinOp::kMod);
    Result<AstPtr> rhs = parse_unary();
    if (!rhs.is_ok()) return rhs;
    lhs = binary(bop, op.pos, std::move(*lhs), std::move(*rhs));
  }
  return lhs;
}

Result<AstPtr> Parser::parse_unary() {
  if (peek().kind == Tok::kPlus) {
    take();
    return nested(&Parser::parse_unary);
  }
  if (peek().kind != Tok::kMinus) return parse_primary();
  AstPtr a = node(AstKind::kNeg, take().pos);
  Result<AstPtr> operand = nested(&Parser::parse_unary);
  if (!operand.is_ok()) return operand;
  a->kids.push_back(std::move(*operand));
  return finish(std::move(a));
}

Result<AstPtr> Parser::parse_primary() {
  const Token& t = peek();
  if (t.kind == Tok::kLParen) {
    take();
    Result<AstPtr> inner = nested(&Parser::parse_or);
    if (!inner.is_ok()) return inner;
    DELTA_RETURN_IF_ERROR(expect(Tok::kRParen, "\")\""));
    return inner;
  }
  if (t.kind == Tok::kIdent || t.kind == Tok::kQuotedIdent) return parse_name();
  return parse_literal();
}

Result<AstPtr> Parser::parse_literal() {
  const Token& t = peek();
  AstPtr a = node(AstKind::kLiteral, t.pos);
  switch (t.kind) {
    case Tok::kInt: a->literal = Value::int64(t.i); break;
    case Tok::kDuration:
      a->literal = Value::int64(t.i);
      a->duration = true;
      a->name = text_.substr(t.pos, t.len);
      break;
    case Tok::kFloat: a->literal = Value::float64(t.f); break;
    case Tok::kString:
      a->name = t.text;
      a->literal = Value::string(a->name);
      break;
    default: return unexpected("an operand");
  }
  take();
  return a;
}

// true/false/null, cast(...), a function call, or a field path a.b.c.
Result<AstPtr> Parser::parse_name() {
  const Token& t = take();
  bool plain = t.kind == Tok::kIdent;
  if (plain && (iequals(t.text, "true") || iequals(t.text, "false") || iequals(t.text, "null"))) {
    AstPtr a = node(AstKind::kLiteral, t.pos);
    if (!iequals(t.text, "null")) a->literal = Value::boolean(iequals(t.text, "true"));
    return a;
  }
  if (plain && peek().kind == Tok::kLParen)
    return iequals(t.text, "cast") ? parse_cast(t.pos) : parse_call(t);
  AstPtr a = node(AstKind::kField, t.pos);
  a->path.push_back(t.text);
  a->path_pos.push_back(t.pos);
  while (peek().kind == Tok::kDot) {
    take();
    if (peek().kind != Tok::kIdent && peek().kind != Tok::kQuotedIdent)
      return unexpected("a field name after \".\"");
    a->path_pos.push_back(peek().pos);
    a->path.push_back(take().text);
  }
  return a;
}

Result<AstPtr> Parser::parse_call(const Token& name) {
  AstPtr a = node(AstKind::kCall, name.pos);
  a->name = name.text;
  std::transform(a->name.begin(), a->name.end(), a->name.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; });
  take();  // (
  DELTA_RETURN_IF_ERROR(parse_args(a.get()));
  return finish(std::move(a));
}

// Comma-separated expressions up to ")"; the "(" is already taken.
Status Parser::parse_args(Ast* call) {
  if (peek().kind == Tok::kRParen) {
    take();
    return Status::ok();
  }
  for (;;) {
    Result<AstPtr> arg = nested(&Parser::parse_or);
    if (!arg.is_ok()) return arg.status();
    call->kids.push_back(std::move(*arg));
    if (peek().kind != Tok::kComma) return expect(Tok::kRParen, "\",\" or \")\"");
    take();
  }
}

Result<AstPtr> Parser::parse_cast(uint32_t pos) {
  take();  // (
  AstPtr a = node(AstKind::kCast, pos);
  Result<AstPtr> operand = nested(&Parser::parse_or);
  if (!operand.is_ok()) return operand;
  a->kids.push_back(std::move(*operand));
  if (!keyword("as")) return unexpected("\"as\"");
  take();
  if (peek().kind != Tok::kIdent) return unexpected("a type name");
  a->name = peek().text;
  a->path_pos.push_back(take().pos);
  DELTA_RETURN_IF_ERROR(expect(Tok::kRParen, "\")\""));
  return finish(std::move(a));
}

Status Parser::expect(Tok kind, std::string_view what) {
  if (peek().kind != kind) return unexpected(what);
  take();
  return Status::ok();
}

Status Parser::unexpected(std::string_view expected) const {
  return expr_error(text_, peek().pos, "expected " + std::string(expected) + ", got " + describe(peek()));
}

std::string Parser::describe(const Token& t) const {
  if (t.kind == Tok::kEnd) return "the end of the expression";
  return quoted(text_.substr(t.pos, t.len));
}

}  // namespace

Result<std::unique_ptr<Ast>> parse_expression(std::string_view text) {
  if (text.size() > kMaxExprBytes) {
    return expr_error(text, 0, "expression is longer than " + std::to_string(kMaxExprBytes) + " bytes");
  }
  Result<std::vector<Token>> toks = lex_expression(text);
  if (!toks.is_ok()) return toks.status();
  return Parser(text, std::move(*toks)).run();
}

}  // namespace delta::process
