#include "edge/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <optional>
#include <type_traits>

#include "edge/tls_context.h"
#include "edge/ws_session.h"

namespace delta::edge {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = TlsSessionStream;
using ContextPtr = std::shared_ptr<asio::ssl::context>;

constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr uint32_t kTlsShutdownMs = 2000;  // waiting for the peer's close_notify

Method to_method(http::verb v) {
  switch (v) {
    case http::verb::get: return Method::kGet;
    case http::verb::post: return Method::kPost;
    case http::verb::head: return Method::kHead;
    default: return Method::kOther;
  }
}

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// Stream is SessionSocket (plain HTTP) or TlsStream; `context` is null for plain HTTP.
template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  HttpSession(SessionSocket socket, ContextPtr context, SessionShared& shared)
      : context_(std::move(context)),
        stream_(make_stream(std::move(socket), context_.get())),
        timer_(stream_.get_executor()),
        shared_(shared),
        state_(shared.routes.new_connection_state()) {
    beast::error_code ec;
    auto ep = tcp_socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    tcp_socket().set_option(tcp::no_delay(true), ec);
    shared_.open_connections.fetch_add(1);
    shared_.routes.probe().connections_open().add(1);
  }

  ~HttpSession() {
    shared_.open_connections.fetch_sub(1);
    shared_.routes.probe().connections_open().add(-1);
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
  }

 private:
  static Stream make_stream(SessionSocket socket, asio::ssl::context* context) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *context);
    } else {
      return socket;
    }
  }

  SessionSocket& tcp_socket() { return beast::get_lowest_layer(stream_); }

  void begin() {
    if constexpr (kTls) {
      arm_timer(shared_.config.header_timeout_ms);  // a handshake that never finishes is a slow header
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      read_header();
    }
  }

  void on_handshake(beast::error_code ec) {
    timer_.cancel();
    if (ec) {
      if (timed_out_) {
        shared_.routes.probe().connections_timed_out().inc();
      } else if (shared_.tls_handshake_failures != nullptr) {
        shared_.tls_handshake_failures->inc();
      }
      return close_socket();
    }
    handshake_done_ = true;
    if constexpr (kTls) tls_subject_ = verified_peer_subject(stream_.native_handle());
    read_header();
  }

  void arm_timer(uint32_t ms) {
    timed_out_ = false;
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the read finished in time
      self->timed_out_ = true;
      beast::error_code ignored;
      self->tcp_socket().cancel(ignored);
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_.config.max_body_bytes);
    arm_timer(requests_ == 0 ? shared_.config.header_timeout_ms : shared_.config.idle_timeout_ms);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    auto expect = req[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      return http::async_write(stream_, *cont,
                               [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
                                 if (ec) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    arm_timer(shared_.config.body_timeout_ms);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    timer_.cancel();
    if (timed_out_) {
      if (!parser_->got_some()) return close();  // an idle keep-alive connection: just close
      shared_.routes.probe().connections_timed_out().inc();
      return write_error(408, "request_timeout", "the request did not arrive in time");
    }
    if (ec == http::error::body_limit) {
      return write_error(
          413, "body_too_large",
          "the body exceeds server.max_body_bytes (" + std::to_string(shared_.config.max_body_bytes) + ")");
    }
    if (ec == http::error::header_limit)
      return write_error(431, "headers_too_large", "headers exceed 16 KiB");
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated) {
      return close();
    }
    write_error(400, "bad_request", "malformed HTTP request: " + ec.message());
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    timer_.cancel();
    ++requests_;
    shared_.inflight_requests.fetch_add(1);
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    std::string_view target = sv(req.target());
    size_t q = target.find('?');
    HttpRequest r;
    r.method = to_method(req.method());
    r.path = target.substr(0, q);
    r.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    r.content_type = sv(req[http::field::content_type]);
    r.content_encoding = sv(req[http::field::content_encoding]);
    r.remote_address = remote_;
    r.authorization = sv(req[http::field::authorization]);
    r.api_key = sv(req["X-API-Key"]);
    r.cookie = sv(req[http::field::cookie]);
    r.forwarded_for = sv(req["X-Forwarded-For"]);
    r.tls_client_subject = tls_subject_;
    r.body = &req.body();
    head_ = r.method == Method::kHead;
    if (beast::websocket::is_upgrade(req)) return upgrade(r);
    shared_.routes.handle(r, *state_, [self = this->shared_from_this()](HttpResponse response) {
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    });
  }

  // A WebSocket upgrade: admitted, the connection becomes a WsSession; refused, an HTTP answer.
  void upgrade(const HttpRequest& r) {
    std::variant<WsPlan, HttpResponse> admitted = shared_.routes.open_websocket(r);
    if (auto* refusal = std::get_if<HttpResponse>(&admitted)) {
      keep_alive_ = false;
      return write(std::move(*refusal));
    }
    shared_.inflight_requests.fetch_sub(1);
    start_ws_session(std::move(stream_), parser_->release(), std::move(std::get<WsPlan>(admitted)), shared_);
  }

  void write_error(int status, std::string_view code, const std::string& message) {
    ++requests_;
    shared_.inflight_requests.fetch_add(1);
    keep_alive_ = false;
    write(error_response(status, code, message));
  }

  void write(HttpResponse r) {
    res_.emplace(static_cast<http::status>(r.status), 11);
    res_->set(http::field::server, "delta");
    res_->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res_->set(k, v);
    bool keep = keep_alive_ && !r.close && !shared_.draining.load();
    res_->keep_alive(keep);
    res_->body() = std::move(r.body);
    res_->prepare_payload();
    if (head_) res_->body().clear();
    http::async_write(stream_, *res_, [self = this->shared_from_this(), keep](beast::error_code ec, size_t) {
      self->shared_.inflight_requests.fetch_sub(1);
      if (ec || !keep) return self->close();
      self->read_header();
    });
  }

  // TLS: send close_notify and wait (bounded) for the peer's before closing the socket.
  void close() {
    if constexpr (kTls) {
      if (handshake_done_ && !shutting_down_) {
        shutting_down_ = true;
        arm_timer(kTlsShutdownMs);
        return stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
      }
    }
    close_socket();
  }

  void close_socket() {
    timer_.cancel();
    beast::error_code ec;
    tcp_socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp_socket().close(ec);
  }

  ContextPtr context_;  // TLS: the context this connection started with, kept past reloads
  Stream stream_;
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                             SessionStrand>
      timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  SessionShared& shared_;
  std::unique_ptr<Routes::ConnectionState> state_;
  std::string remote_;
  std::string tls_subject_;  // verified client certificate subject (RFC 2253), or empty
  uint64_t requests_ = 0;
  bool handshake_done_ = !kTls;
  bool shutting_down_ = false;
  bool timed_out_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
};

}  // namespace

void start_http_session(SessionSocket socket, SessionShared& shared) {
  std::make_shared<HttpSession<SessionSocket>>(std::move(socket), nullptr, shared)->start();
}

void start_https_session(SessionSocket socket, ContextPtr context, SessionShared& shared) {
  std::make_shared<HttpSession<TlsStream>>(std::move(socket), std::move(context), shared)->start();
}

}  // namespace delta::edge
