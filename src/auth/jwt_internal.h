// Pieces of JwtVerifier shared between jwt.cc (shape, header, keys) and jwt_claims.cc (claims),
// plus the signature primitives in jws_signature.cc. Internal to src/auth; stateless, thread-safe.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "base/status.h"

namespace delta::auth::internal {

// A token-supplied string made safe to put in a message or log: at most 64 bytes, printable
// ASCII only (others become '?'), in double quotes.
std::string safe_quote(std::string_view untrusted);

// kInvalidArgument "<what> has duplicate member \"x\"" (RFC 7515 section 4: duplicates refused).
Status check_unique_members(simdjson::dom::object obj, std::string_view what);

// Verifies an RS256/ES256/EdDSA signature over `input` with `jwk`'s key. ES256 signatures are
// the JWS raw r||s form (64 bytes), converted to DER for OpenSSL.
Status verify_asymmetric(const Jwk& jwk, JwtAlg alg, std::string_view input, std::string_view sig);
// HMAC-SHA-256 of `input` under `secret`, compared in constant time with `sig`.
Status verify_hs256(std::string_view secret, std::string_view input, std::string_view sig);

// Step 6 of jwt.h (time and audience claims) and the Principal built from the payload.
Result<Principal> principal_from_claims(simdjson::dom::object payload, const IssuerConfig& issuer,
                                        int64_t now_ms);

}  // namespace delta::auth::internal
