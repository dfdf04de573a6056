#include <optional>

#include "config/sections.h"

namespace delta::config::internal {
namespace {

using model::Field;
using model::FieldType;
using model::StreamSchema;

constexpr std::string_view kStreamKeys[] = {"time_field", "key",   "partitions", "schema", "mask",
                                            "sinks",      "dedup", "watermark",  "source"};
constexpr std::string_view kDedupKeys[] = {"field", "horizon"};
constexpr std::string_view kWatermarkKeys[] = {"out_of_orderness", "idle_timeout"};
constexpr int64_t kMaxDuration = 365ll * 24 * 3600 * 1000;
constexpr std::string_view kFieldKeys[] = {"type", "required"};
constexpr std::string_view kTypeExpected =
    "a type (string, int64, float64, bool, timestamp or json; a trailing ? makes the field optional) or a "
    "mapping {type, required}";
constexpr std::string_view kLongTypeExpected = "a type: string, int64, float64, bool, timestamp or json";
constexpr size_t kMaxStreamName = 64;

bool is_name_char(char c) {
  return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Status check_stream_name(const Reader& r, const Entry& e) {
  const std::string& name = e.key;
  bool chars_ok = !name.empty() && name.size() <= kMaxStreamName;
  for (char c : name) chars_ok = chars_ok && is_name_char(c);
  if (!chars_ok) {
    return r.error(e.key_mark, "streams: bad stream name \"" + name +
                                   "\" (expected 1 to 64 letters, digits, '_' or '-')");
  }
  if (name.front() == '_') {
    return r.error(e.key_mark, "streams: stream name \"" + name +
                                   "\" starts with '_', which is reserved for internal streams such as _dlq");
  }
  return Status::ok();
}

// The short form: "float64" (required) or "float64?" (optional).
Status read_short_field(const Reader& r, const Value& v, Field* f) {
  Result<Scalar> s = r.scalar(v, kTypeExpected);
  if (!s) return s.status();
  std::string_view name = s->text;
  f->required = !name.ends_with('?');
  if (!f->required) name.remove_suffix(1);
  if (!model::parse_field_type(name, &f->type)) return r.expected(v, kTypeExpected, s->describe());
  return Status::ok();
}

// The long form: {type: float64, required: false}; `required` defaults to true, like the short form.
Status read_long_field(const Reader& r, const Value& v, const std::string& where, Field* f) {
  bool has_type = false;
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kFieldKeys, where}, [&](const Entry& e) -> Status {
    if (e.key == "required") {
      Result<bool> b = r.boolean(e.value);
      if (!b) return b.status();
      f->required = *b;
      return Status::ok();
    }
    Result<Scalar> s = r.scalar(e.value, kLongTypeExpected);
    if (!s) return s.status();
    if (!model::parse_field_type(s->text, &f->type))
      return r.expected(e.value, kLongTypeExpected, s->describe());
    has_type = true;
    return Status::ok();
  }));
  if (!has_type) return r.error(v.mark, v.path + ": missing \"type\"");
  return Status::ok();
}

Result<Field> read_field(const Reader& r, const Entry& e, const std::string& stream) {
  if (e.key.empty()) {
    return r.error(e.key_mark, "streams." + stream + ".schema: a field name must not be empty");
  }
  Field f;
  f.name = e.key;
  f.required = true;
  if (e.value.node.IsMap()) {
    DELTA_RETURN_IF_ERROR(
        read_long_field(r, e.value, "in field \"" + e.key + "\" of stream \"" + stream + "\"", &f));
  } else {
    DELTA_RETURN_IF_ERROR(read_short_field(r, e.value, &f));
  }
  return f;
}

Status read_schema(const Reader& r, const Value& v, StreamSchema* s) {
  std::string where = "in the schema of stream \"" + s->name + "\"";
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{{}, where}, [&](const Entry& e) -> Status {
    Result<Field> f = read_field(r, e, s->name);
    if (!f) return f.status();
    s->fields.push_back(std::move(*f));
    return Status::ok();
  }));
  if (s->fields.empty()) return r.expected(v, "at least one field", "an empty mapping");
  return Status::ok();
}

// A schema field named by a value, and how to show that value in errors.
struct NamedField {
  Field* field;
  std::string got;  // "\"email\" (a string field)", or "the value of ${X} (...)"
};

// The schema field that `v` names, or an error listing the fields.
Result<NamedField> named_field(const Reader& r, const Value& v, StreamSchema* s) {
  Result<Scalar> name = r.scalar(v, "a field name");
  if (!name) return name.status();
  int i = s->field_index(name->text);
  if (i < 0) return r.expected(v, "a field of the schema (" + field_names(*s) + ")", name->describe());
  Field* f = &s->fields[static_cast<size_t>(i)];
  return NamedField{f, name->describe() + " (a " + std::string(model::field_type_name(f->type)) + " field)"};
}

// The time field is a timestamp or an int64 (epoch milliseconds) and every event must carry it.
Status read_time_field(const Reader& r, const Value& v, StreamSchema* s) {
  Result<NamedField> f = named_field(r, v, s);
  if (!f) return f.status();
  if (f->field->type != FieldType::kTimestamp && f->field->type != FieldType::kInt64) {
    return r.expected(v, "a field of type timestamp or int64", f->got);
  }
  f->field->required = true;
  s->time_field = f->field->name;
  return Status::ok();
}

// The key is hashed to pick a partition; a json value has no stable hash, so it cannot be a key.
Status read_key_field(const Reader& r, const Value& v, StreamSchema* s) {
  Result<NamedField> f = named_field(r, v, s);
  if (!f) return f.status();
  if (f->field->type == FieldType::kJson) return r.expected(v, "a field of any type but json", f->got);
  s->key_field = f->field->name;
  return Status::ok();
}

// dedup: {field: event_id, horizon: 10m}; the field is a string or int64 field of the schema.
Status read_dedup(const Reader& r, const Value& v, StreamSchema* s) {
  std::optional<Value> field;
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kDedupKeys, "in dedup"}, [&](const Entry& e) -> Status {
    if (e.key == "field") {
      field = e.value;
      return Status::ok();
    }
    Result<int64_t> h = r.duration_ms(e.value, 8, kMaxDuration);
    if (!h) return h.status();
    s->dedup_horizon_ms = *h;
    return Status::ok();
  }));
  if (!field) return r.error(v.mark, v.path + ": missing \"field\" (the event-id field)");
  if (s->dedup_horizon_ms == 0)
    return r.error(v.mark, v.path + ": missing \"horizon\" (a duration like 10m)");
  Result<NamedField> f = named_field(r, *field, s);
  if (!f) return f.status();
  if (f->field->type != FieldType::kString && f->field->type != FieldType::kInt64)
    return r.expected(*field, "a string or int64 field", f->got);
  s->dedup_field = f->field->name;
  return Status::ok();
}

Status read_watermark(const Reader& r, const Value& v, StreamSchema* s) {
  return r.each_entry(v, MapSpec{kWatermarkKeys, "in watermark"}, [&](const Entry& e) -> Status {
    Result<int64_t> d = r.duration_ms(e.value, 0, kMaxDuration);
    if (!d) return d.status();
    (e.key == "out_of_orderness" ? s->out_of_orderness_ms : s->idle_timeout_ms) = *d;
    return Status::ok();
  });
}

Status read_partitions(const Reader& r, const Value& v, StreamSchema* s) {
  Result<int64_t> n = r.integer(v, 1, 1024);
  if (!n) return n.status();
  s->partitions = static_cast<int32_t>(*n);
  return Status::ok();
}

// Reads one stream; time_field, key and mask are checked once the schema is known, whatever the key
// order.
Result<StreamSchema> read_stream(const Reader& r, const Entry& stream, std::optional<Value>* first_hash,
                                 std::vector<SourceConfig>* sources) {
  DELTA_RETURN_IF_ERROR(check_stream_name(r, stream));
  StreamSchema s;
  s.name = stream.key;
  std::optional<Value> time_field, key, mask, dedup;
  bool has_schema = false;
  std::string where = "in stream \"" + s.name + "\"";
  DELTA_RETURN_IF_ERROR(r.each_entry(stream.value, MapSpec{kStreamKeys, where}, [&](const Entry& e) {
    if (e.key == "time_field") time_field = e.value;
    if (e.key == "key") key = e.value;
    if (e.key == "mask") mask = e.value;
    if (e.key == "dedup") dedup = e.value;
    if (e.key == "sinks") return read_name_list(r, e.value, &s.sinks);
    if (e.key == "watermark") return read_watermark(r, e.value, &s);
    if (e.key == "source") return read_source(r, e.value, s.name, sources);
    if (e.key == "schema") {
      has_schema = true;
      return read_schema(r, e.value, &s);
    }
    if (e.key == "partitions") return read_partitions(r, e.value, &s);
    return Status::ok();
  }));
  if (!has_schema)
    return r.error(stream.key_mark, stream.value.path + ": missing \"schema\" (field name: type)");
  if (time_field) DELTA_RETURN_IF_ERROR(read_time_field(r, *time_field, &s));
  if (key) DELTA_RETURN_IF_ERROR(read_key_field(r, *key, &s));
  if (mask) DELTA_RETURN_IF_ERROR(read_stream_mask(r, *mask, &s, first_hash));
  if (dedup) DELTA_RETURN_IF_ERROR(read_dedup(r, *dedup, &s));
  return s;
}

}  // namespace

std::string field_names(const StreamSchema& s) {
  std::string out;
  for (const Field& f : s.fields) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

Status read_streams(const Reader& r, const Value& v, std::vector<StreamSchema>* out,
                    std::optional<Value>* first_hash, std::vector<SourceConfig>* sources) {
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{{}, "in streams"}, [&](const Entry& e) -> Status {
    Result<StreamSchema> s = read_stream(r, e, first_hash, sources);
    if (!s) return s.status();
    out->push_back(std::move(*s));
    return Status::ok();
  }));
  if (out->empty()) return r.expected(v, "at least one stream", "an empty mapping");
  return Status::ok();
}

}  // namespace delta::config::internal
