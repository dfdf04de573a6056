#include "log/tests/test_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>

#include <cstdlib>

#include "log/file_util.h"
#include "log/segment.h"
#include "model/record_batch.h"

namespace delta::log::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/delta_log_test_XXXXXX";
  char* p = ::mkdtemp(tmpl);
  if (p == nullptr) std::abort();
  path_ = p;
}

TempDir::~TempDir() {
  ::nftw(
      path_.c_str(), [](const char* f, const struct stat*, int, struct FTW*) { return ::remove(f); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

std::string make_batch(int count, const std::string& tag, size_t value_bytes, int64_t time_ms) {
  model::RecordBatchBuilder b;
  for (int i = 0; i < count; ++i) {
    std::string v = tag + "-" + std::to_string(i);
    if (v.size() < value_bytes) v.append(value_bytes - v.size(), 'x');
    b.add(time_ms + i, v);
  }
  return std::string(b.finish(0));
}

std::vector<std::string> values_of(const ReadResult& r, int64_t from) {
  std::vector<std::string> out;
  for (std::string_view batch : r.batches) {
    model::RecordIterator it(batch);
    model::Record rec;
    while (it.next(&rec)) {
      if (rec.offset >= from) out.emplace_back(rec.value);
    }
  }
  return out;
}

Result<AppendResult> append_wait(Log& log, const std::string& stream, int32_t partition, std::string batch) {
  std::promise<Result<AppendResult>> done;
  auto f = done.get_future();
  log.append(stream, partition, std::move(batch),
             [&done](Result<AppendResult> r) { done.set_value(std::move(r)); });
  return f.get();
}

Result<std::vector<std::string>> read_all(Log& log, const std::string& stream, int32_t partition,
                                          int64_t from) {
  std::vector<std::string> out;
  for (;;) {
    auto r = log.read(stream, partition, from, 1 << 20);
    if (!r) return r.status();
    auto v = values_of(*r, from);
    out.insert(out.end(), v.begin(), v.end());
    if (r->next_offset >= r->end_offset) return out;
    from = r->next_offset;
  }
}

std::string read_bytes(const std::string& path) {
  auto r = fs::read_file(path);
  return r ? *r : std::string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) std::abort();
  ::close(fd);
}

std::string segment_path(const std::string& dir, const std::string& stream, int partition, int64_t base) {
  return dir + "/" + stream + "/" + std::to_string(partition) + "/" + segment_file_name(base, ".log");
}

config::LogConfig test_config(const std::string& dir) {
  config::LogConfig c;
  c.dir = dir + "/log";
  c.retention_ms = 0;
  return c;
}

}  // namespace delta::log::testing
