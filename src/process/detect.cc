#include "process/detect.h"

#include "base/json_escape.h"
#include "obs/logger.h"

namespace delta::process {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_local_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; }
bool is_domain_char(char c) { return is_alnum(c) || c == '.' || c == '-'; }
bool is_number_separator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

// A domain with a dot and an alphabetic top-level label of at least two letters.
bool valid_domain(std::string_view d) {
  size_t dot = d.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || d.front() == '.' || d.size() - dot - 1 < 2) return false;
  for (size_t i = dot + 1; i < d.size(); ++i) {
    if (!is_alpha(d[i])) return false;
  }
  return true;
}

// Length of the email that starts at s[i], or 0.
size_t match_email(std::string_view s, size_t i) {
  size_t at = i;
  while (at < s.size() && is_local_char(s[at])) ++at;
  if (at == i || at >= s.size() || s[at] != '@') return 0;
  size_t end = at + 1;
  while (end < s.size() && is_domain_char(s[end])) ++end;
  while (end > at + 1 && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
  return valid_domain(s.substr(at + 1, end - at - 1)) ? end - i : 0;
}

// A run of digits and separators starting at s[i], as far as its last digit.
struct NumberRun {
  size_t length = 0;
  int digits = 0;
  int groups = 0;
  bool card_separators = true;  // only single spaces or dashes between digits
  bool phone_prefix = false;    // starts with '+' or has parentheses
};

// Separators count only once a digit follows them: "378282246310005." is a card.
NumberRun scan_number(std::string_view s, size_t i) {
  NumberRun run;
  run.phone_prefix = s[i] == '+' || s[i] == '(';
  run.card_separators = !run.phone_prefix;
  bool card_gap = true;  // the separators since the last digit are one space or one dash
  bool paren_gap = false;
  int in_a_row = 0;
  for (size_t j = s[i] == '+' ? i + 1 : i; j < s.size(); ++j) {
    char c = s[j];
    if (is_digit(c)) {
      if (j == i || !is_digit(s[j - 1])) ++run.groups;
      ++run.digits;
      run.card_separators = run.card_separators && card_gap;
      run.phone_prefix = run.phone_prefix || paren_gap;
      card_gap = true;
      paren_gap = false;
      in_a_row = 0;
      run.length = j + 1 - i;
      continue;
    }
    if (!is_number_separator(c) || ++in_a_row > 2) break;
    card_gap = card_gap && in_a_row == 1 && (c == ' ' || c == '-');
    paren_gap = paren_gap || c == '(' || c == ')';
  }
  return run;
}

bool starts_number(std::string_view s, size_t i) {
  if (is_digit(s[i])) return true;
  return (s[i] == '+' || s[i] == '(') && i + 1 < s.size() && is_digit(s[i + 1]);
}

// "[CARD]", "[PHONE]" or nullptr for the number that starts at s[i]. Sets *length to the run's
// length either way: a run that is neither is skipped whole, so no tail of it is taken for a phone.
const char* classify_number(std::string_view s, size_t i, size_t* length) {
  NumberRun run = scan_number(s, i);
  size_t end = i + run.length;
  *length = run.length;
  if (run.digits == 0 || (end < s.size() && is_alnum(s[end]))) return nullptr;
  if (run.digits >= 13 && run.digits <= 19 && run.card_separators && luhn_valid(s.substr(i, run.length))) {
    return "[CARD]";
  }
  bool followed_by_time = end < s.size() && s[end] == ':';
  if (run.digits >= 10 && run.digits <= 15 && (run.phone_prefix || run.groups >= 3) && !followed_by_time) {
    return "[PHONE]";
  }
  return nullptr;
}

// The replacement for what starts at s[i] (a word start), or nullptr; sets *length to the bytes it
// covers (also when there is no replacement, for a number run, which is then copied as is).
const char* finding_at(std::string_view s, size_t i, size_t* length) {
  if (i > 0 && is_local_char(s[i - 1])) return nullptr;  // not the start of a word
  if ((*length = match_email(s, i)) > 0) return "[EMAIL]";
  if (!starts_number(s, i)) return nullptr;
  return classify_number(s, i, length);
}

}  // namespace

bool luhn_valid(std::string_view text) {
  int sum = 0;
  int digits = 0;
  for (size_t k = text.size(); k-- > 0;) {
    if (!is_digit(text[k])) continue;
    int d = text[k] - '0';
    if (digits++ % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits > 0 && sum % 10 == 0;
}

void append_detected(std::string_view text, std::string* out) {
  size_t copied = 0;
  for (size_t i = 0; i < text.size();) {
    size_t length = 0;
    const char* replacement = finding_at(text, i, &length);
    if (replacement == nullptr) {
      i += length > 0 ? length : 1;
      continue;
    }
    json::append_escaped(*out, text.substr(copied, i - copied));
    out->append(replacement);
    i += length;
    copied = i;
  }
  json::append_escaped(*out, text.substr(copied));
}

}  // namespace delta::process
