// IngestDecoder: routing, JSON bodies, compressed bodies end to end, and what error messages may say.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/hash.h"
#include "edge/ingest.h"
#include "ingest_test_util.h"

namespace delta::edge {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the helpers of this suite

TEST(IngestDecoder, RoutingByKeyIsDeterministic) {
  IngestDecoder a(clickstream_schema(4), {});
  IngestDecoder b(clickstream_schema(4), {});
  std::string body;
  for (int i = 0; i < 40; ++i)
    body += event("user-" + std::to_string(i % 10), "e" + std::to_string(i)) + "\n";
  ASSERT_EQ(run(a, body).accepted, 40);
  ASSERT_EQ(run(b, body).accepted, 40);
  std::vector<Stored> sa = stored(a);
  std::map<std::string, size_t> partition_of;
  std::set<size_t> used;
  for (const Stored& x : sa) {
    size_t at = x.value.find("\"user_id\":\"") + 11;
    std::string user = x.value.substr(at, x.value.find('"', at) - at);
    EXPECT_EQ(x.partition, hash64(user) % 4) << user;
    auto [it, fresh] = partition_of.emplace(user, x.partition);
    EXPECT_EQ(it->second, x.partition) << user;
    used.insert(x.partition);
  }
  EXPECT_GT(used.size(), 1u);  // ten users do not all land on one of four partitions
  std::vector<Stored> sb = stored(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].partition, sb[i].partition);
}

TEST(IngestDecoder, StringKeysHashTheirUnescapedContent) {
  IngestDecoder d(clickstream_schema(8), {});
  ASSERT_EQ(run(d, event_with("user_id", "\"user\\u002d7\"") + "\n").accepted, 1);
  EXPECT_EQ(stored(d)[0].partition, hash64("user-7") % 8);
}

TEST(IngestDecoder, FirstOccurrenceOfADuplicatedKeyRoutes) {
  IngestDecoder d(clickstream_schema(8), {});
  ASSERT_EQ(run(d, event("first") + "\n").accepted, 1);
  std::string dup = event("first");
  dup.insert(dup.size() - 1, ",\"user_id\":\"second\"");
  ASSERT_EQ(run(d, dup + "\n").accepted, 1);
  EXPECT_EQ(stored(d)[0].partition, hash64("first") % 8);
}

TEST(IngestDecoder, NumericKeysHashTheirRawText) {
  model::StreamSchema s;
  s.fields = {{"id", model::FieldType::kInt64, true}};
  s.key_field = "id";
  s.partitions = 16;
  IngestDecoder d(s, {});
  ASSERT_EQ(run(d, "{\"id\": 4242 }\n").accepted, 1);
  EXPECT_EQ(stored(d)[0].partition, hash64("4242") % 16);
}

TEST(IngestDecoder, RoundRobinWithoutKeyField) {
  model::StreamSchema s = clickstream_schema(3);
  s.key_field.clear();
  IngestDecoder d(s, {});
  std::string body;
  for (int i = 0; i < 6; ++i) body += event("u-1", "e" + std::to_string(i)) + "\n";
  ASSERT_EQ(run(d, body).accepted, 6);
  for (const Stored& x : stored(d)) {
    size_t at = x.value.find("\"event_id\":\"e") + 13;
    int i = x.value[at] - '0';
    EXPECT_EQ(x.partition, static_cast<size_t>(i % 3)) << x.value;
  }
}

TEST(IngestDecoder, RoundRobinWhenKeyIsAbsentOrNull) {
  model::StreamSchema s = clickstream_schema(2);
  s.fields[2].required = false;  // user_id
  IngestDecoder d(s, {});
  std::string body = event_without("user_id") + "\n" + event_with("user_id", "null") + "\n" +
                     event_without("user_id") + "\n" + event_with("user_id", "null") + "\n";
  ASSERT_EQ(run(d, body).accepted, 4);
  EXPECT_EQ(d.batches()[0].record_count(), 2);
  EXPECT_EQ(d.batches()[1].record_count(), 2);
}

TEST(IngestDecoder, JsonArrayIndexesByElement) {
  IngestDecoder d(clickstream_schema(), {});
  std::string body = "[\n  " + event("u-1", "e-0") + ",\n  " + event_with("count", "\"x\"") + ",\n  5,\n  " +
                     event("u-2", "e-3") + "\n]\n";
  IngestResult r = run(d, body, BodyFormat::kJson);
  EXPECT_EQ(r.accepted, 2);
  EXPECT_EQ(r.rejected, 2);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].index, 1);
  EXPECT_EQ(r.errors[0].code, error_code::kWrongType);
  EXPECT_EQ(r.errors[1].index, 2);
  EXPECT_EQ(r.errors[1].code, error_code::kNotAnObject);
}

TEST(IngestDecoder, JsonSingleObjectAndPrettyPrintedElements) {
  IngestDecoder d(clickstream_schema(), {});
  IngestResult r = run(d, "  \n" + event() + "\n ", BodyFormat::kJson);
  EXPECT_EQ(r.accepted, 1);
  std::string pretty =
      "[\n {\n  \"ts\": \"2026-11-27T13:46:12.123Z\",\n  \"event_id\": \"e-1\",\n"
      "  \"user_id\": \"u-1\",\n  \"type\": \"click\"\n }\n]";
  r = run(d, pretty, BodyFormat::kJson);
  ASSERT_EQ(r.accepted, 1);
  EXPECT_EQ(stored(d)[0].value, event());
  r = run(d, "\"just a string\"", BodyFormat::kJson);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, error_code::kNotAnObject);
}

TEST(IngestDecoder, JsonSyntaxErrorRejectsTheWholeBody) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"[" + event() + "," + event() + " " + event() + "]", 2},       // missing comma
      {"[" + event() + ",{\"ts\":}]", 1},                             // broken element
      {"[" + event() + "," + event_with("extra", "[1 2]") + "]", 1},  // broken inside a kept field
      {"[" + event() + ", tru]", 1},                                  // broken non-object element
      {"[" + event() + "," + event() + "] x", -1},                    // trailing content
      {"[" + event() + "," + event(), -1},                            // truncated
      {event() + " " + event(), -1},                                  // two objects, no array
  };
  for (const auto& [body, index] : cases) {
    IngestDecoder d(clickstream_schema(), {});
    IngestResult r = run(d, body, BodyFormat::kJson);
    EXPECT_EQ(r.accepted, 0) << body;
    EXPECT_EQ(r.accepted_bytes, 0u);
    ASSERT_EQ(r.errors.size(), 1u) << body;
    EXPECT_EQ(r.errors[0].code, error_code::kMalformedJson) << body;
    if (index >= 0) {
      EXPECT_EQ(r.errors[0].index, index) << body;
    }
    EXPECT_TRUE(stored(d).empty()) << body;
  }
}

TEST(IngestDecoder, JsonInvalidUtf8RejectsTheWholeBody) {
  IngestDecoder d(clickstream_schema(), {});
  IngestResult r = run(d, "[" + event() + "," + event_with("email", "\"\xC3\x28\"") + "]", BodyFormat::kJson);
  EXPECT_EQ(r.accepted, 0);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, error_code::kInvalidUtf8);
}

TEST(IngestDecoder, LeadingByteOrderMarkIsIgnored) {
  IngestDecoder d(clickstream_schema(), {});
  EXPECT_EQ(run(d, "\xEF\xBB\xBF" + event() + "\n").accepted, 1);
  EXPECT_EQ(run(d, "\xEF\xBB\xBF[" + event() + "]", BodyFormat::kJson).accepted, 1);
}

TEST(IngestDecoder, CompressedBodiesDecodeEndToEnd) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += event("u-" + std::to_string(i)) + "\n";
  for (auto [name, encoded] : {std::pair<const char*, std::string>{"gzip", testing::gzip(body)},
                               {"zstd", testing::zstd(body, false)}}) {
    std::string decoded;
    ASSERT_TRUE(decode_body(name, encoded, 1 << 20, &decoded).is_ok()) << name;
    IngestDecoder d(clickstream_schema(), {});
    EXPECT_EQ(d.decode(BodyFormat::kNdjson, decoded, kNow).accepted, 100) << name;
  }
}

// Values may be secrets or personal data: an error says where and what was expected, never what
// was sent.
TEST(IngestDecoder, ErrorMessagesNeverEchoTheValue) {
  const std::string s = kSecret;
  const std::vector<std::string> lines = {
      event_with("event_id", "{\"x\":\"" + s + "\"}"),
      event_with("count", "\"" + s + "\""),
      event_with("amount", "\"" + s + "\""),
      event_with("flag", "\"" + s + "\""),
      event_with("ts", "\"" + s + "\""),
      event_with("ts", "\"2026-11-27T13:46:12.123Z" + s + "\""),
      event_with("email", "\"" + s + "\\x\""),
      event_with("email", "\"" + s + "\xC3\x28\""),
      event_with("meta", "[\"" + s + "\" 1]"),
      event_with(s, "tru"),
      event_with("count", "9223372036854775808" + std::string(",\"k\":\"") + s + "\""),
      "{\"email\":\"" + s + "\"",
      "\"" + s + "\"",
      s,
      event_with("email", "\"" + s + "\"").substr(0, 40),
      event_without("type").insert(1, "\"email\":\"" + s + "\","),
  };
  IngestLimits small;
  small.max_event_bytes = 60;
  for (const IngestLimits& limits : {IngestLimits{}, small}) {
    IngestDecoder d(clickstream_schema(), limits);
    std::string body;
    for (const std::string& line : lines) body += line + "\n";
    IngestResult r = run(d, body);
    EXPECT_EQ(r.rejected, static_cast<int64_t>(lines.size()));
    for (const ItemError& e : r.errors) {
      EXPECT_EQ(e.message.find("S3CRET"), std::string::npos) << e.code << ": " << e.message;
      EXPECT_FALSE(e.message.empty()) << e.code;
    }
    for (const std::string& line : lines) {
      IngestResult j = run(d, "[" + line + "]", BodyFormat::kJson);
      for (const ItemError& e : j.errors) EXPECT_EQ(e.message.find("S3CRET"), std::string::npos) << e.message;
    }
  }
}

}  // namespace
}  // namespace delta::edge
