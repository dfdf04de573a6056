// json_escape: every byte class, the quoted form, and the pointer and string forms agreeing.
#include "base/json_escape.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace delta::json {
namespace {

std::string quote_of(std::string_view s) {
  std::string out(6 * s.size() + 2, '\0');
  out.resize(static_cast<size_t>(write_quoted(out.data(), s) - out.data()));
  return out;
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(quote_of("plain"), "\"plain\"");
  EXPECT_EQ(quote_of(""), "\"\"");
  EXPECT_EQ(quote_of("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_of("l1\nl2\r\tx"), "\"l1\\nl2\\r\\tx\"");
  EXPECT_EQ(quote_of(std::string("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(quote_of("/ \x7f caf\xc3\xa9"), "\"/ \x7f caf\xc3\xa9\"");  // DEL and UTF-8 as they are
  std::string out = "x=";
  append_quoted(out, "q\"");
  EXPECT_EQ(out, "x=\"q\\\"\"");
}

// The string form (appends whole runs) and the pointer form (byte by byte) give the same bytes,
// within the stated bound, for random bytes of every class.
TEST(JsonEscape, AppendAndWriteAgreeOnRandomBytes) {
  std::mt19937 rng(7);
  const char alphabet[] = {'a',  'Z',    ' ',    '"',    '\\',   '\n',  '\r',
                           '\t', '\x01', '\x1f', '\x7f', '\xc3', '\xa9'};
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % sizeof alphabet];
    std::string appended;
    append_escaped(appended, s);
    std::string written(6 * s.size(), '\0');
    char* end = write_escaped(written.data(), s);
    ASSERT_LE(static_cast<size_t>(end - written.data()), 6 * s.size());
    written.resize(static_cast<size_t>(end - written.data()));
    ASSERT_EQ(appended, written) << s;
    for (size_t i = 0; i < appended.size(); ++i) {
      ASSERT_GE(static_cast<unsigned char>(appended[i]), 0x20) << "raw control byte at " << i;
    }
  }
}

}  // namespace
}  // namespace delta::json
