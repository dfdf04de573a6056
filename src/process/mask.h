// Masker: a stream's masking rules applied to one event's JSON text, before it is written anywhere.
//
// The edge's validating parser already knows where each member is, so masking does not parse again:
// the decoder hands over the byte ranges of the masked members (MaskedMember) and rewrite() copies
// the event around them, replacing masked values and omitting dropped members. Only top-level fields
// are masked (no nested paths). Every occurrence of a masked field is masked, duplicates included.
//
// Policies, on the unescaped string value (see model::MaskPolicy); the result is always a JSON
// string, so a masked field keeps the type `string` that the policy requires:
// - hash: HMAC-SHA256 with the pipeline's masking key, 64 lowercase hex digits. Equal inputs give
//   equal outputs under one key, so joins and group-bys still work. String fields only: hashing a
//   number would turn an int64 field into a string.
// - redact: "[REDACTED]" (string and json fields; a json field's value of any type).
// - partial: an email (one '@', a dotted domain, no spaces) becomes "***@" + domain; any other string
//   keeps its last keep_last characters (UTF-8 code points) and the others become '*'; a string of
//   keep_last characters or fewer becomes all '*'.
// - truncate_ip: IPv4 to its /24 ("10.1.2.0"), IPv6 to its /48 ("2001:db8:1::"), printed in
//   canonical form; anything that is not an IP address (zone ids included) becomes "[REDACTED]".
// - drop: the member is removed, with its comma.
// - detect: see detect.h.
// A null value stays null (it holds nothing to hide), except under drop.
//
// Thread: immutable after construction; one Masker per stream is shared read-only by every
// connection. rewrite() and append_masked() write only to the caller's buffer and allocate nothing
// beyond its growth.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/schema.h"
#include "process/hmac.h"

namespace delta::process {

// Where a masked member sits in an event's text, found by the parser that validated the event.
// Offsets are from the first byte of the event; value_end is one past the value's last byte.
struct MaskedMember {
  uint32_t rule = 0;        // index into Masker::rules()
  size_t member_begin = 0;  // the key's opening quote
  size_t value_begin = 0;
  size_t value_end = 0;
  bool has_text = false;  // the value is a JSON string and `text` is its unescaped content
  std::string_view text;
};

inline constexpr std::string_view kRedacted = "[REDACTED]";

class Masker {
 public:
  // REQUIRES: key.size() >= model::kMinMaskKeyBytes when a rule hashes (the config loader checks
  // it); rules name distinct fields.
  Masker(std::vector<model::MaskRule> rules, std::string_view key);

  const std::vector<model::MaskRule>& rules() const { return rules_; }
  // The index of the rule for top-level field `field`, or -1.
  int rule_index(std::string_view field) const;

  // Appends the masked form of string value `text` under rules()[rule], as a quoted JSON string.
  void append_masked(uint32_t rule, std::string_view text, std::string* out) const;

  // Writes `event` (one JSON object, already validated) with `members` masked into *out (cleared
  // first). REQUIRES: members in document order, not overlapping, each within `event`.
  void rewrite(std::string_view event, std::span<const MaskedMember> members, std::string* out) const;

 private:
  void append_member(std::string_view event, const MaskedMember& m, std::string* out) const;

  std::vector<model::MaskRule> rules_;
  HmacSha256 hmac_;
};

// The Masker for stream `s` with masking key `key`, or nullptr when the stream masks nothing.
std::unique_ptr<Masker> masker_for(const model::StreamSchema& s, std::string_view key);

// The policies one by one; each appends JSON-escaped text without quotes.
void append_hashed(const HmacSha256& hmac, std::string_view text, std::string* out);
void append_partial(std::string_view text, int32_t keep_last, std::string* out);
void append_truncated_ip(std::string_view text, std::string* out);

}  // namespace delta::process
