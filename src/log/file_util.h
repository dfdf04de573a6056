// Small POSIX file helpers for the embedded log: errors as Status, EINTR and short transfers handled.
//
// Threads: free functions without shared state; callers own the descriptors they pass in.
// Durability rule used throughout src/log: a file that must survive a crash is written to
// "<name>.tmp", fsync'd, renamed over <name>, and then its directory is fsync'd.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace delta::log::fs {

// True for names usable as one path component: 1-200 of [A-Za-z0-9._-], not starting with '.'.
bool is_safe_name(std::string_view name);

// Creates `path` if missing (one level; the parent must exist).
Status make_dir(const std::string& path);
Status fsync_dir(const std::string& path);
// Writes `data` to `path` atomically and durably (temp file, fsync, rename, fsync of the dir).
Status write_file_atomic(const std::string& dir, const std::string& name, std::string_view data);
// Reads a whole (small) file. kNotFound when it does not exist.
Result<std::string> read_file(const std::string& path);
// Names of the entries in `dir` (no "." or ".."). kNotFound when `dir` does not exist.
Result<std::vector<std::string>> list_dir(const std::string& dir);
bool is_dir(const std::string& path);
Status remove_file(const std::string& path);

// Reads exactly n bytes at `pos` (kCorruption when the file is shorter).
Status pread_full(int fd, void* buf, size_t n, uint64_t pos);
// Writes every byte described by `iov` at `pos`, resuming after short writes.
Status pwritev_full(int fd, std::vector<iovec> iov, uint64_t pos);
Status fdatasync_fd(int fd);
Result<uint64_t> file_size(int fd);

}  // namespace delta::log::fs
