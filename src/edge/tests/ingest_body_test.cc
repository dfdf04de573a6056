#include <simdjson.h>

#include <cstring>

#include "edge/ingest.h"
#include "ingest_test_util.h"

namespace delta::edge {
namespace {

using testing::gzip;
using testing::zstd;

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
const std::string kNdjson = "{\"ts\":\"2026-11-27T13:46:12.123Z\",\"event_id\":\"e1\"}\n{\"a\":1}\n";

void expect_padded(const std::string& out) {
  ASSERT_GE(out.capacity(), out.size() + kPadding);
  for (size_t i = 0; i < kPadding; ++i) ASSERT_EQ(out.data()[out.size() + i], '\0') << i;
}

void expect_decodes(std::string_view encoding, std::string_view body, std::string_view want) {
  std::string out = "stale bytes that must go";
  Status s = decode_body(encoding, body, 1 << 20, &out);
  ASSERT_TRUE(s.is_ok()) << encoding << ": " << s.to_string();
  EXPECT_EQ(out, want);
  expect_padded(out);
}

void expect_bad_encoding(std::string_view encoding, std::string_view body) {
  std::string out;
  Status s = decode_body(encoding, body, 1 << 20, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_TRUE(s.message().starts_with("bad_encoding: ")) << s.message();
}

TEST(DecodeBody, IdentityCopiesIntoPaddedBuffer) {
  expect_decodes("", kNdjson, kNdjson);
  expect_decodes("identity", kNdjson, kNdjson);
  expect_decodes("IDENTITY", kNdjson, kNdjson);
  expect_decodes("", "", "");
  expect_decodes("", std::string_view(), "");
}

TEST(DecodeBody, EncodingNamesAreCaseInsensitive) {
  expect_decodes("GZIP", gzip(kNdjson), kNdjson);
  expect_decodes(" gzip ", gzip(kNdjson), kNdjson);
  expect_decodes("x-gzip", gzip(kNdjson), kNdjson);
  expect_decodes("ZStd", zstd(kNdjson), kNdjson);
}

TEST(DecodeBody, GzipRoundTrip) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "{\"i\":" + std::to_string(i) + ",\"pad\":\"abcdefghij\"}\n";
  expect_decodes("gzip", gzip(big), big);  // several times the first output window
}

TEST(DecodeBody, GzipSeveralMembersAreConcatenated) {
  expect_decodes("gzip", gzip("{\"a\":1}\n") + gzip("{\"b\":2}\n"), "{\"a\":1}\n{\"b\":2}\n");
}

TEST(DecodeBody, ZstdRoundTripWithAndWithoutContentSize) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "{\"i\":" + std::to_string(i) + ",\"pad\":\"abcdefghij\"}\n";
  expect_decodes("zstd", zstd(big, true), big);
  expect_decodes("zstd", zstd(big, false), big);
  expect_decodes("zstd", zstd(kNdjson, false), kNdjson);
}

TEST(DecodeBody, ZstdSeveralFramesAreConcatenated) {
  expect_decodes("zstd", zstd("{\"a\":1}\n") + zstd("{\"b\":2}\n", false), "{\"a\":1}\n{\"b\":2}\n");
}

TEST(DecodeBody, UnknownEncodingIsUnsupported) {
  for (const char* name : {"br", "deflate", "gzip, zstd", "gzipx", "compress"}) {
    std::string out;
    Status s = decode_body(name, kNdjson, 1 << 20, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(s.message().starts_with("unsupported_encoding: ")) << s.message();
  }
}

TEST(DecodeBody, CorruptGzipIsBadEncoding) {
  std::string body = gzip(kNdjson);
  std::string flipped = body;
  for (size_t i = 10; i < flipped.size() - 8; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
  expect_bad_encoding("gzip", flipped);
  expect_bad_encoding("gzip", body.substr(0, body.size() / 2));  // truncated
  expect_bad_encoding("gzip", body.substr(0, body.size() - 1));  // trailer cut short
  expect_bad_encoding("gzip", "");
  expect_bad_encoding("gzip", kNdjson);                 // not gzip at all
  expect_bad_encoding("gzip", body + "trailing junk");  // not another member
}

TEST(DecodeBody, CorruptZstdIsBadEncoding) {
  std::string body = zstd(kNdjson);
  std::string flipped = body;
  for (size_t i = 6; i < flipped.size(); ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
  expect_bad_encoding("zstd", flipped);
  expect_bad_encoding("zstd", body.substr(0, body.size() / 2));
  std::string streamed = zstd(kNdjson, false);
  expect_bad_encoding("zstd", streamed.substr(0, streamed.size() - 1));
  expect_bad_encoding("zstd", "");
  expect_bad_encoding("zstd", kNdjson);
}

// A zip bomb: a small body that inflates far past the limit must stop at the limit.
TEST(DecodeBody, ZipBombStopsAtTheLimit) {
  std::string zeros(16 << 20, '\0');
  const uint64_t limit = 1 << 20;
  for (auto [name, body] : {std::pair<const char*, std::string>{"gzip", gzip(zeros)},
                            {"zstd", zstd(zeros, true)},
                            {"zstd", zstd(zeros, false)}}) {
    ASSERT_LT(body.size(), 100u << 10);
    std::string out;
    Status s = decode_body(name, body, limit, &out);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << name << " " << s.to_string();
    EXPECT_NE(s.message().find("1048576"), std::string::npos) << s.message();
    EXPECT_LE(out.capacity(), 2 * limit + 2 * kPadding) << name << ": grew past the limit";
  }
}

TEST(DecodeBody, LimitIsInclusive) {
  std::string body(1000, 'x');
  for (auto [name, encoded] : {std::pair<const char*, std::string>{"", body},
                               {"gzip", gzip(body)},
                               {"zstd", zstd(body, true)},
                               {"zstd", zstd(body, false)}}) {
    std::string out;
    EXPECT_TRUE(decode_body(name, encoded, 1000, &out).is_ok()) << name;
    EXPECT_EQ(out, body);
    Status s = decode_body(name, encoded, 999, &out);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << name;
    EXPECT_TRUE(s.message().starts_with("body_too_large: ")) << s.message();
  }
}

TEST(DecodeBody, ReusesOutputCapacityAcrossCalls) {
  std::string big(1 << 20, 'y');
  std::string out;
  ASSERT_TRUE(decode_body("gzip", gzip(big), 4 << 20, &out).is_ok());
  size_t capacity = out.capacity();
  const char* data = out.data();
  ASSERT_TRUE(decode_body("gzip", gzip(kNdjson), 4 << 20, &out).is_ok());
  EXPECT_EQ(out, kNdjson);
  EXPECT_EQ(out.capacity(), capacity);
  EXPECT_EQ(out.data(), data);
  ASSERT_TRUE(decode_body("", kNdjson, 4 << 20, &out).is_ok());
  EXPECT_EQ(out.data(), data);
  expect_padded(out);
}

TEST(DecodeBodyView, PaddedIdentityIsNotCopied) {
  std::string buffer = kNdjson;
  buffer.reserve(buffer.size() + kPadding);
  std::string scratch;
  Result<std::string_view> view =
      decode_body_view("", std::string_view(buffer), buffer.capacity(), 1 << 20, &scratch);
  ASSERT_TRUE(view.is_ok());
  EXPECT_EQ(view->data(), buffer.data());
  EXPECT_EQ(*view, kNdjson);
  EXPECT_TRUE(scratch.empty());
}

TEST(DecodeBodyView, UnpaddedOrCompressedGoesThroughScratch) {
  std::string scratch;
  Result<std::string_view> view = decode_body_view("", kNdjson, kNdjson.size(), 1 << 20, &scratch);
  ASSERT_TRUE(view.is_ok());
  EXPECT_EQ(view->data(), scratch.data());
  EXPECT_EQ(*view, kNdjson);
  std::string gz = gzip(kNdjson);
  view = decode_body_view("gzip", gz, gz.size() + kPadding, 1 << 20, &scratch);
  ASSERT_TRUE(view.is_ok());
  EXPECT_EQ(*view, kNdjson);
  expect_padded(scratch);
  view = decode_body_view("", kNdjson, kNdjson.size() + kPadding, 10, &scratch);
  EXPECT_EQ(view.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace delta::edge
