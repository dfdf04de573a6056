#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

#include "auth/jwt_internal.h"

namespace delta::auth::internal {
namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Status bad_signature() { return Status::invalid_argument("signature does not verify"); }

// JWS ES256 signatures are r||s, 32 bytes each (RFC 7518 section 3.4); OpenSSL wants DER.
Result<std::string> ecdsa_raw_to_der(std::string_view raw) {
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(bytes(raw), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Status::internal("out of memory converting an ECDSA signature");
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  std::string der(len > 0 ? static_cast<size_t>(len) : 0, '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (len <= 0 || i2d_ECDSA_SIG(sig.get(), &p) != len) return Status::internal("ECDSA DER encoding failed");
  return der;
}

Status expect_length(JwtAlg alg, std::string_view sig, size_t want) {
  if (sig.size() == want) return Status::ok();
  return Status::invalid_argument("malformed token: signature has " + std::to_string(sig.size()) +
                                  " bytes, " + std::string(alg_name(alg)) + " needs " + std::to_string(want));
}

}  // namespace

Status verify_asymmetric(const Jwk& jwk, JwtAlg alg, std::string_view input, std::string_view sig) {
  DELTA_RETURN_IF_ERROR(key_accepts(jwk, alg));
  EVP_PKEY* key = jwk.key.get();
  size_t want = alg == JwtAlg::kRS256 ? static_cast<size_t>(EVP_PKEY_get_size(key)) : 64;
  DELTA_RETURN_IF_ERROR(expect_length(alg, sig, want));
  std::string der;
  if (alg == JwtAlg::kES256) {
    auto converted = ecdsa_raw_to_der(sig);
    if (!converted) return converted.status();
    der = std::move(converted).value();
    sig = der;
  }
  // Ed25519 signs the message itself (no separate digest): OpenSSL takes a null md for it.
  const EVP_MD* md = alg == JwtAlg::kEdDSA ? nullptr : EVP_sha256();
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) {
    return Status::internal("OpenSSL could not start verifying " + std::string(alg_name(alg)));
  }
  if (EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(input), input.size()) != 1) {
    return bad_signature();
  }
  return Status::ok();
}

Status verify_hs256(std::string_view secret, std::string_view input, std::string_view sig) {
  DELTA_RETURN_IF_ERROR(expect_length(JwtAlg::kHS256, sig, 32));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes(input), input.size(), mac,
           &mac_len) == nullptr ||
      mac_len != 32) {
    return Status::internal("HMAC-SHA-256 failed");
  }
  if (CRYPTO_memcmp(mac, sig.data(), 32) != 0) return bad_signature();
  return Status::ok();
}

}  // namespace delta::auth::internal
