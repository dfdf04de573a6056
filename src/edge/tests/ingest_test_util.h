// Helpers shared by the ingest tests: compressors (the code under test only decompresses) and a
// clickstream schema like the demo pipeline's.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <string_view>

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

}  // namespace delta::edge::testing
