// The detect policy: emails, Luhn-checked card numbers and phone numbers inside free text.
#include "process/detect.h"

#include <string>

#include <gtest/gtest.h>

namespace delta::process {
namespace {

std::string detected(std::string_view text) {
  std::string out;
  append_detected(text, &out);
  return out;
}

TEST(Luhn, KnownNumbers) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("5500 0000 0000 0004"));
  EXPECT_TRUE(luhn_valid("3782-822463-10005"));  // Amex, 15 digits
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
}

TEST(Detect, Emails) {
  EXPECT_EQ(detected("mail alice.smith+tag@mail.example.com now"), "mail [EMAIL] now");
  EXPECT_EQ(detected("<bob@example.org>, carol@x.io."), "<[EMAIL]>, [EMAIL].");
  EXPECT_EQ(detected("user@localhost and a@b.c and @example.com"),
            "user@localhost and a@b.c and @example.com");
}

TEST(Detect, LuhnValidCardsAreMasked) {
  EXPECT_EQ(detected("card 4111 1111 1111 1111 ok"), "card [CARD] ok");
  EXPECT_EQ(detected("card 4111-1111-1111-1111"), "card [CARD]");
  EXPECT_EQ(detected("4111111111111111"), "[CARD]");
  EXPECT_EQ(detected("amex 378282246310005."), "amex [CARD].");
  EXPECT_EQ(detected("discover 6011 0009 9013 9424"), "discover [CARD]");
  EXPECT_EQ(detected("19 digits 6221260000000000001"), "19 digits [CARD]");
}

TEST(Detect, LuhnInvalidCardsAreKept) {
  EXPECT_EQ(detected("card 4111 1111 1111 1112"), "card 4111 1111 1111 1112");
  EXPECT_EQ(detected("4111111111111112"), "4111111111111112");
  EXPECT_EQ(detected("order 123456789012"), "order 123456789012");  // 12 digits, no separators
}

TEST(Detect, PhoneNumbers) {
  EXPECT_EQ(detected("call +49 30 1234567 today"), "call [PHONE] today");
  EXPECT_EQ(detected("call (555) 123-4567."), "call [PHONE].");
  EXPECT_EQ(detected("555-123-4567"), "[PHONE]");
  EXPECT_EQ(detected("+1.555.123.4567"), "[PHONE]");
  EXPECT_EQ(detected("+441632960961"), "[PHONE]");
}

TEST(Detect, NumbersThatAreNotPhones) {
  EXPECT_EQ(detected("pi is 3.14159"), "pi is 3.14159");
  EXPECT_EQ(detected("555-1234"), "555-1234");            // 7 digits
  EXPECT_EQ(detected("id 1234567890"), "id 1234567890");  // bare digits, no separators
  EXPECT_EQ(detected("at 2026-01-01 10:00"), "at 2026-01-01 10:00");
  EXPECT_EQ(detected("ab+49 30 1234567"), "ab+49 30 1234567");  // glued to a word
}

TEST(Detect, SeveralFindingsAndEscaping) {
  EXPECT_EQ(detected("\"x\" a@b.de, 4111111111111111\n(555) 123-4567\\"),
            "\\\"x\\\" [EMAIL], [CARD]\\n[PHONE]\\\\");
}

TEST(Detect, TextWithoutFindingsIsCopied) {
  EXPECT_EQ(detected(""), "");
  EXPECT_EQ(detected("nothing to see here, 42 times"), "nothing to see here, 42 times");
  EXPECT_EQ(detected("Grüße aus Köln"), "Grüße aus Köln");
}

}  // namespace
}  // namespace delta::process
