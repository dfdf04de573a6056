// JwtVerifier: verifies JWS compact-serialised JWT bearer tokens (RFC 7515/7519) following the
// JWT best current practices (RFC 8725), and turns a valid one into a Principal.
//
// What a token must pass, in this order (a failure names the first broken rule, never the token):
//   1. shape: three base64url segments, at most max_token_bytes; header and payload JSON objects
//      without duplicate members; no `crit` header (we understand no extensions);
//   2. header: `alg` is not "none" (any case) and is RS256, ES256, EdDSA or HS256; `typ`, when
//      present, is "JWT" or "at+jwt" (case-insensitive, "application/" prefix allowed);
//   3. issuer: `iss` names a configured issuer exactly; `alg` is on that issuer's allow-list;
//   4. key: HS256 uses only the issuer's configured secret (never a JWK, so a published public key
//      can never be used as an HMAC secret); the others need a `kid`, found in the issuer's JWKS,
//      whose key type and JWK `alg` match the header `alg` (algorithm confusion refused);
//   5. signature verifies (constant-time for HS256);
//   6. claims: `exp` required and now < exp + skew; `nbf`, when present, <= now + skew; `iat`,
//      when present, <= now + skew; `aud` (string or array) contains an accepted audience when the
//      issuer lists audiences.
// Claims are read only after the signature verifies, except `iss`, which picks the keys.
//
// Roles: the issuer's `roles_claim` (default "roles") as an array of strings; when that claim is
// absent, the `scope` claim split on spaces (OAuth 2.0 scopes as role names). A roles claim of the
// wrong type is an error rather than silently no roles.
//
// Threads: configure with add_issuer() before sharing; verify() is then safe from any thread (it
// keeps no mutable state of its own; JwksCache is thread-safe). verify() may block on a JWKS
// fetch when it meets an unknown kid (see jwks_cache.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "auth/jwks_cache.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "base/status.h"

namespace delta::auth {

struct IssuerConfig {
  std::string issuer;                  // exact `iss` value
  std::vector<std::string> audiences;  // accepted `aud` values; empty: `aud` is not checked
  std::vector<JwtAlg> algorithms = {JwtAlg::kRS256, JwtAlg::kES256, JwtAlg::kEdDSA};
  std::shared_ptr<JwksCache> jwks;  // keys for RS256/ES256/EdDSA; may be null for HS256 only
  std::string hs256_secret;         // HS256 needs this (>= 32 bytes) and HS256 in `algorithms`
  std::string roles_claim = "roles";
  int64_t clock_skew_s = 60;
};

class JwtVerifier {
 public:
  static constexpr size_t kMaxTokenBytes = 16384;

  // `clock` must outlive the verifier.
  explicit JwtVerifier(const Clock& clock) : clock_(clock) {}

  // kInvalidArgument for an inconsistent config (HS256 allowed without a secret, a short secret,
  // an asymmetric alg without a JWKS, a duplicate issuer, no algorithms).
  Status add_issuer(IssuerConfig config);

  // The principal of a valid token, or kInvalidArgument/kNotFound/kUnavailable with the reason.
  // kUnavailable means the issuer's keys could not be fetched (answer 503, not 401).
  Result<Principal> verify(std::string_view token) const;

 private:
  const Clock& clock_;
  std::map<std::string, IssuerConfig, std::less<>> issuers_;
};

// RFC 3339 UTC, second precision ("2026-11-27T10:00:00Z"), for messages about times.
std::string format_utc(int64_t epoch_s);

}  // namespace delta::auth
