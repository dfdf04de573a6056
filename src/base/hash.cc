#include "base/hash.h"

#include <xxhash.h>

namespace delta {

uint64_t hash64(std::string_view bytes, uint64_t seed) { return XXH64(bytes.data(), bytes.size(), seed); }

}  // namespace delta
