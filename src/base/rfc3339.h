// RFC 3339 timestamps to epoch milliseconds: the parser behind the `timestamp` field type, shared by
// the edge (validation) and expressions (casts and literals) so both accept exactly the same text.
//
// Written by hand rather than with strptime or std::regex so that it does not depend on the locale
// or the TZ variable and costs a few nanoseconds per event. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace delta {

// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil). REQUIRES: 1 <= month <= 12, 1 <= day <= 31.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

// Parses an RFC 3339 date-time, "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)", into UTC epoch
// milliseconds. As RFC 3339 section 5.6 allows, 't'/'z' may be lower case and a space may separate
// date and time. Digits past the milliseconds are truncated; a leap second (:60) reads as the next
// second. Returns false, leaving *out_ms alone, when any part is missing, extra or out of range
// (month 13, February 30, offset hour 24, ...).
bool parse_rfc3339_ms(std::string_view text, int64_t* out_ms);

// The instants of years 0000..9999 UTC in epoch milliseconds: the event times ingest accepts (and
// so those window arithmetic meets, far from int64 overflow).
inline constexpr int64_t kMinTimestampMs = -62'167'219'200'000;  // 0000-01-01T00:00:00.000Z
inline constexpr int64_t kMaxTimestampMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// A UTC calendar date and time of day.
struct CivilTime {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
};
// Epoch milliseconds to UTC (H. Hinnant's civil_from_days, plus the time of day); any int64.
CivilTime civil_from_ms(int64_t ms);

// Formats as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[0..24). Returns the length written (24 for years
// 0..9999; other years are clamped to 4 digits of their absolute value, as no event carries them).
// For years 0..9999 parse_rfc3339_ms reads it back to the same value.
size_t format_rfc3339_ms(int64_t ms, char out[32]);
// The same, appended to `out`.
void append_rfc3339_ms(std::string& out, int64_t ms);

}  // namespace delta
