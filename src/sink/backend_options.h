// BackendOptions: reads one sink's flattened options (config::SinkConfig::options) for a backend,
// with errors that name the file, line and column of the offending key. Every key a backend does
// not ask for is an error when finish() is called (unknown keys are errors, STYLE.md). Values may
// be secrets: errors never echo a value.
//
// Used once per sink when the pipeline is built; not thread-safe, not on the data path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"

namespace delta::sink {

class BackendOptions {
 public:
  explicit BackendOptions(const config::SinkConfig& sink) : sink_(sink) {}

  // The value of `key`, or `fallback` when it is absent.
  std::string string(std::string_view key, std::string_view fallback = "");
  // Present and non-empty, or an error at the sink ("... requires <key>").
  std::string required(std::string_view key);
  // true/false (also yes/no, on/off, 1/0).
  bool boolean(std::string_view key, bool fallback);
  // A whole number in [min, max].
  int64_t integer(std::string_view key, int64_t fallback, int64_t min, int64_t max);
  // One of `allowed`.
  std::string one_of(std::string_view key, std::string_view fallback,
                     const std::vector<std::string_view>& allowed);

  // The first error seen, else an error for the first key nobody asked for, else ok.
  Status finish();
  const std::string& sink_name() const { return sink_.name; }

 private:
  const config::SinkOption* find(std::string_view key);
  void fail(const std::string& where, std::string_view what);

  const config::SinkConfig& sink_;
  std::vector<std::string> asked_;
  Status first_error_;
};

}  // namespace delta::sink
