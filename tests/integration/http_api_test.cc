// The HTTP API of the real binary: every route and every kind of bad input from the backbone issue.
// Each bad input must get its status and stable code, leave the server serving, and write nothing.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

const char* kStreams = R"(streams:
  events:
    time_field: ts
    key: user_id
    partitions: 4
    schema: {ts: timestamp, event_id: string, user_id: string, email: string, type: string, amount: "float64?", country: string, device: string, extra: "json?"}
  plain:
    partitions: 1
    schema: {n: int64, ok: "bool?"}
)";

std::string event(int i, const std::string& user = "") {
  return R"({"ts":"2026-11-27T10:00:00.)" + std::to_string(100 + i % 900) + R"(Z","event_id":"e)" +
         std::to_string(i) + R"(","user_id":")" + (user.empty() ? "u" + std::to_string(i % 17) : user) +
         R"(","email":"user)" + std::to_string(i) +
         R"(@example.com","type":"click","amount":1.5,"country":"DE","device":"web"})";
}

std::string ndjson(int from, int count) {
  std::string body;
  for (int i = from; i < from + count; ++i) body += event(i) + "\n";
  return body;
}

class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    delta_ = new DeltaProcess(
        dir_->path(), kStreams,
        "max_body_bytes: 64KiB, max_decoded_body_bytes: 256KiB, max_event_bytes: 2KiB, "
        "max_json_depth: 8, header_timeout: 300ms, body_timeout: 300ms, max_connections: 64");
    ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
  }
  static void TearDownTestSuite() {
    delete delta_;
    delete dir_;
  }

  // Total end offsets of a stream: how many events it holds.
  static int64_t stored(const std::string& stream) {
    HttpResult r = http_get(delta_->url("/v1/streams/" + stream));
    int64_t total = 0;
    for (size_t at = 0; (at = r.body.find("\"end_offset\":", at)) != std::string::npos; ++at) {
      total += std::stoll(r.body.substr(at + 13));
    }
    return total;
  }

  HttpResult post(const std::string& body, const std::string& type = "application/x-ndjson",
                  const std::string& encoding = "", const std::string& stream = "events") {
    return http_post(delta_->url("/v1/streams/" + stream + "/events"), body, type, encoding);
  }

  // Posts `body`, expects `status` and `code`, and checks that nothing was written.
  void expect_rejected(const std::string& body, long status, const std::string& code,
                       const std::string& type = "application/x-ndjson", const std::string& encoding = "") {
    int64_t before = stored("events");
    HttpResult r = post(body, type, encoding);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find("\"code\":\"" + code + "\""), std::string::npos) << r.body;
    EXPECT_EQ(stored("events"), before);
    EXPECT_EQ(http_get(delta_->url("/healthz")).status, 200);
  }

  static TempDir* dir_;
  static DeltaProcess* delta_;
};

TempDir* HttpApi::dir_ = nullptr;
DeltaProcess* HttpApi::delta_ = nullptr;

TEST_F(HttpApi, NdjsonIsAcceptedAndReadableBack) {
  int64_t before = stored("events");
  HttpResult r = post(ndjson(0, 50));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":50"), std::string::npos) << r.body;
  EXPECT_EQ(stored("events"), before + 50);
  auto events = read_all_events(*delta_, "events", 4);
  int found = 0;
  for (const auto& e : events) found += json_string_field(e.json, "event_id") == "e7" ? 1 : 0;
  EXPECT_EQ(found, 1);
}

TEST_F(HttpApi, SameKeyGoesToOnePartition) {
  std::string body;
  for (int i = 0; i < 20; ++i) body += event(1000 + i, "same-user") + "\n";
  ASSERT_EQ(post(body).status, 200);
  int partition = -1;
  for (const auto& e : read_all_events(*delta_, "events", 4)) {
    if (json_string_field(e.json, "user_id") != "same-user") continue;
    if (partition < 0) partition = e.partition;
    EXPECT_EQ(e.partition, partition);
  }
  EXPECT_GE(partition, 0);
}

TEST_F(HttpApi, JsonArrayAndObject) {
  HttpResult r = post("[" + event(2000) + "," + event(2001) + "]", "application/json");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":2"), std::string::npos);
  r = post(event(2002), "application/json; charset=utf-8");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":1"), std::string::npos);
}

TEST_F(HttpApi, GzipAndZstdBodies) {
  HttpResult r = post(gzip(ndjson(3000, 10)), "application/x-ndjson", "gzip");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":10"), std::string::npos);
  r = post(zstd(ndjson(3010, 10)), "application/x-ndjson", "zstd");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":10"), std::string::npos);
}

TEST_F(HttpApi, ValidItemsKeptWhenOthersFail) {
  int64_t before = stored("events");
  std::string body = event(4000) + "\n{not json\n" + event(4001) + "\n" + R"({"ts":"x"})" + "\n";
  HttpResult r = post(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"rejected\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"index\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"index\":3"), std::string::npos) << r.body;
  EXPECT_EQ(stored("events"), before + 2);
}

TEST_F(HttpApi, TruncatedLastLineIsRejectedAlone) {
  std::string full = event(4100);
  HttpResult r = post(event(4099) + "\n" + full.substr(0, full.size() / 2));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"index\":1"), std::string::npos) << r.body;
}

TEST_F(HttpApi, MalformedJson) { expect_rejected("{\"ts\": ,}\n", 400, "malformed_json"); }
TEST_F(HttpApi, InvalidUtf8) {
  std::string e = event(1);
  e.replace(e.find("click"), 5, "cl\xff\xfek");
  expect_rejected(e + "\n", 400, "invalid_utf8");
}
TEST_F(HttpApi, WrongType) {
  std::string e = event(1);
  e.replace(e.find("1.5"), 3, "\"lots\"");
  expect_rejected(e + "\n", 400, "wrong_type");
}
TEST_F(HttpApi, MissingRequiredField) {
  std::string e = event(1);
  e.replace(e.find(",\"country\":\"DE\""), 15, "");
  expect_rejected(e + "\n", 400, "missing_field");
}
TEST_F(HttpApi, NumberOutOfRange) {
  int64_t before = stored("plain");
  HttpResult r = post("{\"n\": 99999999999999999999999}\n", "application/x-ndjson", "", "plain");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("out_of_range"), std::string::npos) << r.body;
  EXPECT_EQ(stored("plain"), before);
}
TEST_F(HttpApi, TooDeep) {
  std::string e = event(1);
  e.insert(e.size() - 1, R"(,"extra":[[[[[[[[[[[[1]]]]]]]]]]]])");
  expect_rejected(e + "\n", 400, "too_deep");
}
TEST_F(HttpApi, EmptyBody) { expect_rejected("", 400, "empty_body"); }
TEST_F(HttpApi, CorruptGzip) {
  std::string z = gzip(ndjson(0, 5));
  z[z.size() / 2] ^= 0x55;
  z.resize(z.size() - 4);
  expect_rejected(z, 400, "bad_encoding", "application/x-ndjson", "gzip");
}
TEST_F(HttpApi, CorruptZstd) {
  expect_rejected(std::string("\x28\xb5\x2f\xfd garbage garbage"), 400, "bad_encoding",
                  "application/x-ndjson", "zstd");
}
TEST_F(HttpApi, UnknownEncoding) {
  expect_rejected(ndjson(0, 1), 415, "unsupported_encoding", "application/x-ndjson", "br");
}
TEST_F(HttpApi, BodyOverLimitIs413) { expect_rejected(ndjson(0, 800), 413, "body_too_large"); }
TEST_F(HttpApi, DecodedBodyOverLimitIs413) {
  std::string big(400 * 1024, ' ');  // compresses to almost nothing, decodes past 256 KiB
  expect_rejected(gzip(event(1) + big), 413, "body_too_large", "application/x-ndjson", "gzip");
}
TEST_F(HttpApi, EventOverLimit) {
  std::string e = event(1);
  e.insert(e.size() - 1, ",\"pad\":\"" + std::string(3000, 'x') + "\"");
  expect_rejected(e + "\n", 400, "event_too_large");
}
TEST_F(HttpApi, UnknownStreamIs404) {
  HttpResult r = post(ndjson(0, 1), "application/x-ndjson", "", "nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("unknown_stream"), std::string::npos);
}
TEST_F(HttpApi, WrongContentTypeIs415) {
  expect_rejected(ndjson(0, 1), 415, "unsupported_media_type", "text/csv");
}

TEST_F(HttpApi, StreamsListing) {
  HttpResult r = http_get(delta_->url("/v1/streams"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"({"name":"events","partitions":4})"), std::string::npos) << r.body;
  r = http_get(delta_->url("/v1/streams/events"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("ts":{"type":"timestamp","required":true})"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("amount":{"type":"float64","required":false})"), std::string::npos) << r.body;
  EXPECT_EQ(http_get(delta_->url("/v1/streams/missing")).status, 404);
}

TEST_F(HttpApi, ReadBackParameters) {
  ASSERT_EQ(post("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", "application/x-ndjson", "", "plain").status, 200);
  EXPECT_EQ(http_get(delta_->url("/v1/streams/events/events?partition=9")).status, 400);
  EXPECT_EQ(http_get(delta_->url("/v1/streams/events/events?limit=0")).status, 400);
  EXPECT_EQ(http_get(delta_->url("/v1/streams/events/events?from_offset=-1")).status, 400);
  HttpResult r = http_get(delta_->url("/v1/streams/plain/events?partition=0&from_offset=1&limit=1"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("offset":1,"time":)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("event":{"n":2})"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("\"offset\":2,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"next_offset\":2"), std::string::npos) << r.body;
}

TEST_F(HttpApi, ProbesAndMetrics) {
  EXPECT_EQ(http_get(delta_->url("/healthz")).status, 200);
  EXPECT_EQ(http_get(delta_->url("/readyz")).status, 200);
  ASSERT_EQ(post(ndjson(6000, 3)).status, 200);
  HttpResult m = http_get(delta_->url("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_GE(metric_value(m.body, R"(delta_ingest_events_total{stream="events"})"), 3);
  EXPECT_GE(metric_value(m.body, R"(delta_http_requests_total{route="ingest",status="200"})"), 1);
  for (const char* name : {"delta_ingest_rejected_events_total", "delta_ingest_bytes_total",
                           "delta_http_request_duration_seconds_bucket", "delta_log_append_latency_seconds",
                           "delta_log_end_offset", "delta_log_size_bytes"}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
}

TEST_F(HttpApi, UnknownRouteIs404) { EXPECT_EQ(http_get(delta_->url("/v2/whatever")).status, 404); }

TEST_F(HttpApi, SlowHeadersGet408AndClose) {
  int fd = connect_loopback(delta_->port());
  ASSERT_GE(fd, 0);
  std::string partial = "POST /v1/streams/events/events HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  std::string answer = read_until_close(fd, 5000);
  ::close(fd);
  EXPECT_NE(answer.find("HTTP/1.1 408"), std::string::npos) << answer;
  EXPECT_GE(metric_value(http_get(delta_->url("/metrics")).body, "delta_http_timeouts_total"), 1);
}

TEST_F(HttpApi, SlowBodyGets408) {
  int fd = connect_loopback(delta_->port());
  ASSERT_GE(fd, 0);
  std::string head =
      "POST /v1/streams/events/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: 1000\r\n\r\n{\"ts\":";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  std::string answer = read_until_close(fd, 5000);
  ::close(fd);
  EXPECT_NE(answer.find("HTTP/1.1 408"), std::string::npos) << answer;
}

TEST_F(HttpApi, SlowHttpTestLeavesServerServing) {
  // slowhttptest (Debian) holds 40 slow-header connections to loopback for 4 seconds.
  std::string cmd = "slowhttptest -H -c 40 -r 40 -i 1 -l 4 -x 10 -p 2 -u " +
                    delta_->url("/v1/streams/events/events") + " -t POST > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(post(ndjson(7000, 2)).status, 200);
  EXPECT_GE(metric_value(http_get(delta_->url("/metrics")).body, "delta_http_timeouts_total"), 10);
}

}  // namespace
}  // namespace delta::testing
