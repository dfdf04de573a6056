// The CRC-32C implementations behind crc32c::extend, named so that the unit tests can check each one
// against the others and bench/crc32c_bench can time them side by side. Everything else calls
// crc32c::extend (base/crc32c.h), which picks one. All functions are stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace delta::crc32c::internal {

// True when the CPU has the SSE4.2 crc32 instruction (cpuid, checked once). Always false off x86-64,
// where the two hardware functions below compute with the table instead.
bool hardware_available();

// One byte per step through a 256-entry table: the reference, and the path without SSE4.2.
uint32_t extend_portable(uint32_t crc, const void* data, size_t n);

// REQUIRES: hardware_available(). One crc32 instruction per 8 bytes, as a single dependency chain.
uint32_t extend_hardware_serial(uint32_t crc, const void* data, size_t n);

// REQUIRES: hardware_available(). From kInterleaveMin bytes on, three streams of the buffer run as
// three independent chains in one loop and are combined with a shift by zero bytes (see crc32c.cc).
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n);

// The stream lengths extend_hardware uses, each with its zero-shift tables (4 KiB): long blocks for
// the bulk of a big buffer (one combine per 3 x 8 KiB), then middle and short ones for what is left;
// the last < 3 x kShortBlock bytes go serially. Chosen with bench/crc32c_bench (BENCHMARKS.md):
// from 384 bytes on three short streams beat one chain on this machine's AMD EPYC.
inline constexpr size_t kLongBlock = 8192;
inline constexpr size_t kMiddleBlock = 1024;
inline constexpr size_t kShortBlock = 128;
inline constexpr size_t kInterleaveMin = 3 * kShortBlock;

}  // namespace delta::crc32c::internal
