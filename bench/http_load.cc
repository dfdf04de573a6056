// http_load: a bounded HTTP load generator for Delta's ingest route.
//
// C connections, each a thread with a blocking keep-alive socket, post pre-built NDJSON bodies of B
// clickstream events (~220 bytes each, random ids and emails) for D seconds, then print events/s,
// MB/s, p50/p99/max request latency and the status counts. Loopback only.
// Usage: http_load PORT [--connections 8] [--batch 1000] [--seconds 20] [--stream events]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
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

bool send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads one response; returns its status, or 0 when the connection broke.
int read_response(int fd, std::string& buf) {
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
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
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

void run_worker(const Options& o, const std::vector<std::string>& requests,
                std::chrono::steady_clock::time_point end, Worker* w, int seed) {
  int fd = connect_to(o.port);
  std::string buf;
  size_t next = static_cast<size_t>(seed);
  while (fd >= 0 && std::chrono::steady_clock::now() < end) {
    const std::string& req = requests[next++ % requests.size()];
    auto t0 = std::chrono::steady_clock::now();
    if (!send_all(fd, req)) break;
    int status = read_response(fd, buf);
    auto t1 = std::chrono::steady_clock::now();
    if (status == 0) break;
    w->latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    ++w->statuses[status];
    if (status == 200) {
      w->events += o.batch;
      w->bytes += static_cast<int64_t>(req.size());
    }
  }
  if (fd >= 0) ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: http_load PORT [--connections N] [--batch N] [--seconds S] [--stream NAME]\n");
    return 2;
  }
  o.port = std::atoi(argv[1]);
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--connections")
      o.connections = std::atoi(argv[i + 1]);
    else if (k == "--batch")
      o.batch = std::atoi(argv[i + 1]);
    else if (k == "--seconds")
      o.seconds = std::atof(argv[i + 1]);
    else if (k == "--stream")
      o.stream = argv[i + 1];
  }
  std::mt19937_64 rng(42);
  std::vector<std::string> requests;
  for (int i = 0; i < 32; ++i) {
    std::string body = make_body(rng, o.batch);
    requests.push_back("POST /v1/streams/" + o.stream +
                       "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/x-ndjson\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  double avg_event = static_cast<double>(requests[0].size()) / o.batch;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(o.seconds));
  std::vector<Worker> workers(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c)
    threads.emplace_back(run_worker, std::cref(o), std::cref(requests), end, &workers[c], c);
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
  std::printf("connections=%d batch=%d avg_event_bytes=%.0f seconds=%.1f\n", o.connections, o.batch,
              avg_event, secs);
  std::printf("events/s=%.0f MB/s=%.1f requests=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", events / secs,
              bytes / secs / 1e6, lat.size(), pct(0.50), pct(0.99), lat.empty() ? 0.0 : lat.back());
  std::printf("statuses:");
  for (auto [s, n] : statuses) std::printf(" %d=%lld", s, static_cast<long long>(n));
  std::printf("\n");
  return statuses.count(200) ? 0 : 1;
}
