// JSON Web Keys (RFC 7517/7518/8037): the public keys that verify JWT signatures, parsed from a
// JWKS document into OpenSSL EVP_PKEY objects, indexed by `kid`.
//
// Supported: kty RSA (n, e; at least 2048 bits), EC on P-256 (x, y; point checked on the curve),
// OKP Ed25519 (x). Symmetric `oct` keys are never loaded from a JWKS: an HS256 secret comes only
// from configuration, so a published key set can never turn into an HMAC secret. A key with
// `use` other than "sig", without `kid`, with a duplicate `kid` or with bad material is skipped
// and named in JwkSet::skipped; the rest of the set still loads.
//
// Ownership: keys are immutable once built and shared (shared_ptr) between a JwkSet, JwksCache
// and verifications in flight, so a refresh never frees a key that a verification is using.
#pragma once

#include <openssl/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace delta::auth {

enum class JwtAlg { kRS256, kES256, kEdDSA, kHS256 };
std::string_view alg_name(JwtAlg alg);
// Exact, case-sensitive names (RFC 7518): "RS256", "ES256", "EdDSA", "HS256".
std::optional<JwtAlg> parse_alg(std::string_view name);

enum class KeyType { kRsa, kEcP256, kEd25519 };
std::string_view key_type_name(KeyType type);

struct Jwk {
  std::string kid;
  KeyType type = KeyType::kRsa;
  std::string alg;  // the JWK's own `alg`, empty when absent
  std::shared_ptr<EVP_PKEY> key;
};

// Ok when `jwk` may verify a token signed with `alg`: the key type matches the algorithm family
// (RSA for RS256, P-256 for ES256, Ed25519 for EdDSA, never any JWK for HS256) and the JWK's
// `alg`, when present, equals `alg`. This is the algorithm-confusion guard (RFC 8725 section 3.1).
Status key_accepts(const Jwk& jwk, JwtAlg alg);

struct JwkSet {
  std::map<std::string, std::shared_ptr<const Jwk>, std::less<>> by_kid;
  std::vector<std::string> skipped;  // one line per key not loaded, with the reason
};

// Parses a JWKS document ({"keys": [...]}). kInvalidArgument when it is not JSON or has no
// "keys" array; individual bad keys are skipped, not fatal.
Result<JwkSet> parse_jwks(std::string_view json);

// Builds one key from its JWK JSON object text (used by parse_jwks and tests).
Result<Jwk> parse_jwk(std::string_view json);

}  // namespace delta::auth
