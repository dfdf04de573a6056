// http_load: a bounded HTTP load generator for Delta's ingest route.
//
// C connections, each a thread with a blocking keep-alive socket, post pre-built NDJSON bodies of B
// clickstream events (~220 bytes each, random ids and emails) for D seconds, then print events/s,
// MB/s, p50/p99/max request latency and the status counts. Loopback only.
// With --tls each connection is one TLS 1.3 session (OpenSSL; the handshake is outside the timed
// requests), verified against --ca FILE when given. --header adds a header line to every request
// (e.g. --header "Authorization: Bearer ...", to measure authentication's cost).
// Usage: http_load PORT [--connections 8] [--batch 1000] [--seconds 20] [--stream events]
//                       [--tls] [--ca FILE] [--header "Name: value"]...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  int port = 8080;
  int connections = 8;
  int batch = 1000;
  double seconds = 20;
  std::string stream = "events";
  bool tls = false;
  std::string ca;  // empty: the server certificate is not verified
  std::vector<std::string> headers;
};

// One connection: a socket, and an OpenSSL session over it with --tls.
struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;

  ~Conn() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    if (fd >= 0) ::close(fd);
  }
  ssize_t send(const char* p, size_t n) {
    if (ssl == nullptr) return ::send(fd, p, n, MSG_NOSIGNAL);
    return SSL_write(ssl, p, static_cast<int>(n));
  }
  ssize_t recv(char* p, size_t n) {
    if (ssl == nullptr) return ::recv(fd, p, n, 0);
    return SSL_read(ssl, p, static_cast<int>(n));
  }
};

std::string random_hex(std::mt19937_64& rng, int n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s += kHex[rng() % 16];
  return s;
}

std::string make_body(std::mt19937_64& rng, int events) {
  static const char* kTypes[] = {"page_view", "click", "add_to_cart", "purchase"};
  static const char* kCountries[] = {"DE", "US", "FR", "BR", "IN", "JP", "GB", "NL"};
  static const char* kDevices[] = {"web-desktop", "ios-app", "android-app"};
  std::string body;
  for (int i = 0; i < events; ++i) {
    char line[512];
    int n = std::snprintf(
        line, sizeof line,
        "{\"ts\":\"2026-11-27T12:%02d:%02d.%03dZ\",\"event_id\":\"%s-%s\",\"user_id\":\"u%08d\","
        "\"email\":\"%s@example.com\",\"type\":\"%s\",\"amount\":%d.%02d,\"country\":\"%s\","
        "\"device\":\"%s\"}\n",
        static_cast<int>(rng() % 60), static_cast<int>(rng() % 60), static_cast<int>(rng() % 1000),
        random_hex(rng, 8).c_str(), random_hex(rng, 27).c_str(), static_cast<int>(rng() % 1000000),
        random_hex(rng, 16).c_str(), kTypes[rng() % 4], static_cast<int>(rng() % 500),
        static_cast<int>(rng() % 100), kCountries[rng() % 8], kDevices[rng() % 3]);
    body.append(line, static_cast<size_t>(n));
  }
  return body;
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// A TLS 1.3 client context; verifies the server against `ca` when it is not empty.
SSL_CTX* make_tls_context(const std::string& ca) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  if (!ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) {
      std::fprintf(stderr, "http_load: cannot load --ca %s\n", ca.c_str());
      std::exit(2);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

// Connects and, with `tls`, runs the handshake; false on failure.
bool open_conn(int port, SSL_CTX* tls, Conn* c) {
  c->fd = connect_to(port);
  if (c->fd < 0 || tls == nullptr) return c->fd >= 0;
  c->ssl = SSL_new(tls);
  SSL_set_fd(c->ssl, c->fd);
  if (SSL_connect(c->ssl) == 1) return true;
  ERR_print_errors_fp(stderr);
  return false;
}

bool send_all(Conn& c, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = c.send(s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads one response; returns its status, or 0 when the connection broke.
int read_response(Conn& c, std::string& buf) {
  buf.clear();
  char tmp[8192];
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = buf.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const char* cl = strcasestr(buf.c_str(), "content-length:");
        content_length = cl ? std::strtoul(cl + 15, nullptr, 10) : 0;
      }
    }
    if (header_end != std::string::npos && buf.size() >= header_end + 4 + content_length) break;
    ssize_t n = c.recv(tmp, sizeof tmp);
    if (n <= 0) return 0;
    buf.append(tmp, static_cast<size_t>(n));
  }
  return std::atoi(buf.c_str() + 9);
}

struct Worker {
  std::vector<double> latencies_ms;
  std::map<int, int64_t> statuses;
  int64_t events = 0;
  int64_t bytes = 0;
};

void run_worker(const Options& o, SSL_CTX* tls, const std::vector<std::string>& requests,
                std::chrono::steady_clock::time_point end, Worker* w, int seed) {
  Conn c;
  bool open = open_conn(o.port, tls, &c);
  std::string buf;
  size_t next = static_cast<size_t>(seed);
  while (open && std::chrono::steady_clock::now() < end) {
    const std::string& req = requests[next++ % requests.size()];
    auto t0 = std::chrono::steady_clock::now();
    if (!send_all(c, req)) break;
    int status = read_response(c, buf);
    auto t1 = std::chrono::steady_clock::now();
    if (status == 0) break;
    w->latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    ++w->statuses[status];
    if (status == 200) {
      w->events += o.batch;
      w->bytes += static_cast<int64_t>(req.size());
    }
  }
}

// Flags with a value, --tls without one; false on an unknown flag.
bool parse_flags(int argc, char** argv, Options* o) {
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--tls") {
      o->tls = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (k == "--connections") {
      o->connections = std::atoi(v);
    } else if (k == "--batch") {
      o->batch = std::atoi(v);
    } else if (k == "--seconds") {
      o->seconds = std::atof(v);
    } else if (k == "--stream") {
      o->stream = v;
    } else if (k == "--ca") {
      o->ca = v;
    } else if (k == "--header") {
      o->headers.emplace_back(v);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2 || !parse_flags(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: http_load PORT [--connections N] [--batch N] [--seconds S] [--stream NAME] [--tls] "
                 "[--ca FILE] [--header \"Name: value\"]...\n");
    return 2;
  }
  o.port = std::atoi(argv[1]);
  std::signal(SIGPIPE, SIG_IGN);  // a peer that closes shows up as a failed write, not a signal
  std::string extra_headers;
  for (const std::string& h : o.headers) extra_headers += h + "\r\n";
  SSL_CTX* tls = o.tls ? make_tls_context(o.ca) : nullptr;
  std::mt19937_64 rng(42);
  std::vector<std::string> requests;
  for (int i = 0; i < 32; ++i) {
    std::string body = make_body(rng, o.batch);
    requests.push_back("POST /v1/streams/" + o.stream +
                       "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/x-ndjson\r\n" +
                       extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  double avg_event = static_cast<double>(requests[0].size()) / o.batch;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(o.seconds));
  std::vector<Worker> workers(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c)
    threads.emplace_back(run_worker, std::cref(o), tls, std::cref(requests), end, &workers[c], c);
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> lat;
  std::map<int, int64_t> statuses;
  int64_t events = 0, bytes = 0;
  for (auto& w : workers) {
    lat.insert(lat.end(), w.latencies_ms.begin(), w.latencies_ms.end());
    for (auto [s, n] : w.statuses) statuses[s] += n;
    events += w.events;
    bytes += w.bytes;
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  if (tls != nullptr) SSL_CTX_free(tls);
  std::printf("connections=%d batch=%d avg_event_bytes=%.0f seconds=%.1f tls=%s\n", o.connections, o.batch,
              avg_event, secs, o.tls ? "1.3" : "off");
  std::printf("events/s=%.0f MB/s=%.1f requests=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", events / secs,
              bytes / secs / 1e6, lat.size(), pct(0.50), pct(0.99), lat.empty() ? 0.0 : lat.back());
  std::printf("statuses:");
  for (auto [s, n] : statuses) std::printf(" %d=%lld", s, static_cast<long long>(n));
  std::printf("\n");
  return statuses.count(200) ? 0 : 1;
}
