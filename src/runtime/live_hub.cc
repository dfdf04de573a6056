#include "runtime/live_hub.h"

#include <algorithm>

namespace delta::runtime {

Subscription::Subscription(LiveHub* hub, std::string topic, HubOptions options, std::function<void()> wake)
    : hub_(hub), topic_(std::move(topic)), options_(options), wake_(std::move(wake)) {}

Subscription::~Subscription() { unsubscribe(); }

void Subscription::unsubscribe() {
  if (subscribed_.exchange(false)) hub_->remove(this);
}

size_t Subscription::take(std::string* out) {
  out->clear();
  std::lock_guard lock(mu_);
  wake_armed_.store(true, std::memory_order_release);
  out->swap(queued_);
  size_t rows = queued_rows_;
  queued_rows_ = 0;
  return rows;
}

std::string Subscription::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

void Subscription::push(std::span<const std::string> rows) {
  if (overflowed()) return;
  {
    std::lock_guard lock(mu_);
    size_t bytes = 0;
    for (const std::string& r : rows) bytes += r.size() + 1;
    if (queued_rows_ + rows.size() > options_.max_queued_rows ||
        queued_.size() + bytes > options_.max_queued_bytes) {
      reason_ = "subscriber too slow: more than " + std::to_string(options_.max_queued_rows) + " rows or " +
                std::to_string(options_.max_queued_bytes) + " bytes queued";
      queued_.clear();
      queued_.shrink_to_fit();
      queued_rows_ = 0;
      overflowed_.store(true, std::memory_order_release);
      hub_->overflows_.fetch_add(1, std::memory_order_relaxed);
    } else {
      queued_.reserve(queued_.size() + bytes);
      for (const std::string& r : rows) {
        queued_ += r;
        queued_ += '\n';
      }
      queued_rows_ += rows.size();
    }
  }
  wake();
}

void Subscription::wake() {
  if (wake_armed_.exchange(false, std::memory_order_acq_rel)) wake_();
}

LiveHub::~LiveHub() = default;

std::unique_ptr<Subscription> LiveHub::subscribe(std::string_view topic, std::function<void()> wake) {
  std::unique_ptr<Subscription> s(new Subscription(this, std::string(topic), options_, std::move(wake)));
  std::unique_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) it = topics_.emplace(std::string(topic), std::vector<Subscription*>{}).first;
  it->second.push_back(s.get());
  return s;
}

void LiveHub::remove(Subscription* subscription) {
  std::unique_lock lock(mu_);
  auto it = topics_.find(subscription->topic());
  if (it == topics_.end()) return;
  std::erase(it->second, subscription);
  if (it->second.empty()) topics_.erase(it);
}

void LiveHub::publish(std::string_view topic, std::span<const std::string> rows) {
  if (rows.empty()) return;
  std::shared_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  for (Subscription* s : it->second) s->push(rows);
}

void LiveHub::notify(std::string_view topic) {
  std::shared_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  for (Subscription* s : it->second) s->wake();
}

bool LiveHub::has_subscribers(std::string_view topic) const {
  std::shared_lock lock(mu_);
  return topics_.find(topic) != topics_.end();
}

}  // namespace delta::runtime
