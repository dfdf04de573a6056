// StreamSchema: what an event of a stream must look like, and how it is routed and timed.
// Built once from the configuration and shared read-only by every thread afterwards.
#pragma once

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

  // Index of the field called `name` in `fields`, or -1.
  int field_index(std::string_view field_name) const;
};

}  // namespace delta::model
