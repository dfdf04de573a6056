// Server: the HTTP/1.1 listener (Boost.Beast), keep-alive, with one I/O thread per core.
//
// Lifecycle: construct, start() binds and listens (port 0 picks one; port() tells which), run()
// serves on the I/O threads and the calling thread until SIGINT/SIGTERM or stop(). On a signal it
// stops accepting, lets in-flight requests finish (up to drain_timeout), then returns; the caller
// then closes the log. Connections past max_connections are closed at once and counted.
// With server.tls the listener speaks only TLS (tls_context.h): start() fails when the certificate,
// key or client CA does not load, and SIGHUP reloads them for new connections without dropping
// established ones (a failed reload keeps the previous ones). Without TLS, SIGHUP is logged and
// ignored.
// Threads: start/run/stop from the owning thread; sessions run on strands of the io_context.
#pragma once

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "config/config.h"
#include "edge/routes.h"
#include "obs/metrics.h"

namespace delta::edge {

class Server {
 public:
  // `config`, `routes` and `registry` must outlive the server.
  Server(const config::PipelineConfig& config, Routes& routes, obs::Registry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Status start();
  uint16_t port() const;
  // Blocks until a signal or stop(); returns after the drain.
  void run();
  // Thread-safe: begins the same drain a signal does.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace delta::edge
