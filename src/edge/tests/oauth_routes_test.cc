// The OAuth endpoints over HttpRequest/HttpResponse: metadata, the login form's CSRF cookie,
// the 302 with the code, token answers with Cache-Control: no-store, Basic client authentication.
#include <gtest/gtest.h>

#include "auth/pkce.h"
#include "auth/tests/oauth_fixture.h"
#include "edge/oauth_routes.h"

namespace delta::edge {
namespace {

using auth::testing::kCliRedirect;
using auth::testing::kRfcChallenge;
using auth::testing::kRfcVerifier;

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

std::string between(const std::string& s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at == std::string::npos) return "";
  at += from.size();
  return s.substr(at, s.find(to, at) - at);
}

class OAuthRoutesTest : public ::testing::Test {
 protected:
  OAuthRoutesTest()
      : auth_(auth::testing::test_auth_config()), store_(clock_), routes_(auth_, clock_, store_, registry_) {}

  HttpResponse call(Method method, std::string_view path, std::string_view query = "", std::string body = "",
                    std::string_view cookie = "", std::string_view authorization = "") {
    body_ = std::move(body);
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.query = query;
    req.body = &body_;
    req.cookie = cookie;
    req.authorization = authorization;
    req.content_type = "application/x-www-form-urlencoded";
    HttpResponse out;
    EXPECT_TRUE(routes_.handles(path));
    routes_.handle(req, [&](HttpResponse r) { out = std::move(r); });
    return out;
  }

  std::string authorize_query() {
    return std::string(
               "response_type=code&client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcallback") +
           "&state=xyz&code_challenge=" + kRfcChallenge + "&code_challenge_method=S256";
  }

  ManualClock clock_;
  config::AuthConfig auth_;
  auth::InMemoryOAuthStore store_;
  obs::Registry registry_;
  OAuthRoutes routes_;
  std::string body_;
};

TEST_F(OAuthRoutesTest, WellKnownDocuments) {
  HttpResponse m = call(Method::kGet, "/.well-known/oauth-authorization-server");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("\"authorization_endpoint\":\"https://delta.test/oauth2/authorize\""),
            std::string::npos);
  HttpResponse k = call(Method::kGet, "/.well-known/jwks.json");
  EXPECT_EQ(k.status, 200);
  EXPECT_NE(k.body.find("\"kty\":\"EC\""), std::string::npos);
  EXPECT_EQ(call(Method::kPost, "/.well-known/jwks.json").status, 405);
  EXPECT_FALSE(routes_.handles("/v1/streams"));
}

TEST_F(OAuthRoutesTest, LoginFormSetsAStrictCookieAndThePostRedirectsWithTheCode) {
  std::string q = authorize_query();
  HttpResponse form = call(Method::kGet, "/oauth2/authorize", q);
  ASSERT_EQ(form.status, 200) << form.body;
  std::string cookie = header(form, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos) << "https issuer";
  std::string csrf = between(form.body, "name=csrf value=\"", "\"");
  std::string id = between(form.body, "name=request_id value=\"", "\"");
  ASSERT_FALSE(csrf.empty());
  std::string post = "request_id=" + id + "&csrf=" + csrf + "&username=alice&password=correct+horse";
  EXPECT_EQ(call(Method::kPost, "/oauth2/authorize", "", post, "delta_oauth_csrf=forged").status, 400);
  HttpResponse done = call(Method::kPost, "/oauth2/authorize", "", post, "a=b; delta_oauth_csrf=" + csrf);
  ASSERT_EQ(done.status, 302) << done.body;
  std::string location = header(done, "Location");
  EXPECT_TRUE(location.starts_with(std::string(kCliRedirect) + "?code=")) << location;
  EXPECT_NE(location.find("&state=xyz"), std::string::npos);
  std::string code = between(location, "code=", "&");
  HttpResponse token =
      call(Method::kPost, "/oauth2/token", "",
           "grant_type=authorization_code&client_id=cli&code=" + code +
               "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcallback&code_verifier=" + kRfcVerifier);
  EXPECT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(header(token, "Cache-Control"), "no-store");
}

TEST_F(OAuthRoutesTest, BadRedirectUriGetsAnHtmlErrorPage) {
  HttpResponse r = call(Method::kGet, "/oauth2/authorize",
                        "response_type=code&client_id=cli&redirect_uri=http%3A%2F%2Fevil.test%2F");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(header(r, "Location"), "");
  EXPECT_TRUE(r.content_type.starts_with("text/html"));
}

TEST_F(OAuthRoutesTest, ClientSecretBasic) {
  // base64("svc:svc-secret") and base64("svc:wrong")
  HttpResponse ok = call(Method::kPost, "/oauth2/token", "", "grant_type=client_credentials", "",
                         "Basic c3ZjOnN2Yy1zZWNyZXQ=");
  EXPECT_EQ(ok.status, 200) << ok.body;
  HttpResponse bad =
      call(Method::kPost, "/oauth2/token", "", "grant_type=client_credentials", "", "Basic c3ZjOndyb25n");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(header(bad, "WWW-Authenticate"), "Basic realm=\"delta\"");
  EXPECT_EQ(header(bad, "Cache-Control"), "no-store");
  EXPECT_EQ(call(Method::kPost, "/oauth2/token", "", "grant_type=client_credentials", "", "Bearer x").status,
            401);
}

}  // namespace
}  // namespace delta::edge
