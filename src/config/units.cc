#include "config/units.h"

#include <charconv>
#include <limits>

namespace delta::config {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

constexpr Unit kSizeUnits[] = {
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000ull * 1000},
    {"GB", 1000ull * 1000 * 1000},
    {"TB", 1000ull * 1000 * 1000 * 1000},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
};

constexpr Unit kDurationUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60ull * 1000}, {"h", 3600ull * 1000}, {"d", 24ull * 3600 * 1000},
};

// Splits "16 MiB" into the leading digits and the unit after an optional single space.
bool split_number(std::string_view text, uint64_t* number, std::string_view* unit) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *number);
  if (ec != std::errc() || p == text.data()) return false;
  *unit = std::string_view(p, static_cast<size_t>(end - p));
  if (!unit->empty() && unit->front() == ' ') {
    unit->remove_prefix(1);
    if (unit->empty()) return false;
  }
  return true;
}

// `number` times the factor of `unit` from `units`, refusing overflow of `max`.
template <size_t N>
std::optional<uint64_t> scale(uint64_t number, std::string_view unit, const Unit (&units)[N], uint64_t max) {
  for (const Unit& u : units) {
    if (u.suffix != unit) continue;
    if (number > max / u.factor) return std::nullopt;
    return number * u.factor;
  }
  return std::nullopt;
}

template <size_t N>
std::string format_exact(uint64_t value, const Unit (&units)[N], size_t first, std::string_view zero) {
  if (value == 0) return std::string(zero);
  for (size_t i = N; i-- > first;) {
    if (value % units[i].factor == 0)
      return std::to_string(value / units[i].factor) + std::string(units[i].suffix);
  }
  return std::to_string(value) + std::string(units[0].suffix);
}

}  // namespace

std::optional<int64_t> parse_int64(std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_size(std::string_view text) {
  uint64_t number = 0;
  std::string_view unit;
  if (!split_number(text, &number, &unit)) return std::nullopt;
  if (unit.empty()) return number;
  return scale(number, unit, kSizeUnits, std::numeric_limits<uint64_t>::max());
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  uint64_t number = 0;
  std::string_view unit;
  if (!split_number(text, &number, &unit)) return std::nullopt;
  if (unit.empty()) return number == 0 ? std::optional<int64_t>(0) : std::nullopt;
  auto ms = scale(number, unit, kDurationUnits, std::numeric_limits<int64_t>::max());
  if (!ms) return std::nullopt;
  return static_cast<int64_t>(*ms);
}

std::string format_size(uint64_t bytes) {
  // Only the binary units (index 5 on) are used for output, so values round-trip exactly.
  return format_exact(bytes, kSizeUnits, 5, "0B");
}

std::string format_duration_ms(int64_t ms) {
  if (ms < 0) return std::to_string(ms) + "ms";
  return format_exact(static_cast<uint64_t>(ms), kDurationUnits, 1, "0ms");
}

}  // namespace delta::config
