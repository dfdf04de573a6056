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

// Appends "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) for epoch milliseconds `ms`, years 0000..9999; what
// parse_rfc3339_ms reads back to the same value.
void append_rfc3339_ms(std::string& out, int64_t ms);

}  // namespace delta
