#include "auth/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cassert>

namespace delta::auth {

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  int ok = EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                      EVP_sha256(), nullptr);
  assert(ok == 1 && len == 32 && "SHA-256 cannot fail on a working OpenSSL");
  (void)ok;
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace delta::auth
