#include "runtime/live_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace delta::runtime {
namespace {

TEST(LiveHub, PublishReachesOnlyTheTopicsSubscribersAsNdjson) {
  LiveHub hub;
  int wakes = 0;
  auto a = hub.subscribe("view:a", [&] { ++wakes; });
  auto b = hub.subscribe("view:b", [] {});
  EXPECT_TRUE(hub.has_subscribers("view:a"));
  EXPECT_FALSE(hub.has_subscribers("view:c"));
  std::vector<std::string> rows = {R"({"k":1})", R"({"k":2})"};
  hub.publish("view:a", rows);
  hub.publish("view:a", rows);
  EXPECT_EQ(wakes, 1) << "one wake until the subscriber takes";
  std::string out;
  EXPECT_EQ(a->take(&out), 4u);
  EXPECT_EQ(out, "{\"k\":1}\n{\"k\":2}\n{\"k\":1}\n{\"k\":2}\n");
  EXPECT_EQ(b->take(&out), 0u);
  EXPECT_TRUE(out.empty());
  hub.publish("view:a", rows);
  EXPECT_EQ(wakes, 2) << "take re-arms the wake";
}

TEST(LiveHub, ASlowSubscriberIsClosedWithoutAffectingOthers) {
  LiveHub hub(HubOptions{.max_queued_rows = 3, .max_queued_bytes = 1 << 20});
  auto slow = hub.subscribe("view:v", [] {});
  auto fast = hub.subscribe("view:v", [] {});
  std::vector<std::string> rows = {"{}", "{}"};
  std::string out;
  hub.publish("view:v", rows);
  EXPECT_EQ(fast->take(&out), 2u);
  hub.publish("view:v", rows);  // slow now would hold 4 > 3
  EXPECT_TRUE(slow->overflowed());
  EXPECT_NE(slow->reason().find("too slow"), std::string::npos);
  EXPECT_FALSE(fast->overflowed());
  EXPECT_EQ(fast->take(&out), 2u);
  EXPECT_EQ(slow->take(&out), 0u) << "an overflowed queue is released";
  EXPECT_EQ(hub.overflows(), 1u);
}

TEST(LiveHub, UnsubscribeOnDestructionAndNotifyWakesWithoutData) {
  LiveHub hub;
  int wakes = 0;
  {
    auto s = hub.subscribe("stream:s", [&] { ++wakes; });
    hub.notify("stream:s");
    EXPECT_EQ(wakes, 1);
  }
  EXPECT_FALSE(hub.has_subscribers("stream:s"));
  hub.notify("stream:s");
  EXPECT_EQ(wakes, 1);
}

// Publishers on several threads while a subscriber takes: every row arrives once.
TEST(LiveHub, ConcurrentPublishersLoseNothing) {
  LiveHub hub(HubOptions{.max_queued_rows = 1 << 20, .max_queued_bytes = 1 << 28});
  auto s = hub.subscribe("view:v", [] {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&hub] {
      std::vector<std::string> rows = {"{\"x\":1}"};
      for (int i = 0; i < 5000; ++i) hub.publish("view:v", rows);
    });
  }
  size_t total = 0;
  std::string out;
  for (auto& t : threads) t.join();
  total += s->take(&out);
  EXPECT_EQ(total, 20000u);
  EXPECT_EQ(out.size(), 20000u * 8);
}

// Regression: publishers ran the wake callbacks under the hub's shared lock, and glibc's
// reader-preferring rwlock let a steady stream of notifies keep subscribe()/unsubscribe() out
// indefinitely (a closing session's destructor blocked an I/O thread). Wakes here are slow (a
// contended post) and always re-armed; new subscribers must still come and go.
TEST(LiveHub, SubscribersComeAndGoWhilePublishersWake) {
  LiveHub hub;
  constexpr int kSlow = 4;
  std::vector<std::atomic<Subscription*>> busy(kSlow);
  std::vector<std::unique_ptr<Subscription>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(hub.subscribe("stream:s", [&busy, i] {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      std::string ignored;
      if (Subscription* s = busy[static_cast<size_t>(i)].load()) s->take(&ignored);  // re-arms
    }));
    busy[static_cast<size_t>(i)].store(slow.back().get());
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> publishers;
  for (int t = 0; t < kSlow; ++t) {
    publishers.emplace_back([&] {
      while (!stop.load()) hub.notify("stream:s");
    });
  }
  constexpr int kRounds = 200;
  std::atomic<int> done{0};
  std::thread churn([&] {
    for (int i = 0; i < kRounds; ++i) {
      auto s = hub.subscribe("stream:s", [] {});
      s->unsubscribe();
      done.fetch_add(1);
    }
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (done.load() < kRounds && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int finished = done.load();
  stop.store(true);
  for (auto& t : publishers) t.join();
  churn.join();
  EXPECT_EQ(finished, kRounds) << "subscribe/unsubscribe starved behind the publishers";
}

}  // namespace
}  // namespace delta::runtime
