#include "process/expr_time.h"

#include <charconv>

namespace delta::process {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

}  // namespace

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
