#include "process/expr_time.h"

#include <charconv>
#include <cstdio>

namespace delta::process {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

}  // namespace

// H. Hinnant's civil_from_days, plus the time of day.
CivilTime civil_from_ms(int64_t ms) {
  int64_t days = floor_div(ms, kMsPerDay);
  int64_t rest = ms % kMsPerDay + (ms % kMsPerDay < 0 ? kMsPerDay : 0);  // no overflow at INT64_MIN
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2);
  c.hour = static_cast<int>(rest / 3'600'000);
  c.minute = static_cast<int>(rest / 60'000 % 60);
  c.second = static_cast<int>(rest / 1000 % 60);
  c.millis = static_cast<int>(rest % 1000);
  return c;
}

size_t format_rfc3339_ms(int64_t ms, char out[32]) {
  CivilTime c = civil_from_ms(ms);
  int year = static_cast<int>((c.year < 0 ? -c.year : c.year) % 10000);
  int n = std::snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, c.month, c.day, c.hour,
                        c.minute, c.second, c.millis);
  return static_cast<size_t>(n);
}

int64_t duration_unit_ms(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return kMsPerDay;
  return 0;
}

bool parse_duration_ms(std::string_view text, int64_t* out_ms) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data() || n <= 0) return false;
  int64_t unit = duration_unit_ms(text.substr(static_cast<size_t>(end - text.data())));
  return unit != 0 && !__builtin_mul_overflow(n, unit, out_ms);
}

}  // namespace delta::process
