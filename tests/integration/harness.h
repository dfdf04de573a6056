// Test harness: runs the real `delta` binary on a free loopback port with a config written to a temp
// directory, and talks to it over HTTP (libcurl) or raw sockets. Used by every integration test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace delta::testing {

struct HttpResult {
  long status = 0;  // 0: no answer (connection refused or reset)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A free TCP port on 127.0.0.1 (bound and released; good enough on loopback).
uint16_t free_port();

class DeltaProcess {
 public:
  // `streams_and_more_yaml` is appended after the generated server/log sections; `server_extra`
  // and `log_extra` are extra YAML flow-map entries (e.g. "max_connections: 4").
  DeltaProcess(std::string data_dir, std::string streams_yaml, std::string server_extra = "",
               std::string log_extra = "");
  ~DeltaProcess();

  // Starts the binary and waits (bounded) until /readyz answers 200. Returns false on failure.
  bool start();
  void kill9();
  // SIGTERM and wait; returns the exit status (or -1).
  int terminate();
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;
  const std::string& stdout_path() const { return stdout_path_; }
  std::string read_stdout() const;

 private:
  std::string data_dir_;
  std::string config_path_;
  std::string stdout_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

HttpResult http_get(const std::string& url);
HttpResult http_post(const std::string& url, const std::string& body, const std::string& content_type,
                     const std::string& content_encoding = "");

// Raw socket helpers for slow-client and connection-limit cases.
int connect_loopback(uint16_t port);
// Reads until the peer closes or `timeout_ms` passes; returns what arrived.
std::string read_until_close(int fd, int timeout_ms);

std::string gzip(const std::string& in);
std::string zstd(const std::string& in);

// The value of a Prometheus sample line `name{labels} value` (exact prefix match), or -1.
double metric_value(const std::string& exposition, const std::string& series);

// Every event of a stream, by reading each partition from offset 0 over the HTTP API.
struct StoredEvent {
  int partition;
  int64_t offset;
  std::string json;
};
std::vector<StoredEvent> read_all_events(const DeltaProcess& delta, const std::string& stream,
                                         int partitions);

// The string value of "key" in a flat JSON object, or "".
std::string json_string_field(const std::string& json, const std::string& key);

}  // namespace delta::testing
