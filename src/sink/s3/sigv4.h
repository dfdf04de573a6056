// AWS Signature Version 4 for S3 requests (HMAC-SHA256 and SHA-256 from OpenSSL): the canonical
// request, the string to sign, the signing key and the Authorization header, as AWS's "Signature
// Version 4" documentation defines them. Pure functions; any thread. The secret never leaves
// sign(): it is not in any returned text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace delta::sink::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional: sent as x-amz-security-token (signed)
};

struct SignInput {
  std::string method;                                      // "PUT"
  std::string path;                                        // the URI path, not yet encoded: "/bucket/a b.txt"
  std::vector<std::pair<std::string, std::string>> query;  // not encoded; value "" for "?uploads"
  std::vector<std::pair<std::string, std::string>> headers;  // every header to sign, host included
  std::string payload_sha256;                                // hex, or "UNSIGNED-PAYLOAD"
  std::string amz_date;                                      // "20130524T000000Z"
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "host;range;x-amz-content-sha256;x-amz-date"
  std::string authorization;   // the Authorization header's value
};

Signature sign(const SignInput& in, const Credentials& creds);

// Percent-encoding as SigV4 wants it is base/url.h's percent_encode (keep_slash for paths).
std::string sha256_hex(std::string_view data);
// "YYYYMMDDTHHMMSSZ" for an epoch time in milliseconds (UTC).
std::string amz_date(int64_t epoch_ms);

}  // namespace delta::sink::s3
