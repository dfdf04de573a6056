#include "auth/rbac.h"

#include <algorithm>

namespace delta::auth {
namespace {

constexpr Permission kAll[] = {Permission::kProduce, Permission::kConsume, Permission::kQuery,
                               Permission::kAdmin};

std::vector<RoleConfig> builtin_roles() {
  return {
      {"producer", {{{Permission::kProduce}, "*"}}},
      {"analyst", {{{Permission::kConsume, Permission::kQuery}, "*"}}},
      {"admin", {{{std::begin(kAll), std::end(kAll)}, "*"}}},
  };
}

Status validate(const RoleConfig& role) {
  if (role.name.empty()) return Status::invalid_argument("a role has an empty name");
  for (const Grant& g : role.grants) {
    if (g.pattern.empty()) return Status::invalid_argument("role \"" + role.name + "\" has an empty pattern");
    if (g.permissions.empty()) {
      return Status::invalid_argument("role \"" + role.name + "\" grants no permission on \"" + g.pattern +
                                      "\"");
    }
  }
  return Status::ok();
}

}  // namespace

std::string_view permission_name(Permission p) {
  switch (p) {
    case Permission::kProduce: return "produce";
    case Permission::kConsume: return "consume";
    case Permission::kQuery: return "query";
    case Permission::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Permission> parse_permission(std::string_view name) {
  for (Permission p : kAll) {
    if (permission_name(p) == name) return p;
  }
  return std::nullopt;
}

bool glob_match(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0;
  size_t star = std::string_view::npos, resume = 0;  // last '*' seen and where its match ends
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;  // let the last '*' swallow one more character
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<Rbac> Rbac::create(std::vector<RoleConfig> custom) {
  Rbac rbac;
  for (RoleConfig& role : builtin_roles()) rbac.roles_.emplace(role.name, std::move(role.grants));
  for (RoleConfig& role : custom) {
    DELTA_RETURN_IF_ERROR(validate(role));
    if (rbac.roles_.count(role.name) != 0) {
      return Status::invalid_argument("role \"" + role.name +
                                      "\" is defined twice or redefines a built-in role");
    }
    rbac.roles_.emplace(role.name, std::move(role.grants));
  }
  return rbac;
}

bool Rbac::grants(std::string_view role, Permission permission, std::string_view resource) const {
  auto it = roles_.find(role);
  if (it == roles_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](const Grant& g) {
    return std::find(g.permissions.begin(), g.permissions.end(), permission) != g.permissions.end() &&
           glob_match(g.pattern, resource);
  });
}

Status Rbac::check(const Principal& principal, Permission permission, std::string_view resource,
                   ResourceKind kind) const {
  for (const std::string& role : principal.roles) {
    if (grants(role, permission, resource)) return Status::ok();
  }
  std::string what = kind == ResourceKind::kStream ? "stream" : "view";
  return Status::invalid_argument("missing permission " + std::string(permission_name(permission)) + " on " +
                                  what + " \"" + std::string(resource) + "\"");
}

}  // namespace delta::auth
