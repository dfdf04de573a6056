// StrongInt<Tag>: an integer that does not silently mix with other integers (Redpanda named_type).
// Offsets, partition ids and event times each get their own tag.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace delta {

template <typename T, typename Tag>
class StrongInt {
 public:
  using value_type = T;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;
  constexpr StrongInt& operator+=(T d) {
    v_ += d;
    return *this;
  }
  constexpr StrongInt operator+(T d) const { return StrongInt(v_ + d); }
  constexpr T operator-(StrongInt o) const { return v_ - o.v_; }
  constexpr StrongInt& operator++() {
    ++v_;
    return *this;
  }

 private:
  T v_{};
};

}  // namespace delta

template <typename T, typename Tag>
struct std::hash<delta::StrongInt<T, Tag>> {
  size_t operator()(delta::StrongInt<T, Tag> v) const noexcept { return std::hash<T>{}(v.value()); }
};
