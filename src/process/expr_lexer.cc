// Tokenizer: identifiers, numbers, durations, strings, backquoted names and operators.
#include <charconv>
#include <cmath>

#include "process/expr_ast.h"
#include "process/expr_time.h"

namespace delta::process {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident(char c) { return is_ident_start(c) || is_digit(c); }

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : t_(text) {}
  Result<std::vector<Token>> run();

 private:
  Status next(Token* tok);
  Status number(Token* tok);
  Status number_suffix(Token* tok, size_t end, bool integral);
  Status string(Token* tok);
  Status escape(size_t* i, std::string* out);
  Status quoted_ident(Token* tok);
  bool symbol(Token* tok);
  Status error(size_t pos, std::string_view what) { return expr_error(t_, static_cast<uint32_t>(pos), what); }

  std::string_view t_;
  size_t i_ = 0;
};

Result<std::vector<Token>> Lexer::run() {
  std::vector<Token> out;
  for (;;) {
    Token tok;
    DELTA_RETURN_IF_ERROR(next(&tok));
    out.push_back(std::move(tok));
    if (out.back().kind == Tok::kEnd) return out;
  }
}

Status Lexer::next(Token* tok) {
  while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  tok->pos = static_cast<uint32_t>(i_);
  if (i_ == t_.size()) return Status::ok();
  char c = t_[i_];
  if (is_digit(c)) return number(tok);
  if (c == '\'' || c == '"') return string(tok);
  if (c == '`') return quoted_ident(tok);
  if (is_ident_start(c)) {
    size_t start = i_;
    while (i_ < t_.size() && is_ident(t_[i_])) ++i_;
    tok->kind = Tok::kIdent;
    tok->text = t_.substr(start, i_ - start);
    tok->len = static_cast<uint32_t>(i_ - start);
    return Status::ok();
  }
  if (symbol(tok)) return Status::ok();
  return error(i_, "unexpected character " + quoted(t_.substr(i_, 1)));
}

bool Lexer::symbol(Token* tok) {
  static constexpr struct {
    std::string_view text;
    Tok kind;
  } kSymbols[] = {{"==", Tok::kEq},   {"!=", Tok::kNe},     {"<>", Tok::kNe},    {"<=", Tok::kLe},
                  {">=", Tok::kGe},   {"(", Tok::kLParen},  {")", Tok::kRParen}, {",", Tok::kComma},
                  {".", Tok::kDot},   {"+", Tok::kPlus},    {"-", Tok::kMinus},  {"*", Tok::kStar},
                  {"/", Tok::kSlash}, {"%", Tok::kPercent}, {"=", Tok::kEq},     {"<", Tok::kLt},
                  {">", Tok::kGt},    {"~", Tok::kTilde}};
  for (const auto& s : kSymbols) {
    if (t_.substr(i_).starts_with(s.text)) {
      tok->kind = s.kind;
      tok->len = static_cast<uint32_t>(s.text.size());
      i_ += s.text.size();
      return true;
    }
  }
  return false;
}

// digits [. digits] [(e|E) [+-] digits], then optionally a duration unit glued to an integer.
Status Lexer::number(Token* tok) {
  size_t start = i_, end = i_;
  while (end < t_.size() && is_digit(t_[end])) ++end;
  bool integral = true;
  if (end < t_.size() && t_[end] == '.') {
    integral = false;
    size_t frac = ++end;
    while (end < t_.size() && is_digit(t_[end])) ++end;
    if (end == frac) return error(start, "invalid number " + quoted(t_.substr(start, end - start)));
  }
  if (end < t_.size() && (t_[end] == 'e' || t_[end] == 'E')) {
    size_t exp = end + 1 + (end + 1 < t_.size() && (t_[end + 1] == '+' || t_[end + 1] == '-'));
    if (exp < t_.size() && is_digit(t_[exp])) {
      integral = false;
      end = exp;
      while (end < t_.size() && is_digit(t_[end])) ++end;
    }
  }
  return number_suffix(tok, end, integral);
}

Status Lexer::number_suffix(Token* tok, size_t end, bool integral) {
  size_t start = i_, unit_end = end;
  while (unit_end < t_.size() && is_ident(t_[unit_end])) ++unit_end;
  std::string_view digits = t_.substr(start, end - start), unit = t_.substr(end, unit_end - end);
  i_ = unit_end;
  tok->len = static_cast<uint32_t>(unit_end - start);
  if (!unit.empty() && !integral) return error(start, "invalid number " + quoted(t_.substr(start, tok->len)));
  if (!unit.empty() && duration_unit_ms(unit) == 0) {
    return error(end, "invalid duration unit " + quoted(unit) + " (expected ms, s, m, h or d)");
  }
  if (!integral) {
    tok->kind = Tok::kFloat;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), tok->f);
    if (ec != std::errc() || !std::isfinite(tok->f))
      return error(start, "number " + quoted(digits) + " is out of range");
    return Status::ok();
  }
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), tok->i);
  if (ec != std::errc()) return error(start, "integer " + quoted(digits) + " does not fit in int64");
  tok->kind = unit.empty() ? Tok::kInt : Tok::kDuration;
  if (!unit.empty() && __builtin_mul_overflow(tok->i, duration_unit_ms(unit), &tok->i)) {
    return error(start,
                 "duration " + quoted(t_.substr(start, tok->len)) + " does not fit in int64 milliseconds");
  }
  return Status::ok();
}

// 'text' or "text"; a doubled quote stands for one; escapes \\ \' \" \n \r \t \uXXXX; any other
// backslash pair is kept as is.
Status Lexer::string(Token* tok) {
  size_t start = i_;
  char quote = t_[i_++];
  tok->kind = Tok::kString;
  for (;;) {
    if (i_ >= t_.size()) return error(start, "unterminated string");
    char c = t_[i_++];
    if (c == quote && i_ < t_.size() && t_[i_] == quote) {
      tok->text.push_back(quote);
      ++i_;
    } else if (c == quote) {
      break;
    } else if (c == '\\') {
      DELTA_RETURN_IF_ERROR(escape(&i_, &tok->text));
    } else {
      tok->text.push_back(c);
    }
  }
  tok->len = static_cast<uint32_t>(i_ - start);
  return Status::ok();
}

Status Lexer::escape(size_t* i, std::string* out) {
  size_t at = *i - 1;
  char c = *i < t_.size() ? t_[(*i)++] : '\0';
  switch (c) {
    case '\\':
    case '\'':
    case '"': out->push_back(c); return Status::ok();
    case 'n': out->push_back('\n'); return Status::ok();
    case 'r': out->push_back('\r'); return Status::ok();
    case 't': out->push_back('\t'); return Status::ok();
    default: break;
  }
  if (c != 'u' && c != '\0') {  // kept as written, so that regexes read naturally: '\d+\.'
    out->push_back('\\');
    out->push_back(c);
    return Status::ok();
  }
  uint32_t cp = 0;
  if (c == 'u' && *i + 4 <= t_.size() &&
      std::from_chars(t_.data() + *i, t_.data() + *i + 4, cp, 16).ptr == t_.data() + *i + 4 &&
      (cp < 0xD800 || cp > 0xDFFF)) {
    *i += 4;
    append_utf8(cp, out);
    return Status::ok();
  }
  size_t len = c == 'u' ? std::min<size_t>(6, t_.size() - at) : 1;
  return error(at, "invalid escape " + quoted(t_.substr(at, len)) + " in string");
}

// `any name`: a field whose name is a keyword or not an identifier.
Status Lexer::quoted_ident(Token* tok) {
  size_t start = i_++;
  size_t end = t_.find('`', i_);
  if (end == std::string_view::npos) return error(start, "unterminated quoted name");
  if (end == i_) return error(start, "empty quoted name");
  tok->kind = Tok::kQuotedIdent;
  tok->text = t_.substr(i_, end - i_);
  i_ = end + 1;
  tok->len = static_cast<uint32_t>(i_ - start);
  return Status::ok();
}

}  // namespace

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out.push_back('"');
  return out;
}

Status expr_error(std::string_view text, uint32_t pos, std::string_view what) {
  size_t column = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i)
    column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  std::string m = "expression " + quoted(text) + " at column " + std::to_string(column) + ": ";
  m.append(what);
  return Status::invalid_argument(std::move(m));
}

Result<std::vector<Token>> lex_expression(std::string_view text) { return Lexer(text).run(); }

}  // namespace delta::process
