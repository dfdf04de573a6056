// DDSketch for quantile(x, q): relative-error guarantee alpha = 1%. Every value x > 0 falls in
// bucket i = ceil(log_gamma(x)) with gamma = (1 + alpha) / (1 - alpha), and the bucket's
// representative 2 gamma^i / (gamma + 1) is within alpha of every value in it, so a returned
// quantile is within 1% (relative) of the value of that rank in the input (Masson, Rim, Lee,
// "DDSketch", VLDB 2019). Negative values use a mirrored store, |x| < 1e-9 counts as zero.
// Buckets grow as a contiguous range of counts: values spanning 1e-9..1e9 need ~2100 buckets.
// Deterministic: counts only, so order does not matter; merging adds counts.
// Thread: owned by one window state; no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace delta::process {

class DDSketch {
 public:
  static constexpr double kAlpha = 0.01;

  void add(double x);
  void merge(const DDSketch& other);
  // REQUIRES: 0 <= q <= 1. NaN when empty.
  double quantile(double q) const;
  uint64_t count() const { return count_; }
  size_t memory_bytes() const { return (pos_.counts.capacity() + neg_.counts.capacity()) * 8; }

 private:
  struct Store {
    int32_t offset = 0;            // index of counts[0]
    std::vector<uint64_t> counts;  // contiguous buckets
    void add(int32_t index, uint64_t n);
  };
  static int32_t index_of(double magnitude);
  static double value_of(int32_t index);

  Store pos_, neg_;
  uint64_t zero_ = 0;
  uint64_t count_ = 0;
};

}  // namespace delta::process
