// The top-level `auth` section of pipeline.yaml (issue 8): `auth: none`, or a mapping of the
// gateway's settings. See README.md, "Authentication". Secrets (client secrets) are hashed with
// Argon2id as they are read and never echoed in an error.
#include <sodium.h>

#include <algorithm>

#include "config/sections.h"

namespace delta::config::internal {
namespace {

constexpr std::string_view kAuthKeys[] = {
    "issuer",      "audience",      "clients",   "users",      "jwks_issuers",     "roles",
    "rate_limits", "api_keys_file", "redis_url", "clock_skew", "access_token_ttl", "refresh_token_ttl",
    "tls_clients"};
constexpr std::string_view kClientKeys[] = {"secret",        "secret_hash", "public",
                                            "redirect_uris", "grants",      "roles"};
constexpr std::string_view kUserKeys[] = {"password_hash", "roles"};
constexpr std::string_view kIssuerKeys[] = {"issuer", "jwks_url", "audience", "algorithms", "roles_claim"};
constexpr std::string_view kRoleKeys[] = {"grants"};
constexpr std::string_view kGrantKeys[] = {"permission", "pattern"};
constexpr std::string_view kLimitKeys[] = {"events_per_second", "requests_per_second", "burst"};
constexpr std::string_view kBuiltinRoles[] = {"producer", "analyst", "admin"};
constexpr std::string_view kPermissions[] = {"produce", "consume", "query", "admin"};
constexpr std::string_view kAlgorithms[] = {"RS256", "ES256", "EdDSA", "HS256"};
constexpr std::string_view kGrantTypes[] = {"authorization_code", "client_credentials", "refresh_token"};
constexpr int64_t kSecond = 1000;
constexpr int64_t kDay = 86'400 * kSecond;
constexpr int64_t kMaxRate = 1'000'000'000;

bool one_of(std::span<const std::string_view> set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

std::string list_text(std::span<const std::string_view> set) {
  std::string out;
  for (std::string_view s : set) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

// A YAML list, each item read by `fn` with its own path ("auth.clients.x.roles[1]").
Status each_item(const Reader& r, const Value& v, const std::function<Status(const Value&)>& fn) {
  if (!v.node.IsSequence()) return r.expected(v, "a list", node_kind(v.node));
  for (size_t i = 0; i < v.node.size(); ++i) {
    YAML::Node item = v.node[i];
    DELTA_RETURN_IF_ERROR(fn(Value{item, item.Mark(), v.path + "[" + std::to_string(i) + "]"}));
  }
  return Status::ok();
}

// A list of strings, each one of `allowed` when that is non-empty.
Status read_strings(const Reader& r, const Value& v, std::vector<std::string>* out,
                    std::span<const std::string_view> allowed = {}) {
  return each_item(r, v, [&](const Value& item) -> Status {
    Result<std::string> s = r.text(item);
    if (!s) return s.status();
    if (!allowed.empty() && !one_of(allowed, *s))
      return r.expected(item, "one of: " + list_text(allowed), "\"" + *s + "\"");
    out->push_back(std::move(*s));
    return Status::ok();
  });
}

Status read_string(const Reader& r, const Value& v, std::string* out) {
  Result<std::string> s = r.text(v);
  if (!s) return s.status();
  *out = std::move(*s);
  return Status::ok();
}

// A URL with http:// or https://; plain http only to a loopback host (tests, a local IdP).
Status read_url(const Reader& r, const Value& v, std::string* out, bool allow_http_loopback) {
  DELTA_RETURN_IF_ERROR(read_string(r, v, out));
  std::string_view u = *out;
  if (u.starts_with("https://") && u.size() > 8) return Status::ok();
  bool loopback =
      u.starts_with("http://127.") || u.starts_with("http://localhost") || u.starts_with("http://[::1]");
  if (allow_http_loopback && loopback) return Status::ok();
  return r.expected(v, allow_http_loopback ? "an https:// URL (http:// only to a loopback host)" : "a URL",
                    "\"" + *out + "\"");
}

// Argon2id of a client secret; the secret is never part of an error.
Status hash_secret(const Reader& r, const Value& v, OAuthClientConfig* c) {
  Result<Scalar> s = r.scalar(v, "a secret of at least 16 bytes");
  if (!s) return s.status();
  if (s->text.size() < 16) {
    std::string source = s->vars.empty() ? "a literal secret" : s->describe();
    return r.expected(v, "a secret of at least 16 bytes",
                      source + " of " + std::to_string(s->text.size()) + " bytes");
  }
  char out[crypto_pwhash_STRBYTES];
  if (sodium_init() < 0 ||
      crypto_pwhash_str(out, s->text.data(), s->text.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return r.error(v.mark, v.path + ": could not hash the secret (out of memory)");
  }
  sodium_memzero(s->text.data(), s->text.size());
  c->secret_hash = out;
  return Status::ok();
}

Status read_hash(const Reader& r, const Value& v, std::string* out) {
  DELTA_RETURN_IF_ERROR(read_string(r, v, out));
  if (out->starts_with("$argon2id$")) return Status::ok();
  out->clear();
  return r.expected(v, "an Argon2id hash (\"$argon2id$...\", e.g. from `delta hash-password`)",
                    "something else");
}

Status read_client(const Reader& r, const Entry& e, OAuthClientConfig* c) {
  c->id = e.key;
  DELTA_RETURN_IF_ERROR(
      r.each_entry(e.value, MapSpec{kClientKeys, "in an OAuth client"}, [&](const Entry& k) -> Status {
        if (k.key == "secret") return hash_secret(r, k.value, c);
        if (k.key == "secret_hash") return read_hash(r, k.value, &c->secret_hash);
        if (k.key == "public") {
          Result<bool> b = r.boolean(k.value);
          if (!b) return b.status();
          c->is_public = *b;
          return Status::ok();
        }
        if (k.key == "redirect_uris") return read_strings(r, k.value, &c->redirect_uris);
        if (k.key == "grants") return read_strings(r, k.value, &c->grants, kGrantTypes);
        return read_strings(r, k.value, &c->roles);
      }));
  if (c->is_public == c->secret_hash.empty()) return Status::ok();
  return r.error(e.key_mark, e.value.path + (c->is_public ? ": a public client has no secret"
                                                          : ": needs secret, secret_hash or public: true"));
}

Status read_user(const Reader& r, const Entry& e, UserConfig* u) {
  u->name = e.key;
  DELTA_RETURN_IF_ERROR(r.each_entry(e.value, MapSpec{kUserKeys, "in a user"}, [&](const Entry& k) -> Status {
    if (k.key == "password_hash") return read_hash(r, k.value, &u->password_hash);
    return read_strings(r, k.value, &u->roles);
  }));
  if (!u->password_hash.empty()) return Status::ok();
  return r.error(e.key_mark, e.value.path + ": missing \"password_hash\"");
}

Status read_issuer(const Reader& r, const Value& v, JwksIssuerConfig* out) {
  bool algorithms_given = false;
  DELTA_RETURN_IF_ERROR(
      r.each_entry(v, MapSpec{kIssuerKeys, "in a JWKS issuer"}, [&](const Entry& k) -> Status {
        if (k.key == "issuer") return read_string(r, k.value, &out->issuer);
        if (k.key == "jwks_url") return read_url(r, k.value, &out->jwks_url, true);
        if (k.key == "audience") return read_string(r, k.value, &out->audience);
        if (k.key == "roles_claim") return read_string(r, k.value, &out->roles_claim);
        if (!algorithms_given) out->algorithms.clear();
        algorithms_given = true;
        return read_strings(r, k.value, &out->algorithms, kAlgorithms);
      }));
  if (out->issuer.empty() || out->jwks_url.empty())
    return r.error(v.mark, v.path + ": a JWKS issuer needs \"issuer\" and \"jwks_url\"");
  if (std::find(out->algorithms.begin(), out->algorithms.end(), "HS256") != out->algorithms.end())
    return r.error(v.mark, v.path + ": HS256 needs a shared secret, which a JWKS issuer cannot have");
  if (out->algorithms.empty()) return r.error(v.mark, v.path + ": algorithms must not be empty");
  return Status::ok();
}

Status read_grant(const Reader& r, const Value& v, RoleGrantConfig* g) {
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kGrantKeys, "in a grant"}, [&](const Entry& k) -> Status {
    if (k.key == "pattern") return read_string(r, k.value, &g->pattern);
    DELTA_RETURN_IF_ERROR(read_string(r, k.value, &g->permission));
    if (one_of(kPermissions, g->permission)) return Status::ok();
    return r.expected(k.value, "one of: " + list_text(kPermissions), "\"" + g->permission + "\"");
  }));
  if (g->permission.empty() || g->pattern.empty())
    return r.error(v.mark, v.path + ": a grant needs \"permission\" and \"pattern\"");
  return Status::ok();
}

Status read_role(const Reader& r, const Entry& e, RoleConfig* role) {
  role->name = e.key;
  if (one_of(kBuiltinRoles, e.key) || e.key == "anonymous")
    return r.error(e.key_mark,
                   e.value.path + ": \"" + e.key + "\" is a built-in role and cannot be redefined");
  DELTA_RETURN_IF_ERROR(r.each_entry(e.value, MapSpec{kRoleKeys, "in a role"}, [&](const Entry& k) {
    return each_item(r, k.value, [&](const Value& item) {
      role->grants.emplace_back();
      return read_grant(r, item, &role->grants.back());
    });
  }));
  if (!role->grants.empty()) return Status::ok();
  return r.error(e.key_mark, e.value.path + ": a role needs at least one grant");
}

Status read_rate(const Reader& r, const Value& v, double* out) {
  Result<int64_t> n = r.integer(v, 0, kMaxRate);
  if (!n) return n.status();
  *out = static_cast<double>(*n);
  return Status::ok();
}

Status read_limit(const Reader& r, const Entry& e, RateLimitConfig* l) {
  l->role = e.key;
  return r.each_entry(e.value, MapSpec{kLimitKeys, "in a rate limit"}, [&](const Entry& k) {
    if (k.key == "events_per_second") return read_rate(r, k.value, &l->events_per_second);
    if (k.key == "requests_per_second") return read_rate(r, k.value, &l->requests_per_second);
    return read_rate(r, k.value, &l->burst);
  });
}

Status read_tls_client(const Reader& r, const Entry& e, TlsClientConfig* c) {
  c->subject = e.key;
  return read_strings(r, e.value, &c->roles);
}

template <typename T>
Status read_named(const Reader& r, const Value& v, std::vector<T>* out,
                  Status (*read)(const Reader&, const Entry&, T*)) {
  return r.each_entry(v, MapSpec{{}, "in " + v.path}, [&](const Entry& e) {
    out->emplace_back();
    return read(r, e, &out->back());
  });
}

Status read_duration(const Reader& r, const Value& v, int64_t lo, int64_t hi, int64_t* out) {
  Result<int64_t> n = r.duration_ms(v, lo, hi);
  if (!n) return n.status();
  *out = *n;
  return Status::ok();
}

Status read_auth_entry(const Reader& r, const Entry& e, AuthConfig* a) {
  const Value& v = e.value;
  if (e.key == "issuer") return read_url(r, v, &a->issuer, true);
  if (e.key == "audience") return read_string(r, v, &a->audience);
  if (e.key == "clients") return read_named(r, v, &a->clients, &read_client);
  if (e.key == "users") return read_named(r, v, &a->users, &read_user);
  if (e.key == "roles") return read_named(r, v, &a->roles, &read_role);
  if (e.key == "rate_limits") return read_named(r, v, &a->rate_limits, &read_limit);
  if (e.key == "tls_clients") return read_named(r, v, &a->tls_clients, &read_tls_client);
  if (e.key == "api_keys_file") return read_string(r, v, &a->api_keys_file);
  if (e.key == "redis_url") {
    DELTA_RETURN_IF_ERROR(read_string(r, v, &a->redis_url));
    if (a->redis_url.starts_with("redis://")) return Status::ok();
    return r.expected(v, "redis://host:port", "\"" + a->redis_url + "\"");
  }
  if (e.key == "clock_skew") return read_duration(r, v, 0, 3600 * kSecond, &a->clock_skew_ms);
  if (e.key == "access_token_ttl") return read_duration(r, v, kSecond, kDay, &a->access_token_ttl_ms);
  if (e.key == "refresh_token_ttl") return read_duration(r, v, kSecond, 365 * kDay, &a->refresh_token_ttl_ms);
  return each_item(r, v, [&](const Value& item) {
    a->jwks_issuers.emplace_back();
    return read_issuer(r, item, &a->jwks_issuers.back());
  });
}

// Every role named by a client, user or rate limit is built-in or defined under auth.roles.
Status check_roles(const Reader& r, const Value& v, const AuthConfig& a) {
  auto known = [&](const std::string& name) {
    if (one_of(kBuiltinRoles, name)) return true;
    return std::any_of(a.roles.begin(), a.roles.end(), [&](const RoleConfig& c) { return c.name == name; });
  };
  auto check = [&](const std::string& where, const std::vector<std::string>& roles) -> Status {
    for (const std::string& role : roles) {
      if (known(role)) continue;
      std::string what = "auth." + where;
      what += ": unknown role \"" + role + "\" (define it under auth.roles)";
      return r.error(v.mark, what);
    }
    return Status::ok();
  };
  for (const OAuthClientConfig& c : a.clients) DELTA_RETURN_IF_ERROR(check("clients." + c.id, c.roles));
  for (const UserConfig& u : a.users) DELTA_RETURN_IF_ERROR(check("users." + u.name, u.roles));
  for (const TlsClientConfig& t : a.tls_clients)
    DELTA_RETURN_IF_ERROR(check("tls_clients." + t.subject, t.roles));
  for (const RateLimitConfig& l : a.rate_limits) {
    if (l.role != "anonymous") DELTA_RETURN_IF_ERROR(check("rate_limits", {l.role}));
  }
  return Status::ok();
}

}  // namespace

Status read_auth(const Reader& r, const Value& v, AuthConfig* out) {
  if (v.node.IsScalar() && v.node.Scalar() == "none") {
    out->explicit_none = true;
    return Status::ok();
  }
  if (!v.node.IsMap()) return r.expected(v, "none or a mapping", std::string(node_kind(v.node)));
  out->enabled = true;
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kAuthKeys, "in auth"},
                                     [&](const Entry& e) { return read_auth_entry(r, e, out); }));
  return check_roles(r, v, *out);
}

}  // namespace delta::config::internal
