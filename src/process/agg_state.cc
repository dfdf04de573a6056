#include "process/agg_state.h"

#include <cmath>
#include <cstring>

#include "process/hll.h"
#include "process/quantile.h"

namespace delta::process {
namespace {

// Exact for integral values (|x| < 2^53 as int64), a double for the rest; fsum is NaN until the
// first value, which stands for SQL's null sum.
struct SumState {
  int64_t isum;
  double fsum;
};
struct AvgState {
  SumState sum;
  int64_t n;
};

size_t state_size(AggKind k) {
  switch (k) {
    case AggKind::kSum: return sizeof(SumState);
    case AggKind::kAvg: return sizeof(AvgState);
    default: return 8;
  }
}

template <typename T>
T* at(std::byte* b, uint32_t off) {
  return reinterpret_cast<T*>(b + off);
}
template <typename T>
const T* at(const std::byte* b, uint32_t off) {
  return reinterpret_cast<const T*>(b + off);
}

void sum_add(SumState* s, double x) {
  if (std::isnan(s->fsum)) s->fsum = 0;
  if (x == std::trunc(x) && std::fabs(x) < 9.0e15) {
    s->isum += static_cast<int64_t>(x);
  } else {
    s->fsum += x;
  }
}
void sum_merge(SumState* d, const SumState* s) {
  if (std::isnan(s->fsum)) return;
  if (std::isnan(d->fsum)) d->fsum = 0;
  d->isum += s->isum;
  d->fsum += s->fsum;
}
double sum_value(const SumState* s) { return static_cast<double>(s->isum) + s->fsum; }

void minmax_update(double* m, double x, bool is_min) {
  if (std::isnan(*m) || (is_min ? x < *m : x > *m)) *m = x;
}

// The sketch pointed to at `src` merged into the one at `dst`, made on first use.
template <typename Sketch>
void merge_sketch(std::byte* dst, const std::byte* src) {
  const Sketch* s = *reinterpret_cast<Sketch* const*>(src);
  if (s == nullptr) return;
  auto*& d = *reinterpret_cast<Sketch**>(dst);
  if (d == nullptr) d = new Sketch();
  d->merge(*s);
}

AggValue num_or_null(double v) { return std::isnan(v) ? AggValue{} : AggValue{AggValue::Type::kFloat, 0, v}; }

}  // namespace

Result<AggLayout> AggLayout::make(std::vector<AggSpec> specs) {
  AggLayout l;
  uint32_t off = 0;
  for (const AggSpec& s : specs) {
    if (s.kind == AggKind::kQuantile && !(s.q >= 0.0 && s.q <= 1.0)) {
      return Status::invalid_argument("quantile: q must be between 0 and 1");
    }
    l.offsets_.push_back(off);
    off += static_cast<uint32_t>(state_size(s.kind));
    l.has_sketches_ |= s.kind == AggKind::kCountDistinct || s.kind == AggKind::kQuantile;
  }
  l.specs_ = std::move(specs);
  l.block_size_ = off == 0 ? 8 : off;
  return l;
}

void AggLayout::init(std::byte* block) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    std::byte* p = block + offsets_[i];
    switch (specs_[i].kind) {
      case AggKind::kCount: *reinterpret_cast<int64_t*>(p) = 0; break;
      case AggKind::kSum: *reinterpret_cast<SumState*>(p) = {0, NAN}; break;
      case AggKind::kAvg: *reinterpret_cast<AvgState*>(p) = {{0, NAN}, 0}; break;
      case AggKind::kMin:
      case AggKind::kMax: *reinterpret_cast<double*>(p) = NAN; break;
      case AggKind::kCountDistinct:
      case AggKind::kQuantile: *reinterpret_cast<void**>(p) = nullptr; break;
    }
  }
}

void AggLayout::update(std::byte* block, std::span<const AggInput> inputs) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const AggInput& in = inputs[i];
    const uint32_t off = offsets_[i];
    if (specs_[i].kind == AggKind::kCount) {
      ++*at<int64_t>(block, off);
      continue;
    }
    if (in.is_null || std::isnan(in.num)) continue;
    switch (specs_[i].kind) {
      case AggKind::kSum: sum_add(at<SumState>(block, off), in.num); break;
      case AggKind::kAvg:
        sum_add(&at<AvgState>(block, off)->sum, in.num);
        ++at<AvgState>(block, off)->n;
        break;
      case AggKind::kMin: minmax_update(at<double>(block, off), in.num, true); break;
      case AggKind::kMax: minmax_update(at<double>(block, off), in.num, false); break;
      case AggKind::kCountDistinct: {
        auto*& h = *at<HyperLogLog*>(block, off);
        if (h == nullptr) h = new HyperLogLog();
        h->add(in.hash);
        break;
      }
      case AggKind::kQuantile: {
        auto*& d = *at<DDSketch*>(block, off);
        if (d == nullptr) d = new DDSketch();
        d->add(in.num);
        break;
      }
      case AggKind::kCount: break;
    }
  }
}

void AggLayout::merge(std::byte* dst, const std::byte* src) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const uint32_t off = offsets_[i];
    switch (specs_[i].kind) {
      case AggKind::kCount: *at<int64_t>(dst, off) += *at<int64_t>(src, off); break;
      case AggKind::kSum: sum_merge(at<SumState>(dst, off), at<SumState>(src, off)); break;
      case AggKind::kAvg:
        sum_merge(&at<AvgState>(dst, off)->sum, &at<AvgState>(src, off)->sum);
        at<AvgState>(dst, off)->n += at<AvgState>(src, off)->n;
        break;
      case AggKind::kMin:
      case AggKind::kMax: {
        double s = *at<double>(src, off);
        if (!std::isnan(s)) minmax_update(at<double>(dst, off), s, specs_[i].kind == AggKind::kMin);
        break;
      }
      case AggKind::kCountDistinct: merge_sketch<HyperLogLog>(dst + off, src + off); break;
      case AggKind::kQuantile: merge_sketch<DDSketch>(dst + off, src + off); break;
    }
  }
}

void AggLayout::finalize(const std::byte* block, AggValue* out) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const uint32_t off = offsets_[i];
    switch (specs_[i].kind) {
      case AggKind::kCount: out[i] = {AggValue::Type::kInt, *at<int64_t>(block, off), 0}; break;
      case AggKind::kSum: {
        const SumState* s = at<SumState>(block, off);
        out[i] = std::isnan(s->fsum) ? AggValue{} : num_or_null(sum_value(s));
        break;
      }
      case AggKind::kAvg: {
        const AvgState* a = at<AvgState>(block, off);
        out[i] = a->n == 0 ? AggValue{} : num_or_null(sum_value(&a->sum) / static_cast<double>(a->n));
        break;
      }
      case AggKind::kMin:
      case AggKind::kMax: out[i] = num_or_null(*at<double>(block, off)); break;
      case AggKind::kCountDistinct: {
        const HyperLogLog* h = *at<HyperLogLog*>(block, off);
        out[i] = {AggValue::Type::kInt, h ? static_cast<int64_t>(std::llround(h->estimate())) : 0, 0};
        break;
      }
      case AggKind::kQuantile: {
        const DDSketch* d = *at<DDSketch*>(block, off);
        out[i] = d ? num_or_null(d->quantile(specs_[i].q)) : AggValue{};
        break;
      }
    }
  }
}

void AggLayout::destroy(std::byte* block) const {
  if (!has_sketches_) return;
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].kind == AggKind::kCountDistinct) delete *at<HyperLogLog*>(block, offsets_[i]);
    if (specs_[i].kind == AggKind::kQuantile) delete *at<DDSketch*>(block, offsets_[i]);
    *at<void*>(block, offsets_[i]) = nullptr;
  }
}

}  // namespace delta::process
