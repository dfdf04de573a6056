#include "auth/pkce.h"

#include "auth/base64url.h"
#include "auth/digest.h"

namespace delta::auth {
namespace {

constexpr size_t kMinVerifier = 43;
constexpr size_t kMaxVerifier = 128;
constexpr size_t kS256ChallengeChars = 43;  // 32 bytes, base64url without padding

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

Status check_method(std::string_view method) {
  if (method == "S256") return Status::ok();
  if (method == "plain") return Status::invalid_argument("PKCE method plain is not accepted, use S256");
  if (method.empty()) return Status::invalid_argument("PKCE code_challenge_method is missing, use S256");
  return Status::invalid_argument("PKCE method is not supported, use S256");
}

}  // namespace

Status check_pkce_verifier(std::string_view verifier) {
  if (verifier.size() < kMinVerifier || verifier.size() > kMaxVerifier) {
    return Status::invalid_argument("code_verifier has " + std::to_string(verifier.size()) +
                                    " characters, must have 43 to 128");
  }
  for (size_t i = 0; i < verifier.size(); ++i) {
    if (!unreserved(verifier[i])) {
      return Status::invalid_argument("code_verifier has a character outside [A-Za-z0-9-._~] at " +
                                      std::to_string(i));
    }
  }
  return Status::ok();
}

Result<std::string> pkce_s256_challenge(std::string_view verifier) {
  DELTA_RETURN_IF_ERROR(check_pkce_verifier(verifier));
  return base64url_encode(sha256(verifier));
}

Status check_pkce_challenge(std::string_view method, std::string_view challenge) {
  DELTA_RETURN_IF_ERROR(check_method(method));
  auto bytes = base64url_decode(challenge);
  if (challenge.size() != kS256ChallengeChars || !bytes) {
    return Status::invalid_argument("code_challenge is not 43 base64url characters");
  }
  return Status::ok();
}

Status verify_pkce(std::string_view method, std::string_view challenge, std::string_view verifier) {
  if (challenge.empty()) {
    if (!verifier.empty()) {
      return Status::invalid_argument("code_verifier sent but the code was issued without a code_challenge");
    }
    return Status::invalid_argument("PKCE is required: the code was issued without a code_challenge");
  }
  if (verifier.empty()) return Status::invalid_argument("code_verifier is missing");
  DELTA_RETURN_IF_ERROR(check_method(method));
  auto computed = pkce_s256_challenge(verifier);
  if (!computed) return computed.status();
  if (!constant_time_equal(*computed, challenge)) {
    return Status::invalid_argument("code_verifier does not match the code_challenge");
  }
  return Status::ok();
}

}  // namespace delta::auth
