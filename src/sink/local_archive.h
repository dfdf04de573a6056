// LocalArchive: the `local` sink, the embedded long-term archive. Each batch becomes one file
// <dir>/<archive_object_key> (archive_layout.h): NDJSON compressed with zstd, written to
// "<name>.tmp", fsync'd, renamed and its directory fsync'd, so a file that exists is whole.
//
// Idempotent replays: an events object is named by its partition and offset range, so a retry
// rewrites the same file. A replay after a crash may cut a batch differently (a batch that linger_ms
// cut short, e.g. [100-150], may come back as [100-180]); so after writing [f-l] the archive deletes
// every other object of the same stream and partition whose range overlaps [f-l]. The runtime cuts
// full batches at offsets that are multiples of batch_rows, so only lingered tails ever differ.
// Rule: for a partition, the archive holds each offset once, in the most recently written object
// that covers it. It learns the existing objects by listing stream=<s>/ once, at prepare().
//
// Options: dir (required), compression_level (zstd, 1-19, default 3).
// Threads: the runtime's thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "sink/sink.h"

namespace delta::sink {

class LocalArchive final : public Sink {
 public:
  static Status check_options(const config::SinkConfig& config);
  static Result<std::unique_ptr<Sink>> create(const config::SinkConfig& config);

  Status prepare(const TableSpec& table) override;
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override {}

  // For tests: the objects the archive knows for (stream, partition), first offset -> file path.
  size_t known_objects(const std::string& stream, int32_t partition) const;

 private:
  struct Object {
    int64_t last = 0;
    std::string path;
  };
  using PartitionIndex = std::map<int64_t, Object>;  // by first offset

  Status write_file(const std::string& path, std::string_view data) const;
  void drop_overlaps(PartitionIndex& index, int64_t first, int64_t last, const std::string& keep);

  std::string dir_;
  int level_ = 3;
  std::map<std::string, std::map<int32_t, PartitionIndex>> index_;  // stream -> partition -> objects
};

}  // namespace delta::sink
