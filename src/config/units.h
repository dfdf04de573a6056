// Sizes and durations as written in pipeline.yaml, parsed and formatted without locale or streams.
//
// Sizes: a non-negative integer of bytes, optionally followed (with or without one space) by a unit:
// B; KB, MB, GB, TB (powers of 1000); KiB, MiB, GiB, TiB (powers of 1024). "16MiB", "1000 KB", "512".
// Durations: an integer followed by ms, s, m, h or d ("500ms", "10s", "24h"); a bare "0" is zero.
// Fractions, signs and compound forms ("1h30m") are refused. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace delta::config {

// A decimal integer with an optional leading '-', nothing else; nullopt on overflow or junk.
std::optional<int64_t> parse_int64(std::string_view text);
// A size in bytes (see above); nullopt when malformed or above 2^64-1.
std::optional<uint64_t> parse_size(std::string_view text);
// A duration in milliseconds (see above); nullopt when malformed or above 2^63-1 ms.
std::optional<int64_t> parse_duration_ms(std::string_view text);

// The shortest exact spelling with a binary unit: 16777216 -> "16MiB", 1500 -> "1500B", 0 -> "0B".
std::string format_size(uint64_t bytes);
// The shortest exact spelling: 86400000 -> "1d", 1500 -> "1500ms", 0 -> "0ms".
std::string format_duration_ms(int64_t ms);

}  // namespace delta::config
