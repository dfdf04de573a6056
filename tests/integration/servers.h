// Test peers started on free loopback ports and stopped by pid: redis-server, clickhouse-server
// (Debian 12's 18.16, with a minimal generated config) and s3rver (npm, tests/node). Each keeps its
// port across stop()/start() so a test can take the server away in the middle of a stream and
// bring it back where the client expects it. Used by the sink tests and the end-to-end tests.
//
// start() fails (returns false, with the server's output in error()) when the program is missing:
// scripts/setup.sh installs them, and a test must fail rather than skip on a broken setup.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace delta::testing {

// With an append-only file in `dir`, so what was written survives stop()/start().
class RedisServer {
 public:
  explicit RedisServer(std::string dir);
  bool start();  // waits (bounded) until it accepts connections
  void stop();
  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // Runs redis-cli with `args` against this server; its stdout.
  std::string cli(const std::vector<std::string>& args) const;
  std::string error() const;

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<Subprocess> process_;
};

class ClickHouseServer {
 public:
  // Writes config.xml and users.xml (user `default`, no password; plus `writer` with password
  // `secret`) under `dir`.
  explicit ClickHouseServer(std::string dir);
  bool start();  // waits (bounded: 60 s) until GET /ping answers
  void stop();   // SIGTERM and wait
  uint16_t http_port() const { return http_port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  // Runs `sql` as user default over HTTP; the body (TabSeparated unless the SQL says FORMAT).
  HttpResult query(const std::string& sql) const;
  std::string error() const;

 private:
  std::string dir_;
  uint16_t http_port_;
  uint16_t tcp_port_;
  std::unique_ptr<Subprocess> process_;
};

class S3Server {
 public:
  // s3rver on a free port storing under `dir`, with `bucket` created; it accepts the access key
  // S3RVER only (it does not verify V4 signatures).
  S3Server(std::string dir, std::string bucket);
  bool start();
  void stop();
  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string error() const;
  // The independent client (@aws-sdk/client-s3): every object under `prefix` as lines
  // "<key> <size> <etag>", sorted by key.
  std::vector<std::string> list(const std::string& prefix) const;
  // The bytes of object `key`, fetched with @aws-sdk/client-s3.
  std::string get(const std::string& key) const;

 private:
  std::string node(const std::vector<std::string>& args) const;

  std::string dir_;
  std::string bucket_;
  uint16_t port_;
  int starts_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace delta::testing
