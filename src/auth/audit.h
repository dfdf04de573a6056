// Audit log (issue 8, item 6): one JSON line per security-relevant action — authentication
// failures and (sampled) successes, token issuance, API key creation and revocation, admin actions.
//
// Lines go through the obs logger with logger "audit" (so they are stdout JSON lines with ECS
// names, filterable by `log.logger`), with fields event.action, event.outcome, user.name (the
// principal's subject, or "-"), client.ip and an optional reason. Callers must never pass a
// secret or a token: principal ids, key ids and client ids only. Reasons come from the verifiers,
// which already never quote a credential.
//
// AuditSampler decides which authentication successes are logged: the first for each principal,
// then at most one per principal per interval, so a producer sending a million events a second
// adds one line a minute, not a line per request.
//
// Threads: audit() is safe from any thread (one write(2) per line). AuditSampler has a mutex,
// held for one hash-map lookup per successful authentication.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace delta::auth {

// action: e.g. "authenticate", "token.issue", "apikey.create", "apikey.revoke", "dlq.replay";
// result: "success" or "failure"; reason: why it failed (empty: none).
void audit(std::string_view action, std::string_view principal, std::string_view client_ip,
           std::string_view result, std::string_view reason = {});

class AuditSampler {
 public:
  explicit AuditSampler(int64_t interval_ms = 60'000, size_t max_principals = 10'000)
      : interval_ms_(interval_ms), max_principals_(max_principals) {}

  // True when this success of `principal` at `now_ms` should be written.
  bool should_log(std::string_view principal, int64_t now_ms);

 private:
  const int64_t interval_ms_;
  const size_t max_principals_;
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> last_ms_;  // guarded by mu_; cleared when full
};

}  // namespace delta::auth
