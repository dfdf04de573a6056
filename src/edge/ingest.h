// Ingest decoding: from an HTTP request body to per-partition record batches.
//
// decode_body() undoes Content-Encoding (identity, gzip, zstd) into a buffer with simdjson padding.
// IngestDecoder parses NDJSON or a JSON array/object, validates every item against the stream's
// schema, and appends each valid item to the batch of the partition its key routes to. Invalid items
// become ItemErrors with their index; valid ones are kept even when others fail.
//
// Thread: an IngestDecoder is owned by one connection (one thread at a time) and reused across its
// requests, so the parser and the batch buffers are allocated once, not per request or per event.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record_batch.h"
#include "model/schema.h"

namespace delta::edge {

struct IngestLimits {
  uint64_t max_decoded_body_bytes = 64ull << 20;
  uint64_t max_event_bytes = 1ull << 20;
  uint32_t max_json_depth = 32;
};

enum class BodyFormat { kNdjson, kJson };

// Stable error codes, shared by HTTP responses, WebSocket acks and metrics labels.
namespace error_code {
inline constexpr std::string_view kMalformedJson = "malformed_json";
inline constexpr std::string_view kInvalidUtf8 = "invalid_utf8";
inline constexpr std::string_view kNotAnObject = "not_an_object";
inline constexpr std::string_view kWrongType = "wrong_type";
inline constexpr std::string_view kMissingField = "missing_field";
inline constexpr std::string_view kOutOfRange = "out_of_range";
inline constexpr std::string_view kTooDeep = "too_deep";
inline constexpr std::string_view kEventTooLarge = "event_too_large";
inline constexpr std::string_view kBadTimestamp = "bad_timestamp";
inline constexpr std::string_view kEmptyBody = "empty_body";
inline constexpr std::string_view kBadEncoding = "bad_encoding";  // corrupt gzip/zstd
inline constexpr std::string_view kBodyTooLarge = "body_too_large";
inline constexpr std::string_view kUnsupportedEncoding = "unsupported_encoding";
}  // namespace error_code

struct ItemError {
  int64_t index = 0;      // 0-based position of the item in the body (line or array element)
  std::string_view code;  // one of error_code
  std::string message;    // says where: the field and what was expected; never the value itself
};

struct IngestResult {
  int64_t accepted = 0;
  int64_t rejected = 0;
  uint64_t accepted_bytes = 0;
  std::vector<ItemError> errors;  // at most kMaxReportedErrors; `rejected` counts them all
};

inline constexpr size_t kMaxReportedErrors = 100;

// Decodes `body` per `content_encoding` ("", "identity", "gzip", "zstd"; case-insensitive) into
// `out`, which is resized to the decoded size and has simdjson's padding after it.
// Errors: kInvalidArgument with code kUnsupportedEncoding or kBadEncoding in the message prefix,
// kResourceExhausted when the decoded body would exceed `max_out`.
Status decode_body(std::string_view content_encoding, std::string_view body, uint64_t max_out,
                   std::string* out);

class IngestDecoder {
 public:
  IngestDecoder(const model::StreamSchema& schema, IngestLimits limits);
  ~IngestDecoder();
  IngestDecoder(const IngestDecoder&) = delete;
  IngestDecoder& operator=(const IngestDecoder&) = delete;

  // Parses `body` (size() bytes of content followed by at least simdjson::SIMDJSON_PADDING readable
  // bytes, as decode_body leaves it) and appends valid events to batches()[partition].
  // `now_ms` is the event time for streams without a time field.
  // Clears the batches first. A body with no items at all is one ItemError kEmptyBody at index 0.
  IngestResult decode(BodyFormat format, std::string_view body, int64_t now_ms);

  // One builder per partition; empty ones have nothing to append.
  std::vector<model::RecordBatchBuilder>& batches() { return batches_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<model::RecordBatchBuilder> batches_;
};

}  // namespace delta::edge
