// Role-based access control: roles grant permissions on stream and view name patterns; check()
// answers whether a principal may do something to a resource, and if not, which permission on
// which resource was missing (the text of the 403).
//
// Permissions: produce, consume, query, admin. They do not imply one another: the built-in admin
// role holds all four explicitly. Patterns are globs where '*' matches any run of characters
// (including none) and everything else matches itself: "orders", "orders-*", "*".
// Built-in roles: producer (produce on *), analyst (consume and query on *), admin (all on *).
// Custom roles come from configuration and may not redefine a built-in one.
//
// Threads: build once with create(), then share; check() is const and safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "base/status.h"

namespace delta::auth {

enum class Permission { kProduce, kConsume, kQuery, kAdmin };
std::string_view permission_name(Permission p);
std::optional<Permission> parse_permission(std::string_view name);

enum class ResourceKind { kStream, kView };

struct Grant {
  std::vector<Permission> permissions;
  std::string pattern;
};

struct RoleConfig {
  std::string name;
  std::vector<Grant> grants;
};

// True when `name` matches the glob `pattern` ('*' only).
bool glob_match(std::string_view pattern, std::string_view name);

class Rbac {
 public:
  // The built-in roles plus `custom`. kInvalidArgument for a duplicate or built-in name, an empty
  // role name or pattern, or a grant without permissions.
  static Result<Rbac> create(std::vector<RoleConfig> custom = {});

  // Ok when one of the principal's roles grants `permission` on `resource`; otherwise
  // kInvalidArgument "missing permission produce on stream \"orders\"". Unknown role names in
  // the principal grant nothing.
  Status check(const Principal& principal, Permission permission, std::string_view resource,
               ResourceKind kind = ResourceKind::kStream) const;

  bool has_role(std::string_view role) const { return roles_.count(role) != 0; }

 private:
  bool grants(std::string_view role, Permission permission, std::string_view resource) const;

  std::map<std::string, std::vector<Grant>, std::less<>> roles_;
};

}  // namespace delta::auth
