// Helpers shared by the ingest tests: compressors (the code under test only decompresses), a
// clickstream schema like the demo pipeline's, events with one field swapped for a bad value, and
// readers of what the decoder stored.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/ingest.h"
#include "model/record_batch.h"
#include "model/schema.h"

namespace delta::edge::testing {

// One gzip member of `data`.
inline std::string gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// One zstd frame; with `content_size` false the frame header does not say how big the content is,
// as when a client compresses a stream.
inline std::string zstd(std::string_view data, bool content_size = true) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, content_size ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  if (content_size) ZSTD_CCtx_setPledgedSrcSize(cctx, data.size());
  size_t rc = ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_end);
  EXPECT_EQ(rc, 0u) << ZSTD_getErrorName(rc);
  out.resize(ob.pos);
  ZSTD_freeCCtx(cctx);
  return out;
}

// {ts, event_id, user_id, email, type, amount, country, device} plus typed extras; keyed by user_id,
// timed by ts.
inline model::StreamSchema clickstream_schema(int32_t partitions = 4) {
  using model::FieldType;
  model::StreamSchema s;
  s.name = "clicks";
  s.fields = {
      {"ts", FieldType::kTimestamp, true},       {"event_id", FieldType::kString, true},
      {"user_id", FieldType::kString, true},     {"email", FieldType::kString, false},
      {"type", FieldType::kString, true},        {"amount", FieldType::kFloat64, false},
      {"country", FieldType::kString, false},    {"device", FieldType::kString, false},
      {"count", FieldType::kInt64, false},       {"flag", FieldType::kBool, false},
      {"seen_at", FieldType::kTimestamp, false}, {"meta", FieldType::kJson, false},
  };
  s.time_field = "ts";
  s.key_field = "user_id";
  s.partitions = partitions;
  return s;
}

inline constexpr int64_t kNow = 1'000'000;
inline constexpr int64_t kTs = 1795787172123;  // 2026-11-27T13:46:12.123Z
inline const std::string kSecret = "S3CRET-VALUE-42";

inline std::string padded(std::string_view body) {
  std::string out;
  EXPECT_TRUE(decode_body("", body, 1u << 30, &out).is_ok());
  return out;
}

inline IngestResult run(IngestDecoder& d, std::string_view body, BodyFormat format = BodyFormat::kNdjson) {
  return d.decode(format, padded(body), kNow);
}

struct Stored {
  size_t partition;
  int64_t time_ms;
  std::string value;
};

inline std::vector<Stored> stored(IngestDecoder& d) {
  std::vector<Stored> out;
  for (size_t p = 0; p < d.batches().size(); ++p) {
    model::RecordIterator it(d.batches()[p].finish(0));
    model::Record r;
    while (it.next(&r)) out.push_back({p, r.time_ms, std::string(r.value)});
    EXPECT_TRUE(it.status().is_ok()) << it.status().to_string();
  }
  return out;
}

// An event as ordered (name, raw JSON) pairs, so tests can swap one field for a bad value.
using Fields = std::vector<std::pair<std::string, std::string>>;

inline Fields base_fields(std::string user = "u-1", std::string id = "e-1") {
  return {{"ts", "\"2026-11-27T13:46:12.123Z\""},
          {"event_id", "\"" + id + "\""},
          {"user_id", "\"" + user + "\""},
          {"type", "\"click\""}};
}

inline std::string to_json(const Fields& fields) {
  std::string out = "{";
  for (const auto& [name, raw] : fields) {
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + raw;
  }
  return out + "}";
}

inline std::string event(std::string user = "u-1", std::string id = "e-1") {
  return to_json(base_fields(user, id));
}

inline std::string event_with(const std::string& name, const std::string& raw) {
  Fields f = base_fields();
  bool replaced = false;
  for (auto& [n, v] : f) {
    if (n == name) v = raw, replaced = true;
  }
  if (!replaced) f.emplace_back(name, raw);
  return to_json(f);
}

inline std::string event_without(const std::string& name) {
  Fields f = base_fields();
  std::erase_if(f, [&](const auto& p) { return p.first == name; });
  return to_json(f);
}

inline void expect_rejected(const std::string& line, std::string_view code, const std::string& field = "",
                            IngestLimits limits = {}) {
  IngestDecoder d(clickstream_schema(), limits);
  IngestResult r = run(d, line + "\n");
  ASSERT_EQ(r.accepted, 0) << line;
  ASSERT_EQ(r.rejected, 1) << line;
  ASSERT_EQ(r.errors.size(), 1u) << line;
  EXPECT_EQ(r.errors[0].code, code) << line << " -> " << r.errors[0].message;
  EXPECT_EQ(r.errors[0].index, 0);
  if (!field.empty()) {
    EXPECT_NE(r.errors[0].message.find("'" + field + "'"), std::string::npos) << r.errors[0].message;
  }
  EXPECT_TRUE(stored(d).empty());
}

inline void expect_accepted(const std::string& line, IngestLimits limits = {}) {
  IngestDecoder d(clickstream_schema(), limits);
  IngestResult r = run(d, line + "\n");
  EXPECT_EQ(r.accepted, 1) << line << (r.errors.empty() ? "" : " -> " + r.errors[0].message);
  EXPECT_EQ(r.rejected, 0) << line;
}

// A stored value must be exactly one JSON object on one line, without surrounding whitespace.
inline void expect_one_line_object(const std::string& value) {
  EXPECT_EQ(value.find('\n'), std::string::npos) << value;
  EXPECT_EQ(value.find('\r'), std::string::npos) << value;
  ASSERT_FALSE(value.empty());
  EXPECT_EQ(value.front(), '{');
  EXPECT_EQ(value.back(), '}');
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(value).get(doc), simdjson::SUCCESS) << value;
  EXPECT_TRUE(doc.is_object()) << value;
}

}  // namespace delta::edge::testing
