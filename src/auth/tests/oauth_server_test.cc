// The OAuth server's rules (issue 8, item 3), one test per rule: authorize validation, CSRF, PKCE
// (RFC 7636 Appendix B, 42/129 characters, plain, downgrade), single-use and expiring codes, refresh
// rotation with family revocation, client authentication.
#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "auth/tests/oauth_fixture.h"

namespace delta::auth::testing {
namespace {

using Kind = AuthorizeResult::Kind;

TEST_F(OAuthFixture, MetadataNamesEndpointsAndOnlyS256) {
  std::string m = server_.metadata_json();
  EXPECT_EQ(json_field(m, "issuer"), kIssuer);
  EXPECT_EQ(json_field(m, "token_endpoint"), std::string(kIssuer) + "/oauth2/token");
  EXPECT_EQ(json_field(m, "jwks_uri"), std::string(kIssuer) + "/.well-known/jwks.json");
  EXPECT_NE(m.find(R"("code_challenge_methods_supported":["S256"])"), std::string::npos);
  EXPECT_NE(m.find(R"("client_secret_basic","client_secret_post","none")"), std::string::npos);
}

TEST_F(OAuthFixture, RfcAppendixBFlowIssuesTokensThatVerify) {
  std::string code = obtain_code(cli_request());
  TokenResult t = exchange(code);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(json_field(t.body, "token_type"), "Bearer");
  EXPECT_FALSE(json_field(t.body, "refresh_token").empty());
  std::string jwks = server_.public_jwks_json();
  auto fetch = [jwks](const std::string&) -> Result<std::string> { return jwks; };
  JwtVerifier verifier(clock_);
  IssuerConfig issuer;
  issuer.issuer = kIssuer;
  issuer.audiences = {"delta"};
  issuer.algorithms = {JwtAlg::kES256};
  issuer.jwks = std::make_shared<JwksCache>(JwksCacheOptions{"local"}, fetch, clock_);
  ASSERT_TRUE(verifier.add_issuer(issuer).is_ok());
  Result<Principal> p = verifier.verify(json_field(t.body, "access_token"));
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->subject, "alice");
  EXPECT_EQ(p->client_id, "cli");
  EXPECT_EQ(p->roles, std::vector<std::string>{"analyst"});
}

TEST_F(OAuthFixture, UnknownClientOrRedirectGetsAnErrorPageNotARedirect) {
  AuthorizeParams p = cli_request();
  p.client_id = "nope";
  EXPECT_EQ(server_.authorize(p).kind, Kind::kErrorPage);
  for (std::string uri : {"http://127.0.0.1:9999/callback/", "http://127.0.0.1:9999/callbackx",
                          "http://127.0.0.1:9999/callback?x=1", "http://evil.test/callback", ""}) {
    p = cli_request();
    p.redirect_uri = uri;
    EXPECT_EQ(server_.authorize(p).kind, Kind::kErrorPage) << uri;
  }
}

TEST_F(OAuthFixture, PortlessLoopbackRedirectMatchesAnyPortOnly) {
  config_.clients[0].redirect_uris.push_back("http://127.0.0.1/cb");
  AuthorizeParams p = cli_request();
  p.redirect_uri = "http://127.0.0.1:53121/cb";
  EXPECT_EQ(server_.authorize(p).kind, Kind::kLoginForm);
  for (std::string uri : {"http://127.0.0.1:53121/cb/x", "http://127.0.0.1:/cb", "http://127.0.0.1:1x/cb",
                          "http://127.0.0.1.evil.test:80/cb", "https://127.0.0.1:443/cb"}) {
    p.redirect_uri = uri;
    EXPECT_EQ(server_.authorize(p).kind, Kind::kErrorPage) << uri;
  }
}

TEST_F(OAuthFixture, BadRequestsWithAValidRedirectRedirectWithErrorAndState) {
  AuthorizeParams p = cli_request();
  p.response_type = "token";
  AuthorizeResult r = server_.authorize(p);
  ASSERT_EQ(r.kind, Kind::kRedirect);
  auto q = location_params(r.location);
  EXPECT_EQ(q["error"], "unsupported_response_type");
  EXPECT_EQ(q["state"], "st-1");
  EXPECT_EQ(q["iss"], kIssuer);
  EXPECT_TRUE(r.location.starts_with(kCliRedirect));
}

TEST_F(OAuthFixture, PlainMissingMethodAndMissingChallengeAreRefused) {
  std::string plain_challenge(43, 'a');
  for (auto [challenge, method] : std::vector<std::pair<std::string, std::string>>{
           {plain_challenge, "plain"}, {kRfcChallenge, ""}, {"", ""}, {"", "S256"}, {"short", "S256"}}) {
    AuthorizeResult r = server_.authorize(cli_request(challenge, method));
    ASSERT_EQ(r.kind, Kind::kRedirect) << method;
    EXPECT_EQ(location_params(r.location)["error"], "invalid_request") << challenge << " " << method;
  }
}

TEST_F(OAuthFixture, CsrfMismatchOrMissingIsRefused) {
  AuthorizeResult form = server_.authorize(cli_request());
  ASSERT_EQ(form.kind, Kind::kLoginForm);
  EXPECT_EQ(server_.login({form.request_id, form.csrf, "other", "alice", "correct horse"}).kind,
            Kind::kErrorPage);
  EXPECT_EQ(server_.login({form.request_id, "other", form.csrf, "alice", "correct horse"}).kind,
            Kind::kErrorPage);
  EXPECT_EQ(server_.login({form.request_id, "", "", "alice", "correct horse"}).kind, Kind::kErrorPage);
  EXPECT_EQ(server_.login({form.request_id, "other", "other", "alice", "correct horse"}).kind,
            Kind::kErrorPage)
      << "a matching pair not bound to the request is refused";
  EXPECT_EQ(server_.login({form.request_id, form.csrf, form.csrf, "alice", "correct horse"}).kind,
            Kind::kRedirect);
}

TEST_F(OAuthFixture, WrongPasswordShowsTheFormAgainWithoutACode) {
  AuthorizeResult form = server_.authorize(cli_request());
  for (auto [user, password] :
       std::vector<std::pair<std::string, std::string>>{{"alice", "wrong"}, {"bob", "x"}}) {
    AuthorizeResult r = server_.login({form.request_id, form.csrf, form.csrf, user, password});
    EXPECT_EQ(r.kind, Kind::kLoginForm);
    EXPECT_EQ(r.message, "invalid username or password");
    EXPECT_TRUE(r.location.empty());
  }
}

TEST_F(OAuthFixture, ReusedCodeIsRefusedAndRevokesItsRefreshToken) {
  std::string code = obtain_code(cli_request());
  TokenResult first = exchange(code);
  ASSERT_EQ(first.status, 200);
  TokenResult second = exchange(code);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(json_field(second.body, "error"), "invalid_grant");
  EXPECT_EQ(refresh(json_field(first.body, "refresh_token")).status, 400) << "family revoked";
}

TEST_F(OAuthFixture, WrongRedirectUriAtTokenIsRefused) {
  TokenResult t = exchange(obtain_code(cli_request()), kRfcVerifier, "http://127.0.0.1:9999/other");
  EXPECT_EQ(t.status, 400);
  EXPECT_EQ(json_field(t.body, "error"), "invalid_grant");
}

TEST_F(OAuthFixture, VerifierOf42Or129OrBadCharactersOrWrongIsRefused) {
  for (std::string v : {std::string(42, 'a'), std::string(129, 'a'), std::string(43, 'a') + "!",
                        std::string(43, 'a'), std::string()}) {
    TokenResult t = exchange(obtain_code(cli_request()), v);
    EXPECT_EQ(t.status, 400) << v.size();
    EXPECT_EQ(json_field(t.body, "error"), "invalid_grant");
  }
}

TEST_F(OAuthFixture, VerifierWithoutStoredChallengeIsADowngrade) {
  AuthorizeParams p{"code", "web", kWebRedirect, "s", "", "", ""};
  TokenParams t;
  t.grant_type = "authorization_code";
  t.redirect_uri = kWebRedirect;
  t.client_id = "web";
  t.client_secret = "web-secret";
  t.code = obtain_code(p);
  t.code_verifier = kRfcVerifier;
  TokenResult r = server_.token(t);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("downgrade"), std::string::npos) << r.body;
  t.code = obtain_code(p);
  t.code_verifier.clear();
  EXPECT_EQ(server_.token(t).status, 200) << "a confidential client without PKCE is allowed";
}

TEST_F(OAuthFixture, CodeExpiresAfterAMinute) {
  std::string code = obtain_code(cli_request());
  clock_.advance_ms(60'001);
  TokenResult t = exchange(code);
  EXPECT_EQ(t.status, 400);
  EXPECT_EQ(json_field(t.body, "error"), "invalid_grant");
}

TEST_F(OAuthFixture, CodeIsBoundToItsClient) {
  TokenParams t;
  t.grant_type = "authorization_code";
  t.code = obtain_code(cli_request());
  t.redirect_uri = kCliRedirect;
  t.code_verifier = kRfcVerifier;
  t.has_basic = true;
  t.basic_id = "web";
  t.basic_secret = "web-secret";
  EXPECT_EQ(server_.token(t).status, 400);
}

TEST_F(OAuthFixture, RefreshRotatesAndReuseRevokesTheFamily) {
  TokenResult t = exchange(obtain_code(cli_request()));
  std::string r1 = json_field(t.body, "refresh_token");
  TokenResult t2 = refresh(r1);
  ASSERT_EQ(t2.status, 200) << t2.body;
  std::string r2 = json_field(t2.body, "refresh_token");
  EXPECT_NE(r1, r2);
  TokenResult reuse = refresh(r1);
  EXPECT_EQ(reuse.status, 400);
  EXPECT_NE(reuse.body.find("family is revoked"), std::string::npos) << reuse.body;
  EXPECT_EQ(refresh(r2).status, 400) << "the newest token of a revoked family is dead too";
  EXPECT_EQ(refresh(json_field(exchange(obtain_code(cli_request())).body, "refresh_token"), "web").status,
            401)
      << "a refresh token presented by another (unauthenticated) client";
}

TEST_F(OAuthFixture, ClientCredentialsNeedsTheRightSecret) {
  TokenParams p;
  p.grant_type = "client_credentials";
  p.has_basic = true;
  p.basic_id = "svc";
  p.basic_secret = "wrong";
  TokenResult bad = server_.token(p);
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(json_field(bad.body, "error"), "invalid_client");
  EXPECT_TRUE(bad.basic_challenge);
  p.basic_secret = "svc-secret";
  TokenResult ok = server_.token(p);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_field(ok.body, "refresh_token"), "");
  EXPECT_EQ(json_field(ok.body, "scope"), "producer");
  TokenParams post;
  post.grant_type = "client_credentials";
  post.client_id = "svc";
  post.client_secret = "svc-secret";
  EXPECT_EQ(server_.token(post).status, 200);
  post.client_secret.clear();
  EXPECT_EQ(server_.token(post).status, 401) << "no secret";
  post.client_id = "cli";
  EXPECT_EQ(server_.token(post).status, 400) << "a public client may not";
}

TEST_F(OAuthFixture, UnknownGrantTypeAndTwoAuthMethodsAreRefused) {
  TokenParams p;
  p.grant_type = "password";
  EXPECT_EQ(json_field(server_.token(p).body, "error"), "unsupported_grant_type");
  p.grant_type = "client_credentials";
  p.has_basic = true;
  p.basic_id = "svc";
  p.basic_secret = "svc-secret";
  p.client_secret = "svc-secret";
  EXPECT_EQ(json_field(server_.token(p).body, "error"), "invalid_request");
}

}  // namespace
}  // namespace delta::auth::testing
