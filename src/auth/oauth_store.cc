#include "auth/oauth_store.h"

namespace delta::auth {

Status InMemoryOAuthStore::put_auth_request(const std::string& id, const AuthRequest& request) {
  std::lock_guard lock(mu_);
  maybe_sweep_locked();
  if (requests_.size() >= kMaxPendingRequests) {
    int64_t now = clock_.now_ms();
    std::erase_if(requests_, [&](const auto& kv) { return kv.second.expires_at_ms <= now; });
    if (requests_.size() >= kMaxPendingRequests) return Status::resource_exhausted("too many pending logins");
  }
  requests_[id] = request;
  return Status::ok();
}

std::optional<AuthRequest> InMemoryOAuthStore::get_auth_request(const std::string& id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = requests_.find(id);
  if (it == requests_.end() || it->second.expires_at_ms <= now_ms) return std::nullopt;
  return it->second;
}

void InMemoryOAuthStore::erase_auth_request(const std::string& id) {
  std::lock_guard lock(mu_);
  requests_.erase(id);
}

Status InMemoryOAuthStore::put_code(const std::string& code_hash, const AuthCode& code) {
  std::lock_guard lock(mu_);
  maybe_sweep_locked();
  if (!codes_.emplace(code_hash, CodeEntry{code, false}).second) return Status::already_exists("code");
  return Status::ok();
}

TakeResult InMemoryOAuthStore::take_code(const std::string& code_hash, int64_t now_ms, AuthCode* out) {
  std::lock_guard lock(mu_);
  auto it = codes_.find(code_hash);
  if (it == codes_.end()) return TakeResult::kMissing;
  CodeEntry& e = it->second;
  if (e.used) {
    if (now_ms >= e.code.expires_at_ms + kReuseMemoryMs) return TakeResult::kMissing;
    *out = e.code;
    return TakeResult::kReused;
  }
  if (e.code.expires_at_ms <= now_ms) return TakeResult::kMissing;
  e.used = true;
  *out = e.code;
  return TakeResult::kTaken;
}

Status InMemoryOAuthStore::put_refresh(const std::string& token_hash, const RefreshToken& token) {
  std::lock_guard lock(mu_);
  maybe_sweep_locked();
  if (!refresh_.emplace(token_hash, RefreshEntry{token, false}).second)
    return Status::already_exists("token");
  return Status::ok();
}

TakeResult InMemoryOAuthStore::rotate_refresh(const std::string& old_hash, const std::string& client_id,
                                              const std::string& new_hash, int64_t new_expires_at_ms,
                                              int64_t now_ms, RefreshToken* out) {
  std::lock_guard lock(mu_);
  auto it = refresh_.find(old_hash);
  if (it == refresh_.end() || it->second.token.expires_at_ms <= now_ms) return TakeResult::kMissing;
  RefreshEntry& e = it->second;
  const std::string& family = e.token.grant.family_id;
  if (e.token.grant.client_id != client_id) return TakeResult::kMissing;
  auto revoked = revoked_families_.find(family);
  if (revoked != revoked_families_.end() && revoked->second > now_ms) return TakeResult::kMissing;
  *out = e.token;
  if (e.rotated) {
    revoked_families_[family] = e.token.expires_at_ms;
    return TakeResult::kReused;
  }
  e.rotated = true;
  RefreshToken next{e.token.grant, new_expires_at_ms};
  refresh_.insert_or_assign(new_hash, RefreshEntry{std::move(next), false});
  return TakeResult::kTaken;
}

void InMemoryOAuthStore::revoke_family(const std::string& family_id, int64_t until_ms) {
  std::lock_guard lock(mu_);
  int64_t& until = revoked_families_[family_id];
  until = std::max(until, until_ms);
}

bool InMemoryOAuthStore::family_revoked(const std::string& family_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = revoked_families_.find(family_id);
  return it != revoked_families_.end() && it->second > now_ms;
}

size_t InMemoryOAuthStore::size() {
  std::lock_guard lock(mu_);
  return requests_.size() + codes_.size() + refresh_.size() + revoked_families_.size();
}

void InMemoryOAuthStore::maybe_sweep_locked() {
  if (++writes_ % 64 != 0) return;
  int64_t now = clock_.now_ms();
  std::erase_if(requests_, [&](const auto& kv) { return kv.second.expires_at_ms <= now; });
  std::erase_if(codes_, [&](const auto& kv) { return kv.second.code.expires_at_ms + kReuseMemoryMs <= now; });
  std::erase_if(refresh_, [&](const auto& kv) { return kv.second.token.expires_at_ms <= now; });
  std::erase_if(revoked_families_, [&](const auto& kv) { return kv.second <= now; });
}

}  // namespace delta::auth
