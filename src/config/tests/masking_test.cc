// Masking in pipeline.yaml: the `masking` key and each stream's `mask` rules, valid and refused.
// Every refusal names the file, line and column; none ever shows the key.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

using model::MaskPolicy;
using model::MaskRule;

constexpr std::string_view kKey = "masking: {key: \"0123456789abcdef\"}\n";

std::string stream(std::string_view mask) {
  return "streams:\n  s:\n    time_field: ts\n    schema: {ts: timestamp, email: string, n: int64, "
         "blob: json, note: \"string?\"}\n    mask: " +
         std::string(mask) + "\n";
}

std::string error_of(const std::string& yaml) {
  Result<PipelineConfig> r = parse(yaml, "p.yaml");
  if (r.is_ok()) return "OK";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ConfigMask, EveryPolicyAndTheKey) {
  Result<PipelineConfig> r =
      parse(std::string(kKey) + stream("{email: hash, n: drop, blob: redact, note: detect}"), "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->masking.key, "0123456789abcdef");
  std::vector<MaskRule> expected = {{"email", MaskPolicy::kHash},
                                    {"n", MaskPolicy::kDrop},
                                    {"blob", MaskPolicy::kRedact},
                                    {"note", MaskPolicy::kDetect}};
  EXPECT_EQ(r->streams[0].mask, expected);
  r = parse(stream("{email: truncate_ip, note: partial}"), "p.yaml");  // no hash: no key needed
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->streams[0].mask[0].policy, MaskPolicy::kTruncateIp);
  EXPECT_EQ(r->streams[0].mask[1], (MaskRule{"note", MaskPolicy::kPartial, 4}));
  EXPECT_TRUE(r->masking.key.empty());
}

TEST(ConfigMask, PartialLongForm) {
  Result<PipelineConfig> r =
      parse(stream("{email: {partial: {keep_last: 2}}, note: {partial: {}}}"), "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->streams[0].mask[0], (MaskRule{"email", MaskPolicy::kPartial, 2}));
  EXPECT_EQ(r->streams[0].mask[1], (MaskRule{"note", MaskPolicy::kPartial, 4}));
}

TEST(ConfigMask, MaskingMayFollowTheStreams) {
  EXPECT_EQ(error_of(stream("{email: hash}") + std::string(kKey)), "OK");
}

TEST(ConfigMask, KeyFromTheEnvironment) {
  setenv("DELTA_CONFIG_TEST_MASK_KEY", "a-key-from-the-environment", 1);
  Result<PipelineConfig> r =
      parse("masking: {key: \"${DELTA_CONFIG_TEST_MASK_KEY}\"}\n" + stream("{email: hash}"), "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->masking.key, "a-key-from-the-environment");
}

TEST(ConfigMaskErrors, HashWithoutAKey) {
  EXPECT_EQ(
      error_of(stream("{n: drop, email: hash}")),
      "p.yaml:5:28: streams.s.mask.email: hash needs a key: add masking: {key: \"${DELTA_MASK_KEY}\"} at "
      "the top level");
}

TEST(ConfigMaskErrors, ShortKeyIsRefusedWithoutShowingIt) {
  EXPECT_EQ(error_of("masking: {key: tooshort}\n" + stream("{email: hash}")),
            "p.yaml:1:16: masking.key: expected a key of at least 16 bytes, got a literal key of 8 bytes");
  setenv("DELTA_CONFIG_TEST_SHORT_KEY", "hunter2", 1);
  std::string e = error_of("masking: {key: \"${DELTA_CONFIG_TEST_SHORT_KEY}\"}\n" + stream("{email: hash}"));
  EXPECT_EQ(e,
            "p.yaml:1:16: masking.key: expected a key of at least 16 bytes, got the value of "
            "${DELTA_CONFIG_TEST_SHORT_KEY} of 7 bytes");
  EXPECT_EQ(e.find("hunter2"), std::string::npos);
}

TEST(ConfigMaskErrors, MaskingSection) {
  EXPECT_EQ(error_of("masking: {}\n" + stream("{email: drop}")),
            "p.yaml:1:10: masking: missing \"key\" (e.g. key: \"${DELTA_MASK_KEY}\")");
  EXPECT_EQ(error_of("masking: {key: \"0123456789abcdef\", salt: x}\n" + stream("{email: drop}")),
            "p.yaml:1:36: unknown key \"salt\" in masking (expected one of: key)");
  unsetenv("DELTA_CONFIG_TEST_UNSET_KEY");
  EXPECT_EQ(error_of("masking: {key: \"${DELTA_CONFIG_TEST_UNSET_KEY}\"}\n" + stream("{email: drop}"))
                .find("p.yaml:1:16: masking.key: "),
            0u);
}

TEST(ConfigMaskErrors, UnknownField) {
  EXPECT_EQ(error_of(stream("{emial: drop}")),
            "p.yaml:5:12: streams.s.mask: expected a field of the schema (ts, email, n, blob, note), got "
            "\"emial\"");
}

TEST(ConfigMaskErrors, UnknownPolicy) {
  EXPECT_EQ(error_of(stream("{email: hsh}")),
            "p.yaml:5:19: streams.s.mask.email: expected a policy: hash, redact, partial, truncate_ip, drop, "
            "detect, or {partial: {keep_last: N}}, got \"hsh\"");
  EXPECT_EQ(error_of(stream("{email: [hash]}")),
            "p.yaml:5:19: streams.s.mask.email: expected a policy: hash, redact, partial, truncate_ip, drop, "
            "detect, or {partial: {keep_last: N}}, got a list");
  EXPECT_EQ(error_of(stream("{email: {hash: {}}}")),
            "p.yaml:5:20: unknown key \"hash\" in a masking policy (expected one of: partial)");
  EXPECT_EQ(error_of(stream("{email: {}}")),
            "p.yaml:5:19: streams.s.mask.email: expected a policy: hash, redact, partial, truncate_ip, drop, "
            "detect, or {partial: {keep_last: N}}, got an empty mapping");
}

TEST(ConfigMaskErrors, PartialOptions) {
  EXPECT_EQ(
      error_of(stream("{email: {partial: {keep_last: 65}}}")),
      "p.yaml:5:41: streams.s.mask.email.partial.keep_last: expected an integer from 0 to 64, got \"65\"");
  EXPECT_EQ(error_of(stream("{email: {partial: {keep: 2}}}")),
            "p.yaml:5:30: unknown key \"keep\" in partial (expected one of: keep_last)");
}

TEST(ConfigMaskErrors, PolicyNeedsAStringField) {
  EXPECT_EQ(
      error_of(std::string(kKey) + stream("{n: hash}")),
      "p.yaml:6:15: streams.s.mask.n: hash needs a string field, but \"n\" is a int64 field (drop works on "
      "any field)");
  EXPECT_EQ(
      error_of(stream("{blob: truncate_ip}")),
      "p.yaml:5:18: streams.s.mask.blob: truncate_ip needs a string field, but \"blob\" is a json field "
      "(drop works on any field)");
  EXPECT_EQ(
      error_of(stream("{n: redact}")),
      "p.yaml:5:15: streams.s.mask.n: redact needs a string or json field, but \"n\" is a int64 field (drop "
      "works on any field)");
  EXPECT_EQ(
      error_of(stream("{n: {partial: {}}}")),
      "p.yaml:5:15: streams.s.mask.n: partial needs a string field, but \"n\" is a int64 field (drop works "
      "on any field)");
}

TEST(ConfigMaskErrors, TimeFieldCannotBeMasked) {
  EXPECT_EQ(error_of(stream("{ts: drop}")),
            "p.yaml:5:12: streams.s.mask: the time field \"ts\" cannot be masked");
}

TEST(ConfigMaskErrors, EmptyMaskAndDuplicates) {
  EXPECT_EQ(error_of(stream("{}")),
            "p.yaml:5:11: streams.s.mask: expected at least one field: policy, got an empty mapping");
  EXPECT_NE(error_of(stream("{email: drop, email: hash}")).find("p.yaml:5:"), std::string::npos);
}

}  // namespace
}  // namespace delta::config
