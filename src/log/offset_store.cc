#include "log/offset_store.h"

#include <charconv>

#include "base/crc32c.h"
#include "log/file_util.h"

namespace delta::log {
namespace {

constexpr std::string_view kHeader = "delta-offsets 1\n";
constexpr std::string_view kSuffix = ".offsets";

std::string encode(const std::map<int32_t, int64_t>& offsets) {
  std::string out(kHeader);
  for (const auto& [partition, offset] : offsets) {
    out += std::to_string(partition) + " " + std::to_string(offset) + "\n";
  }
  out += "crc " + std::to_string(crc32c::value(out.data(), out.size())) + "\n";
  return out;
}

template <typename T>
bool take_number(std::string_view* in, char end, T* v) {
  auto [p, ec] = std::from_chars(in->data(), in->data() + in->size(), *v);
  if (ec != std::errc() || p == in->data() + in->size() || *p != end) return false;
  in->remove_prefix(static_cast<size_t>(p - in->data()) + 1);
  return true;
}

Status decode(std::string_view text, std::map<int32_t, int64_t>* out) {
  size_t crc_at = text.rfind("crc ");
  uint32_t crc = 0;
  std::string_view tail = crc_at == std::string_view::npos ? "" : text.substr(crc_at + 4);
  if (!text.starts_with(kHeader) || !take_number(&tail, '\n', &crc) || !tail.empty() ||
      crc != crc32c::value(text.data(), crc_at)) {
    return Status::corruption("consumer offsets file failed its checks");
  }
  std::string_view body = text.substr(kHeader.size(), crc_at - kHeader.size());
  while (!body.empty()) {
    int32_t partition = 0;
    int64_t offset = 0;
    if (!take_number(&body, ' ', &partition) || !take_number(&body, '\n', &offset)) {
      return Status::corruption("consumer offsets line malformed");
    }
    (*out)[partition] = offset;
  }
  return Status::ok();
}

}  // namespace

std::string OffsetStore::consumer_dir(std::string_view stream) const {
  return root_ + "/" + std::string(stream) + "/consumers";
}

Status OffsetStore::load_stream(const std::string& stream) {
  std::string dir = consumer_dir(stream);
  DELTA_RETURN_IF_ERROR(fs::make_dir(dir));
  auto names = fs::list_dir(dir);
  if (!names) return names.status();
  ConsumerOffsets consumers;
  for (const std::string& n : *names) {
    if (!n.ends_with(kSuffix)) {
      if (n.ends_with(".tmp")) (void)fs::remove_file(std::string(dir).append("/").append(n));
      continue;
    }
    std::string path = dir;
    path.append("/").append(n);
    auto text = fs::read_file(path);
    if (!text) return text.status();
    PartitionOffsets offsets;
    if (Status st = decode(*text, &offsets); !st.is_ok())
      return Status::corruption(path + ": " + st.message());
    consumers.emplace(n.substr(0, n.size() - kSuffix.size()), std::move(offsets));
  }
  std::lock_guard lock(mu_);
  streams_[stream] = std::move(consumers);
  return Status::ok();
}

Status OffsetStore::commit(std::string_view consumer, std::string_view stream, int32_t partition,
                           int64_t offset) {
  std::lock_guard io(io_mu_);
  PartitionOffsets offsets;
  {
    std::lock_guard lock(mu_);
    auto s = streams_.find(stream);
    if (s != streams_.end()) {
      auto c = s->second.find(consumer);
      if (c != s->second.end()) offsets = c->second;
    }
  }
  offsets[partition] = offset;
  std::string dir = consumer_dir(stream);
  DELTA_RETURN_IF_ERROR(fs::make_dir(dir));
  DELTA_RETURN_IF_ERROR(
      fs::write_file_atomic(dir, std::string(consumer) + std::string(kSuffix), encode(offsets)));
  std::lock_guard lock(mu_);
  auto s = streams_.find(stream);
  if (s == streams_.end()) s = streams_.emplace(std::string(stream), ConsumerOffsets{}).first;
  s->second.insert_or_assign(std::string(consumer), std::move(offsets));
  return Status::ok();
}

Result<int64_t> OffsetStore::committed(std::string_view consumer, std::string_view stream,
                                       int32_t partition) const {
  std::lock_guard lock(mu_);
  auto s = streams_.find(stream);
  if (s == streams_.end()) return Status::not_found("no commits in stream " + std::string(stream));
  auto c = s->second.find(consumer);
  if (c == s->second.end())
    return Status::not_found("consumer " + std::string(consumer) + " never committed");
  auto p = c->second.find(partition);
  if (p == c->second.end()) return Status::not_found("no commit in partition " + std::to_string(partition));
  return p->second;
}

std::optional<int64_t> OffsetStore::low_watermark(std::string_view stream, int32_t partition) const {
  std::lock_guard lock(mu_);
  auto s = streams_.find(stream);
  if (s == streams_.end() || s->second.empty()) return std::nullopt;
  std::optional<int64_t> low;
  for (const auto& [name, offsets] : s->second) {
    auto p = offsets.find(partition);
    int64_t o = p == offsets.end() ? 0 : p->second;
    if (!low || o < *low) low = o;
  }
  return low;
}

}  // namespace delta::log
