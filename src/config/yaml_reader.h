// Internal to src/config: typed, position-aware reading of yaml-cpp nodes.
//
// Every error is Status::invalid_argument("<source>:<line>:<column>: <path>: <what was expected>")
// with 1-based line and column. Scalars are interpolated (${VAR}) as they are read; when a value
// came from the environment, errors name the variables instead of echoing the (maybe secret) value.
// A Reader lives for one parse() call on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/status.h"
#include "config/interpolate.h"

namespace delta::config::internal {

// A YAML value being read: the node, where errors point, and its dotted path ("server.listen").
struct Value {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
};

// A scalar after interpolation. When `vars` is non-empty the text may be a secret.
struct Scalar {
  std::string text;
  std::vector<std::string> vars;

  // For "got ..." in errors: "\"text\"" for literal text, "the value of ${A}" otherwise.
  std::string describe() const;
};

// One key of a mapping and its value (whose path is "<parent path>.<key>").
struct Entry {
  std::string key;
  YAML::Mark key_mark;
  Value value;
};

// What a mapping may hold: `allowed` keys (empty: any key), and `planned` keys that are refused
// with "not supported yet". `where` names the mapping in errors ("in stream \"orders\"").
struct MapSpec {
  std::span<const std::string_view> allowed;
  std::string_view where;
  std::span<const std::string_view> planned = {};
};

class Reader {
 public:
  Reader(std::string source, EnvLookup lookup) : source_(std::move(source)), lookup_(std::move(lookup)) {}

  const std::string& source() const { return source_; }

  // "<source>:<line>:<col>: <what>"; a null mark (an empty document) is reported as 1:1.
  Status error(const YAML::Mark& mark, std::string_view what) const;
  // "<source>:<line>:<col>: <path>: expected <expected>, got <got>".
  Status expected(const Value& v, std::string_view expected, std::string_view got) const;

  // The interpolated text of a scalar; `expected` describes it when `v` is not a scalar.
  Result<Scalar> scalar(const Value& v, std::string_view expected) const;
  // A non-empty string.
  Result<std::string> text(const Value& v) const;
  Result<int64_t> integer(const Value& v, int64_t lo, int64_t hi) const;
  Result<uint64_t> size(const Value& v, uint64_t lo, uint64_t hi) const;
  Result<int64_t> duration_ms(const Value& v, int64_t lo, int64_t hi) const;
  Result<bool> boolean(const Value& v) const;
  // Calls `fn` on each entry of mapping `v` in document order, checking first that its key is a
  // scalar that `spec` allows and not a duplicate; stops at the first error, so errors come in
  // document order.
  Status each_entry(const Value& v, const MapSpec& spec, const std::function<Status(const Entry&)>& fn) const;

 private:
  Status check_key(const Entry& e, const MapSpec& spec, const std::vector<Entry>& seen) const;
  Result<Entry> entry(const Value& map, const YAML::Node& key, const YAML::Node& value) const;

  std::string source_;
  EnvLookup lookup_;
};

// "a mapping", "a list", "nothing" or "a scalar": what a node is, for "got ..." in errors.
std::string_view node_kind(const YAML::Node& node);

}  // namespace delta::config::internal
