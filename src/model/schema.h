// StreamSchema: what an event of a stream must look like, and how it is routed and timed.
// Built once from the configuration and shared read-only by every thread afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace delta::model {

enum class FieldType : uint8_t {
  kString,
  kInt64,
  kFloat64,
  kBool,
  kTimestamp,  // RFC 3339 string or epoch milliseconds (integer)
  kJson,       // any JSON value, kept as is
};

std::string_view field_type_name(FieldType t);
// Parses "string", "int64", "float64", "bool", "timestamp", "json". Returns false when unknown.
bool parse_field_type(std::string_view name, FieldType* out);

// How a field is masked at the edge, before an event is written anywhere (src/process/mask.h has
// the exact semantics). Masked values are always JSON strings (or the field is gone, for kDrop).
enum class MaskPolicy : uint8_t {
  kHash,        // HMAC-SHA256 with the pipeline's masking key, lowercase hex
  kRedact,      // "[REDACTED]"
  kPartial,     // all but the last keep_last characters become '*'; emails keep only the domain
  kTruncateIp,  // IPv4 to its /24, IPv6 to its /48; not an IP: redacted
  kDrop,        // the member is removed from the event
  kDetect,      // emails, card numbers (Luhn) and phone numbers inside free text are replaced
};

std::string_view mask_policy_name(MaskPolicy p);
// Parses "hash", "redact", "partial", "truncate_ip", "drop", "detect". Returns false when unknown.
bool parse_mask_policy(std::string_view name, MaskPolicy* out);

// The shortest HMAC key the `hash` policy accepts (128 bits).
inline constexpr size_t kMinMaskKeyBytes = 16;

// One masked top-level field of a stream (nested paths are not supported).
struct MaskRule {
  std::string field;
  MaskPolicy policy = MaskPolicy::kRedact;
  int32_t keep_last = 4;  // kPartial only

  bool operator==(const MaskRule&) const = default;
};

struct Field {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
};

struct StreamSchema {
  std::string name;
  std::vector<Field> fields;
  std::string time_field;  // empty: the ingest time is the event time
  std::string key_field;   // empty: round-robin over partitions
  int32_t partitions = 1;
  std::vector<MaskRule> mask;      // in config order; at most one rule per field; empty: no masking
  std::vector<std::string> sinks;  // where the raw (masked) events go (config sinks)
  // Deduplication by an event-id field (issue 4): an event whose id was seen within the horizon of
  // event time is dropped by every reader of the stream. Empty field: no deduplication.
  std::string dedup_field;
  int64_t dedup_horizon_ms = 0;
  // Watermarks: a partition's watermark is its largest event time minus out_of_orderness; a
  // partition silent for idle_timeout (processing time) stops holding views back (0: never).
  int64_t out_of_orderness_ms = 0;
  int64_t idle_timeout_ms = 10'000;

  // Index of the field called `name` in `fields`, or -1.
  int field_index(std::string_view field_name) const;
};

}  // namespace delta::model
