// The `detect` masking policy: finds personal data inside free text and replaces each finding.
//
// - "[EMAIL]": local@domain, local part of [A-Za-z0-9._%+-], domain of [A-Za-z0-9.-] with a dot and
//   an alphabetic top-level label of 2+ letters.
// - "[CARD]": 13 to 19 digits, optionally grouped by single spaces or dashes, passing the Luhn check.
// - "[PHONE]": 10 to 15 digits with separators (space, '-', '.', '/', parentheses; at most two in a
//   row) that start with '+' or '(' or have at least three digit groups: "+49 30 1234567",
//   "(555) 123-4567", "555-123-4567". Not followed by ':' (a date and an hour).
// Numbers must stand alone: no letter or digit right before or after. Card wins over phone.
// It is a heuristic scan (no std::regex), linear in the text: it may miss unusual spellings and may
// mask a long grouped number that is neither; it never echoes what it replaced.
//
// Thread: stateless functions.
#pragma once

#include <string>
#include <string_view>

namespace delta::process {

// Appends `text` with every finding replaced, JSON-escaped (no surrounding quotes), to *out.
void append_detected(std::string_view text, std::string* out);

// True when the digits of `text` (other bytes are skipped) pass the Luhn check.
bool luhn_valid(std::string_view text);

}  // namespace delta::process
