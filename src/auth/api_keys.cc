#include "auth/api_keys.h"

#include "auth/digest.h"
#include "auth/password.h"
#include "obs/logger.h"

namespace delta::auth {
namespace {

constexpr std::string_view kKeyPrefix = "dk_";
constexpr size_t kKeyRandomChars = 32;
constexpr size_t kIdRandomChars = 12;
constexpr size_t kMaxNameBytes = 200;

Status invalid_key() { return Status::invalid_argument("API key is not valid"); }

}  // namespace

Result<CreatedApiKey> ApiKeyStore::create(std::vector<std::string> roles, std::string name) {
  if (roles.empty()) return Status::invalid_argument("an API key needs at least one role");
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Status::invalid_argument("an API key name must have 1 to 200 bytes");
  }
  CreatedApiKey created{"key_" + random_base62(kIdRandomChars),
                        std::string(kKeyPrefix) + random_base62(kKeyRandomChars)};
  ApiKeyInfo info{created.id, std::move(name), std::move(roles), clock_.now_ms(), false, sha256(created.key)};
  obs::info("auth.apikeys", "API key created", {{"key.id", info.id}, {"key.name", info.name}});
  std::lock_guard lock(mu_);
  by_prefix_.emplace(index_of(info.digest), std::move(info));
  return created;
}

Result<Principal> ApiKeyStore::lookup(std::string_view key) const {
  if (key.size() != kKeyPrefix.size() + kKeyRandomChars || key.substr(0, kKeyPrefix.size()) != kKeyPrefix) {
    return invalid_key();
  }
  std::string digest = sha256(key);
  std::lock_guard lock(mu_);
  auto [begin, end] = by_prefix_.equal_range(index_of(digest));
  for (auto it = begin; it != end; ++it) {
    const ApiKeyInfo& info = it->second;
    if (!constant_time_equal(info.digest, digest)) continue;
    if (info.revoked) return Status::invalid_argument("API key " + info.id + " is revoked");
    return Principal{"apikey:" + info.id, std::string(kIssuer), info.roles, info.id, 0};
  }
  return invalid_key();
}

Status ApiKeyStore::revoke(std::string_view id) {
  std::lock_guard lock(mu_);
  for (auto& [prefix, info] : by_prefix_) {
    if (info.id != id) continue;
    info.revoked = true;
    obs::info("auth.apikeys", "API key revoked", {{"key.id", info.id}, {"key.name", info.name}});
    return Status::ok();
  }
  return Status::not_found("no API key with id \"" + std::string(id) + "\"");
}

std::vector<ApiKeyInfo> ApiKeyStore::list() const {
  std::lock_guard lock(mu_);
  std::vector<ApiKeyInfo> out;
  for (const auto& [prefix, info] : by_prefix_) out.push_back(info);
  return out;
}

Status ApiKeyStore::save(const std::string& path) const {
  std::lock_guard save_lock(save_mu_);
  std::string json = serialize_api_keys(list());
  return write_file_atomic(path, json);
}

}  // namespace delta::auth
