#include "base/rfc3339.h"

#include <cstdio>

namespace delta {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` digits at text[*pos], advancing *pos. False when any is not a digit.
bool read_digits(std::string_view text, size_t* pos, int n, int* out) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

struct DateTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  int offset_minutes = 0;
};

bool parse_date(std::string_view t, size_t* pos, DateTime* dt) {
  return read_digits(t, pos, 4, &dt->year) && expect(t, pos, '-') && read_digits(t, pos, 2, &dt->month) &&
         expect(t, pos, '-') && read_digits(t, pos, 2, &dt->day) && dt->month >= 1 && dt->month <= 12 &&
         dt->day >= 1 && dt->day <= days_in_month(dt->year, dt->month);
}

// Fraction digits after '.': at least one; the first three are the milliseconds.
bool parse_fraction(std::string_view t, size_t* pos, DateTime* dt) {
  if (*pos >= t.size() || t[*pos] != '.') return true;
  ++*pos;
  size_t start = *pos;
  int ms = 0;
  for (; *pos < t.size() && is_digit(t[*pos]); ++*pos) {
    if (*pos - start < 3) ms = ms * 10 + (t[*pos] - '0');
  }
  size_t n = *pos - start;
  if (n == 0) return false;
  for (size_t i = n; i < 3; ++i) ms *= 10;
  dt->millis = ms;
  return true;
}

bool parse_time(std::string_view t, size_t* pos, DateTime* dt) {
  return read_digits(t, pos, 2, &dt->hour) && expect(t, pos, ':') && read_digits(t, pos, 2, &dt->minute) &&
         expect(t, pos, ':') && read_digits(t, pos, 2, &dt->second) && dt->hour <= 23 && dt->minute <= 59 &&
         dt->second <= 60 && parse_fraction(t, pos, dt);
}

bool parse_offset(std::string_view t, size_t* pos, DateTime* dt) {
  if (*pos >= t.size()) return false;
  char c = t[(*pos)++];
  if (c == 'Z' || c == 'z') return true;
  if (c != '+' && c != '-') return false;
  int h = 0, m = 0;
  if (!read_digits(t, pos, 2, &h) || !expect(t, pos, ':') || !read_digits(t, pos, 2, &m)) return false;
  if (h > 23 || m > 59) return false;
  dt->offset_minutes = (c == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool parse_rfc3339_ms(std::string_view text, int64_t* out_ms) {
  DateTime dt;
  size_t pos = 0;
  if (!parse_date(text, &pos, &dt)) return false;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) return false;
  ++pos;
  if (!parse_time(text, &pos, &dt) || !parse_offset(text, &pos, &dt) || pos != text.size()) return false;
  int64_t days = days_from_civil(dt.year, dt.month, dt.day);
  int64_t seconds =
      ((days * 24 + dt.hour) * 60 + dt.minute) * 60 + dt.second - int64_t{dt.offset_minutes} * 60;
  *out_ms = seconds * 1000 + dt.millis;
  return true;
}

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

}  // namespace

CivilTime civil_from_ms(int64_t ms) {
  int64_t days = ms / kMsPerDay - (ms % kMsPerDay < 0 ? 1 : 0);
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

void append_rfc3339_ms(std::string& out, int64_t ms) {
  char buf[32];
  out.append(buf, format_rfc3339_ms(ms, buf));
}

}  // namespace delta
