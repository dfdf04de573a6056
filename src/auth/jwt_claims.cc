// Claims checks of JwtVerifier (step 6 in jwt.h) and the Principal they produce.
#include <cmath>
#include <optional>

#include "auth/jwt_internal.h"

namespace delta::auth::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxMembers = 256;

bool present(object obj, std::string_view name) { return obj[name].error() != simdjson::NO_SUCH_FIELD; }

// A NumericDate (RFC 7519 section 2): seconds since the epoch, integer or fractional.
Result<std::optional<int64_t>> numeric_date(object payload, std::string_view name) {
  if (!present(payload, name)) return std::optional<int64_t>();
  element e = payload[name].value_unsafe();
  int64_t i;
  double d;
  if (!e.get(i)) return std::optional<int64_t>(i);
  if (!e.get(d) && std::isfinite(d) && std::fabs(d) < 1e15) return std::optional<int64_t>(std::floor(d));
  return Status::invalid_argument("claim " + std::string(name) + " is not a NumericDate");
}

std::string times(int64_t now_ms, int64_t skew_s) {
  return "(now " + format_utc(now_ms / 1000) + ", skew " + std::to_string(skew_s) + "s)";
}

Status check_times(object payload, int64_t now_ms, int64_t skew_s) {
  auto exp = numeric_date(payload, "exp");
  if (!exp) return exp.status();
  if (!*exp) return Status::invalid_argument("token has no exp claim");
  int64_t skew_ms = skew_s * 1000;
  if (now_ms >= **exp * 1000 + skew_ms) {
    return Status::invalid_argument("token expired at " + format_utc(**exp) + " " + times(now_ms, skew_s));
  }
  auto nbf = numeric_date(payload, "nbf");
  if (!nbf) return nbf.status();
  if (*nbf && **nbf * 1000 > now_ms + skew_ms) {
    return Status::invalid_argument("token not valid before " + format_utc(**nbf) + " " +
                                    times(now_ms, skew_s));
  }
  auto iat = numeric_date(payload, "iat");
  if (!iat) return iat.status();
  if (*iat && **iat * 1000 > now_ms + skew_ms) {
    return Status::invalid_argument("token issued in the future at " + format_utc(**iat) + " " +
                                    times(now_ms, skew_s));
  }
  return Status::ok();
}

bool accepted(const IssuerConfig& issuer, std::string_view aud) {
  for (const std::string& a : issuer.audiences) {
    if (a == aud) return true;
  }
  return false;
}

Status check_audience(object payload, const IssuerConfig& issuer) {
  if (issuer.audiences.empty()) return Status::ok();
  if (!present(payload, "aud")) return Status::invalid_argument("token has no aud claim");
  element aud = payload["aud"].value_unsafe();
  std::string_view one;
  if (!aud.get(one)) {
    if (accepted(issuer, one)) return Status::ok();
    return Status::invalid_argument("audience " + safe_quote(one) + " not accepted");
  }
  simdjson::dom::array many;
  if (aud.get(many)) return Status::invalid_argument("claim aud is not a string or an array");
  std::string listed;
  for (element e : many) {
    if (e.get(one)) return Status::invalid_argument("claim aud has a non-string member");
    if (accepted(issuer, one)) return Status::ok();
    listed += (listed.empty() ? "" : ", ") + safe_quote(one);
  }
  return Status::invalid_argument("audience " + (listed.empty() ? std::string("[]") : listed) +
                                  " not accepted");
}

Result<std::vector<std::string>> roles_of(object payload, const IssuerConfig& issuer) {
  std::vector<std::string> roles;
  if (present(payload, issuer.roles_claim)) {
    simdjson::dom::array arr;
    if (payload[issuer.roles_claim].get(arr)) {
      return Status::invalid_argument("claim " + issuer.roles_claim + " is not an array of strings");
    }
    for (element e : arr) {
      std::string_view role;
      if (e.get(role))
        return Status::invalid_argument("claim " + issuer.roles_claim + " has a non-string member");
      roles.emplace_back(role);
    }
    return roles;
  }
  std::string_view scope;
  if (payload["scope"].get(scope)) return roles;
  size_t pos = 0;
  while (pos < scope.size()) {
    size_t end = std::min(scope.find(' ', pos), scope.size());
    if (end > pos) roles.emplace_back(scope.substr(pos, end - pos));
    pos = end + 1;
  }
  return roles;
}

std::string optional_string(object obj, std::string_view name) {
  std::string_view s;
  return obj[name].get(s) ? std::string() : std::string(s);
}

}  // namespace

std::string safe_quote(std::string_view untrusted) {
  std::string out = "\"";
  for (size_t i = 0; i < untrusted.size() && i < 64; ++i) {
    char c = untrusted[i];
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  }
  if (untrusted.size() > 64) out += "...";
  return out + "\"";
}

Status check_unique_members(object obj, std::string_view what) {
  if (obj.size() > kMaxMembers) return Status::invalid_argument(std::string(what) + " has too many members");
  for (auto a = obj.begin(); a != obj.end(); ++a) {
    auto b = a;
    for (++b; b != obj.end(); ++b) {
      if (a.key() == b.key()) {
        return Status::invalid_argument(std::string(what) + " has duplicate member " + safe_quote(a.key()));
      }
    }
  }
  return Status::ok();
}

Result<Principal> principal_from_claims(object payload, const IssuerConfig& issuer, int64_t now_ms) {
  DELTA_RETURN_IF_ERROR(check_times(payload, now_ms, issuer.clock_skew_s));
  DELTA_RETURN_IF_ERROR(check_audience(payload, issuer));
  auto roles = roles_of(payload, issuer);
  if (!roles) return roles.status();
  Principal p;
  p.issuer = issuer.issuer;
  p.client_id = optional_string(payload, "client_id");
  if (p.client_id.empty()) p.client_id = optional_string(payload, "azp");
  p.subject = optional_string(payload, "sub");
  if (p.subject.empty()) p.subject = p.client_id;
  if (p.subject.empty()) return Status::invalid_argument("token has no sub or client_id claim");
  p.roles = std::move(roles).value();
  p.expires_at_ms = numeric_date(payload, "exp").value().value_or(0) * 1000;
  return p;
}

}  // namespace delta::auth::internal
