// libFuzzer target for the ingest path: Content-Encoding decoding, then NDJSON and JSON decoding
// against a clickstream schema like the demo pipeline's.
//
// Input: byte 0 picks the Content-Encoding (see kEncodings), the rest is the request body. Beyond
// "no crash, no sanitizer report", every run checks the contracts of ingest.h: error statuses carry
// their prefixes, the decoded body is bounded and padded, every stored value is one line holding one
// valid JSON object (checked with simdjson's validating DOM parser), counts add up, and a JSON body
// with a syntax error keeps nothing.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edge/ingest.h"
#include "fuzz_check.h"

namespace {

using delta::Status;
using delta::StatusCode;
using namespace delta::edge;

constexpr uint64_t kMaxOut = 1 << 20;
constexpr const char* kEncodings[] = {"", "gzip", "zstd", "identity", "GZIP", "br"};

delta::model::StreamSchema clickstream() {
  using delta::model::FieldType;
  delta::model::StreamSchema s;
  s.name = "clicks";
  s.fields = {{"ts", FieldType::kTimestamp, true},    {"event_id", FieldType::kString, true},
              {"user_id", FieldType::kString, true},  {"email", FieldType::kString, false},
              {"type", FieldType::kString, true},     {"amount", FieldType::kFloat64, false},
              {"country", FieldType::kString, false}, {"device", FieldType::kString, false},
              {"count", FieldType::kInt64, false},    {"flag", FieldType::kBool, false},
              {"meta", FieldType::kJson, false}};
  s.time_field = "ts";
  s.key_field = "user_id";
  s.partitions = 3;
  return s;
}

IngestLimits limits() {
  IngestLimits l;
  l.max_decoded_body_bytes = kMaxOut;
  l.max_event_bytes = 4096;
  l.max_json_depth = 8;
  return l;
}

void check_status(const Status& s) {
  const std::string& m = s.message();
  if (s.code() == StatusCode::kInvalidArgument) {
    FUZZ_CHECK(m.starts_with("bad_encoding: ") || m.starts_with("unsupported_encoding: "));
  } else {
    FUZZ_CHECK(s.code() == StatusCode::kResourceExhausted);
  }
}

void check_value(simdjson::dom::parser& parser, std::string_view value) {
  FUZZ_CHECK(value.size() >= 2 && value.front() == '{' && value.back() == '}');
  FUZZ_CHECK(value.find('\n') == std::string_view::npos && value.find('\r') == std::string_view::npos);
  simdjson::dom::element doc;
  FUZZ_CHECK(parser.parse(value.data(), value.size()).get(doc) == simdjson::SUCCESS);
  FUZZ_CHECK(doc.is_object());
}

void check_result(IngestDecoder& decoder, const IngestResult& r, BodyFormat format) {
  FUZZ_CHECK(r.accepted >= 0 && r.rejected >= 0);
  FUZZ_CHECK(r.errors.size() <= kMaxReportedErrors);
  FUZZ_CHECK(static_cast<size_t>(r.rejected) >= r.errors.size());
  FUZZ_CHECK(r.accepted > 0 || r.rejected > 0);
  bool syntax_error = false;
  for (const ItemError& e : r.errors) {
    FUZZ_CHECK(e.index >= 0 && !e.code.empty() && !e.message.empty());
    syntax_error |= e.code == error_code::kMalformedJson || e.code == error_code::kInvalidUtf8;
  }
  if (format == BodyFormat::kJson && syntax_error) FUZZ_CHECK(r.accepted == 0);
  static simdjson::dom::parser parser;
  int64_t records = 0;
  uint64_t bytes = 0;
  for (auto& batch : decoder.batches()) {
    delta::model::RecordIterator it(batch.finish(0));
    delta::model::Record rec;
    while (it.next(&rec)) {
      check_value(parser, rec.value);
      ++records;
      bytes += rec.value.size();
    }
    FUZZ_CHECK(it.status().is_ok());
  }
  FUZZ_CHECK(records == r.accepted);
  FUZZ_CHECK(bytes == r.accepted_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* encoding = kEncodings[data[0] % std::size(kEncodings)];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  // Static, like a connection's buffers and decoder: state must not leak between requests.
  static std::string decoded;
  static IngestDecoder decoder(clickstream(), limits());
  Status s = decode_body(encoding, body, kMaxOut, &decoded);
  if (!s.is_ok()) {
    check_status(s);
    return 0;
  }
  FUZZ_CHECK(decoded.size() <= kMaxOut);
  FUZZ_CHECK(decoded.capacity() >= decoded.size() + simdjson::SIMDJSON_PADDING);
  if (data[0] % std::size(kEncodings) == 0) FUZZ_CHECK(decoded == body);
  for (BodyFormat format : {BodyFormat::kNdjson, BodyFormat::kJson}) {
    IngestResult r = decoder.decode(format, decoded, 1795787172123);
    check_result(decoder, r, format);
  }
  return 0;
}
