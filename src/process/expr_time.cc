#include "process/expr_time.h"

#include <charconv>
#include <cstdio>

namespace delta::process {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

bool digits(std::string_view t, size_t pos, int n, int* out) {
  if (pos + n > t.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = t[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int month_days(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  return era * 146097 + static_cast<int64_t>(yoe * 365 + yoe / 4 - yoe / 100 + doy) - 719468;
}

// Fraction after the seconds: '.' and at least one digit; the first three are the milliseconds.
bool fraction(std::string_view t, size_t* pos, int* ms) {
  if (*pos >= t.size() || t[*pos] != '.') return true;
  size_t start = ++*pos;
  while (*pos < t.size() && t[*pos] >= '0' && t[*pos] <= '9') ++*pos;
  size_t n = *pos - start;
  if (n == 0) return false;
  int v = 0;
  for (size_t i = 0; i < 3; ++i) v = v * 10 + (i < n ? t[start + i] - '0' : 0);
  *ms = v;
  return true;
}

// "Z", "z" or "+HH:MM"/"-HH:MM" ending the text.
bool offset(std::string_view t, size_t pos, int* minutes) {
  if (pos + 1 == t.size() && (t[pos] == 'Z' || t[pos] == 'z')) return true;
  int h = 0, m = 0;
  if (pos + 6 != t.size() || (t[pos] != '+' && t[pos] != '-') || t[pos + 3] != ':') return false;
  if (!digits(t, pos + 1, 2, &h) || !digits(t, pos + 4, 2, &m) || h > 23 || m > 59) return false;
  *minutes = (t[pos] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

}  // namespace

bool parse_rfc3339_ms(std::string_view t, int64_t* out_ms) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0, off = 0;
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[13] != ':' || t[16] != ':') return false;
  if (t[10] != 'T' && t[10] != 't' && t[10] != ' ') return false;
  if (!digits(t, 0, 4, &y) || !digits(t, 5, 2, &mo) || !digits(t, 8, 2, &d) || !digits(t, 11, 2, &h) ||
      !digits(t, 14, 2, &mi) || !digits(t, 17, 2, &s)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || s > 60) return false;
  size_t pos = 19;
  if (!fraction(t, &pos, &ms) || !offset(t, pos, &off)) return false;
  int64_t secs = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s - off * 60;
  *out_ms = secs * 1000 + ms;
  return true;
}

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
