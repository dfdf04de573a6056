// ApiKeyStore persistence: the JSON key file and its atomic, durable write.
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>

#include "auth/api_keys.h"
#include "auth/digest.h"
#include "base/json_escape.h"
#include "obs/logger.h"

namespace delta::auth {
namespace {

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno("write " + path, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

Status fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::from_errno("open " + path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::ok() : Status::from_errno("fsync " + path, err);
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Result<std::string> read_whole(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Status::not_found("no key file " + path);
  if (fd < 0) return Status::from_errno("open " + path, errno);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      if (n < 0) return Status::from_errno("read " + path, err);
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

Result<std::string> from_hex(std::string_view hex) {
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::corruption("bad hex digit");
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  if (hex.size() % 2 != 0) return Status::corruption("odd hex length");
  return out;
}

void append_string(std::string& out, std::string_view name, std::string_view value) {
  out += "\"";
  out += name;
  out += "\":\"";
  json::append_escaped(out, value);
  out += "\"";
}

Result<ApiKeyInfo> parse_entry(simdjson::dom::object obj) {
  ApiKeyInfo info;
  std::string_view id, name, digest_hex;
  simdjson::dom::array roles;
  if (obj["id"].get(id) || obj["name"].get(name) || obj["sha256"].get(digest_hex) ||
      obj["roles"].get(roles) || obj["created_at_ms"].get(info.created_at_ms) ||
      obj["revoked"].get(info.revoked)) {
    return Status::corruption("a key entry lacks id, name, sha256, roles, created_at_ms or revoked");
  }
  auto digest = from_hex(digest_hex);
  if (!digest || digest->size() != 32) return Status::corruption("key " + std::string(id) + ": bad sha256");
  for (simdjson::dom::element e : roles) {
    std::string_view role;
    if (e.get(role)) return Status::corruption("key " + std::string(id) + ": a role is not a string");
    info.roles.emplace_back(role);
  }
  info.id = std::string(id);
  info.name = std::string(name);
  info.digest = std::move(digest).value();
  return info;
}

}  // namespace

std::string serialize_api_keys(const std::vector<ApiKeyInfo>& keys) {
  std::string out = "{\"version\":1,\"keys\":[";
  for (size_t i = 0; i < keys.size(); ++i) {
    const ApiKeyInfo& k = keys[i];
    out += i == 0 ? "\n{" : ",\n{";
    append_string(out, "id", k.id);
    out += ",";
    append_string(out, "name", k.name);
    out += ",\"roles\":[";
    for (size_t r = 0; r < k.roles.size(); ++r) {
      out += r == 0 ? "\"" : ",\"";
      json::append_escaped(out, k.roles[r]);
      out += "\"";
    }
    out += "],";
    append_string(out, "sha256", to_hex(k.digest));
    out += ",\"created_at_ms\":" + std::to_string(k.created_at_ms);
    out += std::string(",\"revoked\":") + (k.revoked ? "true" : "false") + "}";
  }
  return out + "\n]}\n";
}

Result<std::vector<ApiKeyInfo>> parse_api_keys(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array keys;
  int64_t version = 0;
  if (parser.parse(json.data(), json.size()).get(doc) || doc["version"].get(version) ||
      doc["keys"].get(keys)) {
    return Status::corruption("not an API key file (want {\"version\":1,\"keys\":[...]})");
  }
  if (version != 1)
    return Status::corruption("API key file version " + std::to_string(version) + " is unknown");
  std::vector<ApiKeyInfo> out;
  for (simdjson::dom::element e : keys) {
    simdjson::dom::object obj;
    if (e.get(obj)) return Status::corruption("a key entry is not an object");
    auto info = parse_entry(obj);
    if (!info) return info.status();
    out.push_back(std::move(info).value());
  }
  return out;
}

Status write_file_atomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::from_errno("open " + tmp, errno);
  Status st = write_all(fd, data, tmp);
  if (st.is_ok() && ::fsync(fd) != 0) st = Status::from_errno("fsync " + tmp, errno);
  ::close(fd);
  if (st.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = Status::from_errno("rename " + tmp, errno);
  if (!st.is_ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return fsync_path(dir_of(path), O_RDONLY | O_DIRECTORY);
}

Status ApiKeyStore::load(const std::string& path) {
  auto text = read_whole(path);
  if (!text) return text.status();
  auto keys = parse_api_keys(*text);
  if (!keys) return Status::corruption(path + ": " + keys.status().message());
  std::multimap<std::string, ApiKeyInfo> loaded;
  for (ApiKeyInfo& info : *keys) loaded.emplace(index_of(info.digest), std::move(info));
  std::lock_guard lock(mu_);
  by_prefix_ = std::move(loaded);
  return Status::ok();
}

}  // namespace delta::auth
