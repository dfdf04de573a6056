#include "model/schema.h"

namespace delta::model {
namespace {

// The value among `all` whose name is `name`.
template <typename Enum, size_t N>
bool parse_by_name(std::string_view name, const Enum (&all)[N], std::string_view (*name_of)(Enum),
                   Enum* out) {
  for (Enum e : all) {
    if (name_of(e) == name) {
      *out = e;
      return true;
    }
  }
  return false;
}

}  // namespace

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
  return parse_by_name(name, kAll, &field_type_name, out);
}

std::string_view mask_policy_name(MaskPolicy p) {
  switch (p) {
    case MaskPolicy::kHash: return "hash";
    case MaskPolicy::kRedact: return "redact";
    case MaskPolicy::kPartial: return "partial";
    case MaskPolicy::kTruncateIp: return "truncate_ip";
    case MaskPolicy::kDrop: return "drop";
    case MaskPolicy::kDetect: return "detect";
  }
  return "unknown";
}

bool parse_mask_policy(std::string_view name, MaskPolicy* out) {
  static constexpr MaskPolicy kAll[] = {MaskPolicy::kHash,       MaskPolicy::kRedact, MaskPolicy::kPartial,
                                        MaskPolicy::kTruncateIp, MaskPolicy::kDrop,   MaskPolicy::kDetect};
  return parse_by_name(name, kAll, &mask_policy_name, out);
}

int StreamSchema::field_index(std::string_view field_name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field_name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace delta::model
