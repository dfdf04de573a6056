// Percent-encoding (RFC 3986 section 2.1) for URL query values and paths: every byte but the
// unreserved ones (A-Z a-z 0-9 - . _ ~) becomes %XX with upper-case hex, which is also what AWS
// Signature Version 4 requires. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace delta {

// With `keep_slash`, '/' is kept as is (a path); otherwise it is encoded too (a query value).
std::string percent_encode(std::string_view text, bool keep_slash = false);

}  // namespace delta
