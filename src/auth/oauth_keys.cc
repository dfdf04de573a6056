#include "auth/oauth_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "auth/base64url.h"
#include "auth/password.h"

namespace delta::auth {
namespace {

std::shared_ptr<EVP_PKEY> generate_p256() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  return std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free);
}

// A public coordinate as 32 big-endian bytes, base64url.
Result<std::string> coordinate(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return Status::internal("EC public key unreadable");
  std::string out(32, '\0');
  int n = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_free(bn);
  if (n != 32) return Status::internal("EC coordinate does not fit 32 bytes");
  return base64url_encode(out);
}

Result<std::string> public_jwk(EVP_PKEY* pkey, const std::string& kid) {
  Result<std::string> x = coordinate(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x.is_ok()) return x.status();
  Result<std::string> y = coordinate(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y.is_ok()) return y.status();
  return R"({"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":")" + kid + R"(","x":")" + *x +
         R"(","y":")" + *y + R"("})";
}

// DER ECDSA-Sig-Value -> JWS r||s, 32 bytes each (RFC 7518 section 3.4).
Result<std::string> der_to_raw(const std::string& der) {
  auto p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (!sig) return Status::internal("ECDSA signature not DER");
  std::string raw(64, '\0');
  auto out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    return Status::internal("ECDSA signature component too long");
  }
  return raw;
}

Result<std::string> es256_sign(EVP_PKEY* pkey, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  auto in = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
    return Status::internal("ES256 signing failed to start");
  }
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len, in, input.size()) != 1) {
    return Status::internal("ES256 signing failed");
  }
  der.resize(len);
  return der_to_raw(der);
}

}  // namespace

SigningKeyRing::SigningKeyRing(const Clock& clock, int64_t rotate_every_ms, int64_t retain_ms)
    : clock_(clock), rotate_every_ms_(rotate_every_ms), retain_ms_(retain_ms) {
  std::lock_guard lock(mu_);
  (void)add_key_locked(clock_.now_ms());  // a failure shows at the first sign()
}

Status SigningKeyRing::add_key_locked(int64_t now_ms) {
  auto key = std::make_shared<Key>();
  key->pkey = generate_p256();
  if (!key->pkey) return Status::internal("P-256 key generation failed");
  key->kid = random_base62(16);
  Result<std::string> jwk = public_jwk(key->pkey.get(), key->kid);
  if (!jwk.is_ok()) return jwk.status();
  key->public_jwk = std::move(*jwk);
  key->created_ms = now_ms;
  if (!keys_.empty()) keys_.back()->retired_ms = now_ms;
  keys_.push_back(std::move(key));
  return Status::ok();
}

std::shared_ptr<const SigningKeyRing::Key> SigningKeyRing::current_locked() {
  int64_t now = clock_.now_ms();
  if (keys_.empty() || now - keys_.back()->created_ms >= rotate_every_ms_) (void)add_key_locked(now);
  std::erase_if(keys_, [&](const std::shared_ptr<Key>& k) {
    return k->retired_ms != 0 && now - k->retired_ms > retain_ms_;
  });
  if (keys_.empty()) return nullptr;
  return keys_.back();
}

Result<std::string> SigningKeyRing::sign(std::string_view payload_json) {
  std::shared_ptr<const Key> key;
  {
    std::lock_guard lock(mu_);
    key = current_locked();
  }
  if (!key) return Status::internal("no signing key");
  std::string input = base64url_encode(R"({"alg":"ES256","typ":"at+jwt","kid":")" + key->kid + "\"}") + "." +
                      base64url_encode(payload_json);
  Result<std::string> sig = es256_sign(key->pkey.get(), input);
  if (!sig.is_ok()) return sig.status();
  return input + "." + base64url_encode(*sig);
}

std::string SigningKeyRing::public_jwks_json() {
  std::lock_guard lock(mu_);
  (void)current_locked();
  std::string out = R"({"keys":[)";
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (i > 0) out += ',';
    out += keys_[i]->public_jwk;
  }
  return out + "]}";
}

std::string SigningKeyRing::current_kid() {
  std::lock_guard lock(mu_);
  std::shared_ptr<const Key> key = current_locked();
  return key ? key->kid : std::string();
}

}  // namespace delta::auth
