// CRC-32C (Castagnoli), the checksum of every record batch in the log.
// Uses the SSE4.2 crc32 instruction where the CPU has it and a table otherwise; both give the same
// value (tests check the RFC 3720 vectors).
#pragma once

#include <cstddef>
#include <cstdint>

namespace delta::crc32c {

// Extends `crc` (the value of a previous call, or 0 to start) over data[0, n).
uint32_t extend(uint32_t crc, const void* data, size_t n);

inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }

}  // namespace delta::crc32c
