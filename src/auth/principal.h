// Principal: who is calling, as established by a verified JWT or an API key. A plain value, made
// by the verifiers in this folder and read by RBAC and the rate limiter; it holds no secret.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace delta::auth {

struct Principal {
  std::string subject;             // JWT `sub`, or "apikey:<id>" for an API key
  std::string issuer;              // JWT `iss`, or "delta-apikey"
  std::vector<std::string> roles;  // role names resolved by Rbac
  std::string client_id;           // JWT `client_id` (or `azp`), or the API key id
  int64_t expires_at_ms = 0;       // JWT `exp` in ms since the epoch; 0 for API keys (no expiry)
};

}  // namespace delta::auth
