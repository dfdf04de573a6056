// Clock: the one source of wall and monotonic time, so tests can control time (token expiry,
// retention, segment age) instead of sleeping.
// Thread-safe: SystemClock has no state; ManualClock uses atomics.
#pragma once

#include <atomic>
#include <cstdint>

namespace delta {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
  // Nanoseconds on a monotonic clock with an arbitrary origin (durations, latency).
  virtual int64_t monotonic_ns() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override;
  int64_t monotonic_ns() const override;
  static SystemClock& instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : ms_(start_ms) {}
  int64_t now_ms() const override { return ms_.load(std::memory_order_relaxed); }
  int64_t monotonic_ns() const override { return now_ms() * 1'000'000; }
  void advance_ms(int64_t d) { ms_.fetch_add(d, std::memory_order_relaxed); }
  void set_ms(int64_t v) { ms_.store(v, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> ms_;
};

}  // namespace delta
