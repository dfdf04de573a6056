// ApiKeyStore (create once, lookup, revoke, persist and reload) and the Argon2id password helpers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "auth/api_keys.h"
#include "auth/password.h"

namespace delta::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string temp_dir() {
  char tmpl[] = "/tmp/delta_auth_test_XXXXXX";
  const char* dir = ::mkdtemp(tmpl);
  EXPECT_NE(dir, nullptr);
  return dir ? dir : "/tmp";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ApiKeys, CreateReturnsKeyOnceAndLookupFindsIt) {
  ManualClock clock;
  ApiKeyStore store(clock);
  auto created = store.create({"producer"}, "ingest-svc");
  ASSERT_TRUE(created.is_ok()) << created.status().message();
  EXPECT_THAT(created->key, MatchesRegex("dk_[0-9A-Za-z]{32}"));
  EXPECT_THAT(created->id, MatchesRegex("key_[0-9A-Za-z]{12}"));
  auto p = store.lookup(created->key);
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  EXPECT_EQ(p->subject, "apikey:" + created->id);
  EXPECT_EQ(p->issuer, "delta-apikey");
  EXPECT_EQ(p->roles, std::vector<std::string>{"producer"});
  auto listed = store.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "ingest-svc");
  EXPECT_EQ(listed[0].created_at_ms, clock.now_ms());
  EXPECT_NE(store.create({"producer"}, "again")->key, created->key);
}

TEST(ApiKeys, RefusesWrongKeysWithoutEchoingThem) {
  ManualClock clock;
  ApiKeyStore store(clock);
  std::string key = store.create({"analyst"}, "a")->key;
  std::string near = key;
  near.back() = near.back() == 'a' ? 'b' : 'a';
  for (const std::string& bad : {near, key.substr(1), std::string("Bearer ") + key, std::string()}) {
    auto r = store.lookup(bad);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().message(), "API key is not valid");
  }
  EXPECT_THAT(store.create({}, "x").status().message(), HasSubstr("at least one role"));
}

TEST(ApiKeys, RevokedKeyIsRefused) {
  ManualClock clock;
  ApiKeyStore store(clock);
  auto created = store.create({"producer"}, "old");
  ASSERT_TRUE(store.revoke(created->id).is_ok());
  EXPECT_EQ(store.lookup(created->key).status().message(), "API key " + created->id + " is revoked");
  EXPECT_TRUE(store.revoke(created->id).is_ok());
  EXPECT_EQ(store.revoke("key_nope").code(), StatusCode::kNotFound);
}

TEST(ApiKeys, PersistsDigestsOnlyAndReloads) {
  std::string dir = temp_dir();
  std::string path = dir + "/keys.json";
  ManualClock clock;
  ApiKeyStore store(clock);
  auto live = store.create({"producer", "analyst"}, "svc \"one\"");
  auto dead = store.create({"admin"}, "ops");
  ASSERT_TRUE(store.revoke(dead->id).is_ok());
  ASSERT_TRUE(store.save(path).is_ok());
  std::string file = slurp(path);
  EXPECT_EQ(file.find(live->key), std::string::npos) << "the key itself is never written";
  EXPECT_EQ(file.find(live->key.substr(3)), std::string::npos);
  EXPECT_EQ(::access((path + ".tmp").c_str(), F_OK), -1) << "the temporary file was renamed away";

  ApiKeyStore reloaded(clock);
  ASSERT_TRUE(reloaded.load(path).is_ok());
  auto p = reloaded.lookup(live->key);
  ASSERT_TRUE(p.is_ok()) << p.status().message();
  EXPECT_EQ(p->roles, (std::vector<std::string>{"producer", "analyst"}));
  EXPECT_THAT(reloaded.lookup(dead->key).status().message(), HasSubstr("is revoked"));
  EXPECT_EQ(reloaded.list().size(), 2u);
  std::system(("rm -rf " + dir).c_str());
}

TEST(ApiKeys, LoadRefusesMissingAndCorruptFiles) {
  std::string dir = temp_dir();
  ManualClock clock;
  ApiKeyStore store(clock);
  EXPECT_EQ(store.load(dir + "/absent.json").code(), StatusCode::kNotFound);
  ASSERT_TRUE(write_file_atomic(dir + "/bad.json", "{\"version\":2,\"keys\":[]}").is_ok());
  EXPECT_THAT(store.load(dir + "/bad.json").message(), HasSubstr("version 2 is unknown"));
  ASSERT_TRUE(write_file_atomic(dir + "/bad.json", "{\"version\":1,\"keys\":[{\"id\":\"k\"}]}").is_ok());
  EXPECT_EQ(store.load(dir + "/bad.json").code(), StatusCode::kCorruption);
  std::system(("rm -rf " + dir).c_str());
}

TEST(Password, Argon2idHashVerifies) {
  auto hash = hash_password("correct horse battery staple", PasswordHashCost::for_tests());
  ASSERT_TRUE(hash.is_ok()) << hash.status().message();
  EXPECT_THAT(*hash, ::testing::StartsWith("$argon2id$"));
  EXPECT_EQ(hash->find("correct"), std::string::npos);
  EXPECT_TRUE(verify_password(*hash, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password(*hash, ""));
  auto again = hash_password("correct horse battery staple", PasswordHashCost::for_tests());
  EXPECT_NE(*again, *hash) << "a fresh salt each time";
}

TEST(Password, RefusesMalformedHashesAndEmptyPasswords) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
  EXPECT_FALSE(verify_password("plaintext", "plaintext"));
  EXPECT_THAT(hash_password("").status().message(), HasSubstr("1 to 1024 bytes"));
}

// The interactive default cost is what config files will hold; check it once at full strength.
TEST(Password, DefaultCostProducesInteractiveParameters) {
  auto hash = hash_password("pw");
  ASSERT_TRUE(hash.is_ok()) << hash.status().message();
  EXPECT_THAT(*hash, HasSubstr("m=65536,t=2,p=1"));
  EXPECT_TRUE(verify_password(*hash, "pw"));
}

}  // namespace
}  // namespace delta::auth
