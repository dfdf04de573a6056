#include "runtime/live_hub.h"

#include <algorithm>

namespace delta::runtime {

Subscription::Queue::Queue(LiveHub* hub, std::string topic, HubOptions options, std::function<void()> wake)
    : hub(hub), topic(std::move(topic)), options(options), wake_fn(std::move(wake)) {}

Subscription::~Subscription() { unsubscribe(); }

void Subscription::unsubscribe() {
  if (subscribed_.exchange(false)) hub_->remove(queue_.get());
}

size_t Subscription::take(std::string* out) {
  out->clear();
  Queue& q = *queue_;
  std::lock_guard lock(q.mu);
  q.wake_armed.store(true, std::memory_order_release);
  out->swap(q.queued);
  size_t rows = q.queued_rows;
  q.queued_rows = 0;
  return rows;
}

std::string Subscription::reason() const {
  std::lock_guard lock(queue_->mu);
  return queue_->reason;
}

void Subscription::Queue::push(std::span<const std::string> rows) {
  if (overflowed.load(std::memory_order_acquire)) return;
  {
    std::lock_guard lock(mu);
    size_t bytes = 0;
    for (const std::string& r : rows) bytes += r.size() + 1;
    if (queued_rows + rows.size() > options.max_queued_rows ||
        queued.size() + bytes > options.max_queued_bytes) {
      reason = "subscriber too slow: more than " + std::to_string(options.max_queued_rows) + " rows or " +
               std::to_string(options.max_queued_bytes) + " bytes queued";
      queued.clear();
      queued.shrink_to_fit();
      queued_rows = 0;
      overflowed.store(true, std::memory_order_release);
      hub->overflows_.fetch_add(1, std::memory_order_relaxed);
    } else {
      queued.reserve(queued.size() + bytes);
      for (const std::string& r : rows) {
        queued += r;
        queued += '\n';
      }
      queued_rows += rows.size();
    }
  }
  wake();
}

void Subscription::Queue::wake() {
  if (wake_armed.exchange(false, std::memory_order_acq_rel)) wake_fn();
}

LiveHub::~LiveHub() = default;

std::unique_ptr<Subscription> LiveHub::subscribe(std::string_view topic, std::function<void()> wake) {
  auto queue = std::make_shared<Subscription::Queue>(this, std::string(topic), options_, std::move(wake));
  std::unique_ptr<Subscription> s(new Subscription(this, queue));
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  auto next =
      it == topics_.end() ? std::make_shared<Subscribers>() : std::make_shared<Subscribers>(*it->second);
  next->push_back(std::move(queue));
  if (it == topics_.end()) {
    topics_.emplace(std::string(topic), std::move(next));
  } else {
    it->second = std::move(next);
  }
  return s;
}

void LiveHub::remove(const Subscription::Queue* queue) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(queue->topic);
  if (it == topics_.end()) return;
  auto next = std::make_shared<Subscribers>(*it->second);
  std::erase_if(*next, [queue](const auto& q) { return q.get() == queue; });
  if (next->empty()) {
    topics_.erase(it);
  } else {
    it->second = std::move(next);
  }
}

std::shared_ptr<const LiveHub::Subscribers> LiveHub::snapshot(std::string_view topic) const {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : it->second;
}

void LiveHub::publish(std::string_view topic, std::span<const std::string> rows) {
  if (rows.empty()) return;
  std::shared_ptr<const Subscribers> subscribers = snapshot(topic);
  if (subscribers == nullptr) return;
  for (const auto& q : *subscribers) q->push(rows);
}

void LiveHub::notify(std::string_view topic) {
  std::shared_ptr<const Subscribers> subscribers = snapshot(topic);
  if (subscribers == nullptr) return;
  for (const auto& q : *subscribers) q->wake();
}

bool LiveHub::has_subscribers(std::string_view topic) const {
  std::lock_guard lock(mu_);
  return topics_.find(topic) != topics_.end();
}

}  // namespace delta::runtime
