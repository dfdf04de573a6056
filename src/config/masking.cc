// Masking in pipeline.yaml: the top-level `masking` section (the HMAC key) and a stream's `mask`
// (field: policy). See README.md, "Masking".
#include "config/sections.h"

namespace delta::config::internal {
namespace {

using model::Field;
using model::FieldType;
using model::MaskPolicy;
using model::MaskRule;
using model::StreamSchema;

constexpr std::string_view kMaskingKeys[] = {"key"};
constexpr std::string_view kLongPolicyKeys[] = {"partial"};
constexpr std::string_view kPartialKeys[] = {"keep_last"};
constexpr std::string_view kPolicyExpected =
    "a policy: hash, redact, partial, truncate_ip, drop, detect, or {partial: {keep_last: N}}";
constexpr int64_t kMaxKeepLast = 64;

// The key is a secret: errors give its length and where it came from, never its text.
Status read_key(const Reader& r, const Value& v, std::string* key) {
  std::string expected = "a key of at least " + std::to_string(model::kMinMaskKeyBytes) + " bytes";
  Result<Scalar> s = r.scalar(v, expected);
  if (!s) return s.status();
  if (s->text.size() < model::kMinMaskKeyBytes) {
    std::string source = s->vars.empty() ? "a literal key" : s->describe();
    return r.expected(v, expected, source + " of " + std::to_string(s->text.size()) + " bytes");
  }
  *key = std::move(s->text);
  return Status::ok();
}

// {partial: {keep_last: N}}, the one policy with an option; {partial: {}} keeps the default.
Status read_long_policy(const Reader& r, const Value& v, MaskRule* rule) {
  bool has_policy = false;
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kLongPolicyKeys, "in a masking policy"}, [&](const Entry& e) {
    has_policy = true;
    rule->policy = MaskPolicy::kPartial;
    return r.each_entry(e.value, MapSpec{kPartialKeys, "in partial"}, [&](const Entry& k) -> Status {
      Result<int64_t> n = r.integer(k.value, 0, kMaxKeepLast);
      if (!n) return n.status();
      rule->keep_last = static_cast<int32_t>(*n);
      return Status::ok();
    });
  }));
  if (!has_policy) return r.expected(v, kPolicyExpected, "an empty mapping");
  return Status::ok();
}

Status read_policy(const Reader& r, const Value& v, MaskRule* rule) {
  if (v.node.IsMap()) return read_long_policy(r, v, rule);
  Result<Scalar> p = r.scalar(v, kPolicyExpected);
  if (!p) return p.status();
  if (!model::parse_mask_policy(p->text, &rule->policy)) return r.expected(v, kPolicyExpected, p->describe());
  return Status::ok();
}

// Masked values are strings, so a policy that writes one needs a field that may hold one.
Status check_field_type(const Reader& r, const Value& v, const MaskRule& rule, const Field& f) {
  bool redact_json = rule.policy == MaskPolicy::kRedact && f.type == FieldType::kJson;
  if (rule.policy == MaskPolicy::kDrop || f.type == FieldType::kString || redact_json) return Status::ok();
  std::string needs = rule.policy == MaskPolicy::kRedact ? "a string or json field" : "a string field";
  return r.error(v.mark, v.path + ": " + std::string(model::mask_policy_name(rule.policy)) + " needs " +
                             needs + ", but \"" + f.name + "\" is a " +
                             std::string(model::field_type_name(f.type)) +
                             " field (drop works on any field)");
}

Result<MaskRule> read_rule(const Reader& r, const Entry& e, const std::string& mask_path,
                           const StreamSchema& s) {
  int i = s.field_index(e.key);
  if (i < 0) {
    return r.error(e.key_mark, mask_path + ": expected a field of the schema (" + field_names(s) +
                                   "), got \"" + e.key + "\"");
  }
  if (e.key == s.time_field) {
    return r.error(e.key_mark, mask_path + ": the time field \"" + e.key + "\" cannot be masked");
  }
  MaskRule rule{e.key};
  DELTA_RETURN_IF_ERROR(read_policy(r, e.value, &rule));
  DELTA_RETURN_IF_ERROR(check_field_type(r, e.value, rule, s.fields[static_cast<size_t>(i)]));
  return rule;
}

}  // namespace

Status read_masking(const Reader& r, const Value& v, MaskingConfig* out) {
  bool has_key = false;
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{kMaskingKeys, "in masking"}, [&](const Entry& e) {
    has_key = true;
    return read_key(r, e.value, &out->key);
  }));
  if (!has_key) return r.error(v.mark, "masking: missing \"key\" (e.g. key: \"${DELTA_MASK_KEY}\")");
  return Status::ok();
}

Status read_stream_mask(const Reader& r, const Value& v, StreamSchema* s, std::optional<Value>* first_hash) {
  std::string where = "in the mask of stream \"" + s->name + "\"";
  DELTA_RETURN_IF_ERROR(r.each_entry(v, MapSpec{{}, where}, [&](const Entry& e) -> Status {
    Result<MaskRule> rule = read_rule(r, e, v.path, *s);
    if (!rule) return rule.status();
    if (rule->policy == MaskPolicy::kHash && !first_hash->has_value()) *first_hash = e.value;
    s->mask.push_back(std::move(*rule));
    return Status::ok();
  }));
  if (s->mask.empty()) return r.expected(v, "at least one field: policy", "an empty mapping");
  return Status::ok();
}

}  // namespace delta::config::internal
