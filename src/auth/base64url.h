// base64url (RFC 4648 section 5) as JWS/JWK and PKCE use it: no padding, no line breaks.
//
// Strict decoding, so that one token has exactly one spelling: the alphabet is [A-Za-z0-9-_] only;
// '=' padding is always refused (JWS forbids it, RFC 7515 section 2); a length of 1 mod 4 is
// refused; the unused low bits of the last character must be zero (no second spelling of the same
// bytes). Free functions without state; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace delta::auth {

std::string base64url_encode(std::string_view bytes);
// kInvalidArgument naming the first bad character's position, or the bad length.
Result<std::string> base64url_decode(std::string_view text);

}  // namespace delta::auth
