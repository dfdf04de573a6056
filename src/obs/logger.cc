#include "obs/logger.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "base/json_escape.h"

namespace delta::obs {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

std::string_view level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void append_timestamp(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ms / 1000);
  tm utc;
  gmtime_r(&secs, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  out += buf;
}

}  // namespace

void set_min_level(Level level) { g_min_level.store(static_cast<int>(level)); }

void log(Level level, std::string_view logger, std::string_view message, LogFields fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(256);
  line += R"({"@timestamp":")";
  append_timestamp(line);
  line += R"(","log.level":")";
  line += level_name(level);
  line += R"(","log.logger":")";
  json::append_escaped(line, logger);
  line += R"(","message":")";
  json::append_escaped(line, message);
  line += '"';
  for (const auto& [key, value] : fields) {
    line += ",\"";
    json::append_escaped(line, key);
    line += "\":";
    if (value.quoted) {
      line += '"';
      json::append_escaped(line, value.text);
      line += '"';
    } else {
      line += value.text;
    }
  }
  line += "}\n";
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace delta::obs
