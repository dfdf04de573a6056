#include "edge/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "edge/http_session.h"
#include "edge/tls_context.h"
#include "obs/logger.h"

namespace delta::edge {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kDrainTimeout = std::chrono::seconds(10);
constexpr auto kDrainPoll = std::chrono::milliseconds(5);

Status parse_listen(const std::string& listen, tcp::endpoint* out) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::invalid_argument("listen must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Status::invalid_argument("listen host must be an IP address: " + host);
  *out = tcp::endpoint(address, static_cast<uint16_t>(std::stoi(listen.substr(colon + 1))));
  return Status::ok();
}

}  // namespace

class Server::Impl {
 public:
  Impl(const config::PipelineConfig& config, Routes& routes, obs::Registry& registry)
      : config_(config.server),
        tls_config_(config.tls),
        shared_{config.server, routes},
        control_(ioc_.get_executor()),
        acceptor_(control_),
        signals_(control_, SIGINT, SIGTERM),
        reload_signal_(control_, SIGHUP),
        drain_timer_(control_) {
    shared_.tls_handshake_failures =
        &registry.counter("delta_tls_handshake_failures_total",
                          "TLS handshakes that failed (version, cipher, certificate or protocol errors)");
  }

  Status start() {
    if (tls_config_.enabled) {
      Result<std::unique_ptr<TlsContexts>> tls = TlsContexts::create(tls_config_);
      if (!tls) return tls.status();
      tls_ = std::move(*tls);
    }
    tcp::endpoint endpoint;
    DELTA_RETURN_IF_ERROR(parse_listen(config_.listen, &endpoint));
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::io_error("listen on " + config_.listen + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    signals_.async_wait([this](boost::system::error_code e, int signal) {
      if (e) return;
      obs::info("edge", "signal received, draining", {{"signal", signal}});
      begin_drain();
    });
    wait_for_reload_signal();
    accept();
    return Status::ok();
  }

  uint16_t port() const { return port_; }

  void run() {
    unsigned n = config_.io_threads > 0 ? static_cast<unsigned>(config_.io_threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < n; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : threads) t.join();
  }

  void stop() {
    asio::post(control_, [this] { begin_drain(); });
  }

 private:
  void accept() {
    acceptor_.async_accept(
        SessionStrand(ioc_.get_executor()), [this](boost::system::error_code ec, SessionSocket socket) {
          if (ec) {
            if (!acceptor_.is_open()) return;
            obs::warn("edge", "accept failed", {{"error", ec.message()}});
            return accept();
          }
          if (shared_.open_connections.load() >= static_cast<int64_t>(config_.max_connections)) {
            shared_.routes.probe().connections_refused().inc();
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            start_session(std::move(socket));
          }
          accept();
        });
  }

  void start_session(SessionSocket socket) {
    if (tls_) return start_https_session(std::move(socket), tls_->current(), shared_);
    start_http_session(std::move(socket), shared_);
  }

  // SIGHUP: reload the TLS certificate and key (reading the files on this I/O thread: rare, small).
  void wait_for_reload_signal() {
    reload_signal_.async_wait([this](boost::system::error_code e, int) {
      if (e) return;
      if (tls_) {
        (void)tls_->reload();  // logs success or failure itself
      } else {
        obs::info("edge", "SIGHUP received; nothing to reload (no server.tls)");
      }
      wait_for_reload_signal();
    });
  }

  void begin_drain() {
    if (shared_.draining.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    reload_signal_.cancel(ec);
    drain_deadline_ = std::chrono::steady_clock::now() + kDrainTimeout;
    wait_for_drain();
  }

  void wait_for_drain() {
    if (shared_.inflight_requests.load() == 0 || std::chrono::steady_clock::now() > drain_deadline_) {
      obs::info("edge", "drained", {{"inflight_requests", shared_.inflight_requests.load()}});
      ioc_.stop();
      return;
    }
    drain_timer_.expires_after(kDrainPoll);
    drain_timer_.async_wait([this](boost::system::error_code) { wait_for_drain(); });
  }

  const config::ServerConfig& config_;
  const config::TlsConfig& tls_config_;
  SessionShared shared_;
  std::unique_ptr<TlsContexts> tls_;  // set by start() when server.tls is configured
  asio::io_context ioc_;
  // The listener, the signals and the drain run on one strand: a signal closes the acceptor while
  // an accept may be completing on another I/O thread.
  asio::strand<asio::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::signal_set reload_signal_;
  asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  uint16_t port_ = 0;
};

Server::Server(const config::PipelineConfig& config, Routes& routes, obs::Registry& registry)
    : impl_(std::make_unique<Impl>(config, routes, registry)) {}
Server::~Server() = default;
Status Server::start() { return impl_->start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }

}  // namespace delta::edge
