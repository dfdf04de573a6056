#include "auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include "auth/base64url.h"

namespace delta::auth {
namespace {

constexpr int kMinRsaBits = 2048;

using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Params = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* key) { return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free); }

// A required base64url member of a JWK, decoded.
Result<std::string> member_bytes(simdjson::dom::object obj, std::string_view name) {
  std::string_view text;
  if (obj[name].get(text)) return Status::invalid_argument("missing member \"" + std::string(name) + "\"");
  auto bytes = base64url_decode(text);
  if (!bytes)
    return Status::invalid_argument("member \"" + std::string(name) + "\": " + bytes.status().message());
  if (bytes->empty()) return Status::invalid_argument("member \"" + std::string(name) + "\" is empty");
  return std::move(bytes).value();
}

Result<std::shared_ptr<EVP_PKEY>> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld), OSSL_PARAM_free);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Status::invalid_argument(std::string("OpenSSL refused the ") + type + " key material");
  }
  return own(key);
}

Result<std::shared_ptr<EVP_PKEY>> rsa_key(simdjson::dom::object obj) {
  auto n = member_bytes(obj, "n");
  if (!n) return n.status();
  auto e = member_bytes(obj, "e");
  if (!e) return e.status();
  auto as_bn = [](const std::string& b) {
    return Bignum(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()), static_cast<int>(b.size()), nullptr),
        BN_free);
  };
  Bignum bn_n = as_bn(*n), bn_e = as_bn(*e);
  ParamBld bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return Status::internal("out of memory building an RSA key");
  }
  auto key = key_from_params("RSA", bld.get());
  if (key && EVP_PKEY_get_bits(key->get()) < kMinRsaBits) {
    return Status::invalid_argument("RSA key has " + std::to_string(EVP_PKEY_get_bits(key->get())) +
                                    " bits, fewer than 2048");
  }
  return key;
}

Result<std::shared_ptr<EVP_PKEY>> ec_key(simdjson::dom::object obj) {
  std::string_view crv;
  if (obj["crv"].get(crv) || crv != "P-256") return Status::invalid_argument("EC key is not on crv P-256");
  auto x = member_bytes(obj, "x");
  if (!x) return x.status();
  auto y = member_bytes(obj, "y");
  if (!y) return y.status();
  if (x->size() != 32 || y->size() != 32)
    return Status::invalid_argument("P-256 x and y must be 32 bytes each");
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point
  ParamBld bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
    return Status::internal("out of memory building an EC key");
  }
  auto key = key_from_params("EC", bld.get());
  if (!key) return Status::invalid_argument("EC point is not on P-256");
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr), EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return Status::invalid_argument("EC point is not on P-256");
  }
  return key;
}

Result<std::shared_ptr<EVP_PKEY>> okp_key(simdjson::dom::object obj) {
  std::string_view crv;
  if (obj["crv"].get(crv) || crv != "Ed25519") return Status::invalid_argument("OKP key is not crv Ed25519");
  auto x = member_bytes(obj, "x");
  if (!x) return x.status();
  if (x->size() != 32) return Status::invalid_argument("Ed25519 x must be 32 bytes");
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (key == nullptr) return Status::invalid_argument("OpenSSL refused the Ed25519 key");
  return own(key);
}

Result<Jwk> jwk_from_object(simdjson::dom::object obj) {
  Jwk jwk;
  std::string_view kid, kty, use, alg;
  if (obj["kid"].get(kid) || kid.empty()) return Status::invalid_argument("key has no kid");
  jwk.kid = std::string(kid);
  if (!obj["use"].get(use) && use != "sig") return Status::invalid_argument("use is not \"sig\"");
  if (!obj["alg"].get(alg)) jwk.alg = std::string(alg);
  if (obj["kty"].get(kty)) return Status::invalid_argument("key has no kty");
  Result<std::shared_ptr<EVP_PKEY>> key =
      Status::invalid_argument("kty \"" + std::string(kty) + "\" is not supported");
  if (kty == "RSA") {
    jwk.type = KeyType::kRsa;
    key = rsa_key(obj);
  } else if (kty == "EC") {
    jwk.type = KeyType::kEcP256;
    key = ec_key(obj);
  } else if (kty == "OKP") {
    jwk.type = KeyType::kEd25519;
    key = okp_key(obj);
  }
  if (!key) return key.status();
  jwk.key = std::move(key).value();
  return jwk;
}

}  // namespace

std::string_view alg_name(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::kRS256: return "RS256";
    case JwtAlg::kES256: return "ES256";
    case JwtAlg::kEdDSA: return "EdDSA";
    case JwtAlg::kHS256: return "HS256";
  }
  return "?";
}

std::optional<JwtAlg> parse_alg(std::string_view name) {
  for (JwtAlg a : {JwtAlg::kRS256, JwtAlg::kES256, JwtAlg::kEdDSA, JwtAlg::kHS256}) {
    if (alg_name(a) == name) return a;
  }
  return std::nullopt;
}

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::kRsa: return "RSA";
    case KeyType::kEcP256: return "EC P-256";
    case KeyType::kEd25519: return "Ed25519";
  }
  return "?";
}

Status key_accepts(const Jwk& jwk, JwtAlg alg) {
  bool match = (alg == JwtAlg::kRS256 && jwk.type == KeyType::kRsa) ||
               (alg == JwtAlg::kES256 && jwk.type == KeyType::kEcP256) ||
               (alg == JwtAlg::kEdDSA && jwk.type == KeyType::kEd25519);
  std::string who = "key \"" + jwk.kid + "\" ";
  if (!match) {
    return Status::invalid_argument(who + "(" + std::string(key_type_name(jwk.type)) + ") cannot verify " +
                                    std::string(alg_name(alg)));
  }
  if (!jwk.alg.empty() && jwk.alg != alg_name(alg)) {
    return Status::invalid_argument(who + "is for alg " + jwk.alg + ", token says " +
                                    std::string(alg_name(alg)));
  }
  return Status::ok();
}

Result<Jwk> parse_jwk(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj))
    return Status::invalid_argument("JWK is not a JSON object");
  return jwk_from_object(obj);
}

Result<JwkSet> parse_jwks(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::array keys;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return Status::invalid_argument("JWKS is not JSON");
  if (doc["keys"].get(keys)) return Status::invalid_argument("JWKS has no \"keys\" array");
  JwkSet set;
  size_t index = 0;
  for (simdjson::dom::element e : keys) {
    std::string where = "key " + std::to_string(index++) + ": ";
    simdjson::dom::object obj;
    if (e.get(obj)) {
      set.skipped.push_back(where + "not an object");
      continue;
    }
    auto jwk = jwk_from_object(obj);
    if (!jwk) {
      set.skipped.push_back(where + jwk.status().message());
    } else if (set.by_kid.count(jwk->kid) != 0) {
      set.skipped.push_back(where + "duplicate kid \"" + jwk->kid + "\"");
    } else {
      std::string kid = jwk->kid;
      set.by_kid.emplace(std::move(kid), std::make_shared<const Jwk>(std::move(jwk).value()));
    }
  }
  return set;
}

}  // namespace delta::auth
