// SigningKeyRing: the built-in OAuth server's token signing keys (ES256, P-256 via OpenSSL EVP).
//
// One current key signs; it is generated at construction and replaced every `rotate_every_ms`
// (checked on each sign() and public_jwks_json(), so time comes only from the Clock). A replaced
// key stays published in the JWKS for `retain_ms` after its retirement (the longest token
// lifetime plus clock skew), so tokens it signed keep verifying until they expire.
// Keys live in process memory only: a restart makes new keys, and tokens signed before it stop
// verifying (acceptable for the embedded default; a shared key store is future work).
// Thread-safe: a mutex guards the key list; signing runs outside it on a shared_ptr copy.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace delta::auth {

class SigningKeyRing {
 public:
  // `clock` must outlive the ring. REQUIRES: rotate_every_ms > 0, retain_ms >= 0.
  SigningKeyRing(const Clock& clock, int64_t rotate_every_ms, int64_t retain_ms);

  // A compact JWS (header {"alg":"ES256","typ":"at+jwt","kid":...}) over `payload_json`.
  Result<std::string> sign(std::string_view payload_json);
  // {"keys":[...]}: the public JWK (kty EC, crv P-256, x, y, kid, alg ES256, use sig) of the
  // current key and of every retired key still within its retention. Never private material.
  std::string public_jwks_json();
  std::string current_kid();

 private:
  struct Key {
    std::string kid;
    std::shared_ptr<EVP_PKEY> pkey;
    std::string public_jwk;  // JSON object text
    int64_t created_ms = 0;
    int64_t retired_ms = 0;  // 0 while current
  };
  std::shared_ptr<const Key> current_locked();  // rotates and prunes when due; REQUIRES: mu_ held
  Status add_key_locked(int64_t now_ms);

  const Clock& clock_;
  const int64_t rotate_every_ms_;
  const int64_t retain_ms_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Key>> keys_;  // oldest first; the last one is current
};

}  // namespace delta::auth
