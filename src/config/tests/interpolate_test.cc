// ${VAR} interpolation against a fake environment (the process environment is covered in
// config_test.cc).
#include "config/interpolate.h"

#include <map>

#include <gtest/gtest.h>

namespace delta::config {
namespace {

class Interpolate : public ::testing::Test {
 protected:
  EnvLookup lookup() {
    return [this](const std::string& name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }
  std::string ok(std::string_view in) {
    Result<Interpolated> r = interpolate_env(in, lookup());
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? r->text : "<error>";
  }
  std::string error(std::string_view in) {
    Result<Interpolated> r = interpolate_env(in, lookup());
    return r.is_ok() ? "OK" : r.status().message();
  }
  std::map<std::string, std::string> env_ = {
      {"HOST", "db.local"}, {"PORT", "5432"}, {"EMPTY", ""}, {"_x1", "u"}};
};

TEST_F(Interpolate, LiteralTextIsUnchanged) {
  Result<Interpolated> r = interpolate_env("plain $ text $HOST {x}", lookup());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->text, "plain $ text $HOST {x}");
  EXPECT_TRUE(r->vars.empty());
}

TEST_F(Interpolate, SeveralVariablesInOneValue) {
  Result<Interpolated> r = interpolate_env("${HOST}:${PORT}/${_x1}", lookup());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->text, "db.local:5432/u");
  EXPECT_EQ(r->vars, (std::vector<std::string>{"HOST", "PORT", "_x1"}));
}

TEST_F(Interpolate, EmptyVariableIsEmptyText) { EXPECT_EQ(ok("a${EMPTY}b"), "ab"); }

TEST_F(Interpolate, DoubleDollarEscapes) {
  EXPECT_EQ(ok("$${HOST}"), "${HOST}");
  EXPECT_EQ(ok("a$$b"), "a$$b");           // only "$${" is special, so "$$" in a password stays as is
  EXPECT_EQ(ok("$$${HOST}"), "$${HOST}");  // read left to right: "$", then the escape "$${"
}

TEST_F(Interpolate, Errors) {
  EXPECT_EQ(error("${NOPE}"), "environment variable NOPE is not set");
  EXPECT_EQ(error("x${HOST"), "unclosed \"${\" (write \"$${\" for a literal \"${\")");
  EXPECT_EQ(error("${}"),
            "bad variable name in \"${}\" (expected letters, digits and '_', not starting with a digit)");
  EXPECT_EQ(error("${A-B}"),
            "bad variable name in \"${A-B}\" (expected letters, digits and '_', not starting with a digit)");
  EXPECT_EQ(error("${HOST}${NOPE}"), "environment variable NOPE is not set");
}

}  // namespace
}  // namespace delta::config
