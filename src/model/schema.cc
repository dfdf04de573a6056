#include "model/schema.h"

namespace delta::model {

std::string_view field_type_name(FieldType t) {
  switch (t) {
    case FieldType::kString: return "string";
    case FieldType::kInt64: return "int64";
    case FieldType::kFloat64: return "float64";
    case FieldType::kBool: return "bool";
    case FieldType::kTimestamp: return "timestamp";
    case FieldType::kJson: return "json";
  }
  return "unknown";
}

bool parse_field_type(std::string_view name, FieldType* out) {
  static constexpr FieldType kAll[] = {FieldType::kString, FieldType::kInt64,     FieldType::kFloat64,
                                       FieldType::kBool,   FieldType::kTimestamp, FieldType::kJson};
  for (FieldType t : kAll) {
    if (field_type_name(t) == name) {
      *out = t;
      return true;
    }
  }
  return false;
}

int StreamSchema::field_index(std::string_view field_name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field_name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace delta::model
