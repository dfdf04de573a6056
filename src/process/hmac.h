// HmacSha256: HMAC-SHA256 (RFC 2104) with one key, for the `hash` masking policy.
//
// The key's inner and outer SHA-256 states are computed once at construction; sign() copies them
// by value, so signing neither allocates nor touches shared state. OpenSSL 3's EVP_MAC and HMAC()
// allocate a digest context per call (EVP_MD_CTX_copy_ex duplicates the provider context), which the
// ingest path cannot afford, hence the low-level SHA256_* functions (deprecated in OpenSSL 3 but
// present, and the same assembly underneath). Tests check RFC 4231 vectors and OpenSSL's HMAC().
//
// Thread: immutable after construction; sign() may be called from any number of threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace delta::process {

class HmacSha256 {
 public:
  static constexpr size_t kDigestBytes = 32;
  using Digest = std::array<uint8_t, kDigestBytes>;

  // Any key length (RFC 2104: keys longer than the 64-byte block are hashed first).
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Digest sign(std::string_view message) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Appends the 2 * bytes.size() lowercase hex digits of `bytes` to *out.
void append_hex(const uint8_t* bytes, size_t n, std::string* out);

}  // namespace delta::process
