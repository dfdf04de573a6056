// PKCE (RFC 7636) checks for the built-in OAuth 2.0 server's authorization-code flow.
//
// Delta accepts only the S256 method: "plain" is refused (it protects nothing against an attacker
// who sees the authorization request), and so is an absent method (RFC 7636 would default it to
// plain). Delta requires PKCE on every authorization code, so a token request with a verifier for a
// code issued without a challenge is a downgrade attempt and is refused too.
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace delta::auth {

// A code_verifier is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 section 4.1).
Status check_pkce_verifier(std::string_view verifier);
// BASE64URL(SHA256(ASCII(verifier))), after check_pkce_verifier.
Result<std::string> pkce_s256_challenge(std::string_view verifier);
// For the authorize step: method is "S256" and challenge is 43 base64url characters.
Status check_pkce_challenge(std::string_view method, std::string_view challenge);
// For the token step: `method` and `challenge` as stored with the code, `verifier` as sent.
Status verify_pkce(std::string_view method, std::string_view challenge, std::string_view verifier);

}  // namespace delta::auth
