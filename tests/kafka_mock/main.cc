// delta_kafka_mock: a librdkafka mock cluster on loopback for tests (see README.md).
//
//   delta_kafka_mock [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints the bootstrap servers as the first line of stdout, then serves until SIGTERM/SIGINT or until
// stdin closes. Commands on stdin, one per line, each answered with one line "ok ..." or "error ...":
//   down [BROKER]                  every broker (or broker id BROKER, 1-based) refuses connections
//   up [BROKER]                    they accept connections again
//   topic NAME PARTITIONS          creates a topic (the mock has no CreateTopics admin API)
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tests/kafka_mock/mock_cluster.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

void answer(const delta::Status& s, std::string_view what) {
  if (s.is_ok()) {
    std::printf("ok %.*s\n", static_cast<int>(what.size()), what.data());
  } else {
    std::printf("error %s\n", s.message().c_str());
  }
  std::fflush(stdout);
}

// "NAME:PARTITIONS" or "NAME PARTITIONS" -> create the topic.
delta::Status create_topic(delta::testing::MockKafkaCluster& c, const std::string& spec, char sep) {
  size_t at = spec.rfind(sep);
  int partitions = at == std::string::npos ? 0 : std::atoi(spec.c_str() + at + 1);
  if (at == 0 || partitions <= 0)
    return delta::Status::invalid_argument("expected NAME" + std::string(1, sep) + "PARTITIONS");
  return c.create_topic(spec.substr(0, at), partitions);
}

void run_command(delta::testing::MockKafkaCluster& c, const std::string& line) {
  std::string_view cmd(line);
  std::string_view arg;
  if (size_t sp = cmd.find(' '); sp != std::string_view::npos) {
    arg = cmd.substr(sp + 1);
    cmd = cmd.substr(0, sp);
  }
  int broker = arg.empty() ? -1 : std::atoi(std::string(arg).c_str());
  if (cmd == "down") return answer(c.set_down(broker), line);
  if (cmd == "up") return answer(c.set_up(broker), line);
  if (cmd == "topic") return answer(create_topic(c, std::string(arg), ' '), line);
  answer(delta::Status::invalid_argument("unknown command '" + line + "' (down, up, topic)"), line);
}

// Runs stdin commands until stdin closes or a signal arrives.
void serve(delta::testing::MockKafkaCluster& c) {
  std::string pending;
  char buf[4096];
  while (g_stop == 0) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    int n = poll(&p, 1, 200);
    if (n <= 0) continue;
    ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
    if (got <= 0) return;  // stdin closed
    pending.append(buf, static_cast<size_t>(got));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) run_command(c, line);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  std::vector<std::string> topics;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else if (a == "--topic" && i + 1 < argc) {
      topics.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--brokers N] [--topic NAME:PARTITIONS]...\n", argv[0]);
      return 2;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  auto cluster = delta::testing::MockKafkaCluster::create(brokers < 1 ? 1 : brokers);
  if (!cluster.is_ok()) {
    std::fprintf(stderr, "%s\n", cluster.status().to_string().c_str());
    return 1;
  }
  for (const std::string& t : topics) {
    delta::Status s = create_topic(**cluster, t, ':');
    if (!s.is_ok()) {
      std::fprintf(stderr, "--topic %s: %s\n", t.c_str(), s.message().c_str());
      return 2;
    }
  }
  std::printf("%s\n", (*cluster)->bootstraps().c_str());
  std::fflush(stdout);
  serve(**cluster);
  return 0;
}
