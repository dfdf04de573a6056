// PKCE (RFC 7636) and base64url: the RFC's worked example and every refusal issue 8 lists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "auth/pkce.h"

namespace delta::auth {
namespace {

using ::testing::HasSubstr;

// RFC 7636 Appendix B: code_verifier "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" gives
// code_challenge "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; checked independently with
// `printf %s <verifier> | openssl dgst -sha256 -binary | basenc --base64url` (minus the '=').
constexpr char kRfcVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kRfcChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(Pkce, Rfc7636AppendixBWorkedExample) {
  auto challenge = pkce_s256_challenge(kRfcVerifier);
  ASSERT_TRUE(challenge.is_ok()) << challenge.status().message();
  EXPECT_EQ(*challenge, kRfcChallenge);
  EXPECT_TRUE(check_pkce_challenge("S256", kRfcChallenge).is_ok());
  EXPECT_TRUE(verify_pkce("S256", kRfcChallenge, kRfcVerifier).is_ok());
}

TEST(Pkce, RefusesVerifierOfWrongLength) {
  EXPECT_TRUE(check_pkce_verifier(std::string(43, 'a')).is_ok());
  EXPECT_TRUE(check_pkce_verifier(std::string(128, '~')).is_ok());
  EXPECT_EQ(check_pkce_verifier(std::string(42, 'a')).message(),
            "code_verifier has 42 characters, must have 43 to 128");
  EXPECT_EQ(check_pkce_verifier(std::string(129, 'a')).message(),
            "code_verifier has 129 characters, must have 43 to 128");
  EXPECT_THAT(verify_pkce("S256", kRfcChallenge, std::string(kRfcVerifier).substr(1)).message(),
              HasSubstr("42 characters"));
}

TEST(Pkce, RefusesBadCharacters) {
  for (char bad : {'+', '/', '=', ' ', '%', '\0', '\x80'}) {
    std::string v(50, 'a');
    v[10] = bad;
    EXPECT_EQ(check_pkce_verifier(v).message(), "code_verifier has a character outside [A-Za-z0-9-._~] at 10")
        << static_cast<int>(bad);
  }
}

TEST(Pkce, RefusesPlainAndMissingMethod) {
  EXPECT_EQ(verify_pkce("plain", kRfcVerifier, kRfcVerifier).message(),
            "PKCE method plain is not accepted, use S256");
  EXPECT_EQ(check_pkce_challenge("plain", kRfcChallenge).message(),
            "PKCE method plain is not accepted, use S256");
  EXPECT_THAT(check_pkce_challenge("", kRfcChallenge).message(), HasSubstr("missing"));
  EXPECT_THAT(check_pkce_challenge("S512", kRfcChallenge).message(), HasSubstr("not supported"));
  EXPECT_THAT(check_pkce_challenge("S256", "short").message(), HasSubstr("43 base64url"));
}

TEST(Pkce, RefusesMismatchAndDowngrade) {
  std::string other(kRfcVerifier);
  other[0] = 'e';
  EXPECT_EQ(verify_pkce("S256", kRfcChallenge, other).message(),
            "code_verifier does not match the code_challenge");
  EXPECT_EQ(verify_pkce("", "", kRfcVerifier).message(),
            "code_verifier sent but the code was issued without a code_challenge");
  EXPECT_THAT(verify_pkce("", "", "").message(), HasSubstr("PKCE is required"));
  EXPECT_EQ(verify_pkce("S256", kRfcChallenge, "").message(), "code_verifier is missing");
}

TEST(Base64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto back = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(back.is_ok()) << n;
    EXPECT_EQ(*back, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

// Strictness means one spelling per byte string: padding, the standard alphabet, an impossible
// length and non-zero trailing bits are all refused.
TEST(Base64url, StrictDecoding) {
  EXPECT_THAT(base64url_decode("YQ==").status().message(), HasSubstr("bad base64url character at 2"));
  EXPECT_THAT(base64url_decode("+/8").status().message(), HasSubstr("bad base64url character at 0"));
  EXPECT_THAT(base64url_decode("YWJjZ").status().message(), HasSubstr("length 5 is impossible"));
  EXPECT_TRUE(base64url_decode("YQ").is_ok());
  EXPECT_THAT(base64url_decode("YR").status().message(), HasSubstr("non-zero trailing bits"));
}

}  // namespace
}  // namespace delta::auth
