#include "auth/password.h"

#include <sodium.h>

#include <cassert>
#include <mutex>

namespace delta::auth {
namespace {

constexpr size_t kMaxPasswordBytes = 1024;

void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    int rc = sodium_init();
    assert(rc >= 0 && "libsodium could not initialise (no entropy source?)");
    (void)rc;
  });
}

}  // namespace

Result<std::string> hash_password(std::string_view password, PasswordHashCost cost) {
  ensure_sodium();
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    return Status::invalid_argument("a password must have 1 to 1024 bytes");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::resource_exhausted("Argon2id could not get " + std::to_string(cost.mem_bytes) + " bytes");
  }
  return std::string(out);
}

bool verify_password(std::string_view encoded, std::string_view password) {
  ensure_sodium();
  if (encoded.size() >= crypto_pwhash_STRBYTES || password.size() > kMaxPasswordBytes) return false;
  if (encoded.substr(0, 10) != "$argon2id$") return false;
  std::string stored(encoded);  // crypto_pwhash_str_verify wants a NUL-terminated string
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

std::string random_base62(size_t n) {
  ensure_sodium();
  static constexpr char kChars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out(n, '0');
  for (char& c : out) c = kChars[randombytes_uniform(62)];
  return out;
}

}  // namespace delta::auth
