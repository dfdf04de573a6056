// JSON string escaping: the one implementation behind every JSON writer (logs, HTTP bodies, result
// rows, sink payloads). `"` and `\` are escaped, \n \r \t get their short escapes, every other
// control character (< 0x20) is \u00XX; everything else, UTF-8 included, is copied as is (callers
// hand in valid UTF-8: the edge validates events, and names come from the config).
// write_*() write through a pointer into a buffer the caller has sized (hot paths: rows);
// append_*() grow a std::string. Thread: stateless.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace delta::json {

// Whether byte c needs an escape inside a JSON string.
inline bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// The escape of c (REQUIRES: needs_escape(c)) written at p; at most 6 bytes. Returns the end.
inline char* write_escape(char* p, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  *p++ = '\\';
  switch (c) {
    case '"': *p++ = '"'; break;
    case '\\': *p++ = '\\'; break;
    case '\n': *p++ = 'n'; break;
    case '\r': *p++ = 'r'; break;
    case '\t': *p++ = 't'; break;
    default:
      *p++ = 'u';
      *p++ = '0';
      *p++ = '0';
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 15];
  }
  return p;
}

// At most 6 * s.size() bytes: s escaped, without quotes. Returns the end.
inline char* write_escaped(char* p, std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (needs_escape(c)) {
      p = write_escape(p, c);
    } else {
      *p++ = ch;
    }
  }
  return p;
}

// At most 6 * s.size() + 2 bytes: s as a quoted JSON string.
inline char* write_quoted(char* p, std::string_view s) {
  *p++ = '"';
  p = write_escaped(p, s);
  *p++ = '"';
  return p;
}

// Appends s escaped (without quotes): runs that need no escape are appended whole.
void append_escaped(std::string& out, std::string_view s);

inline void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  append_escaped(out, s);
  out += '"';
}

}  // namespace delta::json
