// HttpSession: one accepted connection, plain or TLS. Internal to the edge (server.cc creates them).
//
// One implementation templated on the stream (a TCP socket, or an asio::ssl::stream over one). A
// TLS session first runs the handshake under header_timeout (a timeout is counted as an HTTP
// timeout, any other failure in tls_handshake_failures), then takes the verified client
// certificate's subject (tls_context.h) for every request of the connection. It then reads a request header
// under a deadline (header_timeout, or idle_timeout between keep-alive requests), answers Expect:
// 100-continue, reads the body under body_timeout with the body limit, hands it to Routes, and writes the
// answer. A slow client gets 408 and the connection is closed. Runs on its own strand; Routes may answer from
// a log thread, so answers are posted back here.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <memory>

#include "config/config.h"
#include "edge/routes.h"
#include "obs/metrics.h"

namespace delta::edge {

// Shared by all sessions of a server: counts what the drain waits for.
struct SessionShared {
  const config::ServerConfig& config;
  Routes& routes;
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> inflight_requests{0};
  std::atomic<bool> draining{false};
  obs::Counter* tls_handshake_failures = nullptr;  // owned by the registry; set when TLS is on
};

// A socket bound to a concrete strand type, so completion handlers dispatch without the
// type-erased executor's reference counting on every operation.
using SessionStrand = boost::asio::strand<boost::asio::io_context::executor_type>;
using SessionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, SessionStrand>;

void start_http_session(SessionSocket socket, SessionShared& shared);
// The session keeps `context` alive for as long as the connection lasts (a reload swaps only the
// server's current context).
void start_https_session(SessionSocket socket, std::shared_ptr<boost::asio::ssl::context> context,
                         SessionShared& shared);

}  // namespace delta::edge
