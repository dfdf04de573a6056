#include "process/mask.h"

#include <arpa/inet.h>

#include <cstring>

#include "base/json_escape.h"
#include "obs/logger.h"
#include "process/detect.h"

namespace delta::process {
namespace {

using model::MaskPolicy;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// One '@' after a non-empty local part, a domain with an inner dot, no spaces.
bool looks_like_email(std::string_view s) {
  size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  if (s.find(' ') != std::string_view::npos) return false;
  std::string_view domain = s.substr(at + 1);
  size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && domain.back() != '.';
}

size_t count_code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += is_utf8_continuation(c) ? 0 : 1;
  return n;
}

// The byte offset of code point number `index` (0-based) in `s`.
size_t code_point_offset(std::string_view s, size_t index) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (is_utf8_continuation(s[i])) continue;
    if (seen++ == index) return i;
  }
  return s.size();
}

// Zeroes every bit of `bytes` after the first `keep_bits` (a multiple of 8).
void keep_prefix(uint8_t* bytes, size_t size, size_t keep_bits) {
  std::memset(bytes + keep_bits / 8, 0, size - keep_bits / 8);
}

// Removes a dropped member and the comma that separated it from its neighbour; returns where copying
// resumes in `event`.
size_t drop_member(std::string_view event, const MaskedMember& m, size_t pos, std::string* out) {
  out->append(event.substr(pos, m.member_begin - pos));
  while (!out->empty() && is_ws(out->back())) out->pop_back();
  if (!out->empty() && out->back() == ',') {
    out->pop_back();
    return m.value_end;
  }
  size_t next = m.value_end;  // the first member so far: drop the comma after it instead
  while (next < event.size() && is_ws(event[next])) ++next;
  return next < event.size() && event[next] == ',' ? next + 1 : next;
}

}  // namespace

void append_hashed(const HmacSha256& hmac, std::string_view text, std::string* out) {
  HmacSha256::Digest d = hmac.sign(text);
  append_hex(d.data(), d.size(), out);
}

void append_partial(std::string_view text, int32_t keep_last, std::string* out) {
  if (looks_like_email(text)) {
    out->append("***@");
    json::append_escaped(*out, text.substr(text.find('@') + 1));
    return;
  }
  size_t chars = count_code_points(text);
  size_t keep = keep_last > 0 ? static_cast<size_t>(keep_last) : 0;
  if (chars <= keep) {
    out->append(chars, '*');
    return;
  }
  out->append(chars - keep, '*');
  json::append_escaped(*out, text.substr(code_point_offset(text, chars - keep)));
}

void append_truncated_ip(std::string_view text, std::string* out) {
  char buf[INET6_ADDRSTRLEN];
  in6_addr addr;  // large enough for either family
  int family = text.find(':') == std::string_view::npos ? AF_INET : AF_INET6;
  if (text.size() >= sizeof buf) {
    out->append(kRedacted);
    return;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(family, buf, &addr) != 1 ||
      (family == AF_INET6 && text.find('%') != std::string_view::npos)) {
    out->append(kRedacted);
    return;
  }
  auto* bytes = reinterpret_cast<uint8_t*>(&addr);
  if (family == AF_INET) {
    keep_prefix(bytes, 4, 24);
  } else {
    keep_prefix(bytes, 16, 48);
  }
  out->append(inet_ntop(family, &addr, buf, sizeof buf) != nullptr ? std::string_view(buf) : kRedacted);
}

Masker::Masker(std::vector<model::MaskRule> rules, std::string_view key)
    : rules_(std::move(rules)), hmac_(key) {}

std::unique_ptr<Masker> masker_for(const model::StreamSchema& s, std::string_view key) {
  if (s.mask.empty()) return nullptr;
  return std::make_unique<Masker>(s.mask, key);
}

int Masker::rule_index(std::string_view field) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].field == field) return static_cast<int>(i);
  }
  return -1;
}

void Masker::append_masked(uint32_t rule, std::string_view text, std::string* out) const {
  const model::MaskRule& r = rules_[rule];
  out->push_back('"');
  switch (r.policy) {
    case MaskPolicy::kHash: append_hashed(hmac_, text, out); break;
    case MaskPolicy::kPartial: append_partial(text, r.keep_last, out); break;
    case MaskPolicy::kTruncateIp: append_truncated_ip(text, out); break;
    case MaskPolicy::kDetect: append_detected(text, out); break;
    case MaskPolicy::kRedact:
    case MaskPolicy::kDrop: out->append(kRedacted); break;
  }
  out->push_back('"');
}

// A string value is masked by its policy, null stays null, any other value (a json field under
// redact) is redacted.
void Masker::append_member(std::string_view event, const MaskedMember& m, std::string* out) const {
  std::string_view value = event.substr(m.value_begin, m.value_end - m.value_begin);
  if (m.has_text) return append_masked(m.rule, m.text, out);
  if (value == "null") {
    out->append(value);
    return;
  }
  out->push_back('"');
  out->append(kRedacted);
  out->push_back('"');
}

void Masker::rewrite(std::string_view event, std::span<const MaskedMember> members, std::string* out) const {
  out->clear();
  size_t pos = 0;
  for (const MaskedMember& m : members) {
    if (rules_[m.rule].policy == MaskPolicy::kDrop) {
      pos = drop_member(event, m, pos, out);
      continue;
    }
    out->append(event.substr(pos, m.value_begin - pos));
    append_member(event, m, out);
    pos = m.value_end;
  }
  out->append(event.substr(pos));
}

}  // namespace delta::process
