// ${VAR} interpolation of scalar values in pipeline.yaml.
//
// Each "${NAME}" (NAME = [A-Za-z_][A-Za-z0-9_]*) is replaced by the variable's value; several may
// appear in one value ("${HOST}:${PORT}"). "$${" stands for a literal "${". A "$" not followed by
// "{" is kept as is. An unset variable, an unclosed "${" or a bad name is an error; a variable set
// to the empty string interpolates as empty. The error messages never contain a variable's value.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace delta::config {

// Returns the value of the environment variable `name`, or nullptr when it is unset.
using EnvLookup = std::function<const char*(const std::string& name)>;

// The process environment (std::getenv).
EnvLookup process_env();

struct Interpolated {
  std::string text;
  std::vector<std::string> vars;  // the variables used, in order of appearance; empty: literal text
};

// Interpolates `in`. The error Status (invalid_argument) has no position: callers prefix it.
Result<Interpolated> interpolate_env(std::string_view in, const EnvLookup& lookup);

}  // namespace delta::config
