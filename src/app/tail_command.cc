// `delta tail`: subscribes to a stream (or, when no stream has the name, a view) over WebSocket and
// prints every event or result as one JSON line on stdout until the server closes or the user stops
// it. Stream lines carry partition and offset, so `--from` can resume where a previous run stopped.
// An http:// base URL speaks ws://, an https:// one wss:// (TLS 1.2+, the server's certificate
// verified against the system's CAs, $SSL_CERT_FILE, or --ca-file, and its name or IP against the
// URL's host).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "app/commands.h"
#include "base/url.h"

namespace delta::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using PlainWs = websocket::stream<tcp::socket>;
using TlsWs = websocket::stream<ssl::stream<tcp::socket>>;

struct Endpoint {
  std::string host;
  std::string port;
  bool tls = false;
};

bool parse_url(const std::string& url, Endpoint* out) {
  std::string rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    out->tls = true;
  } else {
    return false;
  }
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  out->host = rest.substr(0, colon);
  out->port = colon == std::string::npos ? (out->tls ? "443" : "80") : rest.substr(colon + 1);
  return !out->host.empty();
}

void connect_transport(PlainWs& ws, const Endpoint& ep) {
  tcp::resolver resolver(ws.get_executor());
  asio::connect(ws.next_layer(), resolver.resolve(ep.host, ep.port));
}

// TCP, then the TLS handshake: SNI for a host name (not for an IP literal), and the certificate
// checked against the host (its DNS names, or its IP addresses for an IP literal).
void connect_transport(TlsWs& ws, const Endpoint& ep) {
  tcp::resolver resolver(ws.get_executor());
  asio::connect(beast::get_lowest_layer(ws), resolver.resolve(ep.host, ep.port));
  ssl::stream<tcp::socket>& tls = ws.next_layer();
  beast::error_code not_ip;
  asio::ip::make_address(ep.host, not_ip);
  if (not_ip && SSL_set_tlsext_host_name(tls.native_handle(), ep.host.c_str()) != 1) {
    throw beast::system_error(
        beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
  }
  tls.set_verify_mode(ssl::verify_peer);
  tls.set_verify_callback(ssl::host_name_verification(ep.host));
  tls.handshake(ssl::stream_base::client);
}

std::string query(const TailOptions& o) {
  std::string q;
  auto add = [&q](std::string_view key, std::string_view value) {
    q += q.empty() ? '?' : '&';
    q += key;
    q += '=';
    q += percent_encode(value);
  };
  if (!o.filter.empty()) add("filter", o.filter);
  if (!o.from.empty()) {
    add("from", o.from);
  } else if (o.from_beginning) {
    add("from", "beginning");
  }
  return q;
}

// Connects and upgrades to `target`; false with *status set when the server answered HTTP instead.
template <typename Ws>
bool handshake(asio::io_context& ioc, Ws& ws, const Endpoint& ep, const std::string& target,
               const TailOptions& o, unsigned* status, std::string* body) {
  connect_transport(ws, ep);
  auto [name, value] = resolve_credential(o.api_key, o.token);
  ws.set_option(websocket::stream_base::decorator([name = name, value = value](websocket::request_type& r) {
    r.set(beast::http::field::user_agent, "delta-tail");
    if (!name.empty()) r.set(name, value);
  }));
  websocket::permessage_deflate pmd;
  pmd.client_enable = true;
  ws.set_option(pmd);
  // Asynchronous because Beast's synchronous handshake leaves `res` empty when the server answers
  // with anything but 101 (the 404 that sends us to the view route, a 400 bad_filter, a 401).
  websocket::response_type res;
  beast::error_code ec;
  ws.async_handshake(res, ep.host + ":" + ep.port, target, [&ec](beast::error_code e) { ec = e; });
  ioc.restart();
  ioc.run();
  *status = res.result_int();
  *body = res.body();
  if (ec && ec != websocket::error::upgrade_declined) throw beast::system_error(ec);
  return !ec;
}

// Subscribes (the stream, else the view of that name) and prints frames until the connection ends.
template <typename Ws>
int tail_over(asio::io_context& ioc, const TailOptions& options, const Endpoint& ep,
              const std::function<std::unique_ptr<Ws>()>& make) {
  std::unique_ptr<Ws> ws = make();
  unsigned status = 0;
  std::string body;
  std::string q = query(options);
  bool ok = handshake(ioc, *ws, ep, "/v1/streams/" + percent_encode(options.name) + "/subscribe" + q, options,
                      &status, &body);
  if (!ok && status == 404 && options.from.empty() && !options.from_beginning) {
    ws = make();  // no such stream: a view of that name?
    ok = handshake(ioc, *ws, ep, "/v1/views/" + percent_encode(options.name) + "/subscribe" + q, options,
                   &status, &body);
  }
  if (!ok) {
    std::fprintf(stderr, "delta tail: HTTP %u: %s\n", status, body.c_str());
    return 1;
  }
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!ec) {
    ws->read(buffer, ec);
    if (ec) break;
    auto data = buffer.data();
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fflush(stdout);
    buffer.consume(buffer.size());
  }
  if (ec == websocket::error::closed) {
    websocket::close_reason r = ws->reason();
    if (r.code == websocket::close_code::normal || r.code == websocket::close_code::going_away) return 0;
    std::fprintf(stderr, "delta tail: closed by the server (%u %s)\n", static_cast<unsigned>(r.code),
                 std::string(r.reason.data(), r.reason.size()).c_str());
    return 1;
  }
  std::fprintf(stderr, "delta tail: %s\n", ec.message().c_str());
  return 1;
}

}  // namespace

int tail_command(const TailOptions& options) {
  Endpoint ep;
  if (!parse_url(options.url, &ep)) {
    std::fprintf(stderr, "delta tail: --url must be http://host:port or https://host:port (got %s)\n",
                 options.url.c_str());
    return 2;
  }
  asio::io_context ioc;
  if (!ep.tls) return tail_over<PlainWs>(ioc, options, ep, [&ioc] { return std::make_unique<PlainWs>(ioc); });
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1);
  ctx.set_default_verify_paths();  // the system's CAs, or $SSL_CERT_FILE / $SSL_CERT_DIR
  if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file);
  return tail_over<TlsWs>(ioc, options, ep, [&ioc, &ctx] { return std::make_unique<TlsWs>(ioc, ctx); });
}

}  // namespace delta::app
