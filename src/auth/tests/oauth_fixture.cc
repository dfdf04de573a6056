#include "auth/tests/oauth_fixture.h"

#include "auth/password.h"

namespace delta::auth::testing {

config::AuthConfig test_auth_config() {
  static const std::string alice = *hash_password("correct horse", PasswordHashCost::for_tests());
  static const std::string web_secret = *hash_password("web-secret", PasswordHashCost::for_tests());
  static const std::string svc_secret = *hash_password("svc-secret", PasswordHashCost::for_tests());
  config::AuthConfig c;
  c.enabled = true;
  c.issuer = kIssuer;
  c.users = {{"alice", alice, {"analyst"}}};
  c.clients = {
      {"cli", "", true, {kCliRedirect}, {"authorization_code", "refresh_token"}, {}},
      {"web", web_secret, false, {kWebRedirect}, {"authorization_code"}, {}},
      {"svc", svc_secret, false, {}, {"client_credentials"}, {"producer"}},
  };
  return c;
}

namespace {

std::string percent_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> location_params(const std::string& location) {
  std::map<std::string, std::string> out;
  size_t q = location.find('?');
  std::string_view rest =
      q == std::string::npos ? std::string_view() : std::string_view(location).substr(q + 1);
  while (!rest.empty()) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    rest = pair.size() == rest.size() ? std::string_view() : rest.substr(pair.size() + 1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos)
      out[std::string(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
  }
  return out;
}

std::string json_field(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\":\"";
  size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  at += needle.size();
  return json.substr(at, json.find('"', at) - at);
}

AuthorizeParams OAuthFixture::cli_request(const std::string& challenge, const std::string& method) {
  return {"code", "cli", kCliRedirect, "st-1", "", challenge, method};
}

std::string OAuthFixture::obtain_code(const AuthorizeParams& request) {
  AuthorizeResult form = server_.authorize(request);
  EXPECT_EQ(form.kind, AuthorizeResult::Kind::kLoginForm) << form.error.description;
  AuthorizeResult done = server_.login({form.request_id, form.csrf, form.csrf, "alice", "correct horse"});
  EXPECT_EQ(done.kind, AuthorizeResult::Kind::kRedirect) << done.error.description << done.message;
  return location_params(done.location)["code"];
}

TokenResult OAuthFixture::exchange(const std::string& code, const std::string& verifier,
                                   const std::string& redirect_uri, const std::string& client_id) {
  TokenParams p;
  p.grant_type = "authorization_code";
  p.code = code;
  p.code_verifier = verifier;
  p.redirect_uri = redirect_uri;
  p.client_id = client_id;
  return server_.token(p);
}

TokenResult OAuthFixture::refresh(const std::string& refresh_token, const std::string& client_id) {
  TokenParams p;
  p.grant_type = "refresh_token";
  p.refresh_token = refresh_token;
  p.client_id = client_id;
  return server_.token(p);
}

}  // namespace delta::auth::testing
