// ViewRowFilter without sockets: the result columns a view subscription's filter may name, their
// types, and the in-place filtering of the NDJSON block the hub hands a session.
#include "edge/ws_view_filter.h"

#include <gtest/gtest.h>

namespace delta::edge {
namespace {

model::StreamSchema orders() {
  model::StreamSchema s;
  s.name = "orders";
  s.fields = {{"country", model::FieldType::kString},
              {"amount", model::FieldType::kFloat64},
              {"n", model::FieldType::kInt64}};
  return s;
}

config::ViewConfig revenue() {
  config::ViewConfig v;
  v.name = "revenue";
  v.from = "orders";
  v.size_ms = 1000;
  v.group_by = {{"country", "country", ""}};
  v.select = {{"events", "count()", ""}, {"total", "sum(amount)", ""}, {"items", "sum(n)", ""}};
  return v;
}

TEST(ViewRowFilter, ResultColumnsHaveTheTypesTheSinksReceive) {
  Result<model::StreamSchema> s = view_result_schema(revenue(), orders());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  std::vector<std::pair<std::string, model::FieldType>> got;
  for (const model::Field& f : s->fields) got.emplace_back(f.name, f.type);
  std::vector<std::pair<std::string, model::FieldType>> want = {
      {"window_start", model::FieldType::kTimestamp},
      {"window_end", model::FieldType::kTimestamp},
      {"country", model::FieldType::kString},
      {"events", model::FieldType::kInt64},
      {"total", model::FieldType::kFloat64},
      {"items", model::FieldType::kInt64},
      {"final", model::FieldType::kBool}};
  EXPECT_EQ(got, want);
}

TEST(ViewRowFilter, KeepsOnlySelectedRowsInOrderInPlace) {
  auto f = ViewRowFilter::compile("country = 'DE' and total > 1.5 and window_start >= '2026-01-01T00:00:00Z'",
                                  revenue(), orders());
  ASSERT_TRUE(f.is_ok()) << f.status().message();
  const std::string de1 =
      R"({"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:00:01.000Z","country":"DE","events":2,"total":3.5,"items":4,"final":false})";
  const std::string fr =
      R"({"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:00:01.000Z","country":"FR","events":9,"total":9.5,"items":9,"final":false})";
  const std::string de_small =
      R"({"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:00:01.000Z","country":"DE","events":1,"total":1.0,"items":1,"final":true})";
  const std::string old =
      R"({"window_start":"2025-12-31T23:59:59.000Z","window_end":"2026-01-01T00:00:00.000Z","country":"DE","events":5,"total":7.0,"items":5,"final":true})";
  const std::string retraction =
      R"({"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:00:01.000Z","country":"DE"})";
  const std::string de2 =
      R"({"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:00:01.000Z","country":"DE","events":3,"total":5.5,"items":6,"final":true})";
  std::string block = de1 + "\n" + fr + "\n" + de_small + "\n" + old + "\n" + retraction + "\n" + de2 + "\n";
  EXPECT_EQ((*f)->apply(&block), 2u);
  EXPECT_EQ(block, de1 + "\n" + de2 + "\n") << "a retraction has no total: the condition is null, dropped";
  std::string empty;
  EXPECT_EQ((*f)->apply(&empty), 0u);
  EXPECT_TRUE(empty.empty());
}

TEST(ViewRowFilter, AConditionOnAnythingButTheResultColumnsIsRefused) {
  auto typo = ViewRowFilter::compile("totl > 1", revenue(), orders());
  ASSERT_FALSE(typo.is_ok());
  EXPECT_NE(typo.status().message().find("unknown field \"totl\" (did you mean \"total\"?)"),
            std::string::npos)
      << typo.status().message();
  EXPECT_FALSE(ViewRowFilter::compile("amount > 1", revenue(), orders()).is_ok())
      << "amount is the stream's field; the results have total";
  auto not_bool = ViewRowFilter::compile("events + 1", revenue(), orders());
  ASSERT_FALSE(not_bool.is_ok());
  EXPECT_NE(not_bool.status().message().find("a condition must be bool"), std::string::npos);
}

}  // namespace
}  // namespace delta::edge
