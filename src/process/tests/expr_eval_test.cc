// Evaluation on real JSON events: null logic, promotion, division by zero, strings, regexes, time,
// casts, coalesce, in, and values read through json fields.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process/tests/expr_test_util.h"

namespace delta::process::testing {
namespace {

constexpr std::string_view kEvent =
    R"({"ts":"2024-02-29T13:45:10.123Z","user_id":"u1","email":"Ann@Example.com","type":"Click",)"
    R"("amount":12.5,"count":3,"flag":true,"country":"DE","meta":{"n":4,"f":0.5,"s":"x","b":false,)"
    R"("z":null,"o":{"k":[1,2]},"a":[1, 2]}})";

std::string on_event(std::string_view expr) { return eval_on(expr, kEvent); }

TEST(ExprEval, ThreeValuedLogic) {
  EXPECT_EQ(eval_on("null and false"), "false");
  EXPECT_EQ(eval_on("false and null"), "false");
  EXPECT_EQ(eval_on("null and true"), "null");
  EXPECT_EQ(eval_on("null or true"), "true");
  EXPECT_EQ(eval_on("true or null"), "true");
  EXPECT_EQ(eval_on("null or false"), "null");
  EXPECT_EQ(eval_on("not null"), "null");
  EXPECT_EQ(eval_on("email = 'x'"), "null");  // absent field
  EXPECT_EQ(eval_on("email = 'x' or true"), "true");
  EXPECT_EQ(eval_on("email is null"), "true");
  EXPECT_EQ(eval_on("email is not null"), "false");
  EXPECT_EQ(on_event("email is not null"), "true");
  EXPECT_EQ(eval_on("null = null"), "null");
  EXPECT_EQ(on_event("meta.s and true"), "null");  // a json string is not a bool
}

TEST(ExprEval, NullPropagates) {
  EXPECT_EQ(eval_on("amount + 1"), "null");
  EXPECT_EQ(eval_on("-amount"), "null");
  EXPECT_EQ(eval_on("lower(type)"), "null");
  EXPECT_EQ(eval_on("starts_with(type, 'a')"), "null");
  EXPECT_EQ(eval_on("hour(ts)"), "null");
  EXPECT_EQ(eval_on("cast(count as string)"), "null");
  EXPECT_EQ(eval_on("type ~ 'a'"), "null");
  EXPECT_EQ(eval_on("amount", R"({"amount":null})"), "null");
}

TEST(ExprEval, NumericPromotion) {
  EXPECT_EQ(on_event("count + 1"), "int64:4");
  EXPECT_EQ(on_event("count + amount"), "float64:15.5");
  EXPECT_EQ(on_event("count * 0.5"), "float64:1.5");
  EXPECT_EQ(on_event("count / 2"), "int64:1");  // int64 division truncates
  EXPECT_EQ(eval_on("-7 / 2"), "int64:-3");
  EXPECT_EQ(eval_on("-7 % 3"), "int64:-1");
  EXPECT_EQ(eval_on("7.5 % 2"), "float64:1.5");
  EXPECT_EQ(on_event("count = 3.0"), "true");
  EXPECT_EQ(on_event("amount > count"), "true");
  EXPECT_EQ(on_event("amount"), "float64:12.5");
  EXPECT_EQ(eval_on("amount", R"({"amount":7})"), "float64:7");  // integer JSON in a float64 field
}

TEST(ExprEval, DivisionByZeroAndOverflowAreNull) {
  EXPECT_EQ(eval_on("1 / 0"), "null");
  EXPECT_EQ(eval_on("1 % 0"), "null");
  EXPECT_EQ(eval_on("1.0 / 0"), "null");
  EXPECT_EQ(eval_on("1 % 0.0"), "null");
  EXPECT_EQ(eval_on("(1 / 0) is null"), "true");
  EXPECT_EQ(eval_on("9223372036854775807 + 1"), "null");
  EXPECT_EQ(eval_on("(-9223372036854775807 - 1) / -1"), "null");
  EXPECT_EQ(eval_on("-(-9223372036854775807 - 1)"), "null");
  EXPECT_EQ(eval_on("3037000500 * 3037000500"), "null");
  EXPECT_EQ(eval_on("1e308 * 10"), "null");  // not finite
}

TEST(ExprEval, Strings) {
  EXPECT_EQ(on_event("lower(email)"), "string:ann@example.com");
  EXPECT_EQ(on_event("upper(type)"), "string:CLICK");
  EXPECT_EQ(eval_on("upper('\xc3\xa9t\xc3\xa9')"), "string:\xc3\xa9T\xc3\xa9");  // ASCII only
  EXPECT_EQ(eval_on("length('\xc3\xa9t\xc3\xa9')"), "int64:3");                  // characters, not bytes
  EXPECT_EQ(eval_on("length('')"), "int64:0");
  EXPECT_EQ(on_event("starts_with(email, 'Ann')"), "true");
  EXPECT_EQ(on_event("starts_with(email, 'ann')"), "false");
  EXPECT_EQ(on_event("contains(email, '@Example.')"), "true");
  EXPECT_EQ(on_event("contains(email, '')"), "true");
  EXPECT_EQ(on_event("lower(type) = 'click' and upper(country) = 'DE'"), "true");
  EXPECT_EQ(eval_on("'abc' < 'abd'"), "true");
  EXPECT_EQ(eval_on("'b' > 'abc'"), "true");
  EXPECT_EQ(on_event("type"), "string:Click");
  EXPECT_EQ(eval_on("type", R"({"type":"a\"b\u00e9"})"), "string:a\"b\xc3\xa9");  // unescaped
}

TEST(ExprEval, Regexes) {
  EXPECT_EQ(on_event("email ~ '@example\\.com$'"), "false");
  EXPECT_EQ(on_event("email ~ '(?i)@example\\.com$'"), "true");
  EXPECT_EQ(on_event("matches(email, '^[A-Z][a-z]+@')"), "true");
  EXPECT_EQ(on_event("matches(type, 'lic')"), "true");  // partial match
  EXPECT_EQ(on_event("not type ~ '^x'"), "true");
  EXPECT_EQ(on_event("meta.n ~ '4'"), "null");
  EXPECT_EQ(eval_on(R"('a1.' ~ '^\w\d\.$')"), "true");  // unknown escapes are kept for RE2
  EXPECT_EQ(eval_on(R"('\q')"), "string:\\q");          // a json number is not a string
}

TEST(ExprEval, TimeFunctions) {
  EXPECT_EQ(on_event("ts"), "timestamp:1709214310123");
  EXPECT_EQ(eval_on("ts", R"({"ts":1709214310123})"), "timestamp:1709214310123");
  EXPECT_EQ(eval_on("ts", R"({"ts":"2024-02-29T14:45:10.123+01:00"})"), "timestamp:1709214310123");
  EXPECT_EQ(on_event("time_bucket(ts, '10s')"), "timestamp:1709214310000");
  EXPECT_EQ(on_event("time_bucket(ts, 1h)"), "timestamp:1709211600000");
  EXPECT_EQ(on_event("time_bucket(ts, '1d')"), "timestamp:1709164800000");
  EXPECT_EQ(eval_on("time_bucket(-1, '10s')"), "timestamp:-10000");  // floor, not truncation
  EXPECT_EQ(on_event("hour(ts)"), "int64:13");
  EXPECT_EQ(on_event("day(ts)"), "int64:29");
  EXPECT_EQ(eval_on("hour(-1000)"), "int64:23");
  EXPECT_EQ(eval_on("day(-1000)"), "int64:31");
  // Found by expr_fuzz: the time of day at the smallest timestamp overflowed int64.
  EXPECT_EQ(eval_on("hour(-9223372036854775807 - 1)"), "int64:16");
  EXPECT_EQ(eval_on("time_bucket(-9223372036854775807 - 1, 10s)"), "null");
  EXPECT_EQ(on_event("ts > '2024-02-29T13:45:10Z'"), "true");
  EXPECT_EQ(on_event("ts = '2024-02-29T13:45:10.123Z'"), "true");
  EXPECT_EQ(on_event("ts > 1709214310000"), "true");
  EXPECT_EQ(on_event("ts + 10s"), "timestamp:1709214320123");
  EXPECT_EQ(on_event("ts - 123"), "timestamp:1709214310000");
  EXPECT_EQ(on_event("ts - time_bucket(ts, 1m)"), "int64:10123");
  EXPECT_EQ(eval_on("ts", R"({"ts":"yesterday"})"), "null");
}

TEST(ExprEval, Casts) {
  EXPECT_EQ(eval_on("cast('42' as int64)"), "int64:42");
  EXPECT_EQ(eval_on("cast('-7' as int)"), "int64:-7");
  EXPECT_EQ(eval_on("cast('4x' as int64)"), "null");  // failures are null
  EXPECT_EQ(eval_on("cast('' as int64)"), "null");
  EXPECT_EQ(eval_on("cast('1.5' as int64)"), "null");
  EXPECT_EQ(eval_on("cast(2.9 as int64)"), "int64:2");
  EXPECT_EQ(eval_on("cast(-2.9 as bigint)"), "int64:-2");
  EXPECT_EQ(eval_on("cast(1e300 as int64)"), "null");
  EXPECT_EQ(eval_on("cast(true as int64)"), "int64:1");
  EXPECT_EQ(eval_on("cast('2.5' as float64)"), "float64:2.5");
  EXPECT_EQ(eval_on("cast('nope' as double)"), "null");
  EXPECT_EQ(eval_on("cast(3 as float)"), "float64:3");
  EXPECT_EQ(eval_on("cast(12 as string)"), "string:12");
  EXPECT_EQ(eval_on("cast(0.1 as text)"), "string:0.1");
  EXPECT_EQ(eval_on("cast(false as varchar)"), "string:false");
  EXPECT_EQ(on_event("cast(ts as string)"), "string:2024-02-29T13:45:10.123Z");
  EXPECT_EQ(eval_on("cast('TRUE' as bool)"), "true");
  EXPECT_EQ(eval_on("cast('0' as boolean)"), "false");
  EXPECT_EQ(eval_on("cast('yes' as bool)"), "null");
  EXPECT_EQ(eval_on("cast(2 as bool)"), "true");
  EXPECT_EQ(eval_on("cast(0.0 as bool)"), "false");
  EXPECT_EQ(eval_on("cast('2024-02-29T13:45:10.123Z' as timestamp)"), "timestamp:1709214310123");
  EXPECT_EQ(eval_on("cast('2024-02-30T00:00:00Z' as timestamp)"), "null");
  EXPECT_EQ(eval_on("cast(5 as timestamp)"), "timestamp:5");
  EXPECT_EQ(on_event("cast(ts as int64)"), "int64:1709214310123");
  EXPECT_EQ(on_event("cast(meta.s as int64)"), "null");
  EXPECT_EQ(on_event("cast(meta.n as string)"), "string:4");
  EXPECT_EQ(on_event("cast(amount as string) = '12.5'"), "true");
  EXPECT_EQ(eval_on("cast(null as int64)"), "null");
}

TEST(ExprEval, Coalesce) {
  EXPECT_EQ(eval_on("coalesce(email, 'none')"), "string:none");
  EXPECT_EQ(on_event("coalesce(email, 'none')"), "string:Ann@Example.com");
  EXPECT_EQ(eval_on("coalesce(null, null)"), "null");
  EXPECT_EQ(eval_on("coalesce(count, 1.5)", R"({"count":2})"), "float64:2");  // the common type
  EXPECT_EQ(eval_on("coalesce(count, amount, 0)"), "float64:0");
  EXPECT_EQ(on_event("coalesce(meta.z, meta.s)"), "string:x");
}

TEST(ExprEval, In) {
  EXPECT_EQ(on_event("country in ('DE', 'FR')"), "true");
  EXPECT_EQ(on_event("country in ('US', 'FR')"), "false");
  EXPECT_EQ(on_event("country not in ('US', 'FR')"), "true");
  EXPECT_EQ(on_event("country in ('US', null)"), "null");
  EXPECT_EQ(on_event("country in ('DE', null)"), "true");
  EXPECT_EQ(on_event("country not in ('US', null)"), "null");
  EXPECT_EQ(eval_on("country in ('DE')"), "null");
  EXPECT_EQ(on_event("count in (1, 3.0)"), "true");
  EXPECT_EQ(on_event("count in (count - 1, count + 1)"), "false");
  EXPECT_EQ(on_event("ts in ('2024-02-29T13:45:10.123Z')"), "true");
}

TEST(ExprEval, JsonPaths) {
  EXPECT_EQ(on_event("meta.n + 1"), "int64:5");
  EXPECT_EQ(on_event("meta.f * 2"), "float64:1");
  EXPECT_EQ(on_event("meta.s"), "string:x");
  EXPECT_EQ(on_event("meta.b"), "false");
  EXPECT_EQ(on_event("meta.z is null"), "true");
  EXPECT_EQ(on_event("meta.missing is null"), "true");
  EXPECT_EQ(on_event("meta.o.k"), "string:[1,2]");  // arrays and objects read as their JSON text
  EXPECT_EQ(on_event("meta.a"), "string:[1, 2]");
  EXPECT_EQ(on_event("meta.s.deeper"), "null");  // not an object
  EXPECT_EQ(on_event("meta.s + 1"), "null");     // a string where a number is needed
  EXPECT_EQ(on_event("meta.n = 4 and meta.s = 'x' and meta.o.k = '[1,2]'"), "true");
  EXPECT_EQ(eval_on("meta", R"({"meta":7})"), "int64:7");
  EXPECT_EQ(eval_on("meta", R"({"meta":18446744073709551615})"), "float64:18446744073709551616");
}

TEST(ExprEval, ResultTypes) {
  auto type_of = [](std::string_view e) { return compile_expression(e, test_schema())->type(); };
  EXPECT_EQ(type_of("count + 1"), ValueType::kInt64);
  EXPECT_EQ(type_of("count + amount"), ValueType::kFloat64);
  EXPECT_EQ(type_of("meta.n + 1"), ValueType::kAny);
  EXPECT_EQ(type_of("ts + 1s"), ValueType::kTimestamp);
  EXPECT_EQ(type_of("ts - ts"), ValueType::kInt64);
  EXPECT_EQ(type_of("null"), ValueType::kNull);
  EXPECT_EQ(type_of("coalesce(null, 1, 2.5)"), ValueType::kFloat64);
  EXPECT_EQ(type_of("cast(amount as string)"), ValueType::kString);
}

// Roots of one operator over fields and constants (`price * 0.908`, `amount > 10`, `count % 3 = 0`)
// are computed without the node walk (Shortcut in expr_program.h). `coalesce(e)` has e's value and
// is always walked: both must agree on every operator, type, null and failure.
TEST(ExprEval, ShortcutRootsGiveTheWalksValues) {
  const std::vector<std::string_view> events = {
      kEvent,
      "{}",
      R"({"count":0,"amount":0,"ts":0,"meta":null})",
      R"({"count":-9223372036854775808,"amount":-1.5,"ts":9223372036854775807,"meta":"s"})",
      R"({"count":9223372036854775807,"amount":1e308,"ts":-1,"meta":2.5,"type":"b"})",
      R"({"count":7,"amount":7,"ts":"2024-02-29T00:00:00Z","meta":7,"flag":false,"user_id":"a"})",
  };
  const std::vector<std::string_view> exprs = {
      "count",
      "meta",
      "type",
      "amount * 0.908",
      "0.908 * amount",
      "count * 2",
      "count * count",
      "count + 1",
      "1 - count",
      "count / 0",
      "count % 0",
      "count / -1",
      "amount / 0",
      "amount % 2.5",
      "count * 1.5",
      "meta + 1",
      "meta * meta",
      "ts + 1000",
      "ts - 1s",
      "ts - ts",
      "1000 + ts",
      "count > 3",
      "3 <= count",
      "amount = 7",
      "count = amount",
      "meta = 7",
      "meta <> 's'",
      "type = 'b'",
      "type < user_id",
      "flag = false",
      "ts > '2024-01-01T00:00:00Z'",
      "ts = 1",
      "count % 123 = 0",
      "count * 2 > amount",
      "amount * 0.908 >= 6",
      "meta + 1 = 8",
      "count - 1 < count",
      "ts + 1 > ts",
      "null = count",
      "count + null",
      "1 + 2",
      "1 = 1",
  };
  for (std::string_view e : exprs) {
    const std::string walked = "coalesce(" + std::string(e) + ")";
    for (std::string_view event : events) {
      SCOPED_TRACE(std::string(e) + " on " + std::string(event));
      EXPECT_EQ(eval_on(e, event), eval_on(walked, event));
    }
  }
  // A few values spelled out, so that agreeing on a wrong value cannot pass.
  EXPECT_EQ(eval_on("count * 0.908", R"({"count":1000})"), "float64:908");
  EXPECT_EQ(eval_on("count % 123 = 0", R"({"count":246})"), "true");
  EXPECT_EQ(eval_on("count % 123 = 0", R"({"count":247})"), "false");
  EXPECT_EQ(eval_on("count % 123 = 0", "{}"), "null");
  EXPECT_EQ(eval_on("count * 2", R"({"count":9223372036854775807})"), "null");
}

}  // namespace
}  // namespace delta::process::testing
