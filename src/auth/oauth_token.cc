// OAuthServer's token endpoint: client authentication, the three grants, token issuance.
#include <string>

#include "auth/base64url.h"
#include "auth/oauth_internal.h"
#include "auth/oauth_server.h"
#include "auth/password.h"
#include "auth/pkce.h"

namespace delta::auth {
namespace {

using oauth_internal::hash_key;
using oauth_internal::json_string;

TokenResult token_error(int status, const std::string& error, const std::string& description) {
  return {status,
          "{\"error\":" + json_string(error) + ",\"error_description\":" + json_string(description) + "}",
          false};
}

std::string roles_json(const std::vector<std::string>& roles) {
  std::string out = "[";
  for (size_t i = 0; i < roles.size(); ++i) out += (i > 0 ? "," : "") + json_string(roles[i]);
  return out + "]";
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

Result<const config::OAuthClientConfig*> OAuthServer::authenticate_client(const TokenParams& p,
                                                                          TokenResult* fail) const {
  if (p.has_basic && !p.client_secret.empty()) {
    *fail = token_error(400, "invalid_request", "use one client authentication method, not two");
    return Status::invalid_argument("two methods");
  }
  if (p.has_basic && !p.client_id.empty() && p.client_id != p.basic_id) {
    *fail = token_error(400, "invalid_request", "client_id differs from the authenticated client");
    return Status::invalid_argument("client mismatch");
  }
  const std::string& id = p.has_basic ? p.basic_id : p.client_id;
  const std::string& secret = p.has_basic ? p.basic_secret : p.client_secret;
  const config::OAuthClientConfig* client = find_client(id);
  bool ok = client != nullptr &&
            (client->is_public ? secret.empty() && !p.has_basic
                               : !secret.empty() && verify_password(client->secret_hash, secret));
  if (!ok) {
    *fail = token_error(401, "invalid_client", "client authentication failed");
    fail->basic_challenge = p.has_basic;
    return Status::invalid_argument("client authentication failed");
  }
  return client;
}

TokenResult OAuthServer::token(const TokenParams& p) {
  if (p.grant_type.empty()) return token_error(400, "invalid_request", "grant_type is required");
  if (p.grant_type != "authorization_code" && p.grant_type != "client_credentials" &&
      p.grant_type != "refresh_token") {
    return token_error(400, "unsupported_grant_type", "grant_type is not supported");
  }
  TokenResult fail;
  Result<const config::OAuthClientConfig*> client = authenticate_client(p, &fail);
  if (!client.is_ok()) return fail;
  if (!client_allows(**client, p.grant_type)) {
    return token_error(400, "unauthorized_client", "client may not use this grant_type");
  }
  if (p.grant_type == "authorization_code") return code_grant(**client, p);
  if (p.grant_type == "client_credentials") return credentials_grant(**client, p);
  return refresh_grant(**client, p);
}

TokenResult OAuthServer::code_grant(const config::OAuthClientConfig& client, const TokenParams& p) {
  if (p.code.empty()) return token_error(400, "invalid_request", "code is required");
  int64_t now = clock_.now_ms();
  AuthCode code;
  TakeResult taken = store_.take_code(hash_key(p.code), now, &code);
  if (taken == TakeResult::kMissing) return token_error(400, "invalid_grant", "code is invalid or expired");
  if (taken == TakeResult::kReused) {
    store_.revoke_family(code.grant.family_id, now + config_.refresh_token_ttl_ms);
    return token_error(400, "invalid_grant", "code was already used; tokens issued from it are revoked");
  }
  if (code.grant.client_id != client.id)
    return token_error(400, "invalid_grant", "code was issued to another client");
  if (p.redirect_uri != code.redirect_uri) {
    return token_error(400, "invalid_grant", "redirect_uri does not match the authorization request");
  }
  if (code.code_challenge.empty()) {
    if (!p.code_verifier.empty()) {
      return token_error(400, "invalid_grant",
                         "code_verifier sent but the code has no code_challenge (downgrade)");
    }
  } else if (Status st = verify_pkce(code.code_challenge_method, code.code_challenge, p.code_verifier);
             !st.is_ok()) {
    return token_error(400, "invalid_grant", "PKCE: " + st.message());
  }
  return issue(code.grant, client_allows(client, "refresh_token"));
}

TokenResult OAuthServer::credentials_grant(const config::OAuthClientConfig& client, const TokenParams& p) {
  if (client.is_public)
    return token_error(400, "unauthorized_client", "public clients cannot use client_credentials");
  std::string scope = p.scope.empty() ? joined(client.roles) : p.scope;
  return issue(TokenGrant{client.id, client.id, client.roles, scope, ""}, false);
}

TokenResult OAuthServer::refresh_grant(const config::OAuthClientConfig& client, const TokenParams& p) {
  if (p.refresh_token.empty()) return token_error(400, "invalid_request", "refresh_token is required");
  int64_t now = clock_.now_ms();
  std::string next = random_base62(43);
  RefreshToken old;
  TakeResult r = store_.rotate_refresh(hash_key(p.refresh_token), client.id, hash_key(next),
                                       now + config_.refresh_token_ttl_ms, now, &old);
  if (r == TakeResult::kMissing)
    return token_error(400, "invalid_grant", "refresh token is invalid, expired or revoked");
  if (r == TakeResult::kReused) {
    return token_error(400, "invalid_grant", "refresh token was already used; its family is revoked");
  }
  Result<std::string> access = access_token(old.grant, now);
  if (!access.is_ok()) return token_error(500, "server_error", "token signing failed");
  return {200,
          "{\"access_token\":" + json_string(*access) + R"(,"token_type":"Bearer","expires_in":)" +
              std::to_string(config_.access_token_ttl_ms / 1000) + ",\"refresh_token\":" + json_string(next) +
              ",\"scope\":" + json_string(old.grant.scope) + "}",
          false};
}

TokenResult OAuthServer::issue(const TokenGrant& grant, bool with_refresh) {
  int64_t now = clock_.now_ms();
  Result<std::string> access = access_token(grant, now);
  if (!access.is_ok()) return token_error(500, "server_error", "token signing failed");
  std::string body = "{\"access_token\":" + json_string(*access) + R"(,"token_type":"Bearer","expires_in":)" +
                     std::to_string(config_.access_token_ttl_ms / 1000);
  if (with_refresh && !grant.family_id.empty()) {
    std::string refresh = random_base62(43);
    if (!store_.put_refresh(hash_key(refresh), RefreshToken{grant, now + config_.refresh_token_ttl_ms})
             .is_ok()) {
      return token_error(500, "server_error", "refresh token could not be stored");
    }
    body += ",\"refresh_token\":" + json_string(refresh);
  }
  return {200, body + ",\"scope\":" + json_string(grant.scope) + "}", false};
}

Result<std::string> OAuthServer::access_token(const TokenGrant& grant, int64_t now_ms) {
  int64_t iat = now_ms / 1000;
  std::string payload = "{\"iss\":" + json_string(config_.issuer) + ",\"sub\":" + json_string(grant.subject) +
                        ",\"aud\":" + json_string(config_.audience) +
                        ",\"exp\":" + std::to_string(iat + config_.access_token_ttl_ms / 1000) +
                        ",\"iat\":" + std::to_string(iat) + ",\"nbf\":" + std::to_string(iat) +
                        ",\"jti\":" + json_string(random_base62(22)) +
                        ",\"client_id\":" + json_string(grant.client_id) +
                        ",\"roles\":" + roles_json(grant.roles) + ",\"scope\":" + json_string(grant.scope);
  if (!grant.family_id.empty()) payload += ",\"sid\":" + json_string(grant.family_id);
  return keys_.sign(payload + "}");
}

}  // namespace delta::auth
