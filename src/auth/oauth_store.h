// OAuthStore: the OAuth server's short-lived state — pending authorization requests (the login
// page's session), authorization codes, refresh tokens and their families. An interface so that a
// Redis implementation can share it between instances; InMemoryOAuthStore keeps it in process.
//
// Keys are never raw secrets: codes and refresh tokens are stored under their SHA-256 (hex), so a
// dump of the store cannot be replayed. Every record carries its own expiry (ms since the epoch);
// an expired record must behave exactly like an absent one.
//
// What an implementation must guarantee (the security of the flows rests on it):
//   - take_code is an atomic take-once: of any number of concurrent calls for one code, exactly
//     one gets kTaken; later ones get kReused (with the record, so the caller can revoke the
//     family issued from it) for as long as the code's record is kept (at least until its expiry
//     plus kReuseMemoryMs), then kMissing.
//   - rotate_refresh is atomic: check (present, unexpired, client matches, family not revoked,
//     not rotated yet), mark the old token rotated and insert the new one under the same family,
//     all or nothing. Presenting an already rotated token must revoke its family (kReused) and
//     make every token of that family fail from then on.
//   - revoke_family is permanent for the family's lifetime (refresh_token_ttl).
// Redis: MULTI/Lua scripts over keys "code:<hash>", "rt:<hash>", "fam:<id>", "authreq:<id>"
// with PEXPIREAT matching the records' expiries would satisfy this.
// Thread-safe: every method may be called from any I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace delta::auth {

// An /oauth2/authorize request that passed validation, waiting for the user's login.
struct AuthRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string scope;
  std::string code_challenge;         // empty: none (confidential clients only)
  std::string code_challenge_method;  // "S256" or empty
  std::string csrf;                   // the login form's CSRF token, also set as a cookie
  int64_t expires_at_ms = 0;
};

// What a token is issued for: the user (or client) and what they may do.
struct TokenGrant {
  std::string client_id;
  std::string subject;
  std::vector<std::string> roles;
  std::string scope;
  std::string family_id;  // the refresh-token family (one per authorization code)
};

struct AuthCode {
  TokenGrant grant;
  std::string redirect_uri;
  std::string code_challenge;
  std::string code_challenge_method;
  int64_t expires_at_ms = 0;
};

struct RefreshToken {
  TokenGrant grant;
  int64_t expires_at_ms = 0;
};

enum class TakeResult { kTaken, kReused, kMissing };

class OAuthStore {
 public:
  static constexpr int64_t kReuseMemoryMs = 10 * 60'000;

  virtual ~OAuthStore() = default;

  virtual Status put_auth_request(const std::string& id, const AuthRequest& request) = 0;
  // The request, or nullopt when absent or expired. Does not consume it (a wrong password
  // shows the form again).
  virtual std::optional<AuthRequest> get_auth_request(const std::string& id, int64_t now_ms) = 0;
  virtual void erase_auth_request(const std::string& id) = 0;

  virtual Status put_code(const std::string& code_hash, const AuthCode& code) = 0;
  // Atomic take-once (see above). `out` is filled for kTaken and kReused.
  virtual TakeResult take_code(const std::string& code_hash, int64_t now_ms, AuthCode* out) = 0;

  virtual Status put_refresh(const std::string& token_hash, const RefreshToken& token) = 0;
  // Atomic rotation (see above): on kTaken `out` is the old record, and a token with the same
  // TokenGrant (and family) expiring at `new_expires_at_ms` is stored under `new_hash`. `out` is also
  // filled on kReused. kMissing also covers a client mismatch and a revoked family.
  virtual TakeResult rotate_refresh(const std::string& old_hash, const std::string& client_id,
                                    const std::string& new_hash, int64_t new_expires_at_ms, int64_t now_ms,
                                    RefreshToken* out) = 0;
  virtual void revoke_family(const std::string& family_id, int64_t until_ms) = 0;
  virtual bool family_revoked(const std::string& family_id, int64_t now_ms) = 0;
};

// In-process store: one mutex, records evicted by expiry on a sweep every 64 writes.
class InMemoryOAuthStore final : public OAuthStore {
 public:
  // Pending logins are anonymous (GET /oauth2/authorize makes one), so they are capped: past
  // this many unexpired ones, put_auth_request answers kResourceExhausted.
  static constexpr size_t kMaxPendingRequests = 100'000;

  // `clock` (for sweeps) must outlive the store.
  explicit InMemoryOAuthStore(const Clock& clock) : clock_(clock) {}
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

  // Records held, for tests of eviction.
  size_t size();

 private:
  struct CodeEntry {
    AuthCode code;
    bool used = false;
  };
  struct RefreshEntry {
    RefreshToken token;
    bool rotated = false;
  };
  void maybe_sweep_locked();

  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, AuthRequest> requests_;
  std::map<std::string, CodeEntry> codes_;
  std::map<std::string, RefreshEntry> refresh_;
  std::map<std::string, int64_t> revoked_families_;  // family -> until
  uint64_t writes_ = 0;
};

}  // namespace delta::auth
