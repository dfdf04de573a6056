// Every compile error message of expr.h's catalogue, word for word, with its column.
#include <gtest/gtest.h>

#include "process/expr_ast.h"
#include "process/tests/expr_test_util.h"

namespace delta::process::testing {
namespace {

std::string err(std::string_view expr, int column, std::string_view what) {
  return "expression \"" + std::string(expr) + "\" at column " + std::to_string(column) + ": " +
         std::string(what);
}

#define EXPECT_ERROR(expr, column, what) EXPECT_EQ(error_of(expr), err(expr, column, what))

TEST(ExprErrors, Lexing) {
  EXPECT_ERROR("amount # 1", 8, "unexpected character \"#\"");
  EXPECT_ERROR("type = 'click", 8, "unterminated string");
  EXPECT_ERROR("type = \"click", 8, "unterminated string");
  EXPECT_ERROR(R"('\u12' = 'x')", 2, R"(invalid escape "\u12' " in string)");
  EXPECT_ERROR(R"('\ud800')", 2, R"(invalid escape "\ud800" in string)");
  EXPECT_ERROR("1. + 2", 1, "invalid number \"1.\"");
  EXPECT_ERROR("1.5s", 1, "invalid number \"1.5s\"");
  EXPECT_ERROR("99999999999999999999 > 1", 1, "integer \"99999999999999999999\" does not fit in int64");
  EXPECT_ERROR("1e999", 1, "number \"1e999\" is out of range");
  EXPECT_ERROR("count > 10x", 11, "invalid duration unit \"x\" (expected ms, s, m, h or d)");
  EXPECT_ERROR("9999999999999999d", 1, "duration \"9999999999999999d\" does not fit in int64 milliseconds");
  EXPECT_ERROR("`type = 1", 1, "unterminated quoted name");
  EXPECT_ERROR("`` = 1", 1, "empty quoted name");
}

TEST(ExprErrors, ColumnsCountCharactersNotBytes) {
  EXPECT_ERROR("'\xc3\xa9t\xc3\xa9' # 1", 7, "unexpected character \"#\"");
}

TEST(ExprErrors, Parsing) {
  EXPECT_ERROR("", 1, "empty expression");
  EXPECT_ERROR("   ", 1, "empty expression");
  std::string long_expr(kMaxExprBytes + 1, '1');
  EXPECT_EQ(error_of(long_expr), err(long_expr, 1, "expression is longer than 65536 bytes"));
  EXPECT_ERROR("amount > )", 10, "expected an operand, got \")\"");
  EXPECT_ERROR("amount >", 9, "expected an operand, got the end of the expression");
  EXPECT_ERROR("(amount > 1", 12, "expected \")\", got the end of the expression");
  EXPECT_ERROR("email is 1", 10, "expected \"null\", got \"1\"");
  EXPECT_ERROR("email is not", 13, "expected \"null\", got the end of the expression");
  EXPECT_ERROR("cast(amount int64)", 13, "expected \"as\", got \"int64\"");
  EXPECT_ERROR("cast(amount as 1)", 16, "expected a type name, got \"1\"");
  EXPECT_ERROR("cast(amount as int64", 21, "expected \")\", got the end of the expression");
  EXPECT_ERROR("meta. = 1", 7, "expected a field name after \".\", got \"=\"");
  EXPECT_ERROR("country in ()", 9, "in needs at least one value");
  EXPECT_ERROR("country in 'DE'", 12, "expected \"(\", got \"'DE'\"");
  EXPECT_ERROR("lower(type, ", 13, "expected an operand, got the end of the expression");
  EXPECT_ERROR("lower(type type)", 12, "expected \",\" or \")\", got \"type\"");
  EXPECT_ERROR("amount > 1 2", 12, "unexpected \"2\" after the end of the expression");
  EXPECT_ERROR("amount amount", 8, "unexpected \"amount\" after the end of the expression");
}

TEST(ExprErrors, NestingBound) {
  std::string parens(kMaxExprDepth + 1, '(');
  EXPECT_EQ(error_of(parens + "1"),
            err(parens + "1", kMaxExprDepth + 2, "expression nests deeper than 128 levels"));
  std::string sum = "1";
  for (int i = 0; i < kMaxExprDepth; ++i) sum += "+1";
  EXPECT_EQ(error_of(sum), err(sum, 2 * kMaxExprDepth, "expression nests deeper than 128 levels"));
}

TEST(ExprErrors, Fields) {
  EXPECT_ERROR("amont > 1", 1, "unknown field \"amont\" (did you mean \"amount\"?)");
  EXPECT_ERROR("1 < AMOUNT", 5, "unknown field \"AMOUNT\"");  // field names are case-sensitive
  EXPECT_ERROR("zzzzzz = 1", 1, "unknown field \"zzzzzz\"");
  EXPECT_ERROR("email.domain = 'x'", 7, "field \"email\" is string, not json: it has no field \"domain\"");
}

TEST(ExprErrors, Functions) {
  EXPECT_ERROR("lowr(type)", 1, "unknown function \"lowr\" (did you mean \"lower\"?)");
  EXPECT_ERROR("frobnicate(type)", 1, "unknown function \"frobnicate\"");
  EXPECT_ERROR("lower(type, email)", 1, "lower expects 1 argument, got 2");
  EXPECT_ERROR("starts_with(type)", 1, "starts_with expects 2 arguments, got 1");
  EXPECT_ERROR("coalesce()", 1, "coalesce expects at least 1 argument, got 0");
  EXPECT_ERROR("lower(count)", 7, "lower expects argument 1 to be string, got int64");
  EXPECT_ERROR("contains(type, 1)", 16, "contains expects argument 2 to be string, got int64");
  EXPECT_ERROR("hour(type)", 6, "hour expects argument 1 to be timestamp, got string");
  EXPECT_ERROR("matches(type, email)", 15, "the pattern of matches must be a string literal");
  EXPECT_ERROR("type ~ email", 8, "the pattern of ~ must be a string literal");
  EXPECT_ERROR("matches(type, 'a(')", 15, "invalid regular expression \"a(\": missing ): a(");
  EXPECT_ERROR("type ~ '['", 8, "invalid regular expression \"[\": missing ]: [");
  EXPECT_ERROR("count ~ 'a'", 7, "operator ~ cannot take int64 and string");
  EXPECT_ERROR("time_bucket(ts, type)", 17, "the width of time_bucket must be a duration literal like '10s'");
  EXPECT_ERROR("time_bucket(ts, 10)", 17, "the width of time_bucket must be a duration literal like '10s'");
  EXPECT_ERROR("time_bucket(ts, '0s')", 17,
               "invalid time_bucket width \"0s\" (expected a positive duration like '10s')");
  EXPECT_ERROR("time_bucket(ts, 0s)", 17,
               "invalid time_bucket width \"0s\" (expected a positive duration like '10s')");
  EXPECT_ERROR("time_bucket(ts, '10 s')", 17,
               "invalid time_bucket width \"10 s\" (expected a positive duration like '10s')");
  EXPECT_ERROR("coalesce(type, count)", 16, "coalesce cannot mix string and int64");
  EXPECT_ERROR("coalesce(null, flag, ts)", 22, "coalesce cannot mix bool and timestamp");
}

TEST(ExprErrors, Casts) {
  EXPECT_ERROR("cast(amount as money)", 16,
               "unknown type \"money\" in cast (expected int64, float64, string, bool or timestamp)");
  EXPECT_ERROR("cast(flag as timestamp)", 1, "cannot cast bool to timestamp");
  EXPECT_ERROR("cast(ts as bool)", 1, "cannot cast timestamp to bool");
}

TEST(ExprErrors, Operators) {
  EXPECT_ERROR("amount > 'x'", 8, "cannot compare float64 with string");
  EXPECT_ERROR("flag = 1", 6, "cannot compare bool with int64");
  EXPECT_ERROR("1 < 2 < 3", 7, "cannot compare bool with int64");
  EXPECT_ERROR("country in ('DE', 1)", 19, "cannot compare string with int64");
  EXPECT_ERROR("ts > type", 4, "cannot compare timestamp with string");
  EXPECT_ERROR("ts > '2024-13-01'", 4, "invalid timestamp literal \"2024-13-01\" (expected RFC 3339)");
  EXPECT_ERROR("type + 1", 6, "operator + cannot take string and int64");
  EXPECT_ERROR("amount * flag", 8, "operator * cannot take float64 and bool");
  EXPECT_ERROR("ts * 2", 4, "operator * cannot take timestamp and int64");
  EXPECT_ERROR("ts + ts", 4, "operator + cannot take timestamp and timestamp");
  EXPECT_ERROR("1 - ts", 3, "operator - cannot take int64 and timestamp");
  EXPECT_ERROR("ts + 1.5", 4, "operator + cannot take timestamp and float64");
  EXPECT_ERROR("-type", 1, "unary - cannot take string");
  EXPECT_ERROR("not count", 1, "not expects bool, got int64");
  EXPECT_ERROR("count and flag", 7, "and expects bool, got int64");
  EXPECT_ERROR("flag or type", 6, "or expects bool, got string");
}

TEST(ExprErrors, Condition) {
  Result<CompiledExpr> c = compile_condition("amount + 1", test_schema());
  ASSERT_FALSE(c.is_ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), err("amount + 1", 1, "a condition must be bool, got float64"));
  EXPECT_TRUE(compile_condition("amount > 1", test_schema()).is_ok());
  EXPECT_TRUE(compile_condition("meta.ok", test_schema()).is_ok());  // known per event
  EXPECT_TRUE(compile_condition("null", test_schema()).is_ok());
}

TEST(ExprErrors, LooseTypesPassTheChecker) {
  EXPECT_EQ(error_of("meta.x + 1 > 'a'"), "compiled");
  EXPECT_EQ(error_of("lower(meta.name) = 'x' and meta.flag"), "compiled");
  EXPECT_EQ(error_of("null + 1 = null"), "compiled");
  EXPECT_EQ(error_of("ts > '2024-01-01T00:00:00Z' and ts < 1800000000000"), "compiled");
  EXPECT_EQ(error_of("hour(1700000000000)"), "compiled");
}

}  // namespace
}  // namespace delta::process::testing
