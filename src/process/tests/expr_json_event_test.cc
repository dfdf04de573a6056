// JsonEventView and filter(): one parse per event for several expressions, first key wins, bad
// events, a json field referenced both whole and inside, and no heap allocation per event.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
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
// simdjson allocates its parser with new (std::nothrow): replaced too, or its delete would free()
// what the sanitizer's own nothrow new allocated (ASan: alloc-dealloc-mismatch).
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
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

// ---- The flat path (JsonEventView's own scanner) against the simdjson path, on the same events.

// Every top-level field of the test schema, read by a view with the flat path on and one with it off.
struct FlatPair {
  FieldSet fields;
  std::unique_ptr<JsonEventView> flat, simd;
  FlatPair() {
    for (const model::Field& f : test_schema().fields) {
      FieldPath p;
      p.parts = {f.name};
      p.top_type = f.type;
      fields.add(p);
    }
    flat = std::make_unique<JsonEventView>(fields);
    simd = std::make_unique<JsonEventView>(fields);
    simd->set_flat_path(false);
  }
  // "ok|<slot values>" or "error: <message>", from each path. With `after`, the event is followed
  // by those bytes, which reset() may read (as in a log batch) but which are not part of it. The
  // event's bytes (which raw() points into) stay until the next read().
  static std::string read(JsonEventView& v, size_t n, std::string_view doc, std::string_view after = {}) {
    static std::string buf;
    buf.assign(doc).append(after);
    Status s = v.reset(std::string_view(buf.data(), doc.size()), buf.size());
    std::string out = s.is_ok() ? "ok" : "error: " + s.message();
    for (uint32_t i = 0; i < n; ++i) out += "|" + render(v.field(i));
    return out;
  }
  // Whether the flat path read the last event (it records the raw text of what it read).
  bool took_flat() const {
    for (uint32_t i = 0; i < fields.size(); ++i) {
      if (!flat->raw(i).empty()) return true;
    }
    return false;
  }
};

TEST(JsonEventViewFlat, AgreesWithSimdjsonOnEveryJsonForm) {
  const std::vector<std::string> docs = {
      // plain compact events, every type, absent fields
      R"({"ts":1700000000123,"user_id":"u1","type":"click","amount":12.5,"count":3,"flag":true,"country":"DE"})",
      R"({"ts":"2024-02-29T13:45:10.123Z","amount":7,"count":-42,"flag":false,"meta":"m"})",
      R"({})",
      R"(  {  }  )",
      // whitespace everywhere
      " {\n\t\"type\" :\r\n \"a\" ,\t\"count\"\n:\n5 , \"flag\" : true } \n",
      // escapes: in a referenced string, in a skipped string, in keys (referenced and not)
      R"({"type":"a\"b\\c\/d\n\u00e9"})",
      R"({"email":"x\"y","type":"plain"})",
      R"({"t\u0079pe":"escaped key","type":"second"})",
      R"({"x\"y":1,"type":"after an escaped unreferenced key"})",
      R"({"type":"\ud83d\ude00"})",
      // nested objects and arrays: skipped, and a json field referencing one
      R"({"other":{"a":[1,{"b":"}"}],"c":"]"},"type":"t","list":[[],[[]],{}]})",
      R"({"meta":{"n":4,"s":"x"},"type":"t"})",
      R"({"meta":[1,2,3] ,"type":"t"})",
      R"({"meta":"text","count":1})",
      R"({"meta":12,"amount":-0.5})",
      R"({"meta":1.25})",
      R"({"meta":true,"flag":null})",
      R"({"meta":null})",
      // duplicate keys: the first wins, even when the first has the wrong type
      R"({"count":1,"count":2})",
      R"({"count":"one","count":2})",
      R"({"type":"a","type":"b","type":"c"})",
      // numbers in every JSON form, read as int64, float64, timestamp and json
      R"({"count":0,"amount":0,"ts":0,"meta":0})",
      R"({"count":-0,"amount":-0,"ts":-0,"meta":-0})",
      R"({"count":-0.0,"amount":-0.0,"meta":-0.0})",
      R"({"count":1.5,"amount":1.5,"ts":1.5,"meta":1.5})",
      R"({"count":1e3,"amount":1e3,"ts":1e3,"meta":1e3})",
      R"({"count":1E+3,"amount":-2.5e-3,"meta":2.5E-300})",
      R"({"amount":1e400,"meta":1e-400})",
      R"({"count":9223372036854775807,"amount":9223372036854775807,"meta":9223372036854775807})",
      R"({"count":-9223372036854775808,"amount":-9223372036854775808,"meta":-9223372036854775808})",
      R"({"count":9223372036854775808,"amount":9223372036854775808,"meta":9223372036854775808})",
      R"({"count":18446744073709551616,"meta":18446744073709551615})",
      R"({"amount":123456789012345678901234567890,"meta":123456789012345678901234567890})",
      R"({"amount":0.1,"meta":0.30000000000000004})",
      R"({"amount":3.141592653589793238462643383279,"count":12345678})",
      R"({"amount":0.000000000000000000000000000000000000000000001})",
      // type mismatches read as null
      R"({"count":"5","amount":"1.5","flag":"true","type":5,"user_id":true,"ts":true})",
      R"({"type":{"a":1},"count":[1],"flag":{}})",
      R"({"ts":"not a time","country":null})",
      // malformed: every path says so, or reads the same values
      R"({"count":01})",
      R"({"count":1.})",
      R"({"count":.5})",
      R"({"count":+1})",
      R"({"count":1,})",
      R"({"count":1 "type":"a"})",
      R"({"count":tru})",
      R"({"type":"unterminated})",
      R"({"type":"a\x"})",
      R"({"type":"a\u12"})",
      "{\"type\":\"raw\ttab\"}",
      R"({"other":{"a":1,"type":"t"})",
      R"({"count":1}})",
      R"({"count":1} trailing)",
      R"([1,2])",
      R"("string")",
      R"(42)",
      R"()",
      R"({)",
      R"({"count")",
      R"({"count":)",
  };
  FlatPair pair;
  const size_t n = pair.fields.size();
  for (const std::string& doc : docs) {
    SCOPED_TRACE(doc);
    EXPECT_EQ(FlatPair::read(*pair.flat, n, doc), FlatPair::read(*pair.simd, n, doc));
  }
}

TEST(JsonEventViewFlat, TakesTheFlatPathForCompactEventsAndFallsBackOtherwise) {
  FlatPair pair;
  const size_t n = pair.fields.size();
  auto flat_for = [&](std::string_view doc) {
    FlatPair::read(*pair.flat, n, doc);
    return pair.took_flat();
  };
  EXPECT_TRUE(flat_for(R"({"ts":1700000000123,"type":"click","amount":12.5,"count":3})"));
  EXPECT_TRUE(flat_for(R"({"other":"x\"y","type":"escapes in a skipped string are fine"})"));
  EXPECT_TRUE(flat_for(R"({"other":{"a":[1,{"b":2}]},"count":1})"));
  EXPECT_FALSE(flat_for(R"({"type":"a\"b"})"));                 // a referenced string with an escape
  EXPECT_FALSE(flat_for(R"({"t\u0079pe":"a"})"));               // an escaped key
  EXPECT_FALSE(flat_for(R"({"meta":{"n":4}})"));                // a json field holding an object
  EXPECT_FALSE(flat_for(R"({"amount":1e3})"));                  // an exponent
  EXPECT_FALSE(flat_for(R"({"count":-0})"));                    // -0
  EXPECT_FALSE(flat_for(R"({"count":99999999999999999999})"));  // beyond int64
  // The raw text of an integer is what formatting the int64 gives.
  FlatPair::read(*pair.flat, n, R"({"count":-1234567890123,"ts":1700000000123})");
  EXPECT_EQ(pair.flat->raw(5), "-1234567890123");
  EXPECT_EQ(pair.flat->raw(0), "1700000000123");
  EXPECT_EQ(render(pair.flat->field(5)), "int64:-1234567890123");
}

// Generated events around the flat path's word-at-a-time reads: a stop byte of a string (quote,
// escape, control character) at every offset of a 16-byte word, in a referenced and an unreferenced
// member, numbers of every length at the end of the event, keys that share a prefix with a
// referenced one, keys longer than a word and than the key memo, whitespace; each event alone and
// followed by readable bytes that would change it if they were read as part of it.
TEST(JsonEventViewFlat, AgreesWithSimdjsonAroundWordBoundaries) {
  std::vector<std::string> docs;
  for (size_t at = 0; at < 34; ++at) {
    const std::string pad(at, 'x');
    for (std::string_view in : {R"(\")", R"(\\)", R"(\n)", R"(\u0041)", R"(\u12)", R"(\q)", "\x01", "\x1f",
                                "\x7f", "\xc3\xa9", "\""}) {
      docs.push_back(R"({"type":")" + pad + std::string(in) + R"(tail","count":7})");
      docs.push_back(R"({"other":")" + pad + std::string(in) + R"(tail","count":7})");
      docs.push_back(R"({")" + pad + std::string(in) + R"(":1,"count":7})");  // in a key
    }
    docs.push_back(R"({"count":7,"type":")" + pad + R"("})");  // a string that ends the event
    docs.push_back(R"({"count":7,"type":")" + pad);            // ... or does not
  }
  const std::string digits = "12345678901234567890123";
  for (size_t n = 1; n <= digits.size(); ++n) {
    for (std::string_view sign : {"", "-"}) {
      const std::string num = std::string(sign) + digits.substr(0, n);
      docs.push_back(R"({"type":"t","count":)" + num + "}");
      docs.push_back(R"({"type":"t","ts":)" + num + "}");
      docs.push_back(R"({"type":"t","amount":)" + num + "}");
      docs.push_back(R"({"type":"t","meta":)" + num + "}");
      docs.push_back(R"({"count":)" + num + ".5}");
      docs.push_back(R"({"count":)" + num + "e2}");
      docs.push_back(R"({"count":)" + num);  // the event ends inside the number
      docs.push_back(R"({"count":)" + num + R"( , "type" : "t" })");
    }
  }
  const std::string long_key(70, 'k');
  for (const std::string& doc : {
           std::string(R"({"coun":1,"counts":2,"count":3,"country2":"x","c":4,"country":"DE"})"),
           std::string(R"({"counter":1,"count":2})"),
           R"({")" + long_key + R"(":1,"count":2,")" + long_key.substr(0, 20) + R"(":3,"type":"t"})",
           std::string(R"({"type_and_a_long_tail_past_16":"a","type":"b"})"),
           std::string("{ \"count\" :\t1 ,\n\"type\"\r: \"t\" , \"flag\":true}"),
       }) {
    docs.push_back(doc);
  }
  FlatPair pair;
  const size_t n = pair.fields.size();
  for (const std::string& doc : docs) {
    SCOPED_TRACE(doc);
    const std::string alone = FlatPair::read(*pair.simd, n, doc);
    EXPECT_EQ(FlatPair::read(*pair.flat, n, doc), alone);
    for (std::string_view after : {"", "9999999999999999}", "\"tail\"}        ", ",\"count\":1}", "   "}) {
      EXPECT_EQ(FlatPair::read(*pair.flat, n, doc, after), alone) << "followed by " << after;
    }
  }
}

// The key memo remembers each member position's key from the last event: events whose layouts
// differ, one after another, each read as alone.
TEST(JsonEventViewFlat, EventsWithDifferentLayoutsInTurn) {
  const std::vector<std::string> docs = {
      R"({"count":1,"type":"a","flag":true})",
      R"({"type":"b","count":2})",
      R"({"count" :3,"type" : "c"})",
      R"({"count":4,"typo":"d"})",
      R"({"counts":5,"type":"e"})",
      R"({"coun":6,"type":"f","count":7})",
      R"({"count":8,"type":"g","flag":false})",
      R"({"count":9})",
      R"({})",
      R"({"count":10,"type":"h","flag":true})",
  };
  FlatPair pair, fresh;
  const size_t n = pair.fields.size();
  for (int round = 0; round < 3; ++round) {
    for (const std::string& doc : docs) {
      SCOPED_TRACE(doc);
      EXPECT_EQ(FlatPair::read(*pair.flat, n, doc), FlatPair::read(*fresh.simd, n, doc));
      EXPECT_TRUE(pair.took_flat() || doc == "{}");
    }
  }
}

TEST(JsonEventViewFlat, NestedPathsUseSimdjson) {
  // A FieldSet with `meta.n` is not flat: values come from simdjson, and agree with an all-simdjson view.
  FieldSet fields;
  FieldPath p;
  p.parts = {"meta", "n"};
  p.top_type = model::FieldType::kJson;
  fields.add(p);
  JsonEventView view(fields);
  ASSERT_TRUE(view.reset(R"({"meta":{"n":4}})").is_ok());
  EXPECT_EQ(render(view.field(0)), "int64:4");
  EXPECT_TRUE(view.raw(0).empty());
}

TEST(JsonEventViewFlat, NoAllocationPerEvent) {
  FlatPair pair;
  const std::string doc =
      R"({"ts":1700000000123,"user_id":"u1","type":"click","amount":12.5,"count":3,"flag":true,"meta":[1,{"a":"b"}]})";
  ASSERT_TRUE(pair.flat->reset(doc).is_ok());
  const int64_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pair.flat->reset(doc).is_ok());
  EXPECT_EQ(g_allocations.load(), before);
}

}  // namespace
}  // namespace delta::process::testing
