#include <gtest/gtest.h>

#include "edge/http_types.h"

namespace delta::edge {
namespace {

TEST(QueryParam, FindsAndDecodesValues) {
  std::string v;
  ASSERT_TRUE(query_param("partition=2&from_offset=10&limit=5", "from_offset", &v));
  EXPECT_EQ(v, "10");
  ASSERT_TRUE(query_param("filter=a%20b+c%3D1", "filter", &v));
  EXPECT_EQ(v, "a b c=1");
  ASSERT_TRUE(query_param("flag&x=1", "flag", &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(query_param("partition=1", "part", &v));
  ASSERT_TRUE(query_param("bad=%zz%4", "bad", &v));
  EXPECT_EQ(v, "%zz%4");
}

TEST(ErrorResponse, IsTheStandardErrorObjectWithEscaping) {
  HttpResponse r = error_response(404, "unknown_stream", "no stream named \"x\"");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"unknown_stream","message":"no stream named \"x\""}})");
  EXPECT_EQ(r.content_type, "application/json");
}

}  // namespace
}  // namespace delta::edge
