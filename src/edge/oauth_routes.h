// OAuthRoutes: the HTTP face of the built-in OAuth 2.0 server (auth/oauth_server.h), plugged into
// Routes with add_extension():
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata
//   GET  /.well-known/jwks.json                    public signing keys
//   GET  /oauth2/authorize                         validates the request, serves the login form
//   POST /oauth2/authorize                         form login -> 302 to redirect_uri with a code
//   POST /oauth2/token                             authorization_code, client_credentials, refresh_token
// The login form carries a CSRF token that must also come back in a SameSite=Strict, HttpOnly
// cookie and match the one stored with the pending request. Token answers carry
// Cache-Control: no-store; errors follow RFC 6749 (4.1.2.1 redirects, 5.2 JSON).
// Codes, tokens, passwords and CSRF values are never logged.
// Threads: shared by every I/O thread; answers synchronously on the calling thread (a login or a
// confidential client's token request runs one Argon2id check there, tens of milliseconds).
#pragma once

#include <memory>
#include <string_view>

#include "auth/oauth_server.h"
#include "auth/oauth_store.h"
#include "base/clock.h"
#include "config/config.h"
#include "edge/routes.h"
#include "obs/metrics.h"

namespace delta::edge {

class OAuthRoutes final : public RouteExtension {
 public:
  // `auth`, `clock`, `store` and `registry` must outlive this object.
  OAuthRoutes(const config::AuthConfig& auth, const Clock& clock, auth::OAuthStore& store,
              obs::Registry& registry, auth::OAuthServerOptions options = {});

  bool handles(std::string_view path) const override;
  void handle(const HttpRequest& request, Respond respond) override;

  // For enforcement: issuer(), audience(), public_jwks_json(), session_revoked(sid).
  auth::OAuthServer& server() { return server_; }

 private:
  HttpResponse authorize_get(const HttpRequest& request);
  HttpResponse authorize_post(const HttpRequest& request);
  HttpResponse token(const HttpRequest& request);
  HttpResponse authorize_answer(const auth::AuthorizeResult& result);

  auth::OAuthServer server_;
  bool secure_cookie_;
  obs::Counter& tokens_issued_;
  obs::Counter& token_errors_;
  obs::Counter& logins_failed_;
};

// The extension for `config.auth` (REQUIRES: config.auth.enabled and a non-empty issuer).
std::unique_ptr<OAuthRoutes> make_oauth_routes(const config::PipelineConfig& config, const Clock& clock,
                                               obs::Registry& registry, auth::OAuthStore& store);

}  // namespace delta::edge
