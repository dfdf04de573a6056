#include <gtest/gtest.h>

#include <string>

#include "process/dedup.h"

namespace delta::process {
namespace {

TEST(DeduplicatorTest, DuplicateWithinHorizonIsSeen) {
  Deduplicator d(60'000);
  EXPECT_FALSE(d.seen("a", 1000));
  EXPECT_FALSE(d.seen("b", 2000));
  EXPECT_TRUE(d.seen("a", 30'000));
  EXPECT_TRUE(d.seen("b", 61'000));  // 59 s after it was first seen
  EXPECT_FALSE(d.seen("c", 61'000));
}

TEST(DeduplicatorTest, ForgottenPastTheHorizon) {
  Deduplicator d(60'000);
  EXPECT_FALSE(d.seen("a", 1000));
  EXPECT_FALSE(d.seen("x", 200'000));  // time moves 199 s on
  EXPECT_FALSE(d.seen("a", 200'001));  // "a" is beyond the horizon: new again
  EXPECT_TRUE(d.seen("a", 200'002));
}

TEST(DeduplicatorTest, ManyIdsAndExpiryBoundsMemory) {
  Deduplicator d(10'000);
  for (int i = 0; i < 100'000; ++i) ASSERT_FALSE(d.seen("id-" + std::to_string(i), i)) << i;
  for (int i = 95'000; i < 100'000; ++i) ASSERT_TRUE(d.seen("id-" + std::to_string(i), 100'000)) << i;
  EXPECT_LE(d.ids(), 12'000u);  // ~horizon plus one bucket of ids kept, not 100k
  EXPECT_GE(d.ids(), 10'000u);
}

TEST(DeduplicatorTest, OldEventsAreCheckedAgainstWhatIsKept) {
  Deduplicator d(1000);
  EXPECT_FALSE(d.seen("late", 0));
  EXPECT_FALSE(d.seen("now", 5000));
  EXPECT_FALSE(d.seen("old", 10));  // older than the horizon: recorded in the oldest bucket
  EXPECT_TRUE(d.seen("old", 10));
}

}  // namespace
}  // namespace delta::process
