// OffsetStore: durable consumer offsets, one small file per consumer per stream
// (<dir>/<stream>/consumers/<consumer>.offsets), rewritten atomically on every commit (temp file,
// fsync, rename, fsync of the directory), so a commit that returned ok survives a crash.
//
// File format (text): "delta-offsets 1\n", then "<partition> <offset>\n" per partition, then
// "crc <crc32c of everything before>\n". A file that fails its checks is an error at load.
//
// Threads: all methods are safe from any thread. mu_ guards the in-memory map and is never held
// during I/O; io_mu_ serialises the file rewrites themselves (one commit's I/O at a time).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace delta::log {

class OffsetStore {
 public:
  explicit OffsetStore(std::string root) : root_(std::move(root)) {}

  // Reads every consumer file of `stream` (called once per stream while the log opens).
  Status load_stream(const std::string& stream);
  // REQUIRES: names are safe file names and the stream's directory exists.
  Status commit(std::string_view consumer, std::string_view stream, int32_t partition, int64_t offset);
  Result<int64_t> committed(std::string_view consumer, std::string_view stream, int32_t partition) const;
  // The lowest committed offset in `partition` over the consumers that committed anywhere in
  // `stream` (a consumer without a commit in this partition counts as 0); nullopt without consumers.
  std::optional<int64_t> low_watermark(std::string_view stream, int32_t partition) const;

 private:
  using PartitionOffsets = std::map<int32_t, int64_t>;
  using ConsumerOffsets = std::map<std::string, PartitionOffsets, std::less<>>;

  std::string consumer_dir(std::string_view stream) const;

  const std::string root_;
  mutable std::mutex mu_;
  std::map<std::string, ConsumerOffsets, std::less<>> streams_;  // guarded by mu_
  std::mutex io_mu_;
};

}  // namespace delta::log
