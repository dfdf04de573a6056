// `delta tail`: subscribes to a stream (or, when no stream has the name, a view) over WebSocket and
// prints every event or result as one JSON line on stdout until the server closes or the user stops
// it. Stream lines carry partition and offset, so `--from` can resume where a previous run stopped.
// Plain ws:// only (an http:// base URL); behind TLS, tail through a local port forward.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>

#include "app/commands.h"
#include "base/url.h"

namespace delta::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct Endpoint {
  std::string host;
  std::string port;
};

bool parse_url(const std::string& url, Endpoint* out) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  std::string rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  out->host = rest.substr(0, colon);
  out->port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  return !out->host.empty();
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
bool handshake(websocket::stream<tcp::socket>& ws, const Endpoint& ep, const std::string& target,
               const TailOptions& o, unsigned* status, std::string* body) {
  tcp::resolver resolver(ws.get_executor());
  asio::connect(ws.next_layer(), resolver.resolve(ep.host, ep.port));
  auto [name, value] = resolve_credential(o.api_key, o.token);
  ws.set_option(websocket::stream_base::decorator([name = name, value = value](websocket::request_type& r) {
    r.set(beast::http::field::user_agent, "delta-tail");
    if (!name.empty()) r.set(name, value);
  }));
  websocket::permessage_deflate pmd;
  pmd.client_enable = true;
  ws.set_option(pmd);
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, ep.host + ":" + ep.port, target, ec);
  *status = res.result_int();
  *body = res.body();
  if (ec && ec != websocket::error::upgrade_declined) throw beast::system_error(ec);
  return !ec;
}

}  // namespace

int tail_command(const TailOptions& options) {
  Endpoint ep;
  if (!parse_url(options.url, &ep)) {
    std::fprintf(stderr, "delta tail: --url must be http://host:port (got %s)\n", options.url.c_str());
    return 2;
  }
  asio::io_context ioc;
  using Ws = websocket::stream<tcp::socket>;
  auto ws = std::make_unique<Ws>(ioc);
  unsigned status = 0;
  std::string body;
  std::string q = query(options);
  bool ok = handshake(*ws, ep, "/v1/streams/" + percent_encode(options.name) + "/subscribe" + q, options,
                      &status, &body);
  if (!ok && status == 404 && options.from.empty() && !options.from_beginning) {
    ws = std::make_unique<Ws>(ioc);  // no such stream: a view of that name?
    ok = handshake(*ws, ep, "/v1/views/" + percent_encode(options.name) + "/subscribe" + q, options, &status,
                   &body);
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

}  // namespace delta::app
