#include "log/embedded_log.h"

#include <charconv>

#include "log/file_util.h"
#include "obs/logger.h"

namespace delta::log {
namespace {

constexpr std::string_view kStreamMeta = "stream.meta";
constexpr std::string_view kMetaHeader = "delta-stream 1\npartitions ";
constexpr int32_t kMaxPartitions = 4096;

std::string encode_meta(int32_t partitions) {
  return std::string(kMetaHeader) + std::to_string(partitions) + "\n";
}

Result<int32_t> decode_meta(std::string_view text) {
  int32_t n = 0;
  if (!text.starts_with(kMetaHeader)) return Status::corruption("stream.meta: bad header");
  text.remove_prefix(kMetaHeader.size());
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || std::string_view(p, text.data() + text.size() - p) != "\n" || n <= 0) {
    return Status::corruption("stream.meta: bad partition count");
  }
  return n;
}

// mkdir -p: creates every missing component of `path`.
Status make_dirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') DELTA_RETURN_IF_ERROR(fs::make_dir(path.substr(0, i)));
  }
  return Status::ok();
}

// Checks what the writer relies on: a whole batch with a valid header, records and CRC.
Status validate_batch(std::string_view batch) {
  model::BatchHeader h;
  DELTA_RETURN_IF_ERROR(model::parse_batch_header(batch, &h));
  if (h.length != batch.size()) return Status::invalid_argument("batch length does not match its bytes");
  if (h.record_count <= 0) return Status::invalid_argument("empty batch");
  if (!model::verify_batch_crc(batch).is_ok())
    return Status::invalid_argument("batch CRC mismatch (not finished?)");
  return Status::ok();
}

}  // namespace

EmbeddedLog::EmbeddedLog(config::LogConfig config, Clock& clock, obs::Registry& registry,
                         EmbeddedLogOptions options)
    : config_(std::move(config)), clock_(clock), options_(options), probe_(registry), offsets_(config_.dir) {}

EmbeddedLog::~EmbeddedLog() { close(); }

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::open(config::LogConfig config, Clock& clock,
                                                       obs::Registry& registry, EmbeddedLogOptions options) {
  auto log = std::make_unique<EmbeddedLog>(std::move(config), clock, registry, options);
  DELTA_RETURN_IF_ERROR(log->open());
  return log;
}

Status EmbeddedLog::open() {
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kNew) return Status::internal("EmbeddedLog::open called twice");
  }
  DELTA_RETURN_IF_ERROR(make_dirs(config_.dir));
  DELTA_RETURN_IF_ERROR(recover_streams());
  std::lock_guard lock(mu_);
  state_ = State::kOpen;
  writer_ = std::thread([this] { writer_loop(); });
  return Status::ok();
}

Status EmbeddedLog::recover_streams() {
  auto names = fs::list_dir(config_.dir);
  if (!names) return names.status();
  for (const std::string& name : *names) {
    std::string dir = config_.dir + "/" + name;
    if (!fs::is_safe_name(name) || !fs::is_dir(dir)) continue;
    auto meta = fs::read_file(dir + "/" + std::string(kStreamMeta));
    if (!meta) {
      obs::warn("log", "ignoring a stream directory without stream.meta", {{"path", dir}});
      continue;
    }
    auto partitions = decode_meta(*meta);
    if (!partitions) return Status::corruption(dir + ": " + partitions.status().message());
    auto stream = open_stream(name, *partitions);
    if (!stream) return stream.status();
    std::lock_guard lock(mu_);
    streams_.emplace(name, std::move(*stream));
  }
  return Status::ok();
}

Result<std::unique_ptr<EmbeddedLog::Stream>> EmbeddedLog::open_stream(const std::string& name,
                                                                      int32_t partitions) {
  auto stream = std::make_unique<Stream>();
  stream->name = name;
  std::string dir = config_.dir + "/" + name;
  for (int32_t i = 0; i < partitions; ++i) {
    auto p = Partition::open(dir + "/" + std::to_string(i), name, i, config_, clock_, probe_, total_bytes_);
    if (!p) return p.status();
    stream->partitions.push_back(std::move(*p));
  }
  DELTA_RETURN_IF_ERROR(offsets_.load_stream(name));
  return stream;
}

Status EmbeddedLog::ensure_stream(std::string_view stream, int32_t partitions) {
  if (!fs::is_safe_name(stream))
    return Status::invalid_argument("bad stream name '" + std::string(stream) + "'");
  if (partitions <= 0 || partitions > kMaxPartitions) return Status::invalid_argument("bad partition count");
  std::lock_guard ensure(ensure_mu_);
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kOpen) return Status::unavailable("log is not open");
    auto it = streams_.find(stream);
    if (it != streams_.end()) {
      auto have = static_cast<int32_t>(it->second->partitions.size());
      if (have == partitions) return Status::ok();
      return Status::invalid_argument("stream " + std::string(stream) + " has " + std::to_string(have) +
                                      " partitions, not " + std::to_string(partitions));
    }
  }
  std::string name(stream);
  std::string dir = config_.dir + "/" + name;
  DELTA_RETURN_IF_ERROR(fs::make_dir(dir));
  DELTA_RETURN_IF_ERROR(fs::fsync_dir(config_.dir));
  auto opened = open_stream(name, partitions);
  if (!opened) return opened.status();
  // stream.meta is the commit point: it is written (durably) only once every partition exists.
  DELTA_RETURN_IF_ERROR(fs::write_file_atomic(dir, std::string(kStreamMeta), encode_meta(partitions)));
  std::lock_guard lock(mu_);
  streams_.emplace(name, std::move(*opened));
  return Status::ok();
}

Partition* EmbeddedLog::find_locked(std::string_view stream, int32_t partition) {
  auto it = streams_.find(stream);
  if (it == streams_.end() || partition < 0) return nullptr;
  auto& parts = it->second->partitions;
  return partition < static_cast<int32_t>(parts.size()) ? parts[partition].get() : nullptr;
}

Partition* EmbeddedLog::find(std::string_view stream, int32_t partition) {
  std::lock_guard lock(mu_);
  return find_locked(stream, partition);
}

void EmbeddedLog::append(std::string_view stream, int32_t partition, std::string batch, AppendCallback done) {
  Status valid = validate_batch(batch);
  std::unique_lock lock(mu_);
  if (state_ != State::kOpen) {
    lock.unlock();
    done(Status::unavailable("log is closed"));
    return;
  }
  Partition* p = find_locked(stream, partition);
  if (p == nullptr) {
    return refuse(
        lock, std::move(done),
        Status::not_found("no partition " + std::to_string(partition) + " in stream " + std::string(stream)));
  }
  if (valid.is_ok() && batch.size() > options_.max_queued_bytes) {
    valid = Status::invalid_argument("batch is larger than the log's write queue");
  }
  if (!valid.is_ok()) return refuse(lock, std::move(done), std::move(valid));
  if (queued_bytes_ + batch.size() > options_.max_queued_bytes) {
    probe_.queue_full.inc();
    return refuse(lock, std::move(done), Status::resource_exhausted("log write queue is full"));
  }
  queued_bytes_ += batch.size();
  probe_.queued_bytes.set(static_cast<int64_t>(queued_bytes_));
  Request r;
  r.partition = p;
  r.batch = std::move(batch);
  r.done = std::move(done);
  r.enqueued_ns = clock_.monotonic_ns();
  queue_.push_back(std::move(r));
  lock.unlock();
  work_cv_.notify_one();
}

// Hands a refusal to the writer thread, so `done` runs where the contract says. Past the bound on
// pending refusals (memory) it runs inline instead.
void EmbeddedLog::refuse(std::unique_lock<std::mutex>& lock, AppendCallback done, Status status) {
  probe_.append_errors.inc();
  if (refusals_.size() >= options_.max_pending_refusals) {
    lock.unlock();
    done(std::move(status));
    return;
  }
  Request r;
  r.done = std::move(done);
  r.status = std::move(status);
  refusals_.push_back(std::move(r));
  lock.unlock();
  work_cv_.notify_one();
}

Status EmbeddedLog::read_into(std::string_view stream, int32_t partition, int64_t from, size_t max_bytes,
                              ReadResult* out) {
  out->clear();
  Partition* p = find(stream, partition);
  if (p == nullptr) return Status::not_found("no such stream partition");
  return p->read(from, max_bytes, out);
}

Result<PartitionInfo> EmbeddedLog::partition_info(std::string_view stream, int32_t partition) {
  Partition* p = find(stream, partition);
  if (p == nullptr) return Status::not_found("no such stream partition");
  return p->info();
}

Status EmbeddedLog::commit(std::string_view consumer, std::string_view stream, int32_t partition,
                           int64_t offset) {
  if (!fs::is_safe_name(consumer)) return Status::invalid_argument("bad consumer name");
  Partition* p = find(stream, partition);
  if (p == nullptr) return Status::not_found("no such stream partition");
  if (offset < 0 || offset > p->published_end_offset())
    return Status::out_of_range("commit past the end offset");
  return offsets_.commit(consumer, stream, partition, offset);
}

Result<int64_t> EmbeddedLog::committed(std::string_view consumer, std::string_view stream,
                                       int32_t partition) {
  if (find(stream, partition) == nullptr) return Status::not_found("no such stream partition");
  return offsets_.committed(consumer, stream, partition);
}

void EmbeddedLog::close() {
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kOpen) return;
    state_ = State::kClosing;
  }
  work_cv_.notify_all();
  writer_.join();
  // With durability os nothing was synced yet: a clean close leaves every segment on disk.
  if (config_.durability == config::Durability::kOs) {
    for (Partition* p : all_partitions()) {
      if (p->failure().is_ok()) (void)p->sync();
    }
  }
  std::lock_guard lock(mu_);
  state_ = State::kClosed;
}

std::vector<Partition*> EmbeddedLog::all_partitions() {
  std::lock_guard lock(mu_);
  std::vector<Partition*> out;
  for (auto& [name, stream] : streams_) {
    for (auto& p : stream->partitions) out.push_back(p.get());
  }
  return out;
}

}  // namespace delta::log
