// Rbac: the built-in roles × permissions matrix, custom roles on patterns, glob matching, and
// the text of a refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/rbac.h"

namespace delta::auth {
namespace {

using ::testing::HasSubstr;

Principal with_roles(std::vector<std::string> roles) {
  return Principal{"alice", "iss", std::move(roles), "", 0};
}

TEST(Rbac, BuiltinRoleMatrix) {
  auto rbac = Rbac::create();
  ASSERT_TRUE(rbac.is_ok());
  struct Row {
    const char* role;
    bool produce, consume, query, admin;
  };
  const Row rows[] = {
      {"producer", true, false, false, false},
      {"analyst", false, true, true, false},
      {"admin", true, true, true, true},
      {"nobody", false, false, false, false},  // unknown roles grant nothing
  };
  for (const Row& row : rows) {
    Principal p = with_roles({row.role});
    bool want[] = {row.produce, row.consume, row.query, row.admin};
    int i = 0;
    for (Permission perm :
         {Permission::kProduce, Permission::kConsume, Permission::kQuery, Permission::kAdmin}) {
      for (const char* resource : {"orders", "clicks-eu", "x"}) {
        EXPECT_EQ(rbac->check(p, perm, resource).is_ok(), want[i])
            << row.role << " " << permission_name(perm) << " " << resource;
      }
      ++i;
    }
  }
}

TEST(Rbac, RefusalNamesPermissionAndResource) {
  auto rbac = Rbac::create();
  ASSERT_TRUE(rbac.is_ok());
  EXPECT_EQ(rbac->check(with_roles({"analyst"}), Permission::kProduce, "orders").message(),
            "missing permission produce on stream \"orders\"");
  EXPECT_EQ(rbac->check(with_roles({}), Permission::kQuery, "revenue", ResourceKind::kView).message(),
            "missing permission query on view \"revenue\"");
}

TEST(Rbac, CustomRolesOnPatterns) {
  std::vector<RoleConfig> custom = {
      {"orders-writer", {{{Permission::kProduce}, "orders-*"}, {{Permission::kConsume}, "orders"}}},
      {"eu-reader", {{{Permission::kConsume, Permission::kQuery}, "*-eu"}}},
  };
  auto rbac = Rbac::create(custom);
  ASSERT_TRUE(rbac.is_ok()) << rbac.status().message();
  Principal w = with_roles({"orders-writer"});
  EXPECT_TRUE(rbac->check(w, Permission::kProduce, "orders-eu").is_ok());
  EXPECT_FALSE(rbac->check(w, Permission::kProduce, "orders").is_ok()) << "orders-* needs the dash";
  EXPECT_TRUE(rbac->check(w, Permission::kConsume, "orders").is_ok());
  EXPECT_FALSE(rbac->check(w, Permission::kConsume, "orders-eu").is_ok());
  Principal both = with_roles({"eu-reader", "orders-writer"});
  EXPECT_TRUE(rbac->check(both, Permission::kQuery, "clicks-eu").is_ok());
  EXPECT_TRUE(rbac->check(both, Permission::kProduce, "orders-us").is_ok());
  EXPECT_FALSE(rbac->check(both, Permission::kQuery, "clicks-us").is_ok());
}

TEST(Rbac, RefusesBadCustomRoles) {
  EXPECT_THAT(Rbac::create({{"admin", {{{Permission::kAdmin}, "*"}}}}).status().message(),
              HasSubstr("redefines a built-in role"));
  EXPECT_THAT(Rbac::create({{"x", {{{}, "*"}}}}).status().message(), HasSubstr("grants no permission"));
  EXPECT_THAT(Rbac::create({{"x", {{{Permission::kQuery}, ""}}}}).status().message(),
              HasSubstr("empty pattern"));
  EXPECT_THAT(Rbac::create({{"x", {}}, {"x", {}}}).status().message(), HasSubstr("defined twice"));
}

TEST(Glob, MatchesStarsOnly) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("orders", "orders"));
  EXPECT_FALSE(glob_match("orders", "orders2"));
  EXPECT_FALSE(glob_match("orders", "order"));
  EXPECT_TRUE(glob_match("orders-*", "orders-"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYb"));
  EXPECT_TRUE(glob_match("*-eu", "x-eu-eu"));
  EXPECT_FALSE(glob_match("?", "a")) << "'?' is a literal";
  EXPECT_TRUE(glob_match("**", "ab"));
}

TEST(Permissions, ParseRoundTrips) {
  for (Permission p : {Permission::kProduce, Permission::kConsume, Permission::kQuery, Permission::kAdmin}) {
    EXPECT_EQ(parse_permission(permission_name(p)), p);
  }
  EXPECT_FALSE(parse_permission("write").has_value());
}

}  // namespace
}  // namespace delta::auth
