#include "process/dedup.h"

#include <limits>

#include "base/hash.h"

namespace delta::process {

bool HashSet64::insert(uint64_t h) {
  h = h == 0 ? 1 : h;
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    if (slots_[i] == h) return false;
  }
  slots_[i] = h;
  if (++size_ * 2 > slots_.size()) grow();
  return true;
}

bool HashSet64::contains(uint64_t h) const {
  h = h == 0 ? 1 : h;
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask; slots_[i] != 0; i = (i + 1) & mask) {
    if (slots_[i] == h) return true;
  }
  return false;
}

void HashSet64::grow() {
  std::vector<uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

Deduplicator::Deduplicator(int64_t horizon_ms)
    : horizon_(horizon_ms),
      width_(horizon_ms / 8 > 0 ? horizon_ms / 8 : 1),
      max_time_(std::numeric_limits<int64_t>::min()) {}

bool Deduplicator::seen(std::string_view id, int64_t t) {
  const uint64_t h = hash64(id);
  for (const Bucket& b : buckets_) {
    if (b.set.contains(h)) return true;
  }
  if (t > max_time_) max_time_ = t;
  bucket_for(t).set.insert(h);
  expire();
  return false;
}

Deduplicator::Bucket& Deduplicator::bucket_for(int64_t t) {
  int64_t r = t % width_;
  int64_t start = r < 0 ? t - r - width_ : t - r;
  if (buckets_.empty()) {
    buckets_.push_back({start, {}});
    return buckets_.back();
  }
  if (start < buckets_.front().start) return buckets_.front();  // beyond what is kept: oldest bucket
  if (start - buckets_.back().start > horizon_ + 2 * width_) buckets_.clear();  // all would expire
  if (buckets_.empty()) {
    buckets_.push_back({start, {}});
    return buckets_.back();
  }
  while (buckets_.back().start < start) buckets_.push_back({buckets_.back().start + width_, {}});
  return buckets_[static_cast<size_t>((start - buckets_.front().start) / width_)];
}

void Deduplicator::expire() {
  while (buckets_.size() > 1 && buckets_.front().start + width_ <= max_time_ - horizon_) buckets_.pop_front();
}

size_t Deduplicator::ids() const {
  size_t n = 0;
  for (const Bucket& b : buckets_) n += b.set.size();
  return n;
}

size_t Deduplicator::memory_bytes() const {
  size_t n = 0;
  for (const Bucket& b : buckets_) n += b.set.memory_bytes() + sizeof(Bucket);
  return n;
}

}  // namespace delta::process
