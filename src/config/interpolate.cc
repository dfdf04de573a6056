#include "config/interpolate.h"

#include <cstdlib>

namespace delta::config {
namespace {

bool is_name_start(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

// Appends the value of the "${...}" starting at `in[pos]` to `out`; returns the index after "}".
Result<size_t> expand_one(std::string_view in, size_t pos, const EnvLookup& lookup, Interpolated* out) {
  size_t close = in.find('}', pos + 2);
  if (close == std::string_view::npos) {
    return Status::invalid_argument("unclosed \"${\" (write \"$${\" for a literal \"${\")");
  }
  std::string name(in.substr(pos + 2, close - pos - 2));
  if (!valid_name(name)) {
    return Status::invalid_argument("bad variable name in \"${" + name +
                                    "}\" (expected letters, digits and '_', not starting with a digit)");
  }
  const char* value = lookup(name);
  if (value == nullptr) return Status::invalid_argument("environment variable " + name + " is not set");
  out->text += value;
  out->vars.push_back(std::move(name));
  return close + 1;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) { return std::getenv(name.c_str()); };
}

Result<Interpolated> interpolate_env(std::string_view in, const EnvLookup& lookup) {
  Interpolated out;
  size_t i = 0;
  while (i < in.size()) {
    if (in.substr(i, 3) == "$${") {
      out.text += "${";
      i += 3;
    } else if (in.substr(i, 2) == "${") {
      Result<size_t> next = expand_one(in, i, lookup, &out);
      if (!next) return next.status();
      i = *next;
    } else {
      out.text += in[i++];
    }
  }
  return out;
}

}  // namespace delta::config
