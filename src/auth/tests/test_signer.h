// Test-only key generation and JWT signing, so the verifier is checked against tokens built here
// with OpenSSL directly (not with the code under test, apart from base64url).
#pragma once

#include <openssl/types.h>

#include "auth/jwks_cache.h"
#include "auth/jwt.h"

#include <memory>
#include <string>
#include <vector>

namespace delta::auth::testing {

enum class TestKeyKind { kRsa2048, kP256, kEd25519 };

struct TestKey {
  TestKeyKind kind;
  std::string kid;
  std::shared_ptr<EVP_PKEY> pkey;  // private key
};

// RSA-2048 generation is slow, so each kind's keys come from a small per-process pool indexed by
// `slot`; different slots are different keys.
TestKey make_key(TestKeyKind kind, const std::string& kid, int slot = 0);

// The public JWK object of `key` as JSON text; `alg` is added when not empty.
std::string public_jwk(const TestKey& key, const std::string& alg = "");
std::string jwks_of(const std::vector<std::string>& jwks);
std::string public_pem(const TestKey& key);

// "<b64 header>.<b64 payload>.<b64 signature>" signed with the key's natural algorithm
// (RS256, ES256 as raw r||s, EdDSA).
std::string sign_jwt(const std::string& header_json, const std::string& payload_json, const TestKey& key);
std::string sign_hs256(const std::string& header_json, const std::string& payload_json,
                       const std::string& secret);

// An identity provider's JWKS endpoint: tests change `doc` (rotation) or `up` (outage).
struct FakeIdp {
  std::string doc;
  bool up = true;
  int fetches = 0;
  // A cache fetching from this fake; `this` must outlive it.
  std::shared_ptr<JwksCache> cache(const Clock& clock, int64_t ttl_ms = 600'000,
                                   int64_t interval_ms = 30'000);
};

// The reason `verifier` refuses `token`, or "" when it accepts it.
std::string refusal(const JwtVerifier& verifier, const std::string& token);

}  // namespace delta::auth::testing
