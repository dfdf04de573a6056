// Masker: each policy on its own, then rewrite() of whole events (masked, dropped, null members).
#include "process/mask.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace delta::process {
namespace {

using model::MaskPolicy;
using model::MaskRule;

// Made with: printf '%s' 'alice@example.com' | openssl dgst -sha256 -hmac 'delta-test-key-0123456789'
constexpr std::string_view kKey = "delta-test-key-0123456789";
constexpr std::string_view kAliceHmac = "06a99e58d84412695668dbbd943da5f9558b40f59b37243f8dcd4299c0dfa768";

std::string masked(MaskPolicy policy, std::string_view text, std::string_view key = "") {
  Masker m({{"f", policy}}, key);
  std::string out;
  m.append_masked(0, text, &out);
  return out;
}

std::string partial(std::string_view text, int32_t keep_last = 4) {
  std::string out;
  append_partial(text, keep_last, &out);
  return out;
}

std::string truncated(std::string_view text) {
  std::string out;
  append_truncated_ip(text, &out);
  return out;
}

TEST(MaskPolicies, HashIsKeyedHmacInHex) {
  EXPECT_EQ(masked(MaskPolicy::kHash, "alice@example.com", kKey), "\"" + std::string(kAliceHmac) + "\"");
  EXPECT_EQ(masked(MaskPolicy::kHash, "alice@example.com", kKey),
            masked(MaskPolicy::kHash, "alice@example.com", kKey));
  EXPECT_NE(masked(MaskPolicy::kHash, "alice@example.com", kKey),
            masked(MaskPolicy::kHash, "alice@example.co", kKey));
}

TEST(MaskPolicies, Redact) { EXPECT_EQ(masked(MaskPolicy::kRedact, "Alice"), "\"[REDACTED]\""); }

TEST(MaskPolicies, PartialKeepsTheLastCharacters) {
  EXPECT_EQ(partial("4111111111111111"), "************1111");
  EXPECT_EQ(partial("abcdef", 2), "****ef");
  EXPECT_EQ(partial("abcd"), "****");  // as short as what is kept: nothing is shown
  EXPECT_EQ(partial("ab"), "**");
  EXPECT_EQ(partial(""), "");
  EXPECT_EQ(partial("secret", 0), "******");
  EXPECT_EQ(partial("Grüße!"), "**üße!");  // code points, not bytes
  EXPECT_EQ(partial("x\"\\yz"), "*\\\"\\\\yz");
}

TEST(MaskPolicies, PartialKeepsOnlyTheDomainOfAnEmail) {
  EXPECT_EQ(partial("alice@example.com"), "***@example.com");
  EXPECT_EQ(partial("a.b+c@mail.example.co.uk", 2), "***@mail.example.co.uk");
  EXPECT_EQ(partial("not an@email.com"), "************.com");
  EXPECT_EQ(partial("a@b@c.de"), "****c.de");
}

TEST(MaskPolicies, TruncateIpv4To24) {
  EXPECT_EQ(truncated("10.1.2.3"), "10.1.2.0");
  EXPECT_EQ(truncated("192.168.100.255"), "192.168.100.0");
  EXPECT_EQ(truncated("0.0.0.0"), "0.0.0.0");
}

TEST(MaskPolicies, TruncateIpv6To48) {
  EXPECT_EQ(truncated("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::");
  EXPECT_EQ(truncated("2001:0DB8:0001:ffff::1"), "2001:db8:1::");
  EXPECT_EQ(truncated("::1"), "::");
}

TEST(MaskPolicies, TruncateRedactsWhatIsNotAnIp) {
  EXPECT_EQ(truncated("10.1.2"), "[REDACTED]");
  EXPECT_EQ(truncated("10.1.2.256"), "[REDACTED]");
  EXPECT_EQ(truncated("fe80::1%eth0"), "[REDACTED]");
  EXPECT_EQ(truncated("alice@example.com"), "[REDACTED]");
  EXPECT_EQ(truncated(""), "[REDACTED]");
  EXPECT_EQ(truncated(std::string(100, '1')), "[REDACTED]");
}

TEST(MaskPolicies, DetectInsideMasker) {
  EXPECT_EQ(masked(MaskPolicy::kDetect, "mail bob@example.com or call +49 30 1234567"),
            "\"mail [EMAIL] or call [PHONE]\"");
}

TEST(Masker, RuleIndex) {
  Masker m({{"a", MaskPolicy::kDrop}, {"b", MaskPolicy::kRedact}}, "");
  EXPECT_EQ(m.rule_index("a"), 0);
  EXPECT_EQ(m.rule_index("b"), 1);
  EXPECT_EQ(m.rule_index("c"), -1);
}

// The member of top-level field `field` in a flat test event, as the edge's parser would report it.
MaskedMember member(std::string_view event, std::string_view field, uint32_t rule) {
  std::string key = "\"" + std::string(field) + "\"";
  MaskedMember m;
  m.rule = rule;
  m.member_begin = event.find(key);
  EXPECT_NE(m.member_begin, std::string_view::npos) << field;
  size_t v = event.find(':', m.member_begin + key.size()) + 1;
  while (event[v] == ' ') ++v;
  m.value_begin = v;
  if (event[v] == '"') {
    size_t end = event.find('"', v + 1);
    m.value_end = end + 1;
    m.has_text = true;
    m.text = event.substr(v + 1, end - v - 1);
  } else if (event[v] == '{') {
    m.value_end = event.size() - 1;  // test events hold an object only as their last member
  } else {
    m.value_end = event.find_first_of(",} ", v);
  }
  return m;
}

class Rewrite : public ::testing::Test {
 protected:
  Masker masker_{{{"email", MaskPolicy::kHash},
                  {"ip", MaskPolicy::kTruncateIp},
                  {"card", MaskPolicy::kPartial},
                  {"secret", MaskPolicy::kDrop},
                  {"blob", MaskPolicy::kRedact}},
                 kKey};

  std::string rewrite(std::string_view event, std::vector<std::pair<std::string, uint32_t>> fields) {
    std::vector<MaskedMember> members;
    for (const auto& [field, rule] : fields) members.push_back(member(event, field, rule));
    std::string out = "garbage from the previous event";
    masker_.rewrite(event, members, &out);
    return out;
  }
};

TEST_F(Rewrite, MasksValuesAndKeepsTheRest) {
  EXPECT_EQ(rewrite(R"({"id":1,"email":"alice@example.com","ip":"10.1.2.3","card":"4111111111111111","n":2})",
                    {{"email", 0}, {"ip", 1}, {"card", 2}}),
            R"({"id":1,"email":")" + std::string(kAliceHmac) +
                R"(","ip":"10.1.2.0","card":"************1111","n":2})");
}

TEST_F(Rewrite, NoMembersCopiesTheEvent) { EXPECT_EQ(rewrite(R"({"a":1})", {}), R"({"a":1})"); }

TEST_F(Rewrite, DropsMembersWithTheirComma) {
  EXPECT_EQ(rewrite(R"({"secret":"s1","a":1})", {{"secret", 3}}), R"({"a":1})");
  EXPECT_EQ(rewrite(R"({"a":1,"secret":"s1","b":2})", {{"secret", 3}}), R"({"a":1,"b":2})");
  EXPECT_EQ(rewrite(R"({"a":1,"secret":{"x":[1,2]}})", {{"secret", 3}}), R"({"a":1})");
  EXPECT_EQ(rewrite(R"({"secret":"s1"})", {{"secret", 3}}), R"({})");
  EXPECT_EQ(rewrite(R"({ "secret" : "s1" , "a" : 1 })", {{"secret", 3}}), R"({ "a" : 1 })");
}

TEST_F(Rewrite, DropsNeighbouringMembers) {
  EXPECT_EQ(rewrite(R"({"secret":"s1","ip":"1.2.3.4","a":1})", {{"secret", 3}, {"ip", 3}}), R"({"a":1})");
  EXPECT_EQ(rewrite(R"({"a":1,"secret":"s1","ip":"1.2.3.4"})", {{"secret", 3}, {"ip", 3}}), R"({"a":1})");
}

TEST_F(Rewrite, NullStaysNullAndOtherValuesAreRedacted) {
  EXPECT_EQ(rewrite(R"({"email":null,"blob":{"k":"v"}})", {{"email", 0}, {"blob", 4}}),
            R"({"email":null,"blob":"[REDACTED]"})");
  EXPECT_EQ(rewrite(R"({"blob":17})", {{"blob", 4}}), R"({"blob":"[REDACTED]"})");
}

}  // namespace
}  // namespace delta::process
