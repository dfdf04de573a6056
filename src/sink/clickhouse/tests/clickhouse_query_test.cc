// compact_to_rows: ClickHouse's JSONCompact answer (as 18.16 prints it) becomes the QueryEngine's
// {"columns","rows","truncated"}; the server itself is exercised in tests/integration/sinks_e2e_test.
#include <gtest/gtest.h>

#include "sink/clickhouse/clickhouse_query.h"

namespace delta::sink::clickhouse {
namespace {

constexpr std::string_view kAnswer = R"json({
	"meta":
	[
		{"name": "n", "type": "UInt64"},
		{"name": "s \"q\"", "type": "String"},
		{"name": "x", "type": "Nullable(Float64)"}
	],
	"data":
	[
		[0, "a\tb", 1.5],
		[1, "", null],
		[18446744073709551615, "z", -2]
	],
	"rows": 3,
	"statistics": {"elapsed": 0.0001, "rows_read": 3, "bytes_read": 24}
}
)json";

TEST(CompactToRows, KeepsColumnsAndValuesAsTheServerTypedThem) {
  Result<std::string> r = compact_to_rows(kAnswer, 10);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, R"({"columns":["n","s \"q\"","x"],"rows":[[0,"a\tb",1.5],[1,"",null],)"
                R"([18446744073709551615,"z",-2]],"truncated":false})");
}

TEST(CompactToRows, CutsAtTheLimitAndSaysSo) {
  Result<std::string> r = compact_to_rows(kAnswer, 2);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, R"({"columns":["n","s \"q\"","x"],"rows":[[0,"a\tb",1.5],[1,"",null]],"truncated":true})");
  r = compact_to_rows(kAnswer, 3);
  ASSERT_TRUE(r.is_ok());
  EXPECT_NE(r->find("\"truncated\":false"), std::string::npos);
}

TEST(CompactToRows, AnotherFormatIsTheStatementsFault) {
  Result<std::string> r = compact_to_rows("1\ta\n2\tb\n", 10);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("FORMAT"), std::string::npos);
}

}  // namespace
}  // namespace delta::sink::clickhouse
