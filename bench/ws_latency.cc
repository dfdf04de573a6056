// ws_latency: WebSocket ingest throughput and ack-to-subscriber latency against a running Delta.
//
// A producer sends frames of --frame events (clickstream events plus "seq", the frame number) to
// /v1/streams/<stream>/ws at each --rates step (events/s; 0 = as fast as acks allow), keeping at
// most --window frames unacknowledged. A subscriber on /v1/streams/<stream>/subscribe notes when
// each frame's first event arrives. Per step it prints the achieved ingest rate and p50/p99 of
// (a) ack -> subscriber receipt (negative when the event arrived before the ack: counted as 0) and
// (b) send -> subscriber receipt. Usage:
//   delta run -c pipeline.yaml &   # with bench/clickstream_streams.yaml's stream `events`
//   ws_latency --port 8080 --rates 50000,100000,250000,500000,0 --seconds 5
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/clickstream.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string port = "8080";
  std::string stream = "events";
  std::vector<int64_t> rates = {50'000, 100'000, 250'000, 500'000, 0};
  int seconds = 5;
  int frame = 100;
  int window = 256;
};

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

// Per-frame times, indexed by seq; written by one thread each, read after the step.
struct Times {
  std::vector<std::atomic<int64_t>> sent, acked, received;
  explicit Times(size_t n) : sent(n), acked(n), received(n) {}
};

void connect(websocket::stream<tcp::socket>& ws, const Options& o, const std::string& target) {
  tcp::resolver resolver(ws.get_executor());
  asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", o.port));
  ws.handshake("127.0.0.1:" + o.port, target);
}

// A frame template: the seq slots are 10 characters wide (spaces, then digits: valid JSON), so
// send() stamps a frame's number without rebuilding it.
struct Frame {
  std::string text;
  std::vector<size_t> slots;

  void stamp(uint64_t seq) {
    char digits[24];
    std::snprintf(digits, sizeof(digits), "%10llu", static_cast<unsigned long long>(seq));
    for (size_t at : slots) text.replace(at, 10, digits, 10);
  }
};

Frame make_frame(int events, std::mt19937_64& rng) {
  Frame f;
  auto slot = [&f] {
    f.text += "\"seq\":";
    f.slots.push_back(f.text.size());
    f.text += "         0";
  };
  f.text += '{';
  slot();
  f.text += "}\n";
  for (int i = 0; i < events; ++i) {
    f.text += R"({"ts":"2026-01-01T00:00:00Z","event_id":")" + delta::bench::random_hex(rng, 16) +
              R"(","user_id":"u)" + std::to_string(rng() % 100000) + R"(","email":")" +
              delta::bench::random_hex(rng, 12) +
              R"(@example.com","type":"click","amount":1.5,"country":"DE",)" + R"("device":"web",)";
    slot();
    f.text += "}\n";
  }
  return f;
}

// Reads subscriber frames until stopped; stamps the first arrival of each seq.
void subscribe(websocket::stream<tcp::socket>& ws, Times& t, std::atomic<bool>& stop) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!stop.load()) {
    ws.read(buffer, ec);
    if (ec) return;
    int64_t at = now_us();
    std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
    size_t pos = 0;
    while ((pos = text.find("\"seq\":", pos)) != std::string_view::npos) {
      pos += 6;
      uint64_t seq = std::strtoull(text.data() + pos, nullptr, 10);
      if (seq < t.received.size() && t.received[seq].load() == 0) t.received[seq].store(at);
    }
    buffer.consume(buffer.size());
  }
}

double percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]) / 1000.0;
}

// One step: sends for o.seconds at `rate` events/s (0: unpaced), then waits for the stragglers.
void step(const Options& o, int64_t rate, std::vector<Frame>& frames, size_t max_frames) {
  Times t(max_frames);
  asio::io_context ioc;
  websocket::stream<tcp::socket> sub(ioc), prod(ioc);
  connect(sub, o, "/v1/streams/" + o.stream + "/subscribe");
  connect(prod, o, "/v1/streams/" + o.stream + "/ws");
  std::atomic<bool> stop{false};
  std::thread sub_thread([&] { subscribe(sub, t, stop); });
  std::atomic<uint64_t> acked{0};
  std::thread ack_thread([&] {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      prod.read(buffer, ec);
      if (ec) return;
      std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
      uint64_t seq = std::strtoull(text.data() + 7, nullptr, 10);  // {"seq":N
      if (seq < max_frames) t.acked[seq].store(now_us());
      if (text.find("\"error\"") != std::string_view::npos)
        std::fprintf(stderr, "refused: %.*s\n", 200, text.data());
      buffer.consume(buffer.size());
      acked.fetch_add(1);
    }
  });
  auto start = Clock::now();
  auto end = start + std::chrono::seconds(o.seconds);
  uint64_t sent = 0;
  double frames_per_s = rate > 0 ? static_cast<double>(rate) / o.frame : 0;
  while (Clock::now() < end && sent + 1 < max_frames) {
    if (frames_per_s > 0) {
      auto due = start + std::chrono::microseconds(
                             static_cast<int64_t>(static_cast<double>(sent) * 1e6 / frames_per_s));
      if (Clock::now() < due) std::this_thread::sleep_until(due);
    }
    while (sent - acked.load() >= static_cast<uint64_t>(o.window)) std::this_thread::yield();
    uint64_t seq = sent + 1;
    t.sent[seq].store(now_us());
    Frame& f = frames[seq % frames.size()];
    f.stamp(seq);
    prod.write(asio::buffer(f.text));
    sent = seq;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  auto drain = Clock::now() + std::chrono::seconds(10);
  while (acked.load() < sent && Clock::now() < drain)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double ack_elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  while (Clock::now() < drain && t.received[sent].load() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop.store(true);
  beast::error_code ec;
  prod.close(websocket::close_code::normal, ec);
  sub.next_layer().close(ec);
  ack_thread.join();
  sub_thread.join();
  std::vector<int64_t> ack_to_rx, send_to_rx;
  int64_t missing = 0, before_ack = 0;
  for (uint64_t s = 1; s <= sent; ++s) {
    int64_t rx = t.received[s].load(), ak = t.acked[s].load();
    if (rx == 0 || ak == 0) {
      ++missing;
      continue;
    }
    if (rx < ak) ++before_ack;
    ack_to_rx.push_back(std::max<int64_t>(0, rx - ak));
    send_to_rx.push_back(rx - t.sent[s].load());
  }
  double events = static_cast<double>(sent) * o.frame;
  std::printf(
      "target %8lld ev/s | sent %8.0f ev/s, acked in %.2fs | ack->rx p50 %7.2f ms p99 %7.2f ms | "
      "send->rx p50 %7.2f ms p99 %7.2f ms | rx before ack %lld, missing %lld of %llu frames\n",
      static_cast<long long>(rate), events / elapsed, ack_elapsed, percentile(ack_to_rx, 0.5),
      percentile(ack_to_rx, 0.99), percentile(send_to_rx, 0.5), percentile(send_to_rx, 0.99),
      static_cast<long long>(before_ack), static_cast<long long>(missing),
      static_cast<unsigned long long>(sent));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) try {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      o.port = v;
    else if (k == "--stream")
      o.stream = v;
    else if (k == "--seconds")
      o.seconds = std::atoi(v.c_str());
    else if (k == "--frame")
      o.frame = std::atoi(v.c_str());
    else if (k == "--window")
      o.window = std::atoi(v.c_str());
    else if (k == "--rates") {
      o.rates.clear();
      for (size_t at = 0; at <= v.size();) {
        size_t comma = v.find(',', at);
        o.rates.push_back(std::atoll(v.substr(at, comma - at).c_str()));
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  // Frames are built before sending so the producer measures the server, not JSON generation.
  std::mt19937_64 rng(42);
  size_t max_frames = static_cast<size_t>(o.seconds) * 2'000'000 / static_cast<size_t>(o.frame) + 2;
  std::vector<Frame> frames;
  for (int i = 0; i < 512; ++i) frames.push_back(make_frame(o.frame, rng));
  std::printf("ws_latency: frames of %d events (%zu bytes), window %d frames, %d s per step\n", o.frame,
              frames[0].text.size(), o.window, o.seconds);
  for (int64_t rate : o.rates) step(o, rate, frames, max_frames);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ws_latency: %s\n", e.what());
  return 1;
}
