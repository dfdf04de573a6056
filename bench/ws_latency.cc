// ws_latency: WebSocket ingest throughput and ack-to-subscriber latency against a running Delta.
//
// --producers connections send frames of --frame events (clickstream events plus "seq", the frame
// number, shared by all producers) to /v1/streams/<stream>/ws at each --rates step (events/s in
// total; 0 = as fast as acks allow), each keeping at most --window frames unacknowledged.
// --deflate 1 offers permessage-deflate on every connection; --write-buffer sets the client's
// write buffer (4096, Beast's default, sends 4 KiB fragments; larger sends each frame whole). A subscriber on
// /v1/streams/<stream>/subscribe notes when each frame's first event arrives. Per step it prints the achieved
// ingest rate and p50/p99 of (a) ack -> subscriber receipt (negative when the event arrived before the ack:
// counted as 0) and (b) send -> subscriber receipt. Usage:
//   delta run -c pipeline.yaml &   # with bench/clickstream_streams.yaml's stream `events`
//   ws_latency --port 8080 --rates 50000,100000,250000,500000,0 --seconds 5 [--producers 4]
//              [--deflate 0|1] [--window 256] [--write-buffer 4096]
// --subscribers N opens N stream subscribers (each reads the log itself on the server); the
// percentiles then pool every subscriber's receipts, "missing" counts per subscriber.
// Each step also prints the client's own CPU use (100% = one core), to tell when it is the limit.
#include <sys/resource.h>
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
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/rfc3339.h"
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
  int window = 256;             // unacknowledged frames per producer connection
  int producers = 1;            // producer connections, each with a sender and an ack-reader thread
  int subscribers = 1;          // stream subscriber connections, each with its own reader thread
  bool deflate = false;         // offer permessage-deflate on every connection
  std::string view;             // measure this view's window results instead of the stream
  int64_t ooo_ms = 0;           // the stream's watermark out_of_orderness
  size_t write_buffer = 65536;  // client write buffer; 4096 = Beast's default (4 KiB fragments)
};

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

// Per-frame times, indexed by seq; written by one thread each, read after the step.
// The view step also keeps each frame's event time and, per window end, its final row's arrival.
struct Times {
  std::vector<std::atomic<int64_t>> sent, acked, event_ms;
  std::vector<std::atomic<int64_t>> received;  // by subscriber, then seq: [sub * frames + seq]
  std::mutex windows_mu;
  std::vector<std::pair<int64_t, int64_t>> windows;  // (window end ms, first final row arrival us)
  const size_t frames;
  Times(size_t n, size_t subscribers)
      : sent(n), acked(n), event_ms(n), received(n * subscribers), frames(n) {}
  std::atomic<int64_t>& rx(size_t sub, uint64_t seq) { return received[sub * frames + seq]; }
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
  std::vector<size_t> ts_slots;  // "2026-01-01T00:00:00.000Z": 24 characters

  // Sets every event's time (the view step stamps the wall clock at sending).
  void stamp_ts(int64_t ms) {
    char t[32];
    if (delta::format_rfc3339_ms(ms, t) != 24) return;
    for (size_t at : ts_slots) text.replace(at, 24, t, 24);
  }

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
    f.text += R"({"ts":")";
    f.ts_slots.push_back(f.text.size());
    f.text += R"(2026-01-01T00:00:00.000Z","event_id":")" + delta::bench::random_hex(rng, 16) +
              R"(","user_id":"u)" + std::to_string(rng() % 100000) + R"(","email":")" +
              delta::bench::random_hex(rng, 12) +
              R"(@example.com","type":"click","amount":1.5,"country":"DE",)" + R"("device":"web",)";
    slot();
    f.text += "}\n";
  }
  return f;
}

// Reads subscriber frames until stopped; on_frame(text, arrival_us) for each.
template <typename Fn>
void read_frames(websocket::stream<tcp::socket>& ws, std::atomic<bool>& stop, Fn on_frame) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!stop.load()) {
    ws.read(buffer, ec);
    if (ec) return;
    on_frame(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()), now_us());
    buffer.consume(buffer.size());
  }
}

// A stream subscriber: stamps the first arrival of each seq.
void subscribe(websocket::stream<tcp::socket>& ws, Times& t, size_t index, std::atomic<bool>& stop) {
  read_frames(ws, stop, [&t, index](std::string_view text, int64_t at) {
    size_t pos = 0;
    while ((pos = text.find("\"seq\":", pos)) != std::string_view::npos) {
      pos += 6;
      uint64_t seq = std::strtoull(text.data() + pos, nullptr, 10);
      if (seq < t.frames && t.rx(index, seq).load() == 0) t.rx(index, seq).store(at);
    }
  });
}

// A view subscriber: notes when each window's first final row arrives.
void subscribe_view(websocket::stream<tcp::socket>& ws, Times& t, std::atomic<bool>& stop) {
  read_frames(ws, stop, [&t](std::string_view text, int64_t at) {
    size_t pos = 0;
    constexpr std::string_view kEnd = "\"window_end\":\"";
    while ((pos = text.find(kEnd, pos)) != std::string_view::npos) {
      pos += kEnd.size();
      size_t line_end = text.find('\n', pos);
      std::string_view row =
          text.substr(pos, line_end == std::string_view::npos ? text.npos : line_end - pos);
      int64_t end_ms = 0;
      if (row.find("\"final\":true") == std::string_view::npos ||
          !delta::parse_rfc3339_ms(row.substr(0, row.find('"')), &end_ms))
        continue;
      std::lock_guard lock(t.windows_mu);
      bool seen = false;
      for (auto& w : t.windows) seen = seen || w.first == end_ms;
      if (!seen) t.windows.emplace_back(end_ms, at);
    }
  });
}

double percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]) / 1000.0;
}

// One producer connection: sends frames numbered from a shared counter, keeping at most o.window
// of its own unacknowledged; its reader thread records acks.
struct Producer {
  websocket::stream<tcp::socket> ws;
  std::vector<Frame> frames;  // its own copies: stamping a frame must not race another producer
  std::atomic<uint64_t> sent{0}, acked{0};
  std::thread acks;
  explicit Producer(asio::io_context& ioc) : ws(ioc) {}
};

void set_client_options(websocket::stream<tcp::socket>& ws, const Options& o) {
  websocket::permessage_deflate pmd;
  pmd.client_enable = o.deflate;
  pmd.compLevel = 1;
  ws.set_option(pmd);
  ws.write_buffer_bytes(o.write_buffer);
  ws.auto_fragment(o.write_buffer <= 4096);  // Beast's defaults: 4 KiB fragments
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A view step: per window whose end the sent event times passed (plus --ooo-ms, the stream's
// out_of_orderness), the watermark passed the end when the first frame with an event time at or
// after it was durable, i.e. at most at that frame's ack; latency = the window's final row's
// arrival at the view subscriber minus that ack.
void report_view(const Options& o, int64_t rate, Times& t, uint64_t sent, double achieved) {
  std::vector<int64_t> latency;
  int64_t unreached = 0;
  std::lock_guard lock(t.windows_mu);
  for (auto [end_ms, rx] : t.windows) {
    int64_t pass_us = 0;
    for (uint64_t s = 1; s <= sent; ++s) {
      int64_t ev = t.event_ms[s].load(), ak = t.acked[s].load();
      if (ev != 0 && ak != 0 && ev >= end_ms + o.ooo_ms && (pass_us == 0 || ak < pass_us)) pass_us = ak;
    }
    if (pass_us == 0) {
      ++unreached;  // the window's end was never passed by the events sent
      continue;
    }
    latency.push_back(std::max<int64_t>(0, rx - pass_us));
  }
  size_t windows = latency.size();
  std::printf(
      "view %s target %8lld ev/s | producers %2d | sent %8.0f ev/s | windows %zu (+%lld not yet passed) | "
      "watermark->final row p50 %7.2f ms p99 %7.2f ms max %7.2f ms\n",
      o.view.c_str(), static_cast<long long>(rate), o.producers, achieved, windows,
      static_cast<long long>(unreached), percentile(latency, 0.5), percentile(latency, 0.99),
      percentile(latency, 1.0));
  std::fflush(stdout);
}

// One step: sends for o.seconds at `rate` events/s in total (0: unpaced), then waits for the
// stragglers.
void step(const Options& o, int64_t rate, const std::vector<Frame>& frames, size_t max_frames) {
  const size_t subs = o.view.empty() ? static_cast<size_t>(o.subscribers) : 1;
  Times t(max_frames, subs);
  asio::io_context ioc;
  std::vector<std::unique_ptr<websocket::stream<tcp::socket>>> subscribers;
  for (size_t i = 0; i < subs; ++i) {
    subscribers.push_back(std::make_unique<websocket::stream<tcp::socket>>(ioc));
    set_client_options(*subscribers.back(), o);
    connect(*subscribers.back(), o,
            o.view.empty() ? "/v1/streams/" + o.stream + "/subscribe" : "/v1/views/" + o.view + "/subscribe");
  }
  std::vector<std::unique_ptr<Producer>> producers;
  size_t copies = std::max<size_t>(8, frames.size() / static_cast<size_t>(o.producers));
  for (int i = 0; i < o.producers; ++i) {
    auto p = std::make_unique<Producer>(ioc);
    set_client_options(p->ws, o);
    connect(p->ws, o, "/v1/streams/" + o.stream + "/ws");
    for (size_t f = 0; f < copies; ++f)
      p->frames.push_back(frames[(static_cast<size_t>(i) * copies + f) % frames.size()]);
    producers.push_back(std::move(p));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> sub_threads;
  for (size_t i = 0; i < subs; ++i) {
    sub_threads.emplace_back([&, i] {
      o.view.empty() ? subscribe(*subscribers[i], t, i, stop) : subscribe_view(*subscribers[i], t, stop);
    });
  }
  for (auto& p : producers) {
    p->acks = std::thread([&t, max_frames, p = p.get()] {
      beast::flat_buffer buffer;
      beast::error_code ec;
      while (true) {
        p->ws.read(buffer, ec);
        if (ec) return;
        std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
        uint64_t seq = std::strtoull(text.data() + 7, nullptr, 10);  // {"seq":N
        if (seq < max_frames) t.acked[seq].store(now_us());
        if (text.find("\"error\"") != std::string_view::npos)
          std::fprintf(stderr, "refused: %.*s\n", 200, text.data());
        buffer.consume(buffer.size());
        p->acked.fetch_add(1);
        p->acked.notify_one();
      }
    });
  }
  std::atomic<uint64_t> next_seq{1};
  double cpu_start = cpu_seconds();
  auto start = Clock::now();
  auto end = start + std::chrono::seconds(o.seconds);
  double frames_per_s = rate > 0 ? static_cast<double>(rate) / o.frame / o.producers : 0;
  std::vector<std::thread> senders;
  for (auto& p : producers) {
    senders.emplace_back([&, p = p.get()] {
      uint64_t mine = 0;
      while (Clock::now() < end) {
        if (frames_per_s > 0) {
          auto due = start + std::chrono::microseconds(
                                 static_cast<int64_t>(static_cast<double>(mine) * 1e6 / frames_per_s));
          if (Clock::now() < due) std::this_thread::sleep_until(due);
        }
        // Window full: sleep until an ack (a yield loop here burnt a core the server needed).
        for (uint64_t a = p->acked.load(); mine - a >= static_cast<uint64_t>(o.window); a = p->acked.load())
          p->acked.wait(a);
        uint64_t seq = next_seq.fetch_add(1);
        if (seq + 1 >= max_frames) break;
        t.sent[seq].store(now_us());
        Frame& f = p->frames[mine % p->frames.size()];
        f.stamp(seq);
        if (!o.view.empty()) {
          int64_t ms = wall_ms();
          t.event_ms[seq].store(ms);
          f.stamp_ts(ms);
        }
        beast::error_code ec;
        p->ws.write(asio::buffer(f.text), ec);
        if (ec) break;
        ++mine;
        p->sent.store(mine);
      }
    });
  }
  for (auto& s : senders) s.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t sent = std::min<uint64_t>(next_seq.load(), max_frames - 1) - 1;
  auto all_acked = [&] {
    for (auto& p : producers)
      if (p->acked.load() < p->sent.load()) return false;
    return true;
  };
  auto drain = Clock::now() + std::chrono::seconds(10);
  while (!all_acked() && Clock::now() < drain) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double ack_elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_start;
  uint64_t delivered = 0;
  for (auto& p : producers) delivered += p->sent.load();
  auto all_received = [&] {
    for (size_t i = 0; i < subs; ++i)
      for (uint64_t s = sent; s > 0 && s + 64 > sent; --s)
        if (t.sent[s].load() != 0 && t.rx(i, s).load() == 0) return false;
    return true;
  };
  if (!o.view.empty()) {
    // The last window closes once the watermark passes its end: keep time moving, then wait.
    while (Clock::now() < drain &&
           (t.windows.empty() || wall_ms() < o.ooo_ms + 2500 + t.event_ms[sent].load()))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  while (o.view.empty() && Clock::now() < drain && !all_received())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop.store(true);
  beast::error_code ec;
  // shutdown() wakes the threads blocked in read() (close() on the fd does not, and a close
  // handshake from this thread would race their reads): each step used to hang ~25 s here.
  for (auto& p : producers) p->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  for (auto& sub : subscribers) sub->next_layer().shutdown(tcp::socket::shutdown_both, ec);
  for (auto& p : producers) p->acks.join();
  for (auto& th : sub_threads) th.join();
  std::vector<int64_t> ack_to_rx, send_to_rx;
  int64_t missing = 0, before_ack = 0;
  for (size_t i = 0; i < subs; ++i) {  // every subscriber's receipts in one distribution
    for (uint64_t s = 1; s <= sent; ++s) {
      int64_t rx = t.rx(i, s).load(), ak = t.acked[s].load();
      if (t.sent[s].load() == 0) continue;  // numbered, then the step ended before it was sent
      if (rx == 0 || ak == 0) {
        ++missing;
        continue;
      }
      if (rx < ak) ++before_ack;
      ack_to_rx.push_back(std::max<int64_t>(0, rx - ak));
      send_to_rx.push_back(rx - t.sent[s].load());
    }
  }
  double events = static_cast<double>(delivered) * o.frame;
  if (!o.view.empty()) return report_view(o, rate, t, sent, events / elapsed);
  std::printf(
      "target %8lld ev/s | producers %2d subscribers %d deflate %d | sent %8.0f ev/s, acked in %.2fs | "
      "ack->rx p50 %7.2f ms "
      "p99 %7.2f ms | send->rx p50 %7.2f ms p99 %7.2f ms | rx before ack %lld, missing %lld of %llu frames | "
      "client cpu %.0f%%\n",
      static_cast<long long>(rate), o.producers, static_cast<int>(subs), o.deflate ? 1 : 0, events / elapsed,
      ack_elapsed, percentile(ack_to_rx, 0.5), percentile(ack_to_rx, 0.99), percentile(send_to_rx, 0.5),
      percentile(send_to_rx, 0.99), static_cast<long long>(before_ack), static_cast<long long>(missing),
      static_cast<unsigned long long>(delivered), 100.0 * cpu / ack_elapsed);
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
    else if (k == "--view")
      o.view = v;
    else if (k == "--ooo-ms")
      o.ooo_ms = std::atoll(v.c_str());
    else if (k == "--producers")
      o.producers = std::max(1, std::atoi(v.c_str()));
    else if (k == "--subscribers")
      o.subscribers = std::max(1, std::atoi(v.c_str()));
    else if (k == "--deflate")
      o.deflate = v == "1";
    else if (k == "--write-buffer")
      o.write_buffer = static_cast<size_t>(std::atoll(v.c_str()));
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
