#include "sink/local_archive.h"

#include <filesystem>
#include <system_error>

#include "log/file_util.h"
#include "obs/logger.h"
#include "sink/archive_layout.h"
#include "sink/backend_options.h"

namespace delta::sink {
namespace fsys = std::filesystem;

namespace {

struct ArchiveOptions {
  std::string dir;
  int level = 3;
};

Result<ArchiveOptions> read_options(const config::SinkConfig& config) {
  BackendOptions o(config);
  ArchiveOptions out;
  out.dir = o.required("dir");
  out.level = static_cast<int>(o.integer("compression_level", 3, 1, 19));
  DELTA_RETURN_IF_ERROR(o.finish());
  return out;
}

}  // namespace

Status LocalArchive::check_options(const config::SinkConfig& config) { return read_options(config).status(); }

Result<std::unique_ptr<Sink>> LocalArchive::create(const config::SinkConfig& config) {
  Result<ArchiveOptions> o = read_options(config);
  if (!o.is_ok()) return o.status();
  auto sink = std::make_unique<LocalArchive>();
  sink->dir_ = o->dir;
  sink->level_ = o->level;
  return std::unique_ptr<Sink>(std::move(sink));
}

Status LocalArchive::prepare(const TableSpec& table) {
  std::string root = dir_ + "/" + (table.kind == TableSpec::Kind::kEvents ? "stream=" : "view=") + table.name;
  std::error_code ec;
  fsys::create_directories(root, ec);
  if (ec) return Status::io_error("create " + root + ": " + ec.message());
  if (table.kind != TableSpec::Kind::kEvents) return Status::ok();
  auto& partitions = index_[table.name];
  partitions.clear();
  for (auto it = fsys::recursive_directory_iterator(root, ec);
       !ec && it != fsys::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (name.ends_with(".tmp")) {
      fsys::remove(it->path(), ec);  // a write that a crash interrupted
      continue;
    }
    if (std::optional<ArchivePart> part = parse_archive_part(name)) {
      partitions[part->partition][part->first] = Object{part->last, it->path().string()};
    }
  }
  if (ec) return Status::io_error("list " + root + ": " + ec.message());
  return Status::ok();
}

Status LocalArchive::write_file(const std::string& path, std::string_view data) const {
  fsys::path p(path);
  std::error_code ec;
  fsys::create_directories(p.parent_path(), ec);
  if (ec) return Status::io_error("create " + p.parent_path().string() + ": " + ec.message());
  return log::fs::write_file_atomic(p.parent_path().string(), p.filename().string(), data);
}

void LocalArchive::drop_overlaps(PartitionIndex& index, int64_t first, int64_t last,
                                 const std::string& keep) {
  // Objects starting at or before `last` whose range reaches `first`.
  auto it = index.begin();
  while (it != index.end() && it->first <= last) {
    if (it->second.last >= first && it->second.path != keep) {
      std::error_code ec;
      fsys::remove(it->second.path, ec);
      obs::info("sink", "archive: replaced an object the new batch overlaps",
                {{"removed", it->second.path}, {"written", keep}});
      it = index.erase(it);
    } else {
      ++it;
    }
  }
}

Status LocalArchive::write(const Batch& batch, std::vector<RowError>* rejected) {
  if (batch.rows.empty()) return Status::ok();
  std::string path = dir_ + "/" + archive_object_key(batch);
  Result<std::string> body = archive_body(batch, level_);
  if (!body.is_ok()) return body.status();
  DELTA_RETURN_IF_ERROR(write_file(path, *body));
  if (batch.table->kind != TableSpec::Kind::kEvents) return Status::ok();
  int64_t first = batch.rows.front().offset, last = batch.rows.back().offset;
  PartitionIndex& index = index_[batch.table->name][batch.partition];
  drop_overlaps(index, first, last, path);
  index[first] = Object{last, path};
  return Status::ok();
}

size_t LocalArchive::known_objects(const std::string& stream, int32_t partition) const {
  auto s = index_.find(stream);
  if (s == index_.end()) return 0;
  auto p = s->second.find(partition);
  return p == s->second.end() ? 0 : p->second.size();
}

}  // namespace delta::sink
