// Helpers shared by oauth_server.cc and oauth_token.cc; not part of the auth API.
#pragma once

#include <string>
#include <string_view>

namespace delta::auth::oauth_internal {

// `s` as a JSON string literal, quotes included; control characters escaped.
std::string json_string(std::string_view s);
// Percent-encoding for a URL query component (RFC 3986 unreserved characters kept).
// Lowercase hex SHA-256: how codes and refresh tokens are keyed in the store.
std::string hash_key(std::string_view secret);
// `base` + '?' or '&' + `params` (already encoded).
std::string append_query(const std::string& base, const std::string& params);

}  // namespace delta::auth::oauth_internal
