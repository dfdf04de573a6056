// Shared fixture for the OAuth server's unit tests: a config with one user, a public CLI client,
// a confidential web client and a service client, a ManualClock and the in-process store.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "auth/oauth_server.h"
#include "auth/oauth_store.h"
#include "base/clock.h"
#include "config/config.h"

namespace delta::auth::testing {

inline constexpr char kIssuer[] = "https://delta.test";
inline constexpr char kCliRedirect[] = "http://127.0.0.1:9999/callback";
inline constexpr char kWebRedirect[] = "https://app.test/cb";
inline constexpr char kRfcVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
inline constexpr char kRfcChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

config::AuthConfig test_auth_config();

// The query parameters of a redirect Location, percent-decoded.
std::map<std::string, std::string> location_params(const std::string& location);
// A string JSON member of a flat object ("" when absent).
std::string json_field(const std::string& json, const std::string& key);

class OAuthFixture : public ::testing::Test {
 protected:
  OAuthFixture() : config_(test_auth_config()), store_(clock_), server_(config_, clock_, store_) {}

  AuthorizeParams cli_request(const std::string& challenge = kRfcChallenge,
                              const std::string& method = "S256");
  // authorize + login; the code from the redirect, or "" (the failure is reported).
  std::string obtain_code(const AuthorizeParams& request);
  TokenResult exchange(const std::string& code, const std::string& verifier = kRfcVerifier,
                       const std::string& redirect_uri = kCliRedirect, const std::string& client_id = "cli");
  TokenResult refresh(const std::string& refresh_token, const std::string& client_id = "cli");

  ManualClock clock_;
  config::AuthConfig config_;
  InMemoryOAuthStore store_;
  OAuthServer server_;
};

}  // namespace delta::auth::testing
