// JsonEventView and filter(): one parse per event for several expressions, first key wins, bad
// events, a json field referenced both whole and inside, and no heap allocation per event.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "process/tests/expr_test_util.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

// Counts every allocation in this test binary, so a test can assert that a loop made none. GCC
// warns that free() meets operator new once both are inlined here; they are this pair's own.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace delta::process::testing {
namespace {

TEST(JsonEventView, SharedFieldSetParsesOnceForSeveralExpressions) {
  FieldSet fields;
  auto where = compile_condition("amount > 10 and country in ('DE', 'FR')", test_schema(), &fields);
  auto key = compile_expression("lower(type)", test_schema(), &fields);
  auto again = compile_expression("amount * 2", test_schema(), &fields);
  ASSERT_TRUE(where.is_ok() && key.is_ok() && again.is_ok());
  EXPECT_EQ(fields.size(), 3u);  // amount, country, type: amount once
  EXPECT_TRUE(where->fields().size() == 0);
  JsonEventView view(fields);
  ASSERT_TRUE(view.reset(R"({"type":"Click","amount":11,"country":"FR"})").is_ok());
  EXPECT_TRUE(where->matches(view));
  EXPECT_EQ(render(key->eval(view)), "string:click");
  EXPECT_EQ(render(again->eval(view)), "float64:22");
}

TEST(JsonEventView, FirstOccurrenceOfAKeyWins) {
  EXPECT_EQ(eval_on("type", R"({"type":"a","type":"b"})"), "string:a");
  EXPECT_EQ(eval_on("meta.x", R"({"meta":{"x":1,"x":2},"meta":{"x":3}})"), "int64:1");
}

TEST(JsonEventView, EscapedKeysMatch) { EXPECT_EQ(eval_on("type", R"({"t\u0079pe":"a"})"), "string:a"); }

TEST(JsonEventView, BadEventsReadAsNullWithAStatus) {
  Result<CompiledExpr> c = compile_expression("type", test_schema());
  JsonEventView view(c->fields());
  ASSERT_TRUE(view.reset(R"({"type":"a"})").is_ok());
  Status s = view.reset("[1,2]");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("event is not valid JSON: ")) << s.message();
  EXPECT_EQ(render(c->eval(view)), "null");
  EXPECT_FALSE(view.reset(R"({"type":)").is_ok());
  EXPECT_EQ(render(c->eval(view)), "null");
}

TEST(JsonEventView, TypedFieldWithTheWrongJsonTypeIsNull) {
  EXPECT_EQ(eval_on("count", R"({"count":"3"})"), "null");
  EXPECT_EQ(eval_on("flag", R"({"flag":1})"), "null");
  EXPECT_EQ(eval_on("type", R"({"type":{"a":1}})"), "null");
}

TEST(JsonEventView, WholeJsonFieldAndPathsInsideIt) {
  std::string_view event = R"({"meta":{"a":{"b":2},"c":"x"},"type":"t"})";
  EXPECT_EQ(
      eval_on("meta = '{\"a\":{\"b\":2},\"c\":\"x\"}' and meta.a.b = 2 and meta.a = '{\"b\":2}'", event),
      "true");
  EXPECT_EQ(eval_on("meta.c || 'y'", event).substr(0, 6), "error:");
  EXPECT_EQ(eval_on("coalesce(meta.a.b, 0) + length(meta.c) + length(type)", event), "int64:4");
}

TEST(JsonEventView, ReadsInPlaceWhenThePaddingIsReadable) {
  Result<CompiledExpr> c = compile_expression("type", test_schema());
  JsonEventView view(c->fields());
  std::string buf = R"({"type":"a"})";
  size_t size = buf.size();
  buf.resize(size + simdjson::SIMDJSON_PADDING, ' ');
  ASSERT_TRUE(view.reset(std::string_view(buf.data(), size), buf.size()).is_ok());
  EXPECT_EQ(render(c->eval(view)), "string:a");
}

TEST(Filter, SelectsTrueDropsNullAndFalseReportsBadEvents) {
  FieldSet fields;
  auto where = compile_condition("amount > 10 and lower(type) = 'click'", test_schema(), &fields);
  ASSERT_TRUE(where.is_ok());
  JsonEventView view(fields);
  std::vector<std::string_view> events = {R"({"type":"Click","amount":11})", R"({"type":"click"})",
                                          "not json", R"({"type":"CLICK","amount":10.5})",
                                          R"({"type":"view","amount":99})"};
  FilterResult out;
  filter(*where, view, events, &out);
  EXPECT_EQ(out.selected, (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(out.failed, (std::vector<uint32_t>{2}));
}

// The hot path's contract: after warm-up, parsing and evaluating allocate nothing per event, even
// with strings made by lower() and cast().
TEST(Filter, NoHeapAllocationPerEvent) {
  FieldSet fields;
  auto where = compile_condition(
      "amount > 10 and country in ('DE','FR') and lower(type) = 'click' and cast(count as string) <> '' "
      "and meta.n >= 0",
      test_schema(), &fields);
  ASSERT_TRUE(where.is_ok());
  JsonEventView view(fields);
  std::vector<std::string_view> events(
      100, R"({"type":"Click","amount":11,"country":"DE","count":5,"meta":{"n":1}})");
  FilterResult out;
  out.selected.reserve(events.size());
  out.failed.reserve(events.size());
  filter(*where, view, events, &out);  // warm-up
  int64_t before = g_allocations.load();
  for (int i = 0; i < 10; ++i) filter(*where, view, events, &out);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(out.selected.size(), events.size());
}

TEST(CompiledExpr, CopiesShareTheProgramAndHaveTheirOwnScratch) {
  Result<CompiledExpr> c = compile_expression("upper(type)", test_schema());
  CompiledExpr copy = *c;
  JsonEventView view(c->fields());
  ASSERT_TRUE(view.reset(R"({"type":"ab"})").is_ok());
  Value a = c->eval(view);
  Value b = copy.eval(view);
  EXPECT_EQ(render(a), "string:AB");
  EXPECT_EQ(render(b), "string:AB");
  EXPECT_NE(a.s.data(), b.s.data());
  EXPECT_EQ(copy.text(), "upper(type)");
}

}  // namespace
}  // namespace delta::process::testing
