// Ingest decoding: from an HTTP request body to per-partition record batches.
//
// decode_body() undoes Content-Encoding (identity, gzip, zstd) into a buffer with simdjson padding.
// IngestDecoder parses NDJSON or a JSON array/object, validates every item against the stream's
// schema, and appends each valid item to the batch of the partition its key routes to. Invalid items
// become ItemErrors with their index; valid ones are kept even when others fail.
//
// Thread: an IngestDecoder is owned by one connection (one thread at a time) and reused across its
// requests, so the parser and the batch buffers are allocated once, not per request or per event.
//
// Item indexes (ItemError::index): for NDJSON, the 0-based physical line number in the body, blank
// lines included, so "index 3" is the fourth line a client sent, whatever came before it. For JSON,
// the 0-based element position in the top-level array, or 0 for a single object.
//
// The stored value of an event is the item minified (simdjson::minify): exactly one JSON object on
// one line, no whitespace outside strings, unknown fields kept, escapes kept as sent. When the stream
// masks fields (process::Masker), it is the masked item: masked values replaced, dropped members
// gone; the original never reaches a batch. Routing key and event time come from the original values.
//
// Validation, per item, stops at the first problem, in document order; a missing required field is
// found after the whole object. Numbers anywhere, typed or not, must fit int64, uint64 or a finite
// double (later stages parse stored events with simdjson, which refuses others): else out_of_range.
// A field named twice is checked each time; the first occurrence gives
// the event time and the routing key. Error messages name the field and its expected type, never the
// value (values may be secrets or personal data).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record_batch.h"
#include "model/schema.h"

namespace delta::process {
class Masker;
}

namespace delta::edge {

struct IngestLimits {
  uint64_t max_decoded_body_bytes = 64ull << 20;
  uint64_t max_event_bytes = 1ull << 20;
  uint32_t max_json_depth = 32;  // the event object is level 1; values above 1024 count as 1024
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
  uint64_t accepted_bytes = 0;    // sum of the stored (minified) values of accepted events
  std::vector<ItemError> errors;  // at most kMaxReportedErrors; `rejected` counts them all
};

inline constexpr size_t kMaxReportedErrors = 100;

// Decodes `body` per `content_encoding` ("", "identity", "gzip", "zstd"; case-insensitive) into
// `out`, which is resized to the decoded size and has simdjson's padding after it.
// Errors: kInvalidArgument with code kUnsupportedEncoding or kBadEncoding in the message prefix,
// kResourceExhausted when the decoded body would exceed `max_out`.
// The padding bytes are zero. `out` keeps its capacity across calls, so a connection that reuses one
// buffer allocates only when a body is larger than any before. Identity bodies are copied (one
// memcpy); decode_body_view avoids that copy when the caller's buffer is already padded. "x-gzip" is
// taken as "gzip" (RFC 9110 section 8.4.1.3); gzip bodies may hold several members, zstd bodies
// several frames. Zip bombs stop at `max_out` decoded bytes (and zstd frames asking for a window
// larger than needed are refused), so memory stays bounded by max_out whatever the ratio.
// REQUIRES: `body` does not point into *out.
Status decode_body(std::string_view content_encoding, std::string_view body, uint64_t max_out,
                   std::string* out);

// Zero-copy variant: `body_readable` is how many bytes from body.data() may be read (>= body.size(),
// e.g. the capacity of the caller's receive buffer). An identity body with body_readable >=
// body.size() + simdjson::SIMDJSON_PADDING is returned as is, without copying; anything else is
// decoded into *scratch as decode_body does. The view lives as long as `body` or *scratch.
Result<std::string_view> decode_body_view(std::string_view content_encoding, std::string_view body,
                                          size_t body_readable, uint64_t max_out, std::string* scratch);

class IngestDecoder {
 public:
  // `masker` (nullptr: the stream masks nothing) is shared, read-only, and must outlive the decoder.
  IngestDecoder(const model::StreamSchema& schema, IngestLimits limits,
                const process::Masker* masker = nullptr);
  ~IngestDecoder();
  IngestDecoder(const IngestDecoder&) = delete;
  IngestDecoder& operator=(const IngestDecoder&) = delete;

  // Parses `body` (size() bytes of content followed by at least simdjson::SIMDJSON_PADDING readable
  // bytes, as decode_body leaves it) and appends valid events to batches()[partition].
  // `now_ms` is the event time for streams without a time field, and for events whose optional time
  // field is absent or null.
  // Clears the batches first. A body with no items at all (only blank lines, whitespace, or "[]") is
  // one ItemError kEmptyBody at index 0, counted in `rejected`. A leading UTF-8 BOM is ignored.
  //
  // NDJSON lines stand alone: a malformed line (a truncated last one included) rejects only itself.
  // A JSON body is one document: when parsing finds it is not valid JSON (malformed_json or
  // invalid_utf8), nothing in it is accepted, and the single error's index is the element where
  // parsing broke. Schema problems reject only their element (which is then not read further).
  //
  // Routing: with a key field present and not null, partition = hash64(key) % partitions, where the
  // key bytes are the unescaped content of a string and the raw JSON text of a number or bool;
  // otherwise (no key field, key absent, null, or an object/array) a round-robin counter that lives
  // as long as the decoder. A masked key field routes by its original value, so masking never moves
  // a key to another partition.
  IngestResult decode(BodyFormat format, std::string_view body, int64_t now_ms);

  // One builder per partition; empty ones have nothing to append.
  std::vector<model::RecordBatchBuilder>& batches() { return batches_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<model::RecordBatchBuilder> batches_;
};

}  // namespace delta::edge
