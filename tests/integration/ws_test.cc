// WebSocket ingest and live subscriptions (issue 7) against the real binary, driven by the npm `ws`
// client (tests/node/ws_client.mjs) as an independent implementation of the protocol: acks with
// sequence numbers and per-item errors, authentication on the upgrade, subscriptions with a
// filter, resume after a reconnect, the slow-subscriber policy, the protocol's error cases, and
// `delta tail`.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "base/url.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"

#ifndef DELTA_NODE_DIR
#error "DELTA_NODE_DIR must name tests/node"
#endif

namespace delta::testing {
namespace {

constexpr int kWaitMs = 20'000;

// A view with early (provisional) rows every 20 ms, grouped by parity: `odd` is 1 or 0.
const std::string kParityView =
    "views:\n  parity:\n    from: orders\n    window: {tumbling: 1s, early: 20ms}\n"
    "    group_by: [{odd: \"n % 2\"}]\n    select: {events: count(), total: sum(n)}\n";
const std::vector<std::string> kUpgradeHeaders = {"Connection: Upgrade", "Upgrade: websocket",
                                                  "Sec-WebSocket-Version: 13",
                                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="};

std::string ws_url(const DeltaProcess& d, const std::string& path) {
  return "ws://127.0.0.1:" + std::to_string(d.port()) + path;
}

// The lines of `out` that start with `prefix`, without it.
std::vector<std::string> lines_with(const std::string& out, const std::string& prefix) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < out.size()) {
    size_t nl = out.find('\n', at);
    std::string line = out.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (line.starts_with(prefix)) lines.push_back(line.substr(prefix.size()));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return lines;
}

int64_t int_field(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\":";
  size_t at = json.find(needle);
  return at == std::string::npos ? -1 : std::strtoll(json.c_str() + at + needle.size(), nullptr, 10);
}

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v node >/dev/null") != 0) FAIL() << "node not installed: run scripts/setup.sh";
  }

  void start(const std::string& extra_yaml = "", const std::string& server_extra = "") {
    delta_ = std::make_unique<DeltaProcess>(
        dir_.path(), extra_yaml + kStreams,
        "ws_max_message_bytes: 64KiB, ws_subscriber_queue_events: 5000" + server_extra);
    ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
  }

  // Starts `node ws_client.mjs <mode> <url> <args...>`; owned by the fixture.
  Subprocess& client(const std::string& mode, const std::string& url, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {"node", std::string(DELTA_NODE_DIR) + "/ws_client.mjs", mode, url};
    argv.insert(argv.end(), args.begin(), args.end());
    clients_.push_back(std::make_unique<Subprocess>(
        argv, dir_.path() + "/client" + std::to_string(clients_.size()) + ".out"));
    EXPECT_TRUE(clients_.back()->start());
    return *clients_.back();
  }

  // Runs a client to its end (it prints "closed" or "http") and returns its output.
  std::string run(const std::string& mode, const std::string& url, std::vector<std::string> args = {}) {
    Subprocess& c = client(mode, url, std::move(args));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string out = c.output();
      if (out.find("closed ") != std::string::npos || out.find("http ") != std::string::npos) return out;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, bounded
    }
    ADD_FAILURE() << "the client did not finish: " << c.output();
    return c.output();
  }

  void post(int from, int count, const std::string& pad = "") {
    std::string body;
    for (int i = from; i < from + count; ++i) body += "{\"n\":" + std::to_string(i) + pad + "}\n";
    HttpResult r = http_post(delta_->url("/v1/streams/orders/events"), body, "application/x-ndjson");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  TempDir dir_;
  std::unique_ptr<DeltaProcess> delta_;
  std::vector<std::unique_ptr<Subprocess>> clients_;
};

TEST_F(WebSocketTest, IngestAcksEveryMessageInOrderWithItsSeqAndItemErrors) {
  start();
  std::string out = run("ingest", ws_url(*delta_, "/v1/streams/orders/ws"),
                        {"{\"seq\":41}\n{\"n\":1}\n{\"n\":\"x\"}", "{\"n\":2}", "[{\"n\":3},{\"n\":4}]"});
  std::vector<std::string> acks = lines_with(out, "ack ");
  ASSERT_EQ(acks.size(), 3u) << out;
  EXPECT_EQ(acks[0], R"({"seq":41,"accepted":1,"rejected":1,"errors":[{"index":1,"code":"wrong_type",)"
                     R"("error":"field 'n' (int64): expected an integer"}]})")
      << "the header line is not an item: the second event is index 1";
  EXPECT_EQ(acks[1], R"({"seq":2,"accepted":1,"rejected":0,"errors":[]})") << "server numbering: message 2";
  EXPECT_EQ(acks[2], R"({"seq":3,"accepted":2,"rejected":0,"errors":[]})") << "a JSON array is one message";
  EXPECT_NE(out.find("closed 1000"), std::string::npos) << "the close handshake completes: " << out;
  EXPECT_EQ(read_all_events(*delta_, "orders", 2).size(), 4u) << "acked events are in the log";
}

TEST_F(WebSocketTest, UpgradeGoesThroughTheGatewayWithHeadersOrAccessToken) {
  start(kAuthRoles);
  std::string producer = create_key(*delta_, "producer");
  std::string reader = create_key(*delta_, "orders-reader");
  ASSERT_TRUE(poll_status(*delta_, "orders", {"X-API-Key: " + producer}, 200)) << "the key file is reloaded";
  std::string url = ws_url(*delta_, "/v1/streams/orders/ws");
  std::string anonymous = run("ingest", url, {"{\"n\":1}"});
  EXPECT_NE(anonymous.find("http 401"), std::string::npos) << anonymous;
  std::string as_reader = run("ingest", url + "?access_token=" + reader, {"{\"n\":1}"});
  EXPECT_NE(as_reader.find("http 403"), std::string::npos)
      << "a reader may subscribe but not produce: " << as_reader;
  std::string out = run("ingest", url + "?access_token=" + producer, {"{\"n\":1}"});
  EXPECT_NE(out.find(R"(ack {"seq":1,"accepted":1)"), std::string::npos) << out;
  HttpResult refused =
      http_request("GET", delta_->url("/v1/streams/orders/subscribe"),
                   {"Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "X-API-Key: " + producer});
  EXPECT_EQ(refused.status, 403) << "a producer may not consume: " << refused.body
                                 << delta_->read_stdout().substr(0, 3000);
}

TEST_F(WebSocketTest, SubscriptionPushesDurableEventsThatMatchTheFilter) {
  start();
  HttpResult bad =
      http_request("GET", delta_->url("/v1/streams/orders/subscribe?filter=" + percent_encode("nn > 5")),
                   {"Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("unknown field \\\"nn\\\" (did you mean \\\"n\\\"?)"), std::string::npos)
      << bad.body;

  Subprocess& sub = client(
      "subscribe", ws_url(*delta_, "/v1/streams/orders/subscribe?filter=" + percent_encode("n > 5")), {"4"});
  ASSERT_TRUE(sub.wait_for_output("open", kWaitMs)) << sub.output();
  post(0, 10);
  ASSERT_TRUE(sub.wait_for_output("closed 1000", kWaitMs)) << sub.output();
  std::vector<std::string> rows = lines_with(sub.output(), "row ");
  ASSERT_EQ(rows.size(), 4u) << sub.output();
  std::set<int64_t> seen;
  for (const std::string& r : rows) {
    EXPECT_GE(int_field(r, "partition"), 0) << r;
    EXPECT_GE(int_field(r, "offset"), 0) << r;
    seen.insert(int_field(r, "n"));
  }
  EXPECT_EQ(seen, (std::set<int64_t>{6, 7, 8, 9}));
  EXPECT_NE(run("subscribe", ws_url(*delta_, "/v1/views/nope/subscribe"), {"1"}).find("http 404"),
            std::string::npos);
}

TEST_F(WebSocketTest, ResumingFromTheLastPositionsMissesNothing) {
  start();
  post(0, 6);
  std::string first = run("subscribe", ws_url(*delta_, "/v1/streams/orders/subscribe?from=beginning"), {"6"});
  std::map<int64_t, int64_t> next;  // partition -> next offset
  for (const std::string& r : lines_with(first, "row ")) {
    int64_t p = int_field(r, "partition");
    next[p] = std::max(next[p], int_field(r, "offset") + 1);
  }
  ASSERT_EQ(lines_with(first, "row ").size(), 6u) << first;
  post(100, 6);  // while nobody is subscribed
  std::string from;
  for (auto [p, o] : next) from += (from.empty() ? "" : ",") + std::to_string(p) + ":" + std::to_string(o);
  Subprocess& again =
      client("subscribe", ws_url(*delta_, "/v1/streams/orders/subscribe?from=" + from), {"7"});
  ASSERT_TRUE(again.wait_for_output("open", kWaitMs));
  post(200, 1);  // and one live after the backlog
  ASSERT_TRUE(again.wait_for_output("closed 1000", kWaitMs)) << again.output();
  std::set<int64_t> seen;
  for (const std::string& r : lines_with(again.output(), "row ")) seen.insert(int_field(r, "n"));
  EXPECT_EQ(seen, (std::set<int64_t>{100, 101, 102, 103, 104, 105, 200})) << again.output();
}

// A subscriber that stops reading is closed with 1013 once it is 5000 events (5 MB) behind; ingestion and
// a second subscriber (the npm client, reading normally) go on meanwhile. The slow one is a raw
// socket with a 4 KiB receive buffer that never reads: a paused npm client would let the kernel
// buffer tens of megabytes (tcp_rmem) before the server noticed anything.
TEST_F(WebSocketTest, SlowSubscriberIsClosedWith1013WhileIngestionContinues) {
  start();
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ASSERT_EQ(setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(delta_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string upgrade =
      "GET /v1/streams/orders/subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
      "13\r\n\r\n";
  ASSERT_EQ(send(slow, upgrade.data(), upgrade.size(), 0), static_cast<ssize_t>(upgrade.size()));
  std::string head;
  char c;
  while (!head.ends_with("\r\n\r\n") && recv(slow, &c, 1, 0) == 1) head += c;
  ASSERT_TRUE(head.starts_with("HTTP/1.1 101")) << head;

  Subprocess& fast = client("subscribe", ws_url(*delta_, "/v1/streams/orders/subscribe"), {"20000"});
  ASSERT_TRUE(fast.wait_for_output("open", kWaitMs));
  std::string pad = ",\"pad\":\"" + std::string(1000, 'p') + "\"";
  for (int i = 0; i < 200; ++i) post(i * 100, 100, pad);  // each answered 200: ingestion goes on
  double dropped = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (dropped < 1 && std::chrono::steady_clock::now() < deadline) {
    dropped = metric_value(http_get(delta_->url("/metrics")).body, "delta_ws_subscribers_dropped_total");
    if (dropped < 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, bounded
  }
  EXPECT_EQ(dropped, 1);
  EXPECT_TRUE(fast.wait_for_output("closed 1000", kWaitMs)) << "the other subscriber got all 20000 events";
  std::string rest = read_until_close(slow, kWaitMs);  // what was queued, then the close frame
  close(slow);
  std::string reason = "subscriber too slow";
  size_t at = rest.rfind(reason);
  ASSERT_NE(at, std::string::npos) << "no close frame among the last bytes: "
                                   << rest.substr(rest.size() - 100);
  ASSERT_GE(at, 4u);
  EXPECT_EQ(static_cast<unsigned char>(rest[at - 4]), 0x88) << "a close frame";
  EXPECT_EQ((static_cast<unsigned char>(rest[at - 2]) << 8) | static_cast<unsigned char>(rest[at - 1]), 1013);
}

TEST_F(WebSocketTest, FragmentsWithAPingBetweenAreOneMessage) {
  start();
  std::string out = run("fragmented", ws_url(*delta_, "/v1/streams/orders/ws"), {"{\"n\"", ":7", "}"});
  EXPECT_NE(out.find(R"(ack {"seq":1,"accepted":1,"rejected":0,"errors":[]})"), std::string::npos) << out;
}

TEST_F(WebSocketTest, ProtocolViolationsCloseWithTheirCodes) {
  start();
  std::string url = ws_url(*delta_, "/v1/streams/orders/ws");
  EXPECT_NE(run("badutf8", url).find("closed 1007"), std::string::npos) << "invalid UTF-8 in a text message";
  EXPECT_NE(run("unmasked", url).find("closed 1002"), std::string::npos) << "an unmasked client frame";
  EXPECT_NE(run("oversized", url, {"70000"}).find("closed 1009"), std::string::npos) << "over 64 KiB";
  post(0, 1);  // the server is still serving
}

TEST_F(WebSocketTest, DeltaTailPrintsEventsAsTheyArrive) {
  start();
  post(0, 3);
  Subprocess tail(
      {DELTA_BINARY, "tail", "orders", "--from-beginning", "--filter", "n >= 1", "--url", delta_->url("")},
      dir_.path() + "/tail.out");
  ASSERT_TRUE(tail.start());
  post(3, 1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (lines_with(tail.output(), "{\"partition\"").size() < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, bounded
  }
  std::set<int64_t> seen;
  for (const std::string& r : lines_with(tail.output(), "{\"partition\"")) seen.insert(int_field(r, "n"));
  EXPECT_EQ(seen, (std::set<int64_t>{1, 2, 3})) << tail.output();
  tail.stop();
}

}  // namespace
}  // namespace delta::testing

namespace delta::testing {
namespace {

// A view's results reach its WebSocket subscribers as the worker emits them (here its early rows).
TEST_F(WebSocketTest, ViewSubscribersReceiveResultsAsTheyAreEmitted) {
  start(
      "views:\n  counts:\n    from: orders\n    window: {tumbling: 1s, early: 20ms}\n"
      "    group_by: [{all: \"'all'\"}]\n    select: {events: count(), total: sum(n)}\n");
  Subprocess& sub = client("subscribe", ws_url(*delta_, "/v1/views/counts/subscribe"), {"1"});
  ASSERT_TRUE(sub.wait_for_output("open", kWaitMs)) << sub.output();
  post(1, 4);  // n = 1..4
  ASSERT_TRUE(sub.wait_for_output("closed 1000", kWaitMs)) << sub.output();
  std::vector<std::string> rows = lines_with(sub.output(), "row ");
  ASSERT_EQ(rows.size(), 1u) << sub.output();
  EXPECT_NE(rows[0].find("\"window_start\":\""), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("\"all\":\"all\""), std::string::npos) << rows[0];
  EXPECT_GE(int_field(rows[0], "events"), 1) << rows[0];
  EXPECT_LE(int_field(rows[0], "total"), 10) << rows[0];
}

// A view subscription's filter selects result rows by their columns (group keys, aggregates,
// window bounds): here only the odd group's rows, from an independent client. A filter on a column
// the results do not have is refused before the upgrade.
TEST_F(WebSocketTest, ViewSubscriptionFilterSelectsResultRowsByTheirColumns) {
  start(kParityView);
  HttpResult bad = http_request(
      "GET", delta_->url("/v1/views/parity/subscribe?filter=" + percent_encode("totl > 1")), kUpgradeHeaders);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("bad_filter"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("unknown field \\\"totl\\\" (did you mean \\\"total\\\"?)"), std::string::npos)
      << bad.body;
  HttpResult stream_field = http_request(
      "GET", delta_->url("/v1/views/parity/subscribe?filter=" + percent_encode("n > 1")), kUpgradeHeaders);
  EXPECT_EQ(stream_field.status, 400)
      << "n is the stream's field, not a result column: " << stream_field.body;

  std::string filter =
      "odd = 1 and total > 0 and window_end > window_start and window_end > '2000-01-01T00:00:00Z'";
  Subprocess& sub = client(
      "subscribe", ws_url(*delta_, "/v1/views/parity/subscribe?filter=" + percent_encode(filter)), {"2"});
  ASSERT_TRUE(sub.wait_for_output("open", kWaitMs)) << sub.output();
  post(1, 4);  // odd: 1 + 3, even: 2 + 4, both groups in one emission
  ASSERT_TRUE(sub.wait_for_output("row ", kWaitMs)) << sub.output();
  post(5, 4);  // odd: 5 + 7 more
  ASSERT_TRUE(sub.wait_for_output("closed 1000", kWaitMs)) << sub.output();
  std::vector<std::string> rows = lines_with(sub.output(), "row ");
  ASSERT_EQ(rows.size(), 2u) << sub.output();
  for (const std::string& r : rows) {
    EXPECT_EQ(int_field(r, "odd"), 1) << r;
    EXPECT_GT(int_field(r, "total"), 0) << r;
  }
  post(9, 1);  // the server keeps serving after the refusals
}

// A window firing thousands of keys reaches a view subscriber in frames of about 256 KiB cut after
// a row, not as one message of the whole firing (the rows of one take are ~420 KB here).
TEST_F(WebSocketTest, ViewResultsGoOutInBoundedFramesOfWholeRows) {
  start(
      "views:\n  keys:\n    from: orders\n    window: {tumbling: 1h, early: 20ms}\n"
      "    group_by: [n]\n    select: {events: count()}\n");
  constexpr int kKeys = 4000;
  Subprocess& sub = client("subscribe", ws_url(*delta_, "/v1/views/keys/subscribe"), {std::to_string(kKeys)});
  ASSERT_TRUE(sub.wait_for_output("open", kWaitMs)) << sub.output();
  post(0, kKeys);
  ASSERT_TRUE(sub.wait_for_output("closed 1000", kWaitMs)) << sub.output().substr(0, 2000);
  std::string out = sub.output();
  std::vector<std::string> frames = lines_with(out, "frame ");
  ASSERT_FALSE(frames.empty());
  int64_t largest = 0;
  for (const std::string& f : frames) largest = std::max<int64_t>(largest, std::stoll(f));
  EXPECT_LE(largest, 256 * 1024 + 200) << frames.size() << " frames";
  std::set<int64_t> keys;
  for (const std::string& r : lines_with(out, "row ")) {
    ASSERT_TRUE(r.starts_with("{\"window_start\"") && r.ends_with("}"))
        << "a row split between frames: " << r;
    keys.insert(int_field(r, "n"));
  }
  EXPECT_EQ(keys.size(), static_cast<size_t>(kKeys));
}

// `delta tail <view> --filter`: the stream route answers 404, the view's filter applies.
TEST_F(WebSocketTest, DeltaTailFiltersAViewsResults) {
  start(kParityView);
  Subprocess tail({DELTA_BINARY, "tail", "parity", "--filter", "odd = 0", "--url", delta_->url("")},
                  dir_.path() + "/tail.out");
  ASSERT_TRUE(tail.start());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  int n = 1;
  while (lines_with(tail.output(), "{\"window_start\"").size() < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    post(n, 2);  // one odd, one even event per round, until two rows arrived
    n += 2;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // pacing the rounds, bounded
  }
  std::vector<std::string> rows = lines_with(tail.output(), "{\"window_start\"");
  ASSERT_GE(rows.size(), 2u) << tail.output();
  for (const std::string& r : rows) EXPECT_EQ(int_field(r, "odd"), 0) << r;
  tail.stop();
}

// wss://: `delta tail` over the server's TLS listener (certificate checked against --ca-file,
// refused without it), and the npm client over TLS too.
TEST_F(WebSocketTest, DeltaTailAndSubscribersOverTls) {
  std::string crt = dir_.path() + "/server.crt", key = dir_.path() + "/server.key";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                         "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                         key + " -out " + crt + " 2>/dev/null")
                            .c_str()),
            0);
  TlsClient tls{crt, "", ""};
  delta_ = std::make_unique<DeltaProcess>(dir_.path(), kStreams,
                                          "tls: {cert: \"" + crt + "\", key: \"" + key + "\"}");
  delta_->use_tls(tls);
  ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
  auto post_tls = [&](int n) {
    HttpResult r = https_post(delta_->https_url("/v1/streams/orders/events"),
                              "{\"n\":" + std::to_string(n) + "}\n", "application/x-ndjson", tls);
    ASSERT_EQ(r.status, 200) << r.body;
  };
  post_tls(1);
  std::string base = delta_->https_url("");
  Subprocess untrusted({DELTA_BINARY, "tail", "orders", "--from-beginning", "--url", base},
                       dir_.path() + "/untrusted.out");
  ASSERT_TRUE(untrusted.start());
  EXPECT_TRUE(untrusted.wait_for_output("certificate verify failed", kWaitMs))
      << "no CA given: the self-signed certificate is refused: " << untrusted.output();

  Subprocess tail({DELTA_BINARY, "tail", "orders", "--from-beginning", "--url", base, "--ca-file", crt},
                  dir_.path() + "/tail.out");
  ASSERT_TRUE(tail.start());
  ASSERT_TRUE(tail.wait_for_output("\"n\":1}", kWaitMs)) << "the backlog over wss: " << tail.output();
  post_tls(2);
  EXPECT_TRUE(tail.wait_for_output("\"n\":2}", kWaitMs)) << "a live event over wss: " << tail.output();
  tail.stop();

  ::setenv("NODE_EXTRA_CA_CERTS", crt.c_str(), 1);  // the npm client trusts the test's certificate
  std::string wss = "wss://127.0.0.1:" + std::to_string(delta_->port());
  std::string out = run("subscribe", wss + "/v1/streams/orders/subscribe?from=beginning", {"2"});
  EXPECT_EQ(lines_with(out, "row ").size(), 2u) << out;
  out = run("ingest", wss + "/v1/streams/orders/ws", {"{\"n\":3}"});
  EXPECT_NE(out.find(R"(ack {"seq":1,"accepted":1,"rejected":0,"errors":[]})"), std::string::npos) << out;
}

}  // namespace
}  // namespace delta::testing
