#include "auth/audit.h"

#include "obs/logger.h"

namespace delta::auth {

void audit(std::string_view action, std::string_view principal, std::string_view client_ip,
           std::string_view result, std::string_view reason) {
  std::string_view who = principal.empty() ? std::string_view("-") : principal;
  std::string_view ip = client_ip.empty() ? std::string_view("-") : client_ip;
  obs::Level level = result == "success" ? obs::Level::kInfo : obs::Level::kWarn;
  if (reason.empty()) {
    obs::log(level, "audit", action,
             {{"event.action", action}, {"event.outcome", result}, {"user.name", who}, {"client.ip", ip}});
    return;
  }
  obs::log(level, "audit", action,
           {{"event.action", action},
            {"event.outcome", result},
            {"user.name", who},
            {"client.ip", ip},
            {"event.reason", reason}});
}

bool AuditSampler::should_log(std::string_view principal, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = last_ms_.find(std::string(principal));
  if (it != last_ms_.end()) {
    if (now_ms - it->second < interval_ms_) return false;
    it->second = now_ms;
    return true;
  }
  if (last_ms_.size() >= max_principals_) last_ms_.clear();
  last_ms_.emplace(principal, now_ms);
  return true;
}

}  // namespace delta::auth
