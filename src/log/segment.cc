#include "log/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/crc32c.h"
#include "log/file_util.h"

namespace delta::log {
namespace {

constexpr uint32_t kIndexMagic = 0x31584C44;  // "DLX1"
constexpr uint32_t kIndexVersion = 1;
constexpr size_t kIndexFixedSize = 4 + 4 + 8 * 5 + 4;
constexpr size_t kIndexEntrySize = 4 + 8;

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
T get(const char*& p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  p += sizeof(T);
  return v;
}

int64_t file_mtime_ms(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace

std::string segment_file_name(int64_t base_offset, std::string_view ext) {
  std::string digits = std::to_string(base_offset);
  std::string name(digits.size() < 20 ? 20 - digits.size() : 0, '0');
  name += digits;
  name += ext;
  return name;
}

Segment::Segment(std::string dir, int64_t base_offset, int fd)
    : dir_(std::move(dir)), path_(dir_ + "/" + segment_file_name(base_offset, ".log")), fd_(fd) {
  staged_.base_offset = staged_.end_offset = base_offset;
  published_ = staged_;
}

Segment::~Segment() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::shared_ptr<Segment>> Segment::create(const std::string& dir, int64_t base_offset,
                                                 int64_t now_ms) {
  std::string path = dir + "/" + segment_file_name(base_offset, ".log");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::from_errno("create " + path, errno);
  std::shared_ptr<Segment> seg(new Segment(dir, base_offset, fd));
  seg->staged_.last_append_ms = seg->published_.last_append_ms = now_ms;
  DELTA_RETURN_IF_ERROR(fs::fsync_dir(dir));  // the new name must survive a crash
  return seg;
}

Result<std::shared_ptr<Segment>> Segment::open_sealed(const std::string& dir, int64_t base_offset) {
  std::string path = dir + "/" + segment_file_name(base_offset, ".log");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno("open " + path, errno);
  std::shared_ptr<Segment> seg(new Segment(dir, base_offset, fd));
  if (seg->load_index().is_ok()) return seg;
  DELTA_RETURN_IF_ERROR(seg->rebuild_by_scan(false, nullptr));
  seg->published_.last_append_ms = seg->staged_.last_append_ms = file_mtime_ms(fd);
  (void)fs::write_file_atomic(dir, segment_file_name(base_offset, ".index"), seg->encode_index());
  return seg;
}

Result<std::shared_ptr<Segment>> Segment::open_active(const std::string& dir, int64_t base_offset,
                                                      int64_t now_ms, TailRepair* repair) {
  std::string path = dir + "/" + segment_file_name(base_offset, ".log");
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::from_errno("open " + path, errno);
  std::shared_ptr<Segment> seg(new Segment(dir, base_offset, fd));
  seg->first_append_ms_ = now_ms;
  // An active segment's index lives in memory only; a stale file from an interrupted roll goes.
  DELTA_RETURN_IF_ERROR(fs::remove_file(dir + "/" + segment_file_name(base_offset, ".index")));
  DELTA_RETURN_IF_ERROR(seg->rebuild_by_scan(true, repair));
  seg->published_.last_append_ms = seg->staged_.last_append_ms = now_ms;
  return seg;
}

// Walks the batches from the start. Stops at the first that is incomplete, malformed, out of
// sequence or (with verify_crc) fails its CRC. With a `repair`, cuts the file there; without one
// (a sealed segment, which was fsync'd whole before the next began) a short scan is corruption.
Status Segment::rebuild_by_scan(bool verify_crc, TailRepair* repair) {
  auto size = fs::file_size(fd_);
  if (!size) return size.status();
  SegmentSummary s = published_;
  std::vector<IndexEntry> index;
  uint64_t last_indexed = 0;
  std::string buf;
  std::string reason;
  while (s.size_bytes < *size) {
    uint64_t pos = s.size_bytes;
    if (*size - pos < model::kBatchHeaderSize) {
      reason = "partial batch header";
      break;
    }
    char head[model::kBatchHeaderSize];
    DELTA_RETURN_IF_ERROR(fs::pread_full(fd_, head, sizeof(head), pos));
    model::BatchHeader h;
    if (Status st = model::parse_batch_header({head, sizeof(head)}, &h); !st.is_ok()) {
      reason = st.message();
      break;
    }
    if (h.base_offset != s.end_offset || h.record_count <= 0) {
      reason = "batch offset out of sequence";
      break;
    }
    if (h.length > *size - pos) {
      reason = "batch runs past the end of the file";
      break;
    }
    if (verify_crc) {
      buf.resize(h.length);
      DELTA_RETURN_IF_ERROR(fs::pread_full(fd_, buf.data(), h.length, pos));
      if (!model::verify_batch_crc(buf).is_ok()) {
        reason = "batch CRC mismatch";
        break;
      }
    }
    if (index.empty() || pos - last_indexed >= kIndexIntervalBytes) {
      index.push_back({static_cast<uint32_t>(h.base_offset - s.base_offset), pos});
      last_indexed = pos;
    }
    s.size_bytes += h.length;
    s.end_offset += h.record_count;
    s.max_time_ms = std::max(s.max_time_ms, h.max_time_ms);
  }
  if (s.size_bytes < *size) {
    if (repair == nullptr)
      return Status::corruption(path_ + ": " + reason + " at byte " + std::to_string(s.size_bytes));
    if (::ftruncate(fd_, static_cast<off_t>(s.size_bytes)) != 0)
      return Status::from_errno("truncate " + path_, errno);
    DELTA_RETURN_IF_ERROR(fs::fdatasync_fd(fd_));
    repair->truncated_bytes = *size - s.size_bytes;
    repair->reason = reason;
  }
  published_ = staged_ = s;
  index_ = std::move(index);
  written_bytes_ = s.size_bytes;
  last_index_position_ = last_indexed;
  return Status::ok();
}

std::string Segment::encode_index() const {
  std::string out;
  out.reserve(kIndexFixedSize + index_.size() * kIndexEntrySize);
  put<uint32_t>(out, kIndexMagic);
  put<uint32_t>(out, kIndexVersion);
  put<int64_t>(out, published_.base_offset);
  put<int64_t>(out, published_.end_offset);
  put<uint64_t>(out, published_.size_bytes);
  put<int64_t>(out, published_.max_time_ms);
  put<int64_t>(out, published_.last_append_ms);
  put<uint32_t>(out, static_cast<uint32_t>(index_.size()));
  for (const IndexEntry& e : index_) {
    put<uint32_t>(out, e.relative_offset);
    put<uint64_t>(out, e.position);
  }
  put<uint32_t>(out, crc32c::value(out.data(), out.size()));
  return out;
}

// Accepts the persisted index only when it is whole (CRC), names this segment and matches the file size.
Status Segment::load_index() {
  auto bytes = fs::read_file(dir_ + "/" + segment_file_name(published_.base_offset, ".index"));
  if (!bytes) return bytes.status();
  const std::string& b = *bytes;
  if (b.size() < kIndexFixedSize) return Status::corruption("index too short");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, b.data() + b.size() - 4, 4);
  if (crc32c::value(b.data(), b.size() - 4) != stored_crc) return Status::corruption("index CRC mismatch");
  const char* p = b.data();
  if (get<uint32_t>(p) != kIndexMagic || get<uint32_t>(p) != kIndexVersion)
    return Status::corruption("index magic");
  SegmentSummary s;
  s.base_offset = get<int64_t>(p);
  s.end_offset = get<int64_t>(p);
  s.size_bytes = get<uint64_t>(p);
  s.max_time_ms = get<int64_t>(p);
  s.last_append_ms = get<int64_t>(p);
  uint32_t count = get<uint32_t>(p);
  if (b.size() != kIndexFixedSize + uint64_t{count} * kIndexEntrySize)
    return Status::corruption("index size");
  auto size = fs::file_size(fd_);
  if (!size || *size != s.size_bytes || s.base_offset != published_.base_offset) {
    return Status::corruption("index does not match its segment");
  }
  std::vector<IndexEntry> index(count);
  for (IndexEntry& e : index) {
    e.relative_offset = get<uint32_t>(p);
    e.position = get<uint64_t>(p);
  }
  published_ = staged_ = s;
  index_ = std::move(index);
  written_bytes_ = s.size_bytes;
  return Status::ok();
}

void Segment::stage(const model::BatchHeader& h, std::string_view batch, int64_t now_ms) {
  uint64_t pos = staged_.size_bytes;
  if (pos == 0) first_append_ms_ = now_ms;
  bool first = index_.empty() && staged_index_.empty();
  if (first || pos - last_index_position_ >= kIndexIntervalBytes) {
    staged_index_.push_back({static_cast<uint32_t>(h.base_offset - staged_.base_offset), pos});
    last_index_position_ = pos;
  }
  staged_iov_.push_back({const_cast<char*>(batch.data()), batch.size()});
  staged_.size_bytes += batch.size();
  staged_.end_offset += h.record_count;
  staged_.max_time_ms = std::max(staged_.max_time_ms, h.max_time_ms);
  staged_.last_append_ms = now_ms;
}

Status Segment::flush() {
  if (staged_iov_.empty()) return Status::ok();
  Status st = fs::pwritev_full(fd_, std::move(staged_iov_), written_bytes_);
  staged_iov_.clear();
  if (st.is_ok()) {
    written_bytes_ = staged_.size_bytes;
    return st;
  }
  // Undo: nothing of this flush may become visible, and the next write starts where we were.
  staged_ = published_;
  staged_index_.clear();
  last_index_position_ = index_.empty() ? 0 : index_.back().position;
  if (::ftruncate(fd_, static_cast<off_t>(written_bytes_)) != 0) {
    return Status::from_errno(st.message() + "; then truncate " + path_, errno);
  }
  return st;
}

Status Segment::sync() { return fs::fdatasync_fd(fd_); }

void Segment::publish() {
  published_ = staged_;
  index_.insert(index_.end(), staged_index_.begin(), staged_index_.end());
  staged_index_.clear();
}

Status Segment::seal() {
  DELTA_RETURN_IF_ERROR(sync());
  return fs::write_file_atomic(dir_, segment_file_name(published_.base_offset, ".index"), encode_index());
}

uint64_t Segment::lookup(int64_t offset) const {
  int64_t rel = offset - published_.base_offset;
  auto it = std::upper_bound(index_.begin(), index_.end(), rel,
                             [](int64_t r, const IndexEntry& e) { return r < int64_t{e.relative_offset}; });
  return it == index_.begin() ? 0 : std::prev(it)->position;
}

Status Segment::read_at(uint64_t position, size_t n, char* out) const {
  return fs::pread_full(fd_, out, n, position);
}

Status Segment::remove() {
  DELTA_RETURN_IF_ERROR(fs::remove_file(dir_ + "/" + segment_file_name(published_.base_offset, ".index")));
  return fs::remove_file(path_);
}

}  // namespace delta::log
