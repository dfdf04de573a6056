// IngestDecoder on NDJSON: validation of every field type, rejection codes, indexes, event times and
// the stored value.
#include <string>
#include <utility>
#include <vector>

#include "edge/ingest.h"
#include "ingest_test_util.h"

namespace delta::edge {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the helpers of this suite

TEST(IngestDecoder, ValidNdjsonIsStoredMinifiedWithEventTime) {
  IngestDecoder d(clickstream_schema(), {});
  std::string line =
      "  { \"ts\" : \"2026-11-27T13:46:12.123Z\", \"event_id\":\"e 1\",\t\"user_id\":\"u-1\","
      " \"type\":\"click\", \"amount\": 12.5, \"extra\": { \"k\" : [1, 2] } }  ";
  IngestResult r = run(d, line + "\n" + event() + "\n");
  EXPECT_EQ(r.accepted, 2);
  EXPECT_EQ(r.rejected, 0);
  EXPECT_TRUE(r.errors.empty());
  std::vector<Stored> s = stored(d);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(
      s[0].value,
      "{\"ts\":\"2026-11-27T13:46:12.123Z\",\"event_id\":\"e 1\",\"user_id\":\"u-1\",\"type\":\"click\","
      "\"amount\":12.5,\"extra\":{\"k\":[1,2]}}");
  EXPECT_EQ(s[1].value, event());
  EXPECT_EQ(s[0].time_ms, kTs);
  EXPECT_EQ(r.accepted_bytes, s[0].value.size() + s[1].value.size());
  for (const Stored& x : s) expect_one_line_object(x.value);
}

// Compact events are stored as sent and others minified; the check for "compact" reads eight bytes
// at a time, so whitespace is tried at every position of the event.
TEST(IngestDecoder, WhitespaceAnywhereBetweenTokensIsMinifiedAway) {
  const std::string compact = event_with("amount", "12.5");
  bool in_string = false;
  for (size_t i = 1; i < compact.size(); ++i) {
    if (compact[i - 1] == '"') in_string = !in_string;  // the event has no escaped quotes
    bool boundary = std::string_view("{,:").find(compact[i - 1]) != std::string_view::npos ||
                    std::string_view("},:").find(compact[i]) != std::string_view::npos;
    if (in_string || !boundary) continue;
    for (const char* ws : {" ", "\t", "\r", "  \t "}) {
      std::string spaced = compact;
      spaced.insert(i, ws);
      IngestDecoder d(clickstream_schema(), {});
      ASSERT_EQ(run(d, spaced + "\n").accepted, 1) << spaced;
      EXPECT_EQ(stored(d)[0].value, compact) << "whitespace at " << i;
    }
  }
}

TEST(IngestDecoder, StoredValuesAreOneLineValidJson) {
  IngestDecoder d(clickstream_schema(), {});
  std::string body = event_with("meta", "{\"s\":\"a\\nb \\\"q\\\" \\u00e9\",\"n\":[ 1 , {\"x\" :null} ]}") +
                     "\r\n" + event_with("email", "\"caf\xC3\xA9 \\t tab\"") + "\r\n" +
                     event_with("meta", "\"  spaces inside strings stay  \"") + "\r\n";
  IngestResult r = run(d, body);
  ASSERT_EQ(r.accepted, 3) << (r.errors.empty() ? "" : r.errors[0].message);
  for (const Stored& x : stored(d)) expect_one_line_object(x.value);
  EXPECT_NE(stored(d)[2].value.find("\"  spaces inside strings stay  \""), std::string::npos);
}

TEST(IngestDecoder, MalformedJsonLines) {
  for (const std::string& line :
       {std::string("{\"ts\":}"), std::string("{\"a\" 1}"), std::string("{\"a\":1,}"), std::string("{a:1}"),
        std::string("{'a':1}"), std::string("{\"a\":1}}"), event() + " x", event() + event(),
        std::string("{\"a\":\"unterminated}"), std::string("nonsense"), std::string("{"),
        std::string("[1 2]"), std::string("\"\\x\""), std::string("01"), std::string("tru")}) {
    expect_rejected(line, error_code::kMalformedJson);
  }
}

// simdjson on-demand skips what it is not asked for without checking it; the decoder must not.
TEST(IngestDecoder, MalformedValuesInUnknownAndJsonFieldsAreCaught) {
  for (const char* bad : {"[1 2]", "{\"b\":1,}", "tru", "nul", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"",
                          "[1,]", "{\"b\" 1}", "[[1],[2}]"}) {
    expect_rejected(event_with("extra", bad), error_code::kMalformedJson);
    expect_rejected(event_with("meta", bad), error_code::kMalformedJson);
  }
}

TEST(IngestDecoder, TruncatedLastLineIsOneMalformedItem) {
  IngestDecoder d(clickstream_schema(), {});
  std::string full = event("u-2", "e-2");
  IngestResult r = run(d, event() + "\n" + full.substr(0, full.size() - 7));
  EXPECT_EQ(r.accepted, 1);
  EXPECT_EQ(r.rejected, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].index, 1);
  EXPECT_EQ(r.errors[0].code, error_code::kMalformedJson);
}

TEST(IngestDecoder, LastLineWithoutNewlineIsAccepted) {
  IngestDecoder d(clickstream_schema(), {});
  IngestResult r = run(d, event() + "\n" + event("u-2"));
  EXPECT_EQ(r.accepted, 2);
}

TEST(IngestDecoder, InvalidUtf8) {
  expect_rejected(event_with("email", "\"bad \xC3\x28 byte\""), error_code::kInvalidUtf8);
  expect_rejected(event_with("extra", "\"\xFF\""), error_code::kInvalidUtf8);
  expect_rejected(event_with("user_id", "\"\xED\xA0\x80\""), error_code::kInvalidUtf8);  // UTF-16 surrogate
}

TEST(IngestDecoder, WrongTypeForEachFieldType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"event_id", "12"}, {"event_id", "true"},  {"event_id", "[]"}, {"event_id", "{}"},
      {"count", "\"3\""}, {"count", "1.5"},      {"count", "1e3"},   {"count", "true"},
      {"count", "[1]"},   {"amount", "\"1.5\""}, {"amount", "true"}, {"amount", "{}"},
      {"flag", "1"},      {"flag", "\"true\""},  {"flag", "null "},  {"event_id", "null"},
  };
  for (const auto& [field, raw] : cases) {
    if (field == "flag" && raw == "null ") continue;  // optional: see NullForOptionalFieldIsFine
    expect_rejected(event_with(field, raw), error_code::kWrongType, field);
  }
}

TEST(IngestDecoder, WrongTypeMessageSaysWhatWasExpected) {
  IngestDecoder d(clickstream_schema(), {});
  IngestResult r = run(d, event_with("count", "\"3\"") + "\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "field 'count' (int64): expected an integer");
}

TEST(IngestDecoder, NullForRequiredFieldIsWrongType) {
  expect_rejected(event_with("user_id", "null"), error_code::kWrongType, "user_id");
  expect_rejected(event_with("ts", "null"), error_code::kWrongType, "ts");
}

TEST(IngestDecoder, NullForOptionalFieldIsFine) {
  for (const char* field : {"email", "amount", "count", "flag", "seen_at", "meta"}) {
    expect_accepted(event_with(field, "null"));
  }
}

TEST(IngestDecoder, MissingRequiredFieldIsNamed) {
  for (const char* field : {"ts", "event_id", "user_id", "type"}) {
    expect_rejected(event_without(field), error_code::kMissingField, field);
  }
  expect_rejected("{}", error_code::kMissingField);
}

TEST(IngestDecoder, UnknownFieldsAreAllowedAndKept) {
  IngestDecoder d(clickstream_schema(), {});
  ASSERT_EQ(run(d, event_with("zzz", "{\"nested\":[true,false,null,1e300]}") + "\n").accepted, 1);
  EXPECT_NE(stored(d)[0].value.find("\"zzz\":{\"nested\":[true,false,null,1e300]}"), std::string::npos);
}

// Keys are matched against the schema as raw bytes first; a key spelled with escapes is still that
// field.
TEST(IngestDecoder, EscapedKeySpellingIsStillTheSchemaField) {
  Fields f = base_fields();
  f[0].first = "t\\u0073";  // "ts"
  IngestDecoder d(clickstream_schema(), {});
  ASSERT_EQ(run(d, to_json(f) + "\n").accepted, 1);
  EXPECT_EQ(stored(d)[0].time_ms, kTs);
  f[0].second = "\"not a time\"";
  expect_rejected(to_json(f), error_code::kBadTimestamp, "ts");
}

TEST(IngestDecoder, KeysSharingOnlyAPrefixAreNotSchemaFields) {
  for (const char* key : {"user_idx", "user", "user_i", "u", "ts ", " ts", "TS", "count\\u0000"}) {
    expect_accepted(event_with(key, "[\"any\"]"));
  }
  expect_rejected(event_with("\\x", "1"), error_code::kMalformedJson);  // an invalid escape in a key
  expect_rejected(event_with("\\ud800", "1"), error_code::kMalformedJson);
}

// The matcher starts after the previous event's match; order must not matter for what is checked.
TEST(IngestDecoder, FieldOrderDoesNotChangeValidation) {
  Fields f = base_fields();
  f.emplace_back("count", "7");
  f.emplace_back("amount", "1.5");
  Fields reversed(f.rbegin(), f.rend());
  Fields bad = f;
  bad.back().second = "\"x\"";
  Fields bad_reversed(bad.rbegin(), bad.rend());
  IngestDecoder d(clickstream_schema(), {});
  std::string body;
  for (int i = 0; i < 3; ++i) {
    body += to_json(f) + "\n" + to_json(reversed) + "\n" + to_json(bad) + "\n" + to_json(bad_reversed) + "\n";
  }
  IngestResult r = run(d, body);
  EXPECT_EQ(r.accepted, 6);
  ASSERT_EQ(r.errors.size(), 6u);
  for (const ItemError& e : r.errors) {
    EXPECT_EQ(e.code, error_code::kWrongType);
    EXPECT_EQ(e.index % 4 >= 2, true) << e.index;
    EXPECT_NE(e.message.find("'amount'"), std::string::npos) << e.message;
  }
}

TEST(IngestDecoder, NumbersOutOfRange) {
  for (const char* raw :
       {"9223372036854775808", "-9223372036854775809", "1e30", "-1e19", "123456789012345678901234567890"}) {
    expect_rejected(event_with("count", raw), error_code::kOutOfRange, "count");
  }
  for (const char* raw : {"1e400", "-1e400", "1.8e308", "123456789012345678901234567890"}) {
    expect_rejected(event_with("amount", raw), error_code::kOutOfRange, "amount");
  }
}

// Later stages parse stored events with simdjson, which refuses these valid-grammar numbers; found by
// ingest_fuzz (an unknown field holding 1e400 was stored, then failed the DOM re-parse).
TEST(IngestDecoder, NumbersSimdjsonCannotParseAreOutOfRangeAnywhere) {
  for (const char* raw : {"1e400", "-9223372036854775809", "18446744073709551616", "[1,1.8e308]"}) {
    expect_rejected(event_with("meta", raw), error_code::kOutOfRange, "meta");
    expect_rejected(event_with("unknown", raw), error_code::kOutOfRange);
  }
  expect_accepted(event_with("unknown", "18446744073709551615"));  // uint64 is fine
}

TEST(IngestDecoder, NumbersAtTheEdgesAreAccepted) {
  for (const char* raw : {"9223372036854775807", "-9223372036854775808", "0", "-0"}) {
    expect_accepted(event_with("count", raw));
  }
  for (const char* raw : {"1e308", "-0.0", "5e-324", "2.5e-400", "18446744073709551615", "42"}) {
    expect_accepted(event_with("amount", raw));
  }
}

TEST(IngestDecoder, NestingDeeperThanTheLimitIsTooDeep) {
  IngestLimits limits;
  limits.max_json_depth = 4;  // the event object is level 1
  expect_accepted(event_with("meta", "{\"a\":{\"b\":{}}}"), limits);
  expect_accepted(event_with("extra", "[[[]]]"), limits);
  expect_rejected(event_with("meta", "{\"a\":{\"b\":{\"c\":{}}}}"), error_code::kTooDeep, "meta", limits);
  expect_rejected(event_with("extra", "[[[[]]]]"), error_code::kTooDeep, "", limits);
}

TEST(IngestDecoder, VeryDeepNestingIsRejectedWithoutRecursingIntoIt) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_rejected(event_with("extra", deep), error_code::kTooDeep);
  IngestDecoder d(clickstream_schema(), {});
  IngestResult r = run(d, "[" + event_with("meta", deep) + "]", BodyFormat::kJson);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, error_code::kTooDeep);
}

// The checker recurses once per level, so a huge configured limit must not become a stack overflow.
TEST(IngestDecoder, DepthLimitIsCappedAsAStackBound) {
  IngestLimits limits;
  limits.max_json_depth = 1u << 30;
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  expect_rejected(event_with("extra", deep), error_code::kTooDeep, "", limits);
  std::string ok = std::string(1000, '[') + std::string(1000, ']');
  expect_accepted(event_with("extra", ok), limits);
}

TEST(IngestDecoder, EmptyBody) {
  for (const char* body : {"", "\n", "\r\n\r\n", "  \n\t\n", "\xEF\xBB\xBF"}) {
    IngestDecoder d(clickstream_schema(), {});
    IngestResult r = run(d, body);
    EXPECT_EQ(r.accepted, 0);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].code, error_code::kEmptyBody);
    EXPECT_EQ(r.errors[0].index, 0);
  }
  for (BodyFormat format : {BodyFormat::kNdjson, BodyFormat::kJson}) {  // no data pointer at all
    IngestDecoder d(clickstream_schema(), {});
    IngestResult r = d.decode(format, std::string_view(), kNow);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].code, error_code::kEmptyBody);
  }
  for (const char* body : {"", "  \n ", "[]", " [ ] "}) {
    IngestDecoder d(clickstream_schema(), {});
    IngestResult r = run(d, body, BodyFormat::kJson);
    ASSERT_EQ(r.errors.size(), 1u) << body;
    EXPECT_EQ(r.errors[0].code, error_code::kEmptyBody) << body;
  }
}

TEST(IngestDecoder, EventTooLarge) {
  std::string e = event();
  IngestLimits limits;
  limits.max_event_bytes = e.size();
  expect_accepted(e, limits);
  std::string bigger = event_with("email", "\"x\"");
  expect_rejected(bigger, error_code::kEventTooLarge, "", limits);

  IngestDecoder d(clickstream_schema(), limits);
  IngestResult r = run(d, "[" + e + "," + bigger + "]", BodyFormat::kJson);
  EXPECT_EQ(r.accepted, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, error_code::kEventTooLarge);
  EXPECT_EQ(r.errors[0].index, 1);
  EXPECT_NE(r.errors[0].message.find(std::to_string(e.size())), std::string::npos);
}

TEST(IngestDecoder, NotAnObject) {
  for (const char* line : {"[1,2]", "42", "\"text\"", "true", "null", "[]"}) {
    expect_rejected(line, error_code::kNotAnObject);
  }
}

TEST(IngestDecoder, BadTimestamps) {
  for (const char* raw : {"\"2026-13-01T00:00:00Z\"", "\"2026-02-30T00:00:00Z\"", "\"2026-11-27 13:46\"",
                          "\"yesterday\"", "\"2026-11-27T13:46:12\"", "\"2026-11-27T13:46:12+24:00\"", "1.5",
                          "1e30", "9223372036854775808", "true", "{}", "[]", "\"\""}) {
    expect_rejected(event_with("ts", raw), error_code::kBadTimestamp, "ts");
    expect_rejected(event_with("seen_at", raw), error_code::kBadTimestamp, "seen_at");
  }
}

// An event time past year 9999 (int64 epoch ms up to 2^63 - 1) used to be accepted, and a view's
// window end for it overflowed int64 (UBSan: signed overflow in PanedWindowOperator::add_hashed).
TEST(IngestDecoder, TimestampsOutsideTheYears0000To9999AreRefused) {
  for (const char* raw : {"9223372036854775807", "-9223372036854775808", "253402300800000", "-62167219200001",
                          "\"9999-12-31T23:59:59.999-00:01\"", "\"0000-01-01T00:00:00+00:01\""}) {
    expect_rejected(event_with("ts", raw), error_code::kBadTimestamp, "ts");
    expect_rejected(event_with("seen_at", raw), error_code::kBadTimestamp, "seen_at");
  }
}

TEST(IngestDecoder, TimestampsConvertToUtcMillis) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"\"2026-11-27T13:46:12.123Z\"", kTs},
      {"\"2026-11-27T14:46:12.123+01:00\"", kTs},
      {"\"2026-11-27T08:16:12.123-05:30\"", kTs},
      {"\"2026-11-27T13:46:12.123456789Z\"", kTs},
      {"\"2026-11-27T13:46:12.1Z\"", kTs - 23},
      {"\"2026-11-27T13:46:12Z\"", kTs - 123},
      {"\"2026-11-27T13:46:12.123\\u005A\"", kTs},  // escaped 'Z' is still a 'Z'
      {"1795787172123", kTs},
      {"-1", -1},
      {"0", 0},
      {"\"0000-01-01T00:00:00Z\"", -62'167'219'200'000},
      {"\"9999-12-31T23:59:59.999Z\"", 253'402'300'799'999},
      {"-62167219200000", -62'167'219'200'000},
      {"253402300799999", 253'402'300'799'999},
  };
  for (const auto& [raw, want] : cases) {
    IngestDecoder d(clickstream_schema(), {});
    IngestResult r = run(d, event_with("ts", raw) + "\n");
    ASSERT_EQ(r.accepted, 1) << raw << (r.errors.empty() ? "" : ": " + r.errors[0].message);
    EXPECT_EQ(stored(d)[0].time_ms, want) << raw;
  }
}

TEST(IngestDecoder, StreamWithoutTimeFieldUsesNow) {
  model::StreamSchema s = clickstream_schema();
  s.time_field.clear();
  IngestDecoder d(s, {});
  ASSERT_EQ(run(d, event() + "\n").accepted, 1);
  EXPECT_EQ(stored(d)[0].time_ms, kNow);
}

TEST(IngestDecoder, OptionalTimeFieldAbsentUsesNow) {
  model::StreamSchema s = clickstream_schema();
  s.time_field = "seen_at";
  IngestDecoder d(s, {});
  ASSERT_EQ(run(d, event() + "\n" + event_with("seen_at", "1234") + "\n").accepted, 2);
  EXPECT_EQ(stored(d)[0].time_ms + stored(d)[1].time_ms, kNow + 1234);
}

TEST(IngestDecoder, MixedBodyKeepsValidItemsAndIndexesPhysicalLines) {
  IngestDecoder d(clickstream_schema(), {});
  std::string body = event("u-1", "e-0") + "\n" +         // 0 ok
                     "\n" +                               // 1 blank
                     "{\"ts\":\n" +                       // 2 malformed
                     "   \n" +                            // 3 blank
                     event("u-2", "e-4") + "\r\n" +       // 4 ok
                     "\r\n" +                             // 5 blank
                     event_without("type") + "\n" +       // 6 missing field
                     event_with("count", "1.5") + "\n" +  // 7 wrong type
                     event("u-3", "e-8");                 // 8 ok, no final newline
  IngestResult r = run(d, body);
  EXPECT_EQ(r.accepted, 3);
  EXPECT_EQ(r.rejected, 3);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].index, 2);
  EXPECT_EQ(r.errors[0].code, error_code::kMalformedJson);
  EXPECT_EQ(r.errors[1].index, 6);
  EXPECT_EQ(r.errors[1].code, error_code::kMissingField);
  EXPECT_EQ(r.errors[2].index, 7);
  EXPECT_EQ(r.errors[2].code, error_code::kWrongType);
  std::vector<Stored> s = stored(d);
  ASSERT_EQ(s.size(), 3u);
  int ids = 0;
  for (const Stored& x : s) {
    for (const char* id : {"e-0", "e-4", "e-8"}) ids += x.value.find(id) != std::string::npos;
  }
  EXPECT_EQ(ids, 3);
}

TEST(IngestDecoder, ErrorListIsCappedButRejectedCountsAll) {
  IngestDecoder d(clickstream_schema(), {});
  std::string body;
  for (int i = 0; i < 150; ++i) body += "{bad\n";
  body += event() + "\n";
  IngestResult r = run(d, body);
  EXPECT_EQ(r.accepted, 1);
  EXPECT_EQ(r.rejected, 150);
  EXPECT_EQ(r.errors.size(), kMaxReportedErrors);
  EXPECT_EQ(r.errors.back().index, static_cast<int64_t>(kMaxReportedErrors) - 1);
}

TEST(IngestDecoder, BatchesAreClearedBetweenCalls) {
  IngestDecoder d(clickstream_schema(), {});
  ASSERT_EQ(run(d, event() + "\n" + event("u-9") + "\n").accepted, 2);
  ASSERT_EQ(stored(d).size(), 2u);
  run(d, "{bad\n");
  EXPECT_TRUE(stored(d).empty());
  for (auto& b : d.batches()) EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace delta::edge
