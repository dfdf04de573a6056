// Parser: every construct, precedence and associativity, case-insensitive keywords. Checked by
// evaluating constant expressions, so a wrong tree shows up as a wrong value.
#include <gtest/gtest.h>

#include "process/expr_ast.h"
#include "process/tests/expr_test_util.h"

namespace delta::process::testing {
namespace {

TEST(ExprParse, Literals) {
  EXPECT_EQ(eval_on("42"), "int64:42");
  EXPECT_EQ(eval_on("1.5"), "float64:1.5");
  EXPECT_EQ(eval_on("2e3"), "float64:2000");
  EXPECT_EQ(eval_on("2.5E-1"), "float64:0.25");
  EXPECT_EQ(eval_on("'it''s'"), "string:it's");
  EXPECT_EQ(eval_on(R"("say \"hi\"\n")"), "string:say \"hi\"\n");
  EXPECT_EQ(eval_on(R"('a\\b\'c\t\r')"), "string:a\\b'c\t\r");
  EXPECT_EQ(eval_on(R"('\u00e9\u20ac')"), "string:\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(eval_on("true"), "true");
  EXPECT_EQ(eval_on("FALSE"), "false");
  EXPECT_EQ(eval_on("Null"), "null");
  EXPECT_EQ(eval_on("10s"), "int64:10000");
  EXPECT_EQ(eval_on("500ms + 1m + 1h + 1d"), "int64:90060500");
  EXPECT_EQ(eval_on("9223372036854775807"), "int64:9223372036854775807");
}

TEST(ExprParse, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_EQ(eval_on("1 + 2 * 3"), "int64:7");
  EXPECT_EQ(eval_on("(1 + 2) * 3"), "int64:9");
  EXPECT_EQ(eval_on("10 - 4 - 3"), "int64:3");
  EXPECT_EQ(eval_on("64 / 4 / 2"), "int64:8");
  EXPECT_EQ(eval_on("7 % 4 * 2"), "int64:6");
  EXPECT_EQ(eval_on("-2 * 3"), "int64:-6");
  EXPECT_EQ(eval_on("- -2"), "int64:2");
  EXPECT_EQ(eval_on("+2 - -3"), "int64:5");
  EXPECT_EQ(eval_on("2 * -(1 + 2)"), "int64:-6");
}

TEST(ExprParse, LogicPrecedence) {
  EXPECT_EQ(eval_on("true or false and false"), "true");  // and binds tighter than or
  EXPECT_EQ(eval_on("(true or false) and false"), "false");
  EXPECT_EQ(eval_on("not true and false"), "false");  // (not true) and false
  EXPECT_EQ(eval_on("not (true and false)"), "true");
  EXPECT_EQ(eval_on("not not true"), "true");
  EXPECT_EQ(eval_on("not 1 = 2"), "true");  // comparisons bind tighter than not
  EXPECT_EQ(eval_on("1 + 1 = 2 and 3 > 2 OR false"), "true");
  EXPECT_EQ(eval_on("TRUE AnD NoT FaLsE"), "true");
}

TEST(ExprParse, Comparisons) {
  EXPECT_EQ(eval_on("1 = 1"), "true");
  EXPECT_EQ(eval_on("1 == 2"), "false");
  EXPECT_EQ(eval_on("1 != 2"), "true");
  EXPECT_EQ(eval_on("1 <> 1"), "false");
  EXPECT_EQ(eval_on("1 < 2"), "true");
  EXPECT_EQ(eval_on("2 <= 2"), "true");
  EXPECT_EQ(eval_on("1 > 2"), "false");
  EXPECT_EQ(eval_on("3 >= 2"), "true");
  EXPECT_EQ(eval_on("1 + 2 > 2 * 1"), "true");
}

TEST(ExprParse, PostfixForms) {
  EXPECT_EQ(eval_on("null is null"), "true");
  EXPECT_EQ(eval_on("1 IS NOT NULL"), "true");
  EXPECT_EQ(eval_on("2 in (1, 2, 3)"), "true");
  EXPECT_EQ(eval_on("2 NOT IN (1, 3)"), "true");
  EXPECT_EQ(eval_on("'abc' ~ '^a'"), "true");
  EXPECT_EQ(eval_on("1 = 1 is not null"), "true");
  EXPECT_EQ(eval_on("not 5 in (5)"), "false");
}

TEST(ExprParse, CallsCastsAndFields) {
  EXPECT_EQ(eval_on("LOWER('AbC')"), "string:abc");
  EXPECT_EQ(eval_on("coalesce(null, null, 3)"), "int64:3");
  EXPECT_EQ(eval_on("CAST('12' AS INT64)"), "int64:12");
  EXPECT_EQ(eval_on("cast(1 + 1 as string)"), "string:2");
  EXPECT_EQ(eval_on("amount", R"({"amount":2.5})"), "float64:2.5");
  EXPECT_EQ(eval_on("meta.a.b", R"({"meta":{"a":{"b":7}}})"), "int64:7");
  EXPECT_EQ(eval_on("`in`", R"({"in":"x"})"), "string:x");
  EXPECT_EQ(eval_on("meta.`odd key`", R"({"meta":{"odd key":1}})"), "int64:1");
  EXPECT_EQ(eval_on("  \t1\n+\r1  "), "int64:2");
}

TEST(ExprParse, DeepButBoundedNesting) {
  std::string ok(kMaxExprDepth - 2, '(');
  ok += "1" + std::string(kMaxExprDepth - 2, ')');
  EXPECT_EQ(eval_on(ok), "int64:1");
  std::string sum = "1";
  for (int i = 0; i < 100; ++i) sum += "+1";
  EXPECT_EQ(eval_on(sum), "int64:101");
}

}  // namespace
}  // namespace delta::process::testing
