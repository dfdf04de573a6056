// The flat path's word-at-a-time pieces (expr_json_scan.h) against byte-by-byte definitions: what
// stops a string at every offset of a 16- and 8-byte word, digit runs of every length, integers of
// every length and sign, and reads that may look past the end of the value but must not count it.
#include <gtest/gtest.h>

#include <string>

#include "process/expr_json_scan.h"

namespace delta::process::json_scan {
namespace {

// The first '"', '\\' or control character by the JSON grammar, one byte at a time.
size_t stop_by_bytes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\' || c < 0x20) return i;
  }
  return s.size();
}

TEST(JsonScan, StringStopFindsEveryStopByteAtEveryOffset) {
  // Bytes around the stop bytes too: 0x1f/0x20, '!' (0x21, next to '"'), '[' and ']' (around '\\'),
  // 0x7f, and bytes >= 0x80, whose high bit must not read as a match.
  const std::string stops = {'"', '\\', '\0', '\x01', '\x1f', '\n', '\t'};
  const std::string fillers = {' ', '!', '#', '[', ']', 'a', '\x7f', '\x80', '\xc3', '\xff'};
  for (char filler : fillers) {
    for (char stop : stops) {
      for (size_t at = 0; at < 40; ++at) {
        std::string s(48, filler);
        s[at] = stop;
        SCOPED_TRACE(testing::Message() << "filler " << int(filler) << " stop " << int(stop) << " at " << at);
        for (size_t end = at; end <= s.size(); end += 7) {  // stops at or past `end` do not count
          const char* e = s.data() + end;
          const size_t want = std::min(stop_by_bytes(s), end);
          EXPECT_EQ(string_stop(s.data(), e, e) - s.data(), static_cast<ptrdiff_t>(want));
          EXPECT_EQ(string_stop(s.data(), e, s.data() + s.size()) - s.data(), static_cast<ptrdiff_t>(want));
        }
      }
    }
  }
  for (size_t at = 0; at <= 8; ++at) {  // the word test alone, every stop byte at every position
    for (char stop : stops) {
      std::string w(8, 'x');
      if (at < 8) w[at] = stop;
      EXPECT_EQ(string_stop_in(load64(w.data())), at);
    }
  }
}

TEST(JsonScan, StringEndValidatesEscapesAtEveryOffset) {
  for (size_t at = 0; at < 34; ++at) {
    for (std::string_view esc : {R"(\")", R"(\\)", R"(\/)", R"(\n)", R"(\u00e9)"}) {
      std::string s = std::string(at, 'a') + std::string(esc) + std::string(20, 'b') + "\"";
      bool escaped = false;
      const char* q = string_end(s.data(), s.data() + s.size(), &escaped);
      ASSERT_NE(q, nullptr) << at << " " << esc;
      EXPECT_EQ(q, s.data() + s.size() - 1);
      EXPECT_TRUE(escaped);
    }
    for (std::string_view bad : {R"(\x)", R"(\u12g4)", "\x01", "\x1f"}) {
      std::string s = std::string(at, 'a') + std::string(bad) + std::string(20, 'b') + "\"";
      bool escaped = false;
      EXPECT_EQ(string_end(s.data(), s.data() + s.size(), &escaped), nullptr) << at;
    }
    // The closing quote beyond `end` but within the readable bytes: unterminated.
    std::string s = std::string(at, 'a') + "\"" + std::string(16, ' ');
    bool escaped = false;
    EXPECT_EQ(string_end(s.data(), s.data() + at, s.data() + s.size(), &escaped), nullptr);
  }
}

TEST(JsonScan, DigitRunsOfEveryLength) {
  for (size_t n = 0; n < 30; ++n) {
    for (char after : {',', '}', '.', 'e', '/', ':', ' ', '\xb0'}) {  // '/' and ':' sit around '0'..'9'
      std::string s = std::string(n, '7') + after + "123456789";
      EXPECT_EQ(digits_end(s.data(), s.data() + s.size()) - s.data(), static_cast<ptrdiff_t>(n));
      EXPECT_EQ(digits_end(s.data(), s.data() + n) - s.data(), static_cast<ptrdiff_t>(n));
      EXPECT_EQ(leading_digits(load64((s + "        ").data())), std::min<unsigned>(n, 8)) << n;
    }
  }
}

// short_integer reads what integer_of reads (or leaves it to it), for every length and both signs.
TEST(JsonScan, ShortIntegerMatchesTheGeneralPath) {
  std::string digits = "91827364554637281910";
  for (size_t n = 1; n <= 20; ++n) {
    for (bool negative : {false, true}) {
      for (std::string_view after : {",", "}", " ,", "]", ".5,", "e3,", "x"}) {
        const std::string text = (negative ? "-" : "") + digits.substr(0, n);
        const std::string event = "{\"k\":" + text + std::string(after) + std::string(24, '}');
        const char* p = event.data() + 5;
        const char* end = event.data() + event.size();
        int64_t fast = 0;
        const char* q = short_integer(p, end, end, &fast);
        Number num;
        num.event = event.data();
        const char* general = number_end(p, end, &num);
        int64_t slow = 0;
        const bool integral = general != nullptr && !num.fraction && !num.exponent && integer_of(num, &slow);
        SCOPED_TRACE(event);
        if (q == nullptr) {
          EXPECT_TRUE(n > 15 || !integral) << "short_integer left an integer it reads";
          continue;
        }
        ASSERT_TRUE(integral);
        EXPECT_EQ(q, general);
        EXPECT_EQ(fast, slow);
      }
    }
  }
  // Leading zeros, -0 and bare signs are left to the general path (which refuses or defers them).
  for (std::string_view text : {"0", "-0", "01", "-01", "00", "-", "-x"}) {
    std::string event = std::string(text) + "," + std::string(24, ' ');
    int64_t v = -1;
    const char* q = short_integer(event.data(), event.data() + event.size(), event.data() + event.size(), &v);
    if (text == "0") {
      ASSERT_NE(q, nullptr);
      EXPECT_EQ(v, 0);
    } else {
      EXPECT_EQ(q, nullptr) << text;
    }
  }
  // Digits that go on past the end of the value (readable bytes after it) are not part of it.
  std::string s = "123456789012" + std::string(20, ' ');
  int64_t v = 0;
  EXPECT_EQ(short_integer(s.data(), s.data() + 5, s.data() + s.size(), &v), nullptr);
  EXPECT_EQ(short_integer(s.data(), s.data() + 4, s.data() + 4, &v), nullptr);  // too short to load
}

}  // namespace
}  // namespace delta::process::json_scan
