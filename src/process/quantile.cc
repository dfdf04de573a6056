#include "process/quantile.h"

#include <cmath>

namespace delta::process {
namespace {

constexpr double kGamma = (1.0 + DDSketch::kAlpha) / (1.0 - DDSketch::kAlpha);
const double kLogGamma = std::log(kGamma);
constexpr double kMinMagnitude = 1e-9;

}  // namespace

int32_t DDSketch::index_of(double magnitude) {
  return static_cast<int32_t>(std::ceil(std::log(magnitude) / kLogGamma));
}

double DDSketch::value_of(int32_t index) { return 2.0 * std::pow(kGamma, index) / (kGamma + 1.0); }

void DDSketch::Store::add(int32_t index, uint64_t n) {
  if (counts.empty()) {
    offset = index;
    counts.push_back(0);
  } else if (index < offset) {
    counts.insert(counts.begin(), static_cast<size_t>(offset - index), 0);
    offset = index;
  } else if (index >= offset + static_cast<int32_t>(counts.size())) {
    counts.resize(static_cast<size_t>(index - offset) + 1, 0);
  }
  counts[static_cast<size_t>(index - offset)] += n;
}

void DDSketch::add(double x) {
  if (std::isnan(x)) return;
  ++count_;
  if (std::fabs(x) < kMinMagnitude) {
    ++zero_;
  } else if (x > 0) {
    pos_.add(index_of(x), 1);
  } else {
    neg_.add(index_of(-x), 1);
  }
}

void DDSketch::merge(const DDSketch& other) {
  for (size_t i = 0; i < other.pos_.counts.size(); ++i) {
    if (other.pos_.counts[i]) pos_.add(other.pos_.offset + static_cast<int32_t>(i), other.pos_.counts[i]);
  }
  for (size_t i = 0; i < other.neg_.counts.size(); ++i) {
    if (other.neg_.counts[i]) neg_.add(other.neg_.offset + static_cast<int32_t>(i), other.neg_.counts[i]);
  }
  zero_ += other.zero_;
  count_ += other.count_;
}

double DDSketch::quantile(double q) const {
  if (count_ == 0) return NAN;
  // The value of rank floor(q * (n - 1)) (0-based), like the lower nearest-rank quantile.
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1));
  uint64_t seen = 0;
  for (size_t i = neg_.counts.size(); i-- > 0;) {  // most negative first
    seen += neg_.counts[i];
    if (seen > rank) return -value_of(neg_.offset + static_cast<int32_t>(i));
  }
  seen += zero_;
  if (seen > rank) return 0.0;
  for (size_t i = 0; i < pos_.counts.size(); ++i) {
    seen += pos_.counts[i];
    if (seen > rank) return value_of(pos_.offset + static_cast<int32_t>(i));
  }
  return value_of(pos_.offset + static_cast<int32_t>(pos_.counts.size()) - 1);
}

}  // namespace delta::process
