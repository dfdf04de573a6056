// Time helpers for expressions: RFC 3339 text to epoch milliseconds and back, civil dates, and
// duration literals ("500ms", "10s", "5m", "1h", "1d"). All UTC, no locale, no TZ variable.
// Pure functions; any thread.
//
// RFC 3339 parsing and formatting is base/rfc3339.h, shared with the edge and the view workers.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/rfc3339.h"

namespace delta::process {

using delta::civil_from_ms;
using delta::CivilTime;
using delta::format_rfc3339_ms;
using delta::parse_rfc3339_ms;

// "<digits><unit>" with unit ms, s, m, h or d, to milliseconds. False when malformed, overflowing
// or zero.
bool parse_duration_ms(std::string_view text, int64_t* out_ms);
// The milliseconds of one duration unit, or 0 when `unit` is not one.
int64_t duration_unit_ms(std::string_view unit);

// Floor division, rounding toward negative infinity. REQUIRES: d > 0.
inline int64_t floor_div(int64_t n, int64_t d) { return n / d - (n % d < 0 ? 1 : 0); }

}  // namespace delta::process
