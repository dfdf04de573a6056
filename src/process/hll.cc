#include "process/hll.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace delta::process {
namespace {

constexpr int kQ = 64 - HyperLogLog::kPrecision;  // bits left for the rank

double sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0, z = x;
  for (;;) {
    x *= x;
    double prev = z;
    z += x * y;
    y += y;
    if (z == prev) return z;
  }
}

double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x;
  for (;;) {
    x = std::sqrt(x);
    double prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
    if (z == prev) return z / 3.0;
  }
}

}  // namespace

void HyperLogLog::add(uint64_t hash) {
  uint32_t index = static_cast<uint32_t>(hash >> kQ);
  uint64_t rest = hash << kPrecision;  // the low kQ bits, shifted up
  int rank = rest == 0 ? kQ + 1 : std::countl_zero(rest) + 1;
  set_register(index, static_cast<uint8_t>(std::min(rank, kQ + 1)));
}

void HyperLogLog::set_register(uint32_t index, uint8_t rank) {
  if (!dense_.empty()) {
    dense_[index] = std::max(dense_[index], rank);
    return;
  }
  auto it = std::lower_bound(sparse_.begin(), sparse_.end(), index << 8);
  if (it != sparse_.end() && (*it >> 8) == index) {
    if ((*it & 0xff) < rank) *it = index << 8 | rank;
    return;
  }
  sparse_.insert(it, index << 8 | rank);
  if (sparse_.size() > kSparseLimit) densify();
}

void HyperLogLog::densify() {
  dense_.assign(kRegisters, 0);
  for (uint32_t e : sparse_) dense_[e >> 8] = static_cast<uint8_t>(e & 0xff);
  std::vector<uint32_t>().swap(sparse_);
}

void HyperLogLog::merge(const HyperLogLog& other) {
  if (other.dense_.empty()) {
    for (uint32_t e : other.sparse_) set_register(e >> 8, static_cast<uint8_t>(e & 0xff));
    return;
  }
  if (dense_.empty()) densify();
  for (uint32_t i = 0; i < kRegisters; ++i) dense_[i] = std::max(dense_[i], other.dense_[i]);
}

double HyperLogLog::estimate() const {
  uint32_t counts[kQ + 2] = {};
  if (dense_.empty()) {
    counts[0] = kRegisters - static_cast<uint32_t>(sparse_.size());
    for (uint32_t e : sparse_) ++counts[e & 0xff];
  } else {
    for (uint8_t r : dense_) ++counts[r];
  }
  const double m = kRegisters;
  double z = m * tau(1.0 - counts[kQ + 1] / m);
  for (int k = kQ; k >= 1; --k) z = 0.5 * (z + counts[k]);
  z += m * sigma(counts[0] / m);
  constexpr double kAlphaInf = 0.5 / 0.69314718055994530942;  // 1 / (2 ln 2)
  return kAlphaInf * m * m / z;
}

}  // namespace delta::process
