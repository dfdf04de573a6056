// HttpSession: one accepted connection. Internal to the edge (server.cc creates them).
//
// Reads a request header under a deadline (header_timeout, or idle_timeout between keep-alive
// requests), answers Expect: 100-continue, reads the body under body_timeout with the body limit,
// hands it to Routes, and writes the answer. A slow client gets 408 and the connection is closed.
// Runs on its own strand; Routes may answer from a log thread, so answers are posted back here.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <memory>

#include "config/config.h"
#include "edge/routes.h"

namespace delta::edge {

// Shared by all sessions of a server: counts what the drain waits for.
struct SessionShared {
  const config::ServerConfig& config;
  Routes& routes;
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> inflight_requests{0};
  std::atomic<bool> draining{false};
};

// A socket bound to a concrete strand type, so completion handlers dispatch without the
// type-erased executor's reference counting on every operation.
using SessionStrand = boost::asio::strand<boost::asio::io_context::executor_type>;
using SessionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, SessionStrand>;

void start_http_session(SessionSocket socket, SessionShared& shared);

}  // namespace delta::edge
