#include "config/yaml_reader.h"

#include <algorithm>

#include "config/units.h"

namespace delta::config::internal {
namespace {

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// "path: what", or just "what" at the top level.
std::string at_path(const std::string& path, std::string_view what) {
  return path.empty() ? std::string(what) : path + ": " + std::string(what);
}

bool contains(std::span<const std::string_view> items, std::string_view s) {
  return std::find(items.begin(), items.end(), s) != items.end();
}

// Where a value's errors point: the value itself, or its key when the value is empty (yaml-cpp
// places an empty value's mark on the following line).
YAML::Mark value_mark(const YAML::Node& key, const YAML::Node& value) {
  return value.IsNull() || value.Mark().is_null() ? key.Mark() : value.Mark();
}

}  // namespace

std::string Scalar::describe() const {
  if (vars.empty()) return "\"" + text + "\"";
  std::string out = "the value of";
  for (size_t i = 0; i < vars.size(); ++i) out += (i == 0 ? " ${" : ", ${") + vars[i] + "}";
  return out;
}

std::string_view node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "nothing";
  }
}

Status Reader::error(const YAML::Mark& mark, std::string_view what) const {
  int line = mark.is_null() ? 1 : mark.line + 1;
  int column = mark.is_null() ? 1 : mark.column + 1;
  return Status::invalid_argument(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                                  std::string(what));
}

Status Reader::expected(const Value& v, std::string_view expected, std::string_view got) const {
  return error(v.mark, at_path(v.path, "expected " + std::string(expected) + ", got " + std::string(got)));
}

Result<Scalar> Reader::scalar(const Value& v, std::string_view expected_what) const {
  if (!v.node.IsScalar()) return expected(v, expected_what, node_kind(v.node));
  Result<Interpolated> r = interpolate_env(v.node.Scalar(), lookup_);
  if (!r) return error(v.mark, at_path(v.path, r.status().message()));
  return Scalar{std::move(r->text), std::move(r->vars)};
}

Result<std::string> Reader::text(const Value& v) const {
  Result<Scalar> s = scalar(v, "a non-empty string");
  if (!s) return s.status();
  if (s->text.empty()) return expected(v, "a non-empty string", s->describe());
  return std::move(s->text);
}

Result<int64_t> Reader::integer(const Value& v, int64_t lo, int64_t hi) const {
  std::string what = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  Result<Scalar> s = scalar(v, what);
  if (!s) return s.status();
  std::optional<int64_t> n = parse_int64(s->text);
  if (!n || *n < lo || *n > hi) return expected(v, what, s->describe());
  return *n;
}

Result<uint64_t> Reader::size(const Value& v, uint64_t lo, uint64_t hi) const {
  std::string what = "a size from " + format_size(lo) + " to " + format_size(hi) +
                     " (bytes, or a number with B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)";
  Result<Scalar> s = scalar(v, what);
  if (!s) return s.status();
  std::optional<uint64_t> n = parse_size(s->text);
  if (!n || *n < lo || *n > hi) return expected(v, what, s->describe());
  return *n;
}

Result<int64_t> Reader::duration_ms(const Value& v, int64_t lo, int64_t hi) const {
  std::string what = "a duration from " + format_duration_ms(lo) + " to " + format_duration_ms(hi) +
                     " (a number with ms, s, m, h or d)";
  Result<Scalar> s = scalar(v, what);
  if (!s) return s.status();
  std::optional<int64_t> n = parse_duration_ms(s->text);
  if (!n || *n < lo || *n > hi) return expected(v, what, s->describe());
  return *n;
}

Result<bool> Reader::boolean(const Value& v) const {
  Result<Scalar> s = scalar(v, "true or false");
  if (!s) return s.status();
  if (s->text == "true") return true;
  if (s->text == "false") return false;
  return expected(v, "true or false", s->describe());
}

Status Reader::check_key(const Entry& e, const MapSpec& spec, const std::vector<Entry>& seen) const {
  for (const Entry& prior : seen) {
    if (prior.key == e.key) {
      return error(e.key_mark, "duplicate key \"" + e.key + "\" " + std::string(spec.where) +
                                   " (first at line " + std::to_string(prior.key_mark.line + 1) + ")");
    }
  }
  if (spec.allowed.empty() || contains(spec.allowed, e.key)) return Status::ok();
  std::string what = contains(spec.planned, e.key) ? "\"" + e.key + "\" is not supported yet "
                                                   : "unknown key \"" + e.key + "\" ";
  return error(e.key_mark, what + std::string(spec.where) + " (expected one of: " + join(spec.allowed) + ")");
}

Result<Entry> Reader::entry(const Value& map, const YAML::Node& key, const YAML::Node& value) const {
  if (!key.IsScalar()) {
    return error(key.Mark(), at_path(map.path, "expected a key name, got " + std::string(node_kind(key))));
  }
  std::string path = map.path.empty() ? key.Scalar() : map.path + "." + key.Scalar();
  return Entry{key.Scalar(), key.Mark(), Value{value, value_mark(key, value), std::move(path)}};
}

Status Reader::each_entry(const Value& v, const MapSpec& spec,
                          const std::function<Status(const Entry&)>& fn) const {
  if (!v.node.IsMap()) return expected(v, "a mapping", node_kind(v.node));
  std::vector<Entry> seen;
  for (auto it = v.node.begin(); it != v.node.end(); ++it) {
    Result<Entry> e = entry(v, it->first, it->second);
    if (!e) return e.status();
    DELTA_RETURN_IF_ERROR(check_key(*e, spec, seen));
    DELTA_RETURN_IF_ERROR(fn(*e));
    seen.push_back(std::move(*e));
  }
  return Status::ok();
}

}  // namespace delta::config::internal
