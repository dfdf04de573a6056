// Small cryptographic helpers shared in src/auth: SHA-256, constant-time comparison, random
// bytes. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace delta::auth {

// The 32-byte SHA-256 digest of `data`.
std::string sha256(std::string_view data);
// True when a and b are equal; the time taken depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

}  // namespace delta::auth
