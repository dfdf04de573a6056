// Shared pieces of the gateway tests: the config, API keys made with `delta keys create`, and
// requests with credentials.
#pragma once

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace delta::testing {

inline constexpr const char* kStreams = R"(streams:
  orders:
    partitions: 2
    schema: {n: int64}
  payments:
    schema: {n: int64}
)";

// Authentication on, with a custom role that may only read `orders`.
inline constexpr const char* kAuthRoles = R"(auth:
  roles:
    orders-reader: {grants: [{permission: consume, pattern: orders}]}
)";

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
}

// A new key with `role` in the process's key file (before or while it runs).
inline std::string create_key(const DeltaProcess& d, const std::string& role) {
  CommandResult r = run_delta({"keys", "create", "-c", d.config_path(), "--role", role});
  return r.exit_code == 0 ? trim(r.out) : "(keys create failed: " + r.err + ")";
}

// POSTs `events` NDJSON events to `stream` with the extra `headers`.
inline HttpResult post_events(const DeltaProcess& d, const std::string& stream,
                              std::vector<std::string> headers, int events) {
  std::string body;
  for (int i = 0; i < events; ++i) body += "{\"n\":" + std::to_string(i) + "}\n";
  headers.push_back("Content-Type: application/x-ndjson");
  return http_request("POST", d.url("/v1/streams/" + stream + "/events"), headers, body);
}

// Posts one event until the answer is `status` (bounded: 15 s). For changes that reach the
// server asynchronously (key file reload, JWKS refetch).
inline bool poll_status(const DeltaProcess& d, const std::string& stream,
                        const std::vector<std::string>& headers, long status) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (post_events(d, stream, headers, 1).status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling a bounded wait, not syncing
  }
  return false;
}

}  // namespace delta::testing
