// HyperLogLog for count_distinct: precision p = 14 (16384 registers), standard error
// 1.04 / sqrt(16384) ~= 0.81%. Small sets stay sparse (a sorted vector of (register, rank) pairs,
// 4 bytes each) and become dense (16 KiB of one-byte registers) past 2048 pairs, so a key with few
// distinct values costs tens of bytes, not 16 KiB. The estimate is Ertl's improved raw estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches", 2017), which needs no bias
// tables and is accurate from 0 to far beyond 2^32.
// Input is a 64-bit hash of the value (hash64 of its bytes); the hash must be well mixed.
// Deterministic: the registers depend only on the set of hashes, not on their order, and merging
// is register-wise max, so merged sketches equal a sketch of the union.
// Thread: owned by one window state; no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace delta::process {

class HyperLogLog {
 public:
  static constexpr int kPrecision = 14;
  static constexpr uint32_t kRegisters = 1u << kPrecision;
  static constexpr size_t kSparseLimit = 2048;

  void add(uint64_t hash);
  void merge(const HyperLogLog& other);
  double estimate() const;
  bool is_sparse() const { return dense_.empty(); }
  size_t memory_bytes() const { return sparse_.capacity() * 4 + dense_.capacity(); }

 private:
  void set_register(uint32_t index, uint8_t rank);
  void densify();
  std::vector<uint32_t> sparse_;  // (index << 8 | rank), sorted by index, one entry per index
  std::vector<uint8_t> dense_;    // kRegisters registers once dense
};

}  // namespace delta::process
