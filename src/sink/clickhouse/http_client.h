// HttpClient: one libcurl easy handle kept alive across requests to one ClickHouse server (the
// connection is reused: keep-alive), with basic auth and TLS settings. post() sends a body to a
// path+query and returns the status and the response body.
//
// Threads: one thread at a time (the sink's runtime thread, or a query under the owner's lock).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

typedef void CURL;  // NOLINT(modernize-use-using): curl's own declaration

namespace delta::sink::clickhouse {

struct HttpOptions {
  std::string base_url;  // http(s)://host:port, no trailing slash
  std::string user;
  std::string password;
  std::string ca_file;    // "": the system's CAs
  bool insecure = false;  // true: do not verify the server's certificate (tests only)
  int64_t connect_timeout_ms = 5'000;
  int64_t timeout_ms = 60'000;
};

struct HttpAnswer {
  long status = 0;   // 0: the request did not complete (see transport_error)
  std::string body;  // ClickHouse's message on errors
  std::string transport_error;
  bool timed_out = false;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POST `body` to base_url + `path_and_query` ("/?query=..."). Never throws; see HttpAnswer.
  HttpAnswer post(std::string_view path_and_query, std::string_view body);
  // Drops the kept-alive connection (after a transport error, so the next request reconnects).
  void reset();

  const HttpOptions& options() const { return options_; }

 private:
  HttpOptions options_;
  CURL* curl_ = nullptr;
  std::string url_;  // reused buffer
};

}  // namespace delta::sink::clickhouse
