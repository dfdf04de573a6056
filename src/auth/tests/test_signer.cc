#include "auth/tests/test_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "auth/base64url.h"

namespace delta::auth::testing {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test signer: %s failed\n", what);
    std::abort();
  }
}

std::shared_ptr<EVP_PKEY> generate(TestKeyKind kind) {
  EVP_PKEY* key = nullptr;
  switch (kind) {
    case TestKeyKind::kRsa2048: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}); break;
    case TestKeyKind::kP256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case TestKeyKind::kEd25519: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  require(key != nullptr, "keygen");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::string bn_param(EVP_PKEY* key, const char* name, size_t pad_to = 0) {
  BIGNUM* bn = nullptr;
  require(EVP_PKEY_get_bn_param(key, name, &bn) == 1, "get_bn_param");
  size_t n = pad_to != 0 ? pad_to : static_cast<size_t>(BN_num_bytes(bn));
  std::string out(n, '\0');
  require(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) > 0, "bn2bin");
  BN_free(bn);
  return out;
}

std::string raw_ed25519(EVP_PKEY* key) {
  std::string out(32, '\0');
  size_t len = out.size();
  require(EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len) == 1,
          "raw pub");
  return out;
}

std::string evp_sign(const TestKey& key, const std::string& input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const EVP_MD* md = key.kind == TestKeyKind::kEd25519 ? nullptr : EVP_sha256();
  require(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.pkey.get()) == 1, "sign init");
  size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(input.data());
  require(EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) == 1, "sign size");
  std::string sig(len, '\0');
  require(
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) == 1,
      "sign");
  sig.resize(len);
  return sig;
}

// DER ECDSA-Sig-Value -> JWS r||s (RFC 7518 section 3.4).
std::string der_to_raw(const std::string& der) {
  auto p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  require(sig != nullptr, "d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  auto out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string signing_input(const std::string& header_json, const std::string& payload_json) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json);
}

}  // namespace

TestKey make_key(TestKeyKind kind, const std::string& kid, int slot) {
  static std::mutex mu;
  static std::map<std::pair<TestKeyKind, int>, std::shared_ptr<EVP_PKEY>> pool;
  std::lock_guard lock(mu);
  auto& pkey = pool[{kind, slot}];
  if (!pkey) pkey = generate(kind);
  return TestKey{kind, kid, pkey};
}

std::string public_jwk(const TestKey& key, const std::string& alg) {
  std::string fields = "\"kid\":\"" + key.kid + "\"";
  if (!alg.empty()) fields += ",\"alg\":\"" + alg + "\"";
  EVP_PKEY* k = key.pkey.get();
  switch (key.kind) {
    case TestKeyKind::kRsa2048:
      return "{\"kty\":\"RSA\"," + fields + ",\"n\":\"" +
             base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_N)) + "\",\"e\":\"" +
             base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_E)) + "\"}";
    case TestKeyKind::kP256:
      return "{\"kty\":\"EC\",\"crv\":\"P-256\"," + fields + ",\"x\":\"" +
             base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + "\",\"y\":\"" +
             base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"}";
    case TestKeyKind::kEd25519:
      return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," + fields + ",\"x\":\"" +
             base64url_encode(raw_ed25519(k)) + "\"}";
  }
  return "{}";
}

std::string jwks_of(const std::vector<std::string>& jwks) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < jwks.size(); ++i) out += (i ? "," : "") + jwks[i];
  return out + "]}";
}

std::string public_pem(const TestKey& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  require(PEM_write_bio_PUBKEY(bio.get(), key.pkey.get()) == 1, "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string sign_jwt(const std::string& header_json, const std::string& payload_json, const TestKey& key) {
  std::string input = signing_input(header_json, payload_json);
  std::string sig = evp_sign(key, input);
  if (key.kind == TestKeyKind::kP256) sig = der_to_raw(sig);
  return input + "." + base64url_encode(sig);
}

std::string sign_hs256(const std::string& header_json, const std::string& payload_json,
                       const std::string& secret) {
  std::string input = signing_input(header_json, payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

std::shared_ptr<JwksCache> FakeIdp::cache(const Clock& clock, int64_t ttl_ms, int64_t interval_ms) {
  auto fetch = [this](const std::string& url) -> Result<std::string> {
    ++fetches;
    if (!up) return Status::unavailable("connection refused");
    return doc;
  };
  return std::make_shared<JwksCache>(JwksCacheOptions{"https://idp/jwks", ttl_ms, interval_ms}, fetch, clock);
}

std::string refusal(const JwtVerifier& verifier, const std::string& token) {
  auto r = verifier.verify(token);
  return r ? "" : r.status().message();
}

}  // namespace delta::auth::testing
