// Delta validating tokens from an external issuer (issue 8): oauth2-mock-server from npm, run by
// node (tests/node/mock_issuer.mjs), configured under auth.jwks_issuers. A token from it is
// accepted; after a key rotation (new key, old key removed from the JWKS) a token with the new
// kid is accepted (refetch on unknown kid) and one signed by the removed key is refused.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <string>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"

#ifndef DELTA_NODE_DIR
#error "DELTA_NODE_DIR must name tests/node"
#endif

namespace delta::testing {
namespace {

// base64 of "delta-test:<secret>" for the mock's token endpoint (it accepts any client).
constexpr const char* kClientBasic = "Basic ZGVsdGEtdGVzdDptb2NrLWNsaWVudC1zZWNyZXQtMTIzNDU=";

std::string token(const std::string& issuer, const std::string& scope, const std::string& aud) {
  HttpResult r = http_request(
      "POST", issuer + "/token",
      {"Content-Type: application/x-www-form-urlencoded", std::string("Authorization: ") + kClientBasic},
      "grant_type=client_credentials&scope=" + scope + "&aud=" + aud);
  return json_string_field(r.body, "access_token");
}

class ExternalIssuer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v node >/dev/null") != 0) FAIL() << "node not installed: run scripts/setup.sh";
    uint16_t port = free_port();
    mock_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"node", std::string(DELTA_NODE_DIR) + "/mock_issuer.mjs",
                                 std::to_string(port)},
        dir_.path() + "/mock.out");
    ASSERT_TRUE(mock_->start());
    ASSERT_TRUE(mock_->wait_for_output("ready ", 20'000)) << mock_->output();
    std::string out = mock_->output();
    size_t at = out.find("ready ") + 6;
    issuer_ = out.substr(at, out.find(' ', at) - at);
    std::string auth = "auth:\n  jwks_issuers:\n    - {issuer: \"" + issuer_ + "\", jwks_url: \"" + issuer_ +
                       "/jwks\", audience: delta, algorithms: [RS256]}\n";
    delta_ = std::make_unique<DeltaProcess>(dir_.path(), auth + kStreams);
    ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> mock_;
  std::unique_ptr<DeltaProcess> delta_;
  std::string issuer_;
};

TEST_F(ExternalIssuer, TokensVerifiedThroughItsJwksIncludingARotation) {
  std::string first = token(issuer_, "producer", "delta");
  ASSERT_FALSE(first.empty()) << mock_->output();
  EXPECT_EQ(post_events(*delta_, "orders", {"Authorization: Bearer " + first}, 1).status, 200);

  // Wrong audience and a role without produce are refused with their reasons.
  HttpResult aud =
      post_events(*delta_, "orders", {"Authorization: Bearer " + token(issuer_, "producer", "other")}, 1);
  EXPECT_EQ(aud.status, 401);
  EXPECT_NE(aud.headers["www-authenticate"].find("error=\"invalid_token\""), std::string::npos);
  EXPECT_EQ(post_events(*delta_, "orders", {"Authorization: Bearer " + token(issuer_, "analyst", "delta")}, 1)
                .status,
            403);

  ASSERT_EQ(::kill(mock_->pid(), SIGUSR1), 0);
  ASSERT_TRUE(mock_->wait_for_output("rotated ", 10'000)) << mock_->output();
  std::string second = token(issuer_, "producer", "delta");
  ASSERT_FALSE(second.empty());
  // The new kid is unknown to Delta until it refetches the JWKS (rate-limited to one fetch per
  // 2 s per issuer), so poll, bounded.
  EXPECT_TRUE(poll_status(*delta_, "orders", {"Authorization: Bearer " + second}, 200));
  HttpResult old = post_events(*delta_, "orders", {"Authorization: Bearer " + first}, 1);
  EXPECT_EQ(old.status, 401);
  EXPECT_NE(old.body.find("unknown kid"), std::string::npos) << old.body;

  std::string logs = delta_->read_stdout();
  EXPECT_EQ(logs.find(first), std::string::npos);
  EXPECT_EQ(logs.find(second), std::string::npos);
}

}  // namespace
}  // namespace delta::testing
