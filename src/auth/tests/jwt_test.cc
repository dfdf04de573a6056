// JwtVerifier: positive cases for RS256, ES256, EdDSA and HS256, and the negative suite of issue 8
// (RFC 8725 attacks and claim checks), each asserting the reason the token was refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "auth/tests/test_signer.h"

namespace delta::auth {
namespace {

using ::testing::HasSubstr;
using testing::make_key;
using testing::TestKey;
using testing::TestKeyKind;

constexpr int64_t kNow = 1'795'773'600;  // 2026-11-27T10:00:00Z
constexpr char kIdp[] = "https://idp.example.com";
constexpr char kHsIssuer[] = "https://hs.example.com";
const std::string kSecret = "0123456789abcdef0123456789abcdef-shared";

// The claims of a test token; to_json() writes only the members that are set.
struct Claims {
  std::string iss = kIdp;
  std::string sub = "alice";
  std::string aud = "\"delta\"";  // raw JSON
  std::optional<int64_t> exp = kNow + 300, nbf, iat = kNow;
  std::string extra;  // raw JSON members, prefixed with a comma

  std::string to_json() const {
    std::string s = "{\"iss\":\"" + iss + "\",\"sub\":\"" + sub + "\"";
    if (!aud.empty()) s += ",\"aud\":" + aud;
    if (exp) s += ",\"exp\":" + std::to_string(*exp);
    if (nbf) s += ",\"nbf\":" + std::to_string(*nbf);
    if (iat) s += ",\"iat\":" + std::to_string(*iat);
    return s + extra + "}";
  }
};

std::string header(const std::string& alg, const std::string& kid) {
  return "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : rsa_(make_key(TestKeyKind::kRsa2048, "rsa1")),
        ec_(make_key(TestKeyKind::kP256, "ec1")),
        ed_(make_key(TestKeyKind::kEd25519, "ed1")),
        clock_(kNow * 1000),
        verifier_(clock_) {
    idp_.doc = testing::jwks_of(
        {testing::public_jwk(rsa_), testing::public_jwk(ec_, "ES256"), testing::public_jwk(ed_)});
    jwks_ = idp_.cache(clock_);
    IssuerConfig idp;
    idp.issuer = kIdp;
    idp.audiences = {"delta"};
    idp.jwks = jwks_;
    EXPECT_TRUE(verifier_.add_issuer(idp).is_ok());
    IssuerConfig hs;
    hs.issuer = kHsIssuer;
    hs.audiences = {"delta"};
    hs.algorithms = {JwtAlg::kHS256};
    hs.hs256_secret = kSecret;
    EXPECT_TRUE(verifier_.add_issuer(hs).is_ok());
  }

  std::string token(const TestKey& key, const Claims& c = {}) {
    const char* alg = key.kind == TestKeyKind::kRsa2048 ? "RS256"
                      : key.kind == TestKeyKind::kP256  ? "ES256"
                                                        : "EdDSA";
    return testing::sign_jwt(header(alg, key.kid), c.to_json(), key);
  }
  // The reason a token is refused ("" when it is accepted).
  std::string refusal(const std::string& t) { return testing::refusal(verifier_, t); }

  TestKey rsa_, ec_, ed_;
  ManualClock clock_;
  JwtVerifier verifier_;
  testing::FakeIdp idp_;
  std::shared_ptr<JwksCache> jwks_;
};

TEST_F(JwtTest, AcceptsRs256Es256EdDsa) {
  for (const TestKey* key : {&rsa_, &ec_, &ed_}) {
    Claims c;
    c.extra = ",\"roles\":[\"producer\",\"analyst\"],\"client_id\":\"svc\"";
    auto p = verifier_.verify(token(*key, c));
    ASSERT_TRUE(p.is_ok()) << key->kid << ": " << p.status().message();
    EXPECT_EQ(p->subject, "alice");
    EXPECT_EQ(p->issuer, kIdp);
    EXPECT_EQ(p->client_id, "svc");
    EXPECT_EQ(p->roles, (std::vector<std::string>{"producer", "analyst"}));
    EXPECT_EQ(p->expires_at_ms, (kNow + 300) * 1000);
  }
  EXPECT_EQ(idp_.fetches, 1) << "one JWKS fetch serves every key while fresh";
}

TEST_F(JwtTest, AcceptsHs256WithConfiguredSecret) {
  Claims c;
  c.iss = kHsIssuer;
  auto p = verifier_.verify(testing::sign_hs256("{\"alg\":\"HS256\"}", c.to_json(), kSecret));
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  EXPECT_EQ(p->subject, "alice");
}

TEST_F(JwtTest, RolesFallBackToScopeAndAudienceMayBeAnArray) {
  Claims c;
  c.aud = "[\"other\",\"delta\"]";
  c.extra = ",\"scope\":\"producer  analyst\"";
  auto p = verifier_.verify(token(ec_, c));
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  EXPECT_EQ(p->roles, (std::vector<std::string>{"producer", "analyst"}));
}

TEST_F(JwtTest, RefusesAlgNone) {
  Claims c;
  std::string unsigned_token =
      base64url_encode("{\"alg\":\"none\"}") + "." + base64url_encode(c.to_json()) + ".";
  EXPECT_EQ(refusal(unsigned_token), "alg none is not accepted");
  std::string shouting = base64url_encode("{\"alg\":\"NoNe\"}") + "." + base64url_encode(c.to_json()) + ".";
  EXPECT_EQ(refusal(shouting), "alg none is not accepted");
}

// The classic confusion attack: HMAC the token with the issuer's RSA public key (PEM) as secret,
// hoping a verifier feeds its "key" to HMAC. HS256 is not on this issuer's allow-list.
TEST_F(JwtTest, RefusesHs256SignedWithRsaPublicKeyPem) {
  std::string forged =
      testing::sign_hs256(header("HS256", "rsa1"), Claims{}.to_json(), testing::public_pem(rsa_));
  EXPECT_EQ(refusal(forged), "alg HS256 is not allowed for issuer \"https://idp.example.com\"");
}

// Even where HS256 is allowed, only the configured secret is used, never a published key.
TEST_F(JwtTest, Hs256NeverUsesAJwkAsSecret) {
  Claims c;
  c.iss = kHsIssuer;
  std::string forged = testing::sign_hs256(header("HS256", "rsa1"), c.to_json(), testing::public_pem(rsa_));
  EXPECT_EQ(refusal(forged), "signature does not verify");
}

TEST_F(JwtTest, RefusesKeyOfAnotherTypeThanAlg) {
  // ES256 header naming the RSA key: signed with the EC key, it must not even be tried.
  std::string t = testing::sign_jwt(header("ES256", "rsa1"), Claims{}.to_json(), ec_);
  EXPECT_EQ(refusal(t), "key \"rsa1\" (RSA) cannot verify ES256");
  std::string t2 = testing::sign_jwt(header("EdDSA", "ec1"), Claims{}.to_json(), ed_);
  EXPECT_EQ(refusal(t2), "key \"ec1\" (EC P-256) cannot verify EdDSA");
}

TEST_F(JwtTest, RefusesWhenJwkAlgDiffersFromHeaderAlg) {
  idp_.doc = testing::jwks_of({testing::public_jwk(rsa_, "PS256")});
  EXPECT_EQ(refusal(token(rsa_)), "key \"rsa1\" is for alg PS256, token says RS256");
}

TEST_F(JwtTest, RefusesWrongAudience) {
  Claims c;
  c.aud = "\"someone-else\"";
  EXPECT_EQ(refusal(token(rsa_, c)), "audience \"someone-else\" not accepted");
  c.aud = "[\"a\",\"b\"]";
  EXPECT_EQ(refusal(token(rsa_, c)), "audience \"a\", \"b\" not accepted");
  c.aud = "";
  EXPECT_EQ(refusal(token(rsa_, c)), "token has no aud claim");
}

TEST_F(JwtTest, RefusesUntrustedIssuer) {
  Claims c;
  c.iss = "https://evil.example.com";
  EXPECT_EQ(refusal(token(rsa_, c)), "issuer \"https://evil.example.com\" is not trusted");
  c.iss = "https://idp.example.com/";  // exact match only
  EXPECT_THAT(refusal(token(rsa_, c)), HasSubstr("is not trusted"));
}

TEST_F(JwtTest, RefusesExpiredTokenAfterSkew) {
  Claims c;
  c.exp = kNow - 60;  // expired exactly one skew ago: refused
  EXPECT_EQ(refusal(token(ed_, c)),
            "token expired at 2026-11-27T09:59:00Z (now 2026-11-27T10:00:00Z, skew 60s)");
  c.exp = kNow - 59;  // within the skew: accepted
  EXPECT_EQ(refusal(token(ed_, c)), "");
  c.exp.reset();
  EXPECT_EQ(refusal(token(ed_, c)), "token has no exp claim");
}

TEST_F(JwtTest, ExpiryFollowsTheInjectedClock) {
  std::string t = token(ed_);
  EXPECT_EQ(refusal(t), "");
  clock_.advance_ms((300 + 60) * 1000);
  EXPECT_THAT(refusal(t), HasSubstr("token expired at 2026-11-27T10:05:00Z"));
}

TEST_F(JwtTest, RefusesNotYetValidToken) {
  Claims c;
  c.nbf = kNow + 61;
  EXPECT_EQ(refusal(token(rsa_, c)),
            "token not valid before 2026-11-27T10:01:01Z (now 2026-11-27T10:00:00Z, skew 60s)");
  c.nbf = kNow + 60;
  EXPECT_EQ(refusal(token(rsa_, c)), "");
}

TEST_F(JwtTest, RefusesTokenIssuedInTheFuture) {
  Claims c;
  c.iat = kNow + 120;
  EXPECT_EQ(refusal(token(ec_, c)),
            "token issued in the future at 2026-11-27T10:02:00Z (now 2026-11-27T10:00:00Z, skew 60s)");
}

TEST_F(JwtTest, RefusesFlippedSignatureByte) {
  for (const TestKey* key : {&rsa_, &ec_, &ed_}) {
    std::string t = token(*key);
    size_t i = t.rfind('.') + 5;  // a character inside the signature, not its last
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(refusal(t), "signature does not verify") << key->kid;
  }
}

TEST_F(JwtTest, RefusesTamperedPayload) {
  std::string t = token(rsa_);
  Claims admin;
  admin.extra = ",\"roles\":[\"admin\"]";
  size_t a = t.find('.'), b = t.rfind('.');
  t = t.substr(0, a + 1) + base64url_encode(admin.to_json()) + t.substr(b);
  EXPECT_EQ(refusal(t), "signature does not verify");
}

TEST_F(JwtTest, RefusesTruncatedToken) {
  std::string t = token(rsa_);
  EXPECT_EQ(refusal(t.substr(0, t.size() - 6)), "malformed token: signature has 252 bytes, RS256 needs 256");
  EXPECT_EQ(refusal(t.substr(0, t.rfind('.'))), "malformed token: 2 segments");
  EXPECT_EQ(refusal(""), "malformed token: 1 segments");
}

TEST_F(JwtTest, RefusesWrongSegmentCount) {
  std::string t = token(ed_);
  EXPECT_EQ(refusal(t + ".x.y"), "malformed token: 5 segments");
  EXPECT_EQ(refusal("a.b"), "malformed token: 2 segments");
}

TEST_F(JwtTest, RefusesBadBase64) {
  std::string t = token(ed_);
  EXPECT_THAT(refusal("e30=." + t.substr(t.find('.') + 1)),
              HasSubstr("malformed token: header is not base64url"));
  std::string bad_payload = t;
  bad_payload[t.find('.') + 3] = '+';
  EXPECT_THAT(refusal(bad_payload), HasSubstr("malformed token: payload is not base64url"));
  EXPECT_THAT(refusal(t.substr(0, t.rfind('.')) + ".ab$d"),
              HasSubstr("malformed token: signature is not base64url"));
}

TEST_F(JwtTest, RefusesNonJsonHeaderAndPayload) {
  std::string t = token(ed_);
  std::string rest = t.substr(t.find('.'));
  EXPECT_EQ(refusal(base64url_encode("not json") + rest), "malformed token: header is not a JSON object");
  EXPECT_EQ(refusal(base64url_encode("[\"alg\"]") + rest), "malformed token: header is not a JSON object");
  std::string p = testing::sign_jwt(header("EdDSA", "ed1"), "{\"iss\":", ed_);
  EXPECT_EQ(refusal(p), "malformed token: payload is not a JSON object");
}

TEST_F(JwtTest, RefusesDuplicateMembersCritAndOddTyp) {
  std::string dup =
      testing::sign_jwt("{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"alg\":\"none\"}", Claims{}.to_json(), ed_);
  EXPECT_EQ(refusal(dup), "token header has duplicate member \"alg\"");
  std::string crit =
      testing::sign_jwt("{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"crit\":[\"x\"]}", Claims{}.to_json(), ed_);
  EXPECT_EQ(refusal(crit), "crit header is not supported");
  std::string typ =
      testing::sign_jwt("{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"typ\":\"dpop+jwt\"}", Claims{}.to_json(), ed_);
  EXPECT_EQ(refusal(typ), "typ \"dpop+jwt\" is not JWT or at+jwt");
  std::string at =
      testing::sign_jwt("{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"typ\":\"at+JWT\"}", Claims{}.to_json(), ed_);
  EXPECT_EQ(refusal(at), "");
}

TEST_F(JwtTest, RefusesUnsupportedAlgAndMissingKid) {
  EXPECT_EQ(refusal(testing::sign_jwt(header("RS512", "rsa1"), Claims{}.to_json(), rsa_)),
            "alg \"RS512\" is not supported");
  EXPECT_EQ(refusal(testing::sign_jwt("{\"alg\":\"RS256\"}", Claims{}.to_json(), rsa_)), "token has no kid");
}

TEST_F(JwtTest, ConfigRefusesHs256WithoutSecretAndAsymmetricWithoutJwks) {
  IssuerConfig c;
  c.issuer = "x";
  c.algorithms = {JwtAlg::kHS256};
  EXPECT_THAT(verifier_.add_issuer(c).message(), HasSubstr("HS256 needs a shared secret"));
  c.algorithms = {JwtAlg::kES256};
  EXPECT_THAT(verifier_.add_issuer(c).message(), HasSubstr("ES256 needs a JWKS"));
}

TEST_F(JwtTest, ErrorsNeverContainTheToken) {
  std::string t = token(rsa_);
  clock_.advance_ms(3'600'000);
  std::string why = refusal(t);
  ASSERT_FALSE(why.empty());
  EXPECT_EQ(why.find(t.substr(t.rfind('.') + 1, 16)), std::string::npos);
  EXPECT_EQ(why.find(t.substr(0, 16)), std::string::npos);
}

}  // namespace
}  // namespace delta::auth
