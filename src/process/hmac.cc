// Deprecated in OpenSSL 3 but kept there: the by-value SHA256_CTX is what makes signing
// allocation-free (see hmac.h).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "process/hmac.h"

#include <openssl/sha.h>

#include <cstring>
#include <string>

namespace delta::process {
namespace {

constexpr size_t kBlock = SHA256_CBLOCK;  // 64

SHA256_CTX keyed_state(const uint8_t* block_key, uint8_t pad) {
  uint8_t block[kBlock];
  for (size_t i = 0; i < kBlock; ++i) block[i] = static_cast<uint8_t>(block_key[i] ^ pad);
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, block, kBlock);
  return ctx;
}

}  // namespace

struct HmacSha256::State {
  SHA256_CTX inner;  // after absorbing key ^ ipad
  SHA256_CTX outer;  // after absorbing key ^ opad
};

HmacSha256::HmacSha256(std::string_view key) : state_(std::make_unique<State>()) {
  uint8_t block_key[kBlock] = {};
  if (key.size() > kBlock) {
    SHA256(reinterpret_cast<const uint8_t*>(key.data()), key.size(), block_key);
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  state_->inner = keyed_state(block_key, 0x36);
  state_->outer = keyed_state(block_key, 0x5c);
}

HmacSha256::~HmacSha256() = default;

HmacSha256::Digest HmacSha256::sign(std::string_view message) const {
  Digest inner_digest;
  SHA256_CTX ctx = state_->inner;
  SHA256_Update(&ctx, message.data(), message.size());
  SHA256_Final(inner_digest.data(), &ctx);
  Digest out;
  ctx = state_->outer;
  SHA256_Update(&ctx, inner_digest.data(), inner_digest.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}

void append_hex(const uint8_t* bytes, size_t n, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out->push_back(kHex[bytes[i] >> 4]);
    out->push_back(kHex[bytes[i] & 0xF]);
  }
}

}  // namespace delta::process
