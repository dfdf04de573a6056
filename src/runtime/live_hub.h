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
// Threads: every method is thread-safe. The hub's mutex guards only the topic table, whose
// subscriber lists are immutable snapshots (copied on subscribe and unsubscribe): publish() and
// notify() hold it just long enough to take a topic's snapshot, then push and wake without it, so
// neither a slow wake nor a steady stream of publishers can keep subscribe()/unsubscribe() waiting
// (a reader-preferring rwlock did). Each subscriber's lock is taken once per publish() call (not
// per row). The `wake` callback runs on the publisher's thread, at most once until the
// subscriber's next take(): it must only post work elsewhere (e.g. to the session's strand).
// A publisher that took the snapshot before an unsubscribe() may still push to that queue and run
// `wake` once after unsubscribe() returns, so the callback must hold its target weakly.
// Ownership: a Subscription and the hub's snapshots share its queue; the subscriber leaves its
// topic in its destructor (or unsubscribe()).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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

// One subscriber's handle on its queue. Created by LiveHub::subscribe(); the subscriber owns it.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Moves every queued row into *out (cleared first) as NDJSON, one row per line, and re-arms the
  // wake callback. Returns the number of rows.
  size_t take(std::string* out);
  // True once the hub has closed this subscriber (overflow); reason() says why.
  bool overflowed() const { return queue_->overflowed.load(std::memory_order_acquire); }
  std::string reason() const;
  const std::string& topic() const { return queue_->topic; }
  // Leaves the topic now (the destructor does it too). Idempotent.
  void unsubscribe();

 private:
  friend class LiveHub;
  // The queue publishers append to; shared with the hub's snapshots of the topic.
  struct Queue {
    Queue(LiveHub* hub, std::string topic, HubOptions options, std::function<void()> wake);
    // Appends rows (the publisher's thread); closes the subscriber when they would not fit.
    void push(std::span<const std::string> rows);
    void wake();

    LiveHub* const hub;
    const std::string topic;
    const HubOptions options;
    const std::function<void()> wake_fn;
    mutable std::mutex mu;
    std::string queued;      // GUARDED_BY(mu): NDJSON, one row per line
    size_t queued_rows = 0;  // GUARDED_BY(mu)
    std::string reason;      // GUARDED_BY(mu)
    std::atomic<bool> overflowed{false};
    std::atomic<bool> wake_armed{true};
  };
  Subscription(LiveHub* hub, std::shared_ptr<Queue> queue) : hub_(hub), queue_(std::move(queue)) {}

  LiveHub* hub_;
  const std::shared_ptr<Queue> queue_;
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
  using Subscribers = std::vector<std::shared_ptr<Subscription::Queue>>;
  void remove(const Subscription::Queue* queue);
  // The topic's subscribers now (null when none); the lock is held only for the copy.
  std::shared_ptr<const Subscribers> snapshot(std::string_view topic) const;

  const HubOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Subscribers>, std::less<>> topics_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> overflows_{0};
};

}  // namespace delta::runtime
