// OAuthServer: the built-in OAuth 2.0 authorization server's rules (RFC 6749, 7636, 8414, 9207,
// 9700), without HTTP — src/edge/oauth_routes.cc maps requests and responses onto it.
//
// Flows:
//   authorize(): validates client_id, the exact redirect_uri (a registered port-less loopback URI
//     matches any port, RFC 8252 7.3), response_type=code and PKCE (S256
//     only; required for public clients; a challenge without method, or `plain`, is refused) and
//     stores a pending AuthRequest with a fresh CSRF token (10 minutes) for the login form.
//   login(): checks the CSRF token (form field == cookie == the one stored with the request),
//     the user's Argon2id password, then issues a single-use code (60 s) bound to client,
//     redirect_uri, challenge and user, and redirects with code, state and iss.
//   token(): authorization_code (take-once; a reused code revokes the refresh-token family issued
//     from it; redirect_uri must match; verifier checked, a verifier without a stored challenge is a
//     downgrade and refused), client_credentials (confidential clients; secret by Basic or POST,
//     Argon2id), refresh_token (rotated on every use; an already rotated token revokes the family).
// Access tokens are ES256 JWTs (SigningKeyRing) with iss, sub, aud, exp, iat, nbf, jti,
// client_id, roles, scope, and `sid` (the refresh family) for code-flow tokens.
//
// Ownership: config, clock and store must outlive the server. Thread-safe: no mutable state of
// its own beyond the key ring (locked) and the store (thread-safe). Password checks are Argon2id
// and take tens of milliseconds on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "auth/oauth_keys.h"
#include "auth/oauth_store.h"
#include "base/clock.h"
#include "config/config.h"

namespace delta::auth {

struct OAuthServerOptions {
  int64_t code_ttl_ms = 60'000;
  int64_t login_ttl_ms = 10 * 60'000;
  int64_t key_rotate_every_ms = 24ll * 3600'000;
};

struct AuthorizeParams {
  std::string response_type, client_id, redirect_uri, state, scope, code_challenge, code_challenge_method;
};

struct OAuthError {
  std::string error;        // RFC 6749 error code
  std::string description;  // for people; never holds a secret
};

struct AuthorizeResult {
  enum class Kind { kLoginForm, kRedirect, kErrorPage };
  Kind kind = Kind::kErrorPage;
  std::string request_id;  // kLoginForm: the pending request, posted back by the form
  std::string csrf;        // kLoginForm: form field and cookie value
  std::string client_id;   // kLoginForm: shown on the page
  std::string location;    // kRedirect: redirect_uri with code or error, state and iss
  OAuthError error;        // kRedirect with an error, kErrorPage
  std::string message;     // kLoginForm after a failed login: why
};

struct LoginParams {
  std::string request_id, csrf_field, csrf_cookie, username, password;
};

struct TokenParams {
  std::string grant_type, code, redirect_uri, code_verifier, refresh_token, scope;
  std::string client_id, client_secret;  // from the form body (client_secret_post / none)
  bool has_basic = false;                // an Authorization: Basic header was sent
  std::string basic_id, basic_secret;    // decoded from it
};

struct TokenResult {
  int status = 200;
  std::string body;              // JSON: the tokens, or {error, error_description}
  bool basic_challenge = false;  // answer WWW-Authenticate: Basic (401 after Basic auth)
};

class OAuthServer {
 public:
  OAuthServer(const config::AuthConfig& config, const Clock& clock, OAuthStore& store,
              OAuthServerOptions options = {});

  AuthorizeResult authorize(const AuthorizeParams& params);
  AuthorizeResult login(const LoginParams& params);
  TokenResult token(const TokenParams& params);

  // RFC 8414 metadata for this issuer.
  std::string metadata_json() const;
  // The public keys that verify this server's tokens ({"keys":[...]}, current and retained).
  std::string public_jwks_json() { return keys_.public_jwks_json(); }
  const std::string& issuer() const { return config_.issuer; }
  const std::string& audience() const { return config_.audience; }
  // True when a token's `sid` names a revoked refresh family (a reused code or refresh token).
  bool session_revoked(const std::string& sid) { return store_.family_revoked(sid, clock_.now_ms()); }

 private:
  const config::OAuthClientConfig* find_client(const std::string& id) const;
  const config::UserConfig* find_user(const std::string& name) const;
  AuthorizeResult redirect_error(const AuthorizeParams& p, std::string error, std::string description) const;
  Result<const config::OAuthClientConfig*> authenticate_client(const TokenParams& p, TokenResult* fail) const;
  TokenResult code_grant(const config::OAuthClientConfig& client, const TokenParams& p);
  TokenResult credentials_grant(const config::OAuthClientConfig& client, const TokenParams& p);
  TokenResult refresh_grant(const config::OAuthClientConfig& client, const TokenParams& p);
  TokenResult issue(const TokenGrant& grant, bool with_refresh);
  Result<std::string> access_token(const TokenGrant& grant, int64_t now_ms);

  const config::AuthConfig& config_;
  const Clock& clock_;
  OAuthStore& store_;
  OAuthServerOptions options_;
  SigningKeyRing keys_;
};

// Grant rules per client: an empty `grants` list means authorization_code (+ refresh) for public
// clients and every grant for confidential ones; refresh_token is allowed with authorization_code.
bool client_allows(const config::OAuthClientConfig& client, std::string_view grant);

}  // namespace delta::auth
