// Hashing for routing and hash tables: xxHash64, stable across runs and machines, so the partition
// of a key never changes while the partition count does not.
#pragma once

#include <cstdint>
#include <string_view>

namespace delta {

uint64_t hash64(std::string_view bytes, uint64_t seed = 0);

}  // namespace delta
