// Password hashing for users and OAuth client secrets: Argon2id through libsodium's
// crypto_pwhash_str, which stores algorithm, parameters and salt in one "$argon2id$..." string
// (the form `password_hash` takes in pipeline.yaml). Also the randomness helpers of src/auth.
//
// Low-entropy secrets (passwords a person chose) need a slow, memory-hard hash so that a stolen
// hash file cannot be brute-forced; that is what these are for. API keys are 190-bit random
// strings and use plain SHA-256 instead (see api_keys.h).
// Thread-safe: libsodium is initialised once, on first use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace delta::auth {

struct PasswordHashCost {
  uint64_t ops = 2;             // crypto_pwhash_OPSLIMIT_INTERACTIVE
  size_t mem_bytes = 64 << 20;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
  static PasswordHashCost for_tests() { return {1, 64 << 10}; }
};

// An encoded Argon2id hash of `password` with a fresh random salt. kInvalidArgument for an empty
// password or one over 1024 bytes; kResourceExhausted when the memory cannot be had.
Result<std::string> hash_password(std::string_view password, PasswordHashCost cost = {});
// True when `password` matches `encoded` (a crypto_pwhash_str string); false for anything else,
// including a malformed `encoded`. Runs in time independent of where a mismatch is.
bool verify_password(std::string_view encoded, std::string_view password);

// `n` characters drawn uniformly from [0-9A-Za-z] with libsodium's CSPRNG.
std::string random_base62(size_t n);

}  // namespace delta::auth
