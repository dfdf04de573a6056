#include "log/partition.h"

#include <algorithm>
#include <charconv>

#include "log/file_util.h"
#include "obs/logger.h"

namespace delta::log {
namespace {

// Parses "00000000000000000042.log" into 42; false for any other name.
bool parse_segment_name(std::string_view name, int64_t* base) {
  constexpr std::string_view kExt = ".log";
  if (name.size() != 20 + kExt.size() || !name.ends_with(kExt)) return false;
  auto [p, ec] = std::from_chars(name.data(), name.data() + 20, *base);
  return ec == std::errc() && p == name.data() + 20;
}

}  // namespace

Partition::Partition(std::string dir, std::string stream, int32_t id, const config::LogConfig& config,
                     Clock& clock, LogProbe& probe, std::atomic<uint64_t>& total_bytes)
    : dir_(std::move(dir)),
      stream_(std::move(stream)),
      id_(id),
      config_(config),
      clock_(clock),
      probe_(probe),
      partition_probe_(probe.registry(), stream_, id),
      total_bytes_(total_bytes) {}

Result<std::unique_ptr<Partition>> Partition::open(std::string dir, std::string stream, int32_t id,
                                                   const config::LogConfig& config, Clock& clock,
                                                   LogProbe& probe, std::atomic<uint64_t>& total_bytes) {
  std::unique_ptr<Partition> p(
      new Partition(std::move(dir), std::move(stream), id, config, clock, probe, total_bytes));
  DELTA_RETURN_IF_ERROR(p->recover());
  return p;
}

Status Partition::recover() {
  DELTA_RETURN_IF_ERROR(fs::make_dir(dir_));
  auto names = fs::list_dir(dir_);
  if (!names) return names.status();
  std::vector<int64_t> bases;
  for (const std::string& n : *names) {
    int64_t base = 0;
    if (parse_segment_name(n, &base)) bases.push_back(base);
    if (n.ends_with(".tmp")) (void)fs::remove_file(dir_ + "/" + n);  // an interrupted atomic write
  }
  std::sort(bases.begin(), bases.end());
  if (bases.empty()) {
    auto seg = Segment::create(dir_, 0, clock_.now_ms());
    if (!seg) return seg.status();
    segments_.push_back(*seg);
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    bool last = i + 1 == bases.size();
    TailRepair repair;
    auto seg = last ? Segment::open_active(dir_, bases[i], clock_.now_ms(), &repair)
                    : Segment::open_sealed(dir_, bases[i]);
    if (!seg) return seg.status();
    if (!segments_.empty() && segments_.back()->summary().end_offset != bases[i]) {
      return Status::corruption(dir_ + ": offset gap before segment " + std::to_string(bases[i]));
    }
    if (repair.truncated_bytes > 0) {
      obs::warn("log", "truncated a torn or corrupt segment tail during recovery",
                {{"path", (*seg)->path()},
                 {"truncated_bytes", repair.truncated_bytes},
                 {"reason", repair.reason},
                 {"end_offset", (*seg)->summary().end_offset}});
      probe_.recovery_truncated_bytes.inc(repair.truncated_bytes);
    }
    segments_.push_back(*seg);
  }
  active_ = segments_.back();
  uint64_t size = 0;
  for (const auto& s : segments_) size += s->summary().size_bytes;
  size_bytes_ = size;
  total_bytes_ += size;
  std::lock_guard lock(mu_);
  update_gauges_locked();
  return Status::ok();
}

void Partition::update_gauges_locked() {
  partition_probe_.start_offset.set(segments_.front()->summary().base_offset);
  partition_probe_.end_offset.set(segments_.back()->summary().end_offset);
  partition_probe_.size_bytes.set(static_cast<int64_t>(size_bytes_.load(std::memory_order_relaxed)));
  partition_probe_.segments.set(static_cast<int64_t>(segments_.size()));
}

bool Partition::needs_roll(uint64_t batch_bytes, int64_t now_ms) const {
  if (active_->staged_end() == 0) return false;
  if (active_->staged_end() + batch_bytes > config_.segment_bytes) return true;
  return config_.segment_ms > 0 && now_ms - active_->first_append_ms() >= config_.segment_ms;
}

Status Partition::roll(int64_t now_ms) {
  probe_.fsyncs.inc();  // seal() syncs the old segment, in either durability mode
  DELTA_RETURN_IF_ERROR(active_->seal());
  auto seg = Segment::create(dir_, active_->staged_end_offset(), now_ms);
  if (!seg) return seg.status();
  probe_.segments_rolled.inc();
  std::lock_guard lock(mu_);
  segments_.push_back(*seg);
  active_ = *seg;
  update_gauges_locked();
  return Status::ok();
}

void Partition::stage(const model::BatchHeader& header, std::string_view batch, int64_t now_ms) {
  active_->stage(header, batch, now_ms);
}

Status Partition::sync() {
  probe_.fsyncs.inc();
  return active_->sync();
}

void Partition::publish() {
  uint64_t added = active_->unpublished_bytes();
  std::lock_guard lock(mu_);
  active_->publish();
  size_bytes_.fetch_add(added, std::memory_order_relaxed);
  total_bytes_.fetch_add(added, std::memory_order_relaxed);
  update_gauges_locked();
}

int64_t Partition::published_end_offset() const {
  std::lock_guard lock(mu_);
  return segments_.back()->summary().end_offset;
}

PartitionInfo Partition::info() const {
  std::lock_guard lock(mu_);
  PartitionInfo info;
  info.start_offset = segments_.front()->summary().base_offset;
  info.end_offset = segments_.back()->summary().end_offset;
  info.size_bytes = size_bytes_.load(std::memory_order_relaxed);
  info.segments = static_cast<uint32_t>(segments_.size());
  return info;
}

Status Partition::read(int64_t from, size_t max_bytes, ReadResult* out) const {
  struct View {
    std::shared_ptr<Segment> seg;
    uint64_t position;
    uint64_t limit;
  };
  std::vector<View> views;  // `out` arrives cleared (EmbeddedLog::read_into)
  {
    std::lock_guard lock(mu_);
    int64_t start = segments_.front()->summary().base_offset;
    out->end_offset = segments_.back()->summary().end_offset;
    if (from < start || from > out->end_offset) {
      return Status::out_of_range("offset " + std::to_string(from) + " is outside [" + std::to_string(start) +
                                  ", " + std::to_string(out->end_offset) + "]");
    }
    auto it = std::upper_bound(segments_.begin(), segments_.end(), from,
                               [](int64_t o, const auto& s) { return o < s->summary().base_offset; });
    for (auto s = std::prev(it); s != segments_.end(); ++s) {
      uint64_t pos = views.empty() ? (*s)->lookup(from) : 0;
      views.push_back({*s, pos, (*s)->summary().size_bytes});
    }
  }
  out->next_offset = from;
  size_t used = 0;
  bool full = false;
  for (const View& v : views) {
    Status st = read_segment(*v.seg, v.position, v.limit, from, max_bytes, out, &used, &full);
    if (!st.is_ok()) {
      if (out->batches.empty()) return st;
      break;  // hand out the good prefix; the next read from next_offset reports the error
    }
    if (full) break;
  }
  return Status::ok();
}

// Appends to `out` the batches of `seg` in [position, limit) that end after `from`, stopping
// before `*used` (the batch bytes taken so far) would pass max_bytes (but taking at least one
// batch). The bytes come in with one pread per ~max_bytes, straight into out's buffer; a batch
// larger than that (only ever the first) is completed with a second pread. Checks each batch's
// header, sequence and CRC: a bad one is kCorruption, never skipped.
Status Partition::read_segment(const Segment& seg, uint64_t position, uint64_t limit, int64_t from,
                               size_t max_bytes, ReadResult* out, size_t* used, bool* full) const {
  constexpr size_t kHeader = model::kBatchHeaderSize;
  while (position < limit) {
    if (limit - position < kHeader) return Status::corruption(seg.path() + ": partial header");
    // One chunk: what is left of the budget (at least a header), within the segment.
    const size_t want = static_cast<size_t>(
        std::min<uint64_t>(limit - position, std::max(max_bytes > *used ? max_bytes - *used : 0, kHeader)));
    const size_t chunk = out->size();
    DELTA_RETURN_IF_ERROR(seg.read_at(position, want, out->extend(want)));
    size_t off = 0;   // within the chunk
    size_t kept = 0;  // chunk bytes up to the end of the last batch taken
    while (off + kHeader <= want) {
      model::BatchHeader h;
      DELTA_RETURN_IF_ERROR(
          model::parse_batch_header(std::string_view(out->data() + chunk + off, kHeader), &h));
      if (h.length > limit - (position + off))
        return Status::corruption(seg.path() + ": batch runs past the data");
      if (h.base_offset + h.record_count <= from) {
        off += h.length;
        continue;
      }
      if (!out->batches.empty() && *used + h.length > max_bytes) {
        *full = true;
        break;
      }
      bool in_sequence = out->batches.empty() ? h.base_offset <= from : h.base_offset == out->next_offset;
      if (!in_sequence) return Status::corruption(seg.path() + ": batch out of offset sequence");
      if (off + h.length > want) {
        if (!out->batches.empty()) {  // past this chunk, so past the budget: the next read takes it
          *full = true;
          break;
        }
        // The first batch, larger than the budget: read the rest of it.
        const size_t rest = off + h.length - want;
        DELTA_RETURN_IF_ERROR(seg.read_at(position + want, rest, out->extend(rest)));
      }
      std::string_view batch(out->data() + chunk + off, h.length);
      if (Status st = model::verify_batch_crc(batch); !st.is_ok()) {
        out->truncate(chunk + kept);
        return Status::corruption(seg.path() + ": CRC mismatch in batch at offset " +
                                  std::to_string(h.base_offset));
      }
      out->add_batch(chunk + off, h.length);
      *used += h.length;
      off += h.length;
      kept = off;
      out->next_offset = h.base_offset + h.record_count;
      if (off > want) break;  // the grown first batch ends the chunk
    }
    out->truncate(chunk + kept);
    if (*full) return Status::ok();
    position += off;
  }
  return Status::ok();
}

std::vector<SegmentSummary> Partition::sealed_segments() const {
  std::lock_guard lock(mu_);
  std::vector<SegmentSummary> out;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) out.push_back(segments_[i]->summary());
  return out;
}

Result<uint64_t> Partition::remove_oldest(int64_t base_offset) {
  std::shared_ptr<Segment> victim;
  uint64_t bytes = 0;
  {
    std::lock_guard lock(mu_);
    if (segments_.size() < 2 || segments_.front()->summary().base_offset != base_offset) {
      return Status::internal("retention: segment " + std::to_string(base_offset) +
                              " is not the oldest sealed");
    }
    victim = segments_.front();
    bytes = victim->summary().size_bytes;
    segments_.erase(segments_.begin());
    size_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    total_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    update_gauges_locked();
  }
  DELTA_RETURN_IF_ERROR(victim->remove());
  probe_.segments_deleted.inc();
  return bytes;
}

}  // namespace delta::log
