#include "auth/oauth_server.h"
#include "base/url.h"

#include <cstdio>

#include "auth/digest.h"
#include "auth/oauth_internal.h"
#include "auth/password.h"
#include "auth/pkce.h"

namespace delta::auth {
namespace oauth_internal {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string hash_key(std::string_view secret) { return to_hex(sha256(secret)); }

std::string append_query(const std::string& base, const std::string& params) {
  return base + (base.find('?') == std::string::npos ? '?' : '&') + params;
}

}  // namespace oauth_internal

using oauth_internal::append_query;
using oauth_internal::json_string;

bool client_allows(const config::OAuthClientConfig& client, std::string_view grant) {
  auto listed = [&](std::string_view g) {
    for (const std::string& x : client.grants) {
      if (x == g) return true;
    }
    return false;
  };
  if (client.grants.empty()) return !client.is_public || grant != "client_credentials";
  if (grant == "refresh_token") return listed(grant) || listed("authorization_code");
  return listed(grant);
}

OAuthServer::OAuthServer(const config::AuthConfig& config, const Clock& clock, OAuthStore& store,
                         OAuthServerOptions options)
    : config_(config),
      clock_(clock),
      store_(store),
      options_(options),
      keys_(clock, options.key_rotate_every_ms, config.access_token_ttl_ms + config.clock_skew_ms) {}

const config::OAuthClientConfig* OAuthServer::find_client(const std::string& id) const {
  for (const auto& c : config_.clients) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const config::UserConfig* OAuthServer::find_user(const std::string& name) const {
  for (const auto& u : config_.users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

std::string OAuthServer::metadata_json() const {
  const std::string& iss = config_.issuer;
  return "{\"issuer\":" + json_string(iss) +
         ",\"authorization_endpoint\":" + json_string(iss + "/oauth2/authorize") +
         ",\"token_endpoint\":" + json_string(iss + "/oauth2/token") +
         ",\"jwks_uri\":" + json_string(iss + "/.well-known/jwks.json") +
         R"(,"response_types_supported":["code"],"response_modes_supported":["query"])"
         R"(,"grant_types_supported":["authorization_code","client_credentials","refresh_token"])"
         R"(,"code_challenge_methods_supported":["S256"])"
         R"(,"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","none"])"
         R"(,"authorization_response_iss_parameter_supported":true})";
}

AuthorizeResult OAuthServer::redirect_error(const AuthorizeParams& p, std::string error,
                                            std::string description) const {
  AuthorizeResult r;
  r.kind = AuthorizeResult::Kind::kRedirect;
  std::string q = "error=" + percent_encode(error) + "&error_description=" + percent_encode(description);
  if (!p.state.empty()) q += "&state=" + percent_encode(p.state);
  r.location = append_query(p.redirect_uri, q + "&iss=" + percent_encode(config_.issuer));
  r.error = {std::move(error), std::move(description)};
  return r;
}

namespace {

AuthorizeResult error_page(std::string error, std::string description) {
  AuthorizeResult r;
  r.error = {std::move(error), std::move(description)};
  return r;
}

// RFC 8252 section 7.3: a registered loopback redirect without a port ("http://127.0.0.1/cb")
// matches the same URI with any port, for native apps that listen on an ephemeral port.
bool loopback_match(std::string_view registered, std::string_view uri) {
  for (std::string_view host : {"http://127.0.0.1", "http://[::1]"}) {
    if (!registered.starts_with(host) || !uri.starts_with(host) || registered.substr(host.size(), 1) != "/")
      continue;
    std::string_view rest = uri.substr(host.size());
    if (!rest.starts_with(':')) continue;
    size_t digits = rest.find_first_not_of("0123456789", 1);
    if (digits > 1 && digits <= 6 && digits != std::string_view::npos &&
        rest.substr(digits) == registered.substr(host.size())) {
      return true;
    }
  }
  return false;
}

bool has_redirect(const config::OAuthClientConfig& client, const std::string& uri) {
  for (const std::string& u : client.redirect_uris) {
    if (u == uri || loopback_match(u, uri)) return true;
  }
  return false;
}

// An unknown user costs the same Argon2id check as a known one, so timing does not tell names.
bool password_matches(const config::UserConfig* user, const std::string& password) {
  static const std::string kDummy = [] {
    Result<std::string> h = hash_password("not a password");
    return h.is_ok() ? *h : std::string();
  }();
  if (user == nullptr) {
    (void)verify_password(kDummy, password);
    return false;
  }
  return verify_password(user->password_hash, password);
}

}  // namespace

AuthorizeResult OAuthServer::authorize(const AuthorizeParams& p) {
  const config::OAuthClientConfig* client = find_client(p.client_id);
  if (client == nullptr) return error_page("invalid_request", "unknown client_id");
  if (!has_redirect(*client, p.redirect_uri)) {
    return error_page("invalid_request", "redirect_uri is not registered for this client");
  }
  if (p.response_type != "code")
    return redirect_error(p, "unsupported_response_type", "response_type must be code");
  if (!client_allows(*client, "authorization_code")) {
    return redirect_error(p, "unauthorized_client", "client may not use the authorization code grant");
  }
  bool pkce = !p.code_challenge.empty() || !p.code_challenge_method.empty();
  if (pkce || client->is_public) {
    Status st = check_pkce_challenge(p.code_challenge_method, p.code_challenge);
    if (!st.is_ok()) return redirect_error(p, "invalid_request", st.message());
  }
  AuthRequest req{
      p.client_id,      p.redirect_uri,          p.state,           p.scope,
      p.code_challenge, p.code_challenge_method, random_base62(32), clock_.now_ms() + options_.login_ttl_ms};
  AuthorizeResult r;
  r.kind = AuthorizeResult::Kind::kLoginForm;
  r.request_id = random_base62(32);
  r.csrf = req.csrf;
  r.client_id = p.client_id;
  if (Status st = store_.put_auth_request(r.request_id, req); !st.is_ok()) {
    return error_page("temporarily_unavailable", "the login session could not be stored");
  }
  return r;
}

AuthorizeResult OAuthServer::login(const LoginParams& p) {
  int64_t now = clock_.now_ms();
  std::optional<AuthRequest> req = store_.get_auth_request(p.request_id, now);
  if (!req) return error_page("invalid_request", "the login session is unknown or expired; start again");
  if (p.csrf_field.empty() || !constant_time_equal(p.csrf_field, req->csrf) ||
      !constant_time_equal(p.csrf_cookie, req->csrf)) {
    return error_page("invalid_request", "CSRF check failed; reload the login page");
  }
  const config::UserConfig* user = find_user(p.username);
  if (!password_matches(user, p.password)) {
    AuthorizeResult r;
    r.kind = AuthorizeResult::Kind::kLoginForm;
    r.request_id = p.request_id;
    r.csrf = req->csrf;
    r.client_id = req->client_id;
    r.message = "invalid username or password";
    return r;
  }
  store_.erase_auth_request(p.request_id);
  const config::OAuthClientConfig* client = find_client(req->client_id);
  if (client == nullptr) return error_page("invalid_request", "the client is no longer configured");
  std::string scope = req->scope;
  for (const std::string& role : req->scope.empty() ? user->roles : std::vector<std::string>{}) {
    scope += (scope.empty() ? "" : " ") + role;
  }
  TokenGrant grant{client->id, user->name, user->roles, scope, random_base62(24)};
  AuthCode code{grant, req->redirect_uri, req->code_challenge, req->code_challenge_method,
                now + options_.code_ttl_ms};
  std::string code_value = random_base62(43);
  if (!store_.put_code(oauth_internal::hash_key(code_value), code).is_ok()) {
    return error_page("temporarily_unavailable", "the authorization code could not be stored");
  }
  AuthorizeResult r;
  r.kind = AuthorizeResult::Kind::kRedirect;
  std::string q = "code=" + code_value;
  if (!req->state.empty()) q += "&state=" + percent_encode(req->state);
  r.location = append_query(req->redirect_uri, q + "&iss=" + percent_encode(config_.issuer));
  return r;
}

}  // namespace delta::auth
