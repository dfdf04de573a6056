// Deduplicator: "has an event with this id been seen within the horizon?" for a stream's or view's
// dedup by event-id field, so clients can retry safely.
// The horizon is in EVENT time (deterministic: depends only on the events and their order). Ids are
// kept as 64-bit hashes (xxHash64 of the id bytes) in buckets of horizon/8 of event time; a bucket
// is dropped once it lies entirely more than `horizon` behind the largest event time seen. An
// event whose time is already beyond the horizon is checked against what is kept and recorded in
// the oldest kept bucket. Memory: ~8-16 bytes per id kept (open addressing, load <= 1/2).
// False positives: two different ids collide only if their 64-bit hashes are equal; with n ids in
// the horizon the chance that a given new id is wrongly called a duplicate is about n / 2^64
// (1e-10 for n = 1e9), and the chance of any collision among n ids is about n^2 / 2^65 (~3% at
// n = 1e9, 3e-8 at n = 1e6). False negatives do not happen within the horizon.
// Thread: one owner thread (a partition worker); no locks.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

namespace delta::process {

// A set of nonzero 64-bit hashes, open addressing with linear probing.
class HashSet64 {
 public:
  HashSet64() : slots_(16, 0) {}
  // True when inserted, false when already present.
  bool insert(uint64_t h);
  bool contains(uint64_t h) const;
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.capacity() * 8; }

 private:
  void grow();
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

class Deduplicator {
 public:
  // REQUIRES: horizon_ms >= 8.
  explicit Deduplicator(int64_t horizon_ms);

  // True when `id` was seen within the horizon (a duplicate, to drop); records it otherwise.
  bool seen(std::string_view id, int64_t event_time_ms);
  size_t ids() const;
  size_t memory_bytes() const;

 private:
  struct Bucket {
    int64_t start;
    HashSet64 set;
  };
  Bucket& bucket_for(int64_t t);
  void expire();

  int64_t horizon_, width_;
  int64_t max_time_;
  std::deque<Bucket> buckets_;  // ascending start, contiguous
};

}  // namespace delta::process
