// Aggregate state for windowed views: one fixed-size block per (group key, window pane) holding the
// states of all of a view's aggregates at offsets computed once (AggLayout). count, sum, min, max
// and avg are inline numbers (8-24 bytes); count_distinct and quantile hold a pointer to a
// HyperLogLog / DDSketch made on the key's first value, owned by the block and freed by destroy().
// Blocks are mergeable (panes of hopping windows, merged sessions) and the merge of the blocks of
// two event sets equals the block of their union, except for sums of non-integral floats, whose
// last bits depend on the order of additions (integral values up to 2^53 are summed exactly).
// Thread: AggLayout is immutable; blocks belong to one window operator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace delta::process {

enum class AggKind : uint8_t { kCount, kSum, kMin, kMax, kAvg, kCountDistinct, kQuantile };

struct AggSpec {
  AggKind kind;
  double q = 0.5;  // quantile only, 0 <= q <= 1
};

// One aggregate's argument for one event, as the view's evaluator produced it.
struct AggInput {
  double num = 0;     // sum, min, max, avg, quantile
  uint64_t hash = 0;  // count_distinct: hash64 of the value's bytes
  bool is_null = true;
};

struct AggValue {
  enum class Type : uint8_t { kNull, kInt, kFloat };
  Type type = Type::kNull;
  int64_t i = 0;
  double f = 0;
  bool operator==(const AggValue&) const = default;
};

class AggLayout {
 public:
  static Result<AggLayout> make(std::vector<AggSpec> specs);

  size_t block_size() const { return block_size_; }
  size_t size() const { return specs_.size(); }
  bool has_sketches() const { return has_sketches_; }
  const std::vector<AggSpec>& specs() const { return specs_; }

  void init(std::byte* block) const;
  // REQUIRES: inputs.size() == size().
  void update(std::byte* block, std::span<const AggInput> inputs) const;
  void merge(std::byte* dst, const std::byte* src) const;
  // Writes size() values.
  void finalize(const std::byte* block, AggValue* out) const;
  // Frees sketches; the block must be init()ed again before reuse.
  void destroy(std::byte* block) const;

 private:
  std::vector<AggSpec> specs_;
  std::vector<uint32_t> offsets_;
  size_t block_size_ = 0;
  bool has_sketches_ = false;
};

}  // namespace delta::process
