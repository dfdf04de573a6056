#include "process/expr_value.h"

namespace delta::process {
namespace {

template <typename T>
int three_way(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool is_integral(ValueType t) { return t == ValueType::kInt64 || t == ValueType::kTimestamp; }

}  // namespace

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "bool";
    case ValueType::kInt64: return "int64";
    case ValueType::kFloat64: return "float64";
    case ValueType::kString: return "string";
    case ValueType::kTimestamp: return "timestamp";
    case ValueType::kAny: return "json";
  }
  return "unknown";
}

bool compare_values(const Value& a, const Value& b, int* out) {
  if (is_integral(a.type) && is_integral(b.type)) {
    *out = three_way(a.i, b.i);
  } else if (is_numeric(a.type) && is_numeric(b.type)) {
    *out = three_way(a.as_double(), b.as_double());
  } else if (a.type == ValueType::kString && b.type == ValueType::kString) {
    *out = a.s.compare(b.s) < 0 ? -1 : (a.s == b.s ? 0 : 1);
  } else if (a.type == ValueType::kBool && b.type == ValueType::kBool) {
    *out = three_way(a.b, b.b);
  } else {
    return false;
  }
  return true;
}

}  // namespace delta::process
