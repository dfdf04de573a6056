#include "process/expr_json_event.h"

#include <cstring>

#include "process/expr_time.h"

namespace delta::process {
namespace {

namespace od = simdjson::ondemand;
using model::FieldType;

Status json_error(simdjson::error_code e) {
  return Status::invalid_argument(std::string("event is not valid JSON: ") + simdjson::error_message(e));
}

Value read_number(od::value& v) {
  od::number n;
  if (v.get_number().get(n) != simdjson::SUCCESS) return Value::null();
  if (n.is_int64()) return Value::int64(n.get_int64());
  return Value::float64(n.as_double());
}

// A value inside a json field: its own JSON type; objects and arrays as their JSON text.
Value read_dynamic(od::value& v) {
  od::json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return Value::null();
  std::string_view s;
  bool b = false;
  switch (t) {
    case od::json_type::string: return v.get_string().get(s) ? Value::null() : Value::string(s);
    case od::json_type::number: return read_number(v);
    case od::json_type::boolean: return v.get_bool().get(b) ? Value::null() : Value::boolean(b);
    case od::json_type::object: {
      od::object o;
      return v.get_object().get(o) || o.raw_json().get(s) ? Value::null() : Value::string(s);
    }
    case od::json_type::array: {
      od::array a;
      return v.get_array().get(a) || a.raw_json().get(s) ? Value::null() : Value::string(s);
    }
    default: return Value::null();
  }
}

Value read_timestamp(od::value& v) {
  std::string_view s;
  int64_t ms = 0;
  if (v.get_int64().get(ms) == simdjson::SUCCESS) return Value::timestamp(ms);
  if (v.get_string().get(s) == simdjson::SUCCESS && parse_rfc3339_ms(s, &ms)) return Value::timestamp(ms);
  return Value::null();
}

Value read_typed(od::value& v, FieldType type) {
  std::string_view s;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  switch (type) {
    case FieldType::kString: return v.get_string().get(s) ? Value::null() : Value::string(s);
    case FieldType::kInt64: return v.get_int64().get(i) ? Value::null() : Value::int64(i);
    case FieldType::kFloat64: return v.get_double().get(d) ? Value::null() : Value::float64(d);
    case FieldType::kBool: return v.get_bool().get(b) ? Value::null() : Value::boolean(b);
    case FieldType::kTimestamp: return read_timestamp(v);
    case FieldType::kJson: return read_dynamic(v);
  }
  return Value::null();
}

}  // namespace

struct JsonEventView::Node {
  std::string key;
  int32_t slot = -1;
  FieldType type = FieldType::kJson;
  std::vector<uint32_t> children;
};

JsonEventView::JsonEventView(const FieldSet& fields) : nodes_(1), values_(fields.size()) {
  for (uint32_t slot = 0; slot < fields.size(); ++slot) {
    uint32_t at = 0;
    for (const std::string& part : fields[slot].parts) {
      int child = find_child(at, part);
      if (child < 0) {
        nodes_[at].children.push_back(static_cast<uint32_t>(nodes_.size()));
        child = static_cast<int>(nodes_.size());
        nodes_.push_back(Node{part, -1, at == 0 ? fields[slot].top_type : FieldType::kJson, {}});
      }
      at = static_cast<uint32_t>(child);
    }
    nodes_[at].slot = static_cast<int32_t>(slot);
  }
  seen_.assign(nodes_.size(), 0);
  padded_.resize(1);
}

JsonEventView::~JsonEventView() = default;

int JsonEventView::find_child(uint32_t node, std::string_view key) const {
  for (uint32_t c : nodes_[node].children) {
    if (nodes_[c].key == key) return static_cast<int>(c);
  }
  return -1;
}

Status JsonEventView::reset(std::string_view json, size_t readable) {
  std::fill(values_.begin(), values_.end(), Value::null());
  ++serial_;
  pending_ = nodes_[0].children.size();
  const char* data = json.data();
  if (readable < json.size() + simdjson::SIMDJSON_PADDING) {
    std::string& buf = padded_[0];
    buf.resize(json.size() + simdjson::SIMDJSON_PADDING);  // keeps its capacity between events
    std::memcpy(buf.data(), json.data(), json.size());
    data = buf.data();
    readable = buf.size();
  }
  od::document doc;
  od::object object;
  if (auto e = parser_.iterate(data, json.size(), readable).get(doc)) return json_error(e);
  if (auto e = doc.get_object().get(object)) return json_error(e);
  Status s = visit(object, 0, 0);
  if (!s.is_ok()) std::fill(values_.begin(), values_.end(), Value::null());
  return s;
}

Status JsonEventView::visit(od::object object, uint32_t node, size_t depth) {
  if (pending_ == 0 && node == 0) return Status::ok();
  for (auto member : object) {
    if (auto e = member.error()) return json_error(e);
    od::field& field = member.value_unsafe();  // by reference, as at ingest: copies cost
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return json_error(e);
    int child = find_child(node, key);
    if (child < 0 || seen_[child] == serial_) continue;
    seen_[child] = serial_;
    DELTA_RETURN_IF_ERROR(take(field.value(), static_cast<uint32_t>(child), depth));
    if (node == 0 && --pending_ == 0) break;
  }
  return Status::ok();
}

// A referenced path's value: read it (a leaf), descend into it (a prefix), or both.
Status JsonEventView::take(od::value value, uint32_t node, size_t depth) {
  const Node& n = nodes_[node];
  if (n.children.empty()) {
    values_[n.slot] = read_typed(value, n.type);
    return Status::ok();
  }
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    if (n.slot >= 0) values_[n.slot] = read_typed(value, n.type);
    return Status::ok();
  }
  if (n.slot < 0) return visit(object, node, depth + 1);
  return take_nested(object, node, depth + 1);
}

// Both `a` and `a.b` are referenced: `a` reads as its JSON text, and that text is parsed again for
// `a.b` (on-demand cannot both skip over an object and walk into it). Rare, so it may cost a copy.
Status JsonEventView::take_nested(od::object object, uint32_t node, size_t depth) {
  std::string_view raw;
  if (auto e = object.raw_json().get(raw)) return json_error(e);
  values_[nodes_[node].slot] = Value::string(raw);
  if (nested_parsers_.size() < depth) nested_parsers_.resize(depth);
  if (padded_.size() <= depth) padded_.resize(depth + 1);
  auto& parser = nested_parsers_[depth - 1];
  if (!parser) parser = std::make_unique<od::parser>();
  std::string& buf = padded_[depth];
  buf.assign(raw);
  buf.resize(raw.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::object inner;
  if (auto e = parser->iterate(buf.data(), raw.size(), buf.size()).get(doc)) return json_error(e);
  if (auto e = doc.get_object().get(inner)) return json_error(e);
  return visit(inner, node, depth);
}

void filter(CompiledExpr& condition, JsonEventView& view, std::span<const std::string_view> events,
            FilterResult* out) {
  out->selected.clear();
  out->failed.clear();
  for (size_t i = 0; i < events.size(); ++i) {
    if (!view.reset(events[i]).is_ok()) {
      out->failed.push_back(static_cast<uint32_t>(i));
    } else if (condition.matches(view)) {
      out->selected.push_back(static_cast<uint32_t>(i));
    }
  }
}

}  // namespace delta::process
