#include "auth/redis_oauth_store.h"

#include <charconv>
#include <map>

#include "obs/logger.h"

namespace delta::auth {
namespace {

constexpr std::string_view kAuthReqPrefix = "delta:oauth:authreq:";
constexpr std::string_view kCodePrefix = "delta:oauth:code:";
constexpr std::string_view kRefreshPrefix = "delta:oauth:rt:";
constexpr std::string_view kFamilyPrefix = "delta:oauth:fam:";

// KEYS[1]; ARGV[1] PEXPIREAT ms, ARGV[2] "1": refuse when the key exists, ARGV[3..] field, value...
constexpr std::string_view kPutScript = R"lua(
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
)lua";

// KEYS[1] code; ARGV[1] now ms, ARGV[2] reuse memory ms. {0} missing, {1, record} taken, {2, record} reused.
constexpr std::string_view kTakeCodeScript = R"lua(
local exp = tonumber(redis.call('HGET', KEYS[1], 'expires_at_ms'))
if exp == nil then return {0} end
local now = tonumber(ARGV[1])
if redis.call('HGET', KEYS[1], 'used') == '1' then
  if now >= exp + tonumber(ARGV[2]) then return {0} end
  return {2, redis.call('HGETALL', KEYS[1])}
end
if exp <= now then return {0} end
redis.call('HSET', KEYS[1], 'used', '1')
return {1, redis.call('HGETALL', KEYS[1])}
)lua";

// KEYS[1] old token, KEYS[2] new token; ARGV[1] client id, ARGV[2] new expiry, ARGV[3] now,
// ARGV[4] family key prefix. Same results as take-code; reuse revokes the family.
constexpr std::string_view kRotateScript = R"lua(
local now = tonumber(ARGV[3])
local exp = tonumber(redis.call('HGET', KEYS[1], 'expires_at_ms'))
if exp == nil or exp <= now then return {0} end
if redis.call('HGET', KEYS[1], 'client_id') ~= ARGV[1] then return {0} end
local fkey = ARGV[4] .. redis.call('HGET', KEYS[1], 'family_id')
local revoked = tonumber(redis.call('GET', fkey))
if revoked ~= nil and revoked > now then return {0} end
local record = redis.call('HGETALL', KEYS[1])
if redis.call('HGET', KEYS[1], 'rotated') == '1' then
  redis.call('SET', fkey, tostring(exp), 'PXAT', exp)
  return {2, record}
end
redis.call('HSET', KEYS[1], 'rotated', '1')
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(record))
redis.call('HSET', KEYS[2], 'rotated', '0', 'expires_at_ms', ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return {1, record}
)lua";

// KEYS[1] family; ARGV[1] until ms (kept at the later of the old and new values).
constexpr std::string_view kRevokeScript = R"lua(
local u = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur ~= nil and cur > u then u = cur end
redis.call('SET', KEYS[1], tostring(u), 'PXAT', u)
return 1
)lua";

using Fields = std::map<std::string, std::string, std::less<>>;

std::string join_roles(const std::vector<std::string>& roles) {
  std::string out;
  for (const std::string& r : roles) out += (out.empty() ? "" : "\n") + r;
  return out;
}

std::vector<std::string> split_roles(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    out.emplace_back(s.substr(0, nl));
    s = nl == std::string_view::npos ? std::string_view() : s.substr(nl + 1);
  }
  return out;
}

int64_t to_int(const std::string& s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

Fields to_fields(const RedisReply& array) {
  Fields f;
  for (size_t i = 0; i + 1 < array.elements.size(); i += 2)
    f[array.elements[i].str] = array.elements[i + 1].str;
  return f;
}

void append_grant(const TokenGrant& g, std::vector<std::string>* out) {
  out->insert(out->end(), {"client_id", g.client_id, "subject", g.subject, "roles", join_roles(g.roles),
                           "scope", g.scope, "family_id", g.family_id});
}

TokenGrant grant_of(Fields& f) {
  return TokenGrant{f["client_id"], f["subject"], split_roles(f["roles"]), f["scope"], f["family_id"]};
}

// Maps a script's {code, record} reply; logs and fails closed when Redis could not answer.
TakeResult take_result(const Result<RedisReply>& r, std::string_view what, Fields* record) {
  if (!r.is_ok() || r->type != RedisReply::Type::kArray || r->elements.empty()) {
    obs::error("auth.oauth_store", "redis failed; refusing",
               {{"operation", what}, {"error", r.is_ok() ? r->str : r.status().message()}});
    return TakeResult::kMissing;
  }
  int64_t code = r->elements[0].integer;
  if (code == 0 || r->elements.size() < 2) return TakeResult::kMissing;
  *record = to_fields(r->elements[1]);
  return code == 1 ? TakeResult::kTaken : TakeResult::kReused;
}

}  // namespace

Status RedisOAuthStore::put(const std::string& key, int64_t expire_at_ms, bool must_be_new,
                            std::vector<std::string> fields) {
  std::vector<std::string> args = {std::to_string(expire_at_ms), must_be_new ? "1" : "0"};
  args.insert(args.end(), std::make_move_iterator(fields.begin()), std::make_move_iterator(fields.end()));
  Result<RedisReply> r = redis_->eval(kPutScript, {key}, args);
  if (!r.is_ok()) return r.status();
  if (r->type == RedisReply::Type::kError) return Status::unavailable("redis: " + r->str);
  if (r->integer == 0) return Status::already_exists("record exists");
  return Status::ok();
}

Status RedisOAuthStore::put_auth_request(const std::string& id, const AuthRequest& q) {
  return put(std::string(kAuthReqPrefix) + id, q.expires_at_ms, false,
             {"client_id", q.client_id, "redirect_uri", q.redirect_uri, "state", q.state, "scope", q.scope,
              "code_challenge", q.code_challenge, "code_challenge_method", q.code_challenge_method, "csrf",
              q.csrf, "expires_at_ms", std::to_string(q.expires_at_ms)});
}

std::optional<AuthRequest> RedisOAuthStore::get_auth_request(const std::string& id, int64_t now_ms) {
  Result<RedisReply> r = redis_->command({"HGETALL", std::string(kAuthReqPrefix) + id});
  if (!r.is_ok() || r->type != RedisReply::Type::kArray || r->elements.empty()) return std::nullopt;
  Fields f = to_fields(*r);
  AuthRequest q{f["client_id"],      f["redirect_uri"],          f["state"], f["scope"],
                f["code_challenge"], f["code_challenge_method"], f["csrf"],  to_int(f["expires_at_ms"])};
  if (q.expires_at_ms <= now_ms) return std::nullopt;
  return q;
}

void RedisOAuthStore::erase_auth_request(const std::string& id) {
  Result<RedisReply> r = redis_->command({"DEL", std::string(kAuthReqPrefix) + id});
  if (!r.is_ok()) obs::warn("auth.oauth_store", "redis DEL failed", {{"error", r.status().message()}});
}

Status RedisOAuthStore::put_code(const std::string& code_hash, const AuthCode& code) {
  std::vector<std::string> fields;
  append_grant(code.grant, &fields);
  fields.insert(fields.end(), {"redirect_uri", code.redirect_uri, "code_challenge", code.code_challenge,
                               "code_challenge_method", code.code_challenge_method, "expires_at_ms",
                               std::to_string(code.expires_at_ms), "used", "0"});
  return put(std::string(kCodePrefix) + code_hash, code.expires_at_ms + kReuseMemoryMs, true,
             std::move(fields));
}

TakeResult RedisOAuthStore::take_code(const std::string& code_hash, int64_t now_ms, AuthCode* out) {
  Result<RedisReply> r = redis_->eval(kTakeCodeScript, {std::string(kCodePrefix) + code_hash},
                                      {std::to_string(now_ms), std::to_string(kReuseMemoryMs)});
  Fields f;
  TakeResult result = take_result(r, "take_code", &f);
  if (result == TakeResult::kMissing) return result;
  *out = AuthCode{grant_of(f), f["redirect_uri"], f["code_challenge"], f["code_challenge_method"],
                  to_int(f["expires_at_ms"])};
  return result;
}

Status RedisOAuthStore::put_refresh(const std::string& token_hash, const RefreshToken& token) {
  std::vector<std::string> fields;
  append_grant(token.grant, &fields);
  fields.insert(fields.end(), {"expires_at_ms", std::to_string(token.expires_at_ms), "rotated", "0"});
  return put(std::string(kRefreshPrefix) + token_hash, token.expires_at_ms, true, std::move(fields));
}

TakeResult RedisOAuthStore::rotate_refresh(const std::string& old_hash, const std::string& client_id,
                                           const std::string& new_hash, int64_t new_expires_at_ms,
                                           int64_t now_ms, RefreshToken* out) {
  Result<RedisReply> r = redis_->eval(
      kRotateScript, {std::string(kRefreshPrefix) + old_hash, std::string(kRefreshPrefix) + new_hash},
      {client_id, std::to_string(new_expires_at_ms), std::to_string(now_ms), std::string(kFamilyPrefix)});
  Fields f;
  TakeResult result = take_result(r, "rotate_refresh", &f);
  if (result == TakeResult::kMissing) return result;
  *out = RefreshToken{grant_of(f), to_int(f["expires_at_ms"])};
  return result;
}

void RedisOAuthStore::revoke_family(const std::string& family_id, int64_t until_ms) {
  Result<RedisReply> r =
      redis_->eval(kRevokeScript, {std::string(kFamilyPrefix) + family_id}, {std::to_string(until_ms)});
  if (!r.is_ok() || r->type == RedisReply::Type::kError) {
    obs::error("auth.oauth_store", "redis failed to revoke a token family",
               {{"family", family_id}, {"error", r.is_ok() ? r->str : r.status().message()}});
  }
}

bool RedisOAuthStore::family_revoked(const std::string& family_id, int64_t now_ms) {
  Result<RedisReply> r = redis_->command({"GET", std::string(kFamilyPrefix) + family_id});
  if (!r.is_ok()) return true;  // fail closed
  return r->type == RedisReply::Type::kString && to_int(r->str) > now_ms;
}

}  // namespace delta::auth
