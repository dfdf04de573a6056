// RedisOAuthStore: the OAuthStore (oauth_store.h) in Redis, so every Delta instance behind one load
// balancer shares pending logins, authorization codes and refresh-token families (the original
// architecture's "session storage" role). Chosen when auth.redis_url is set.
//
// Layout: hashes "delta:oauth:authreq:<id>", "delta:oauth:code:<sha256>", "delta:oauth:rt:<sha256>"
// (one field per record member; roles joined by '\n'), and strings "delta:oauth:fam:<id>" holding
// the time until which a family is revoked. Every key expires with its record (PEXPIREAT), codes
// kReuseMemoryMs later so a replay is still recognised. The take-once of a code, the rotation of
// a refresh token (with reuse detection revoking the family) and the creation of a record that
// must not exist yet are each one Lua script, so they are atomic across instances. (The scripts
// compute the family key themselves: fine for a single Redis or a primary with replicas, not for
// Redis Cluster.)
//
// Failure policy: fail closed. When Redis cannot be reached, puts return kUnavailable, a code or
// refresh token is not accepted (kMissing), a family counts as revoked, and the error is logged;
// the OAuth server then answers its callers with an error instead of issuing tokens it could not
// record.
//
// Threads: every method is safe from any thread (RedisClient's pool).
#pragma once

#include <memory>
#include <string>

#include "auth/oauth_store.h"
#include "auth/redis_client.h"

namespace delta::auth {

class RedisOAuthStore final : public OAuthStore {
 public:
  explicit RedisOAuthStore(std::unique_ptr<RedisClient> redis) : redis_(std::move(redis)) {}

  Status put_auth_request(const std::string& id, const AuthRequest& request) override;
  std::optional<AuthRequest> get_auth_request(const std::string& id, int64_t now_ms) override;
  void erase_auth_request(const std::string& id) override;
  Status put_code(const std::string& code_hash, const AuthCode& code) override;
  TakeResult take_code(const std::string& code_hash, int64_t now_ms, AuthCode* out) override;
  Status put_refresh(const std::string& token_hash, const RefreshToken& token) override;
  TakeResult rotate_refresh(const std::string& old_hash, const std::string& client_id,
                            const std::string& new_hash, int64_t new_expires_at_ms, int64_t now_ms,
                            RefreshToken* out) override;
  void revoke_family(const std::string& family_id, int64_t until_ms) override;
  bool family_revoked(const std::string& family_id, int64_t now_ms) override;

 private:
  Status put(const std::string& key, int64_t expire_at_ms, bool must_be_new, std::vector<std::string> fields);

  std::unique_ptr<RedisClient> redis_;
};

}  // namespace delta::auth
