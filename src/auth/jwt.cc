#include "auth/jwt.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>

#include "auth/base64url.h"
#include "auth/jwt_internal.h"

namespace delta::auth {
namespace {

using internal::safe_quote;

constexpr size_t kMinHs256SecretBytes = 32;

struct TokenParts {
  std::string_view signing_input;  // "<header>.<payload>", what the signature covers
  std::string header;              // decoded JSON
  std::string payload;             // decoded JSON
  std::string signature;           // decoded bytes
};

struct Header {
  JwtAlg alg = JwtAlg::kRS256;
  std::string kid;  // empty when absent
};

Status malformed(const std::string& what) { return Status::invalid_argument("malformed token: " + what); }

Result<std::string> decode_segment(std::string_view text, std::string_view name) {
  if (text.empty()) return malformed("empty " + std::string(name));
  auto bytes = base64url_decode(text);
  if (!bytes) return malformed(std::string(name) + " is not base64url (" + bytes.status().message() + ")");
  return bytes;
}

Result<TokenParts> split_token(std::string_view token) {
  if (token.size() > JwtVerifier::kMaxTokenBytes) {
    return malformed(std::to_string(token.size()) + " bytes, more than " +
                     std::to_string(JwtVerifier::kMaxTokenBytes));
  }
  size_t segments = static_cast<size_t>(std::count(token.begin(), token.end(), '.')) + 1;
  if (segments != 3) return malformed(std::to_string(segments) + " segments");
  size_t a = token.find('.'), b = token.find('.', a + 1);
  TokenParts parts;
  parts.signing_input = token.substr(0, b);
  auto header = decode_segment(token.substr(0, a), "header");
  if (!header) return header.status();
  auto payload = decode_segment(token.substr(a + 1, b - a - 1), "payload");
  if (!payload) return payload.status();
  // An empty signature (alg none) decodes to zero bytes; the length check after the header names it.
  auto signature = base64url_decode(token.substr(b + 1));
  if (!signature) return malformed("signature is not base64url (" + signature.status().message() + ")");
  parts.header = std::move(header).value();
  parts.payload = std::move(payload).value();
  parts.signature = std::move(signature).value();
  return parts;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Status check_typ(simdjson::dom::object header) {
  std::string_view typ;
  auto field = header["typ"];
  if (field.error() == simdjson::NO_SUCH_FIELD) return Status::ok();
  if (field.get(typ)) return Status::invalid_argument("typ is not a string");
  if (typ.size() > 12 && iequals(typ.substr(0, 12), "application/")) typ.remove_prefix(12);
  if (iequals(typ, "JWT") || iequals(typ, "at+jwt")) return Status::ok();
  return Status::invalid_argument("typ " + safe_quote(typ) + " is not JWT or at+jwt");
}

Result<Header> parse_header(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj)) return malformed("header is not a JSON object");
  DELTA_RETURN_IF_ERROR(internal::check_unique_members(obj, "token header"));
  std::string_view alg_text;
  if (obj["alg"].get(alg_text)) return Status::invalid_argument("token header has no alg");
  if (iequals(alg_text, "none")) return Status::invalid_argument("alg none is not accepted");
  std::optional<JwtAlg> alg = parse_alg(alg_text);
  if (!alg) return Status::invalid_argument("alg " + safe_quote(alg_text) + " is not supported");
  if (obj["crit"].error() != simdjson::NO_SUCH_FIELD) {
    return Status::invalid_argument("crit header is not supported");
  }
  DELTA_RETURN_IF_ERROR(check_typ(obj));
  Header header{*alg, {}};
  auto kid = obj["kid"];
  std::string_view kid_text;
  if (kid.error() != simdjson::NO_SUCH_FIELD) {
    if (kid.get(kid_text) || kid_text.empty())
      return Status::invalid_argument("kid is not a non-empty string");
    header.kid = std::string(kid_text);
  }
  return header;
}

Status check_signature(const IssuerConfig& issuer, const Header& header, const TokenParts& parts) {
  if (header.alg == JwtAlg::kHS256) {
    return internal::verify_hs256(issuer.hs256_secret, parts.signing_input, parts.signature);
  }
  if (header.kid.empty()) return Status::invalid_argument("token has no kid");
  auto jwk = issuer.jwks->find(header.kid);
  if (!jwk) {
    if (jwk.status().code() != StatusCode::kNotFound) return jwk.status();
    return Status::not_found("unknown kid " + safe_quote(header.kid));
  }
  return internal::verify_asymmetric(**jwk, header.alg, parts.signing_input, parts.signature);
}

bool allows(const IssuerConfig& issuer, JwtAlg alg) {
  return std::find(issuer.algorithms.begin(), issuer.algorithms.end(), alg) != issuer.algorithms.end();
}

}  // namespace

Status JwtVerifier::add_issuer(IssuerConfig config) {
  std::string who = "issuer \"" + config.issuer + "\": ";
  if (config.issuer.empty()) return Status::invalid_argument("issuer name is empty");
  if (issuers_.count(config.issuer) != 0) return Status::invalid_argument(who + "configured twice");
  if (config.algorithms.empty()) return Status::invalid_argument(who + "no algorithms allowed");
  for (JwtAlg alg : config.algorithms) {
    if (alg == JwtAlg::kHS256 && config.hs256_secret.size() < kMinHs256SecretBytes) {
      return Status::invalid_argument(who + "HS256 needs a shared secret of at least 32 bytes");
    }
    if (alg != JwtAlg::kHS256 && !config.jwks) {
      return Status::invalid_argument(who + std::string(alg_name(alg)) + " needs a JWKS");
    }
  }
  std::string name = config.issuer;
  issuers_.emplace(std::move(name), std::move(config));
  return Status::ok();
}

Result<Principal> JwtVerifier::verify(std::string_view token) const {
  auto parts = split_token(token);
  if (!parts) return parts.status();
  auto header = parse_header(parts->header);
  if (!header) return header.status();
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object payload;
  if (parser.parse(parts->payload.data(), parts->payload.size()).get(payload)) {
    return malformed("payload is not a JSON object");
  }
  DELTA_RETURN_IF_ERROR(internal::check_unique_members(payload, "token payload"));
  std::string_view iss;
  if (payload["iss"].get(iss)) return Status::invalid_argument("token has no iss claim");
  auto it = issuers_.find(iss);
  if (it == issuers_.end()) return Status::invalid_argument("issuer " + safe_quote(iss) + " is not trusted");
  const IssuerConfig& issuer = it->second;
  if (!allows(issuer, header->alg)) {
    return Status::invalid_argument("alg " + std::string(alg_name(header->alg)) +
                                    " is not allowed for issuer " + safe_quote(iss));
  }
  DELTA_RETURN_IF_ERROR(check_signature(issuer, *header, *parts));
  return internal::principal_from_claims(payload, issuer, clock_.now_ms());
}

std::string format_utc(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(epoch_s);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return n == 0 ? std::to_string(epoch_s) : std::string(buf, n);
}

}  // namespace delta::auth
