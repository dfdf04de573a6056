// Start, stop and limits of the real binary: connection limit, graceful SIGTERM, restart with data.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

const char* kStreams = R"(streams:
  s:
    partitions: 2
    key: k
    schema: {k: string, n: int64}
)";

std::string body(int from, int count) {
  std::string b;
  for (int i = from; i < from + count; ++i) {
    b += R"({"k":"k)" + std::to_string(i % 5) + R"(","n":)" + std::to_string(i) + "}\n";
  }
  return b;
}

TEST(Lifecycle, ConnectionsPastTheLimitAreRefusedAndCounted) {
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams, "max_connections: 2");
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  // Two keep-alive connections that each completed a request, so the server holds them open. A
  // connection can be refused while the server still counts one that a client (the readiness
  // probe) closed a moment ago; such attempts are retried, a bounded number of times.
  std::vector<int> held;
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int attempt = 0; attempt < 100 && held.size() < 2; ++attempt) {
    int fd = connect_loopback(delta.port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    char buf[512];
    if (::recv(fd, buf, sizeof buf, 0) > 0) {
      held.push_back(fd);
    } else {
      ::close(fd);
    }
  }
  ASSERT_EQ(held.size(), 2u);
  int third = connect_loopback(delta.port());
  ASSERT_GE(third, 0);
  ::send(third, req.data(), req.size(), MSG_NOSIGNAL);
  std::string answer = read_until_close(third, 5000);
  ::close(third);
  EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer;
  for (int fd : held) ::close(fd);
  // The held connections are gone; a new request is served and the refusal was counted.
  HttpResult m;
  for (int i = 0; i < 200 && m.status != 200; ++i) m = http_get(delta.url("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_GE(metric_value(m.body, "delta_http_connections_refused_total"), 1);
}

TEST(Lifecycle, SigtermDrainsAndExitsZeroAndDataSurvivesRestart) {
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams);
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(http_post(delta.url("/v1/streams/s/events"), body(i * 100, 100), "application/x-ndjson").status,
              200);
  }
  EXPECT_EQ(delta.terminate(), 0) << delta.read_stdout();
  EXPECT_NE(delta.read_stdout().find("\"message\":\"stopped\""), std::string::npos);
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  auto events = read_all_events(delta, "s", 2);
  EXPECT_EQ(events.size(), 1000u);
}

TEST(Lifecycle, LogsAreJsonWithEcsFields) {
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams);
  ASSERT_TRUE(delta.start());
  EXPECT_EQ(delta.terminate(), 0);
  std::string out = delta.read_stdout();
  size_t line_start = out.find("{\"@timestamp\":\"");
  ASSERT_NE(line_start, std::string::npos) << out;
  std::string line = out.substr(line_start, out.find('\n', line_start) - line_start);
  EXPECT_NE(line.find("\"log.level\":\"info\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"message\":"), std::string::npos) << line;
}

TEST(Lifecycle, BadConfigIsRefusedWithPosition) {
  TempDir dir;
  DeltaProcess delta(dir.path(), "streams:\n  s:\n    partitons: 2\n    schema: {k: string}\n");
  EXPECT_FALSE(delta.start());
  std::string out = delta.read_stdout();
  EXPECT_NE(out.find("pipeline.yaml:5:5"), std::string::npos) << out;
  EXPECT_NE(out.find("partitons"), std::string::npos) << out;
}

}  // namespace
}  // namespace delta::testing

namespace delta::testing {
namespace {

// `delta send` posts a file in batches and reports what the server accepted; `validate` and
// `version` answer without a server.
TEST(Cli, SendPostsAFileInBatches) {
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams);
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  std::string file = dir.path() + "/events.ndjson";
  {
    std::ofstream f(file);
    f << body(0, 2500) << "\n{\"k\":\"x\",\"n\":\"not a number\"}\n";
  }
  std::string cmd = std::string(DELTA_BINARY) + " send s " + file +
                    " --batch 1000 --url http://127.0.0.1:" + std::to_string(delta.port()) + " 2>" +
                    dir.path() + "/send.err";
  int rc = std::system(cmd.c_str());
  std::ifstream err(dir.path() + "/send.err");
  std::string line((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_EQ(WEXITSTATUS(rc), 3) << line;  // 3: the server rejected some events
  EXPECT_NE(line.find("sent 2501 events (2500 accepted, 1 rejected)"), std::string::npos) << line;
  EXPECT_EQ(read_all_events(delta, "s", 2).size(), 2500u);
}

TEST(Cli, ValidateReportsPositionsAndVersionPrints) {
  TempDir dir;
  std::string good = dir.path() + "/good.yaml", bad = dir.path() + "/bad.yaml";
  std::ofstream(good) << "streams:\n  s:\n    schema: {k: string}\n";
  std::ofstream(bad) << "streams:\n  s:\n    schema: {k: strin}\n";
  std::string bin = DELTA_BINARY;
  EXPECT_EQ(WEXITSTATUS(std::system((bin + " validate -c " + good + " > /dev/null").c_str())), 0);
  std::string out = dir.path() + "/out";
  EXPECT_EQ(WEXITSTATUS(std::system((bin + " validate -c " + bad + " 2> " + out).c_str())), 1);
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("bad.yaml:3:17"), std::string::npos) << text;
  EXPECT_EQ(WEXITSTATUS(std::system((bin + " version > " + out).c_str())), 0);
  std::ifstream v(out);
  std::string version((std::istreambuf_iterator<char>(v)), std::istreambuf_iterator<char>());
  EXPECT_EQ(version.rfind("delta ", 0), 0u) << version;
}

}  // namespace
}  // namespace delta::testing

namespace delta::testing {
namespace {

// Backpressure: once the log reaches its disk quota, ingest answers 503 with Retry-After instead
// of growing, reads keep working, and everything acknowledged before is still there.
TEST(Backpressure, QuotaGives503WithRetryAfter) {
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams, "", "segment_bytes: 4KiB, quota_bytes: 64KiB, retention: 0");
  ASSERT_TRUE(delta.start()) << delta.read_stdout();
  int64_t acknowledged = 0;
  HttpResult r;
  for (int i = 0; i < 200; ++i) {
    r = http_post(delta.url("/v1/streams/s/events"), body(i * 50, 50), "application/x-ndjson");
    if (r.status != 200) break;
    acknowledged += 50;
  }
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("\"code\":\"log_full\""), std::string::npos) << r.body;
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_GT(acknowledged, 0);
  // The refused request may have landed in the partition that still had room (ADR 0002).
  auto stored = static_cast<int64_t>(read_all_events(delta, "s", 2).size());
  EXPECT_GE(stored, acknowledged);
  EXPECT_LE(stored, acknowledged + 50);
  EXPECT_EQ(http_get(delta.url("/healthz")).status, 200);
}

}  // namespace
}  // namespace delta::testing
