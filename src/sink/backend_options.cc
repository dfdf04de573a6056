#include "sink/backend_options.h"

#include <algorithm>
#include <charconv>

namespace delta::sink {

const config::SinkOption* BackendOptions::find(std::string_view key) {
  asked_.emplace_back(key);
  return sink_.option(key);
}

void BackendOptions::fail(const std::string& where, std::string_view what) {
  if (first_error_.is_ok()) first_error_ = Status::invalid_argument(where + ": " + std::string(what));
}

std::string BackendOptions::string(std::string_view key, std::string_view fallback) {
  const config::SinkOption* o = find(key);
  return o != nullptr ? o->value : std::string(fallback);
}

std::string BackendOptions::required(std::string_view key) {
  const config::SinkOption* o = find(key);
  if (o == nullptr || o->value.empty()) {
    fail(sink_.where, "kind " + sink_.kind + " requires " + std::string(key));
    return "";
  }
  return o->value;
}

bool BackendOptions::boolean(std::string_view key, bool fallback) {
  const config::SinkOption* o = find(key);
  if (o == nullptr) return fallback;
  const std::string& v = o->value;
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  fail(o->where, "expected true or false");
  return fallback;
}

int64_t BackendOptions::integer(std::string_view key, int64_t fallback, int64_t min, int64_t max) {
  const config::SinkOption* o = find(key);
  if (o == nullptr) return fallback;
  int64_t v = 0;
  const char* end = o->value.data() + o->value.size();
  auto [p, ec] = std::from_chars(o->value.data(), end, v);
  if (ec != std::errc() || p != end || v < min || v > max) {
    fail(o->where, "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return fallback;
  }
  return v;
}

std::string BackendOptions::one_of(std::string_view key, std::string_view fallback,
                                   const std::vector<std::string_view>& allowed) {
  const config::SinkOption* o = find(key);
  if (o == nullptr) return std::string(fallback);
  if (std::find(allowed.begin(), allowed.end(), o->value) != allowed.end()) return o->value;
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail(o->where, "expected one of: " + list);
  return std::string(fallback);
}

Status BackendOptions::finish() {
  if (!first_error_.is_ok()) return first_error_;
  for (const config::SinkOption& o : sink_.options) {
    if (std::find(asked_.begin(), asked_.end(), o.key) == asked_.end())
      return Status::invalid_argument(o.where + ": unknown option for kind " + sink_.kind);
  }
  return Status::ok();
}

}  // namespace delta::sink
