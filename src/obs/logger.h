// JSON lines logging to stdout with ECS field names (`@timestamp`, `log.level`, `message`,
// `log.logger`, plus event-specific fields). One write(2) per line, so lines from different threads
// never interleave. Not for the per-event data path: log per request, per batch or per incident.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace delta::obs {

enum class Level { kDebug, kInfo, kWarn, kError };

// A field value: a string (escaped as JSON) or a number/bool written as is.
struct LogValue {
  LogValue(std::string_view s) : text(s), quoted(true) {}           // NOLINT(google-explicit-constructor)
  LogValue(const std::string& s) : text(s), quoted(true) {}         // NOLINT(google-explicit-constructor)
  LogValue(const char* s) : text(s), quoted(true) {}                // NOLINT(google-explicit-constructor)
  LogValue(int64_t v) : text(std::to_string(v)), quoted(false) {}   // NOLINT(google-explicit-constructor)
  LogValue(int v) : text(std::to_string(v)), quoted(false) {}       // NOLINT(google-explicit-constructor)
  LogValue(uint64_t v) : text(std::to_string(v)), quoted(false) {}  // NOLINT(google-explicit-constructor)
  LogValue(double v) : text(std::to_string(v)), quoted(false) {}    // NOLINT(google-explicit-constructor)
  LogValue(bool v) : text(v ? "true" : "false"), quoted(false) {}   // NOLINT(google-explicit-constructor)
  std::string text;
  bool quoted;
};

using LogFields = std::initializer_list<std::pair<std::string_view, LogValue>>;

void set_min_level(Level level);
// Writes one JSON line: {"@timestamp":..., "log.level":..., "log.logger": logger, "message":..., fields...}
void log(Level level, std::string_view logger, std::string_view message, LogFields fields = {});

inline void info(std::string_view logger, std::string_view m, LogFields f = {}) {
  log(Level::kInfo, logger, m, f);
}
inline void warn(std::string_view logger, std::string_view m, LogFields f = {}) {
  log(Level::kWarn, logger, m, f);
}
inline void error(std::string_view logger, std::string_view m, LogFields f = {}) {
  log(Level::kError, logger, m, f);
}

}  // namespace delta::obs
