// Test harness: runs the real `delta` binary on a free loopback port with a config written to a temp
// directory, and talks to it over HTTP (libcurl) or raw sockets. Used by every integration test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

// Client side of TLS for https_get/https_post and for a DeltaProcess whose listener speaks TLS.
struct TlsClient {
  std::string ca_file;    // the server's certificate must chain to this CA and name 127.0.0.1
  std::string cert_file;  // optional client certificate (mTLS) and its key
  std::string key_file;
};

class DeltaProcess {
 public:
  // `streams_and_more_yaml` is appended after the generated server/log sections; `server_extra`
  // and `log_extra` are extra YAML flow-map entries (e.g. "max_connections: 4").
  DeltaProcess(std::string data_dir, std::string streams_yaml, std::string server_extra = "",
               std::string log_extra = "");
  // A process for a whole config written by the caller (`yaml` must listen on 127.0.0.1:`port`
  // or on 0.0.0.0:`port`); readiness is polled on 127.0.0.1:`port`.
  static std::unique_ptr<DeltaProcess> from_yaml(std::string data_dir, uint16_t port,
                                                 const std::string& yaml);
  const std::string& config_path() const { return config_path_; }
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

  // The listener speaks TLS: start() then checks /readyz over https with `client`.
  void use_tls(TlsClient client) { tls_ = std::move(client); }
  std::string https_url(const std::string& path) const;
  // Sends `sig` to the running process; false when it is not running.
  bool signal(int sig) const;
  // Polls the process output (bounded) until `needle` has appeared `count` times.
  bool wait_for_output(const std::string& needle, int count, int timeout_ms) const;

 private:
  std::string data_dir_;
  std::string config_path_;
  std::string stdout_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  TlsClient tls_;  // ca_file empty: plain HTTP
};

HttpResult http_get(const std::string& url);
HttpResult http_post(const std::string& url, const std::string& body, const std::string& content_type,
                     const std::string& content_encoding = "");

// A request with extra headers ("Name: value"); `method` GET or POST.
HttpResult http_request(const std::string& method, const std::string& url,
                        const std::vector<std::string>& headers, const std::string& body = "");

// Runs `delta <args...>` to completion (bounded by `timeout_ms`, then killed); stdout and stderr
// are returned separately.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult run_delta(const std::vector<std::string>& args, int timeout_ms = 30'000);

// Any other program (redis-server, node), its stdout and stderr appended to `output_path`;
// SIGKILLed by pid on destruction unless stopped before.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::string output_path);
  ~Subprocess();
  bool start();
  void stop();  // SIGTERM, then wait
  pid_t pid() const { return pid_; }
  std::string output() const;
  // Polls output() (bounded) until it contains `text`.
  bool wait_for_output(const std::string& text, int timeout_ms) const;

 private:
  std::vector<std::string> argv_;
  std::string output_path_;
  pid_t pid_ = -1;
};

HttpResult https_get(const std::string& url, const TlsClient& tls);
HttpResult https_post(const std::string& url, const std::string& body, const std::string& content_type,
                      const TlsClient& tls);

// Raw socket helpers for slow-client and connection-limit cases.
int connect_loopback(uint16_t port);
// Reads until the peer closes or `timeout_ms` passes; returns what arrived.
std::string read_until_close(int fd, int timeout_ms);

std::string gzip(const std::string& in);
std::string zstd(const std::string& in);
// One zstd frame with its content size (as the archive writes them) decoded; "(not zstd)" or
// "(bad zstd)" otherwise.
std::string unzstd(const std::string& in);

// Polls `fn` every 50 ms until it returns true or `seconds` pass; the last answer of `fn`.
bool poll_until(int seconds, const std::function<bool()>& fn);

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
