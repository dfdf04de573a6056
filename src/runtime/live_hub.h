// LiveHub: topic-based fan-out from publishers (view workers, the ingest path) to live WebSocket
// subscribers. Topics are "stream:<name>" and "view:<name>"; each row is one JSON object's text.
//
// publish() appends the rows to every subscriber of the topic and never blocks on a subscriber: each
// subscriber has a bounded queue (HubOptions), and one whose queue would overflow is closed with a
// reason (the edge then sends close code 1013) instead of slowing the publisher or the others. A
// subscriber drains its queue with take(), which returns everything queued as one NDJSON block, so
// rows that arrive while a frame is being written go out together in the next frame (batching grows
// with the rate). notify() only wakes a topic's subscribers, for those that read their data
// elsewhere (stream subscribers tail the log; the ingest path notifies after a durable append).
//
// Threads: every method is thread-safe. publish() takes the hub's lock shared and each
// subscriber's lock once per call (not per row). The `wake` callback runs on the publisher's thread,
// at most once until the subscriber's next take(): it must only post work elsewhere (e.g. to the
// session's strand). Ownership: the hub holds subscriptions weakly; a subscriber that goes away is
// dropped from its topic by its Subscription's destructor (or unsubscribe()).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace delta::runtime {

struct HubOptions {
  size_t max_queued_rows = 65536;      // per subscriber; beyond: the subscriber is closed
  size_t max_queued_bytes = 64 << 20;  // per subscriber; beyond: the subscriber is closed
};

class LiveHub;

// One subscriber's queue. Created by LiveHub::subscribe(); the subscriber owns it.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Moves every queued row into *out (cleared first) as NDJSON, one row per line, and re-arms the
  // wake callback. Returns the number of rows.
  size_t take(std::string* out);
  // True once the hub has closed this subscriber (overflow); reason() says why.
  bool overflowed() const { return overflowed_.load(std::memory_order_acquire); }
  std::string reason() const;
  const std::string& topic() const { return topic_; }
  // Leaves the topic now (the destructor does it too). Idempotent.
  void unsubscribe();

 private:
  friend class LiveHub;
  Subscription(LiveHub* hub, std::string topic, HubOptions options, std::function<void()> wake);
  // Appends rows (the publisher's thread); false when the queue overflowed and the subscriber is closed.
  void push(std::span<const std::string> rows);
  void wake();

  LiveHub* hub_;
  const std::string topic_;
  const HubOptions options_;
  const std::function<void()> wake_;
  mutable std::mutex mu_;
  std::string queued_;      // GUARDED_BY(mu_): NDJSON, one row per line
  size_t queued_rows_ = 0;  // GUARDED_BY(mu_)
  std::string reason_;      // GUARDED_BY(mu_)
  std::atomic<bool> overflowed_{false};
  std::atomic<bool> wake_armed_{true};
  std::atomic<bool> subscribed_{true};
};

class LiveHub {
 public:
  explicit LiveHub(HubOptions options = {}) : options_(options) {}
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // REQUIRES: the hub outlives the returned subscription.
  std::unique_ptr<Subscription> subscribe(std::string_view topic, std::function<void()> wake);
  // Never blocks on a subscriber. Rows must each be one line (no '\n' inside), as JSON text is.
  void publish(std::string_view topic, std::span<const std::string> rows);
  // Wakes the topic's subscribers without data.
  void notify(std::string_view topic);
  bool has_subscribers(std::string_view topic) const;
  // Subscribers closed for overflowing, since start.
  uint64_t overflows() const { return overflows_.load(std::memory_order_relaxed); }

 private:
  friend class Subscription;
  void remove(Subscription* subscription);

  const HubOptions options_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::vector<Subscription*>, std::less<>> topics_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> overflows_{0};
};

}  // namespace delta::runtime
