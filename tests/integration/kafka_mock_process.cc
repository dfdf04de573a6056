#include "tests/integration/kafka_mock_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

namespace delta::testing {
namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Reads what `fd` has within the deadline into `out`; false at EOF or error.
bool read_some(int fd, Clock::time_point deadline, std::string* out) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, ms_left(deadline)) <= 0) return true;
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  out->append(buf, static_cast<size_t>(n));
  return true;
}

pid_t spawn(const std::vector<std::string>& argv, int* child_in, int* child_out) {
  int in[2] = {-1, -1};
  int out[2];
  if ((child_in != nullptr && pipe(in) != 0) || pipe(out) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (child_in != nullptr) dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (child_in != nullptr) {
    close(in[0]);
    *child_in = in[1];
  }
  close(out[1]);
  *child_out = out[0];
  return pid;
}

}  // namespace

KafkaMockProcess::KafkaMockProcess(std::vector<std::string> topics, int brokers)
    : topics_(std::move(topics)), brokers_(brokers) {}

KafkaMockProcess::~KafkaMockProcess() {
  if (in_ >= 0) close(in_);
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  if (out_ >= 0) close(out_);
}

bool KafkaMockProcess::start() {
  std::vector<std::string> argv = {DELTA_KAFKA_MOCK, "--brokers", std::to_string(brokers_)};
  for (const std::string& t : topics_) argv.insert(argv.end(), {"--topic", t});
  signal(SIGPIPE, SIG_IGN);
  pid_ = spawn(argv, &in_, &out_);
  if (pid_ <= 0) return false;
  bootstraps_ = read_line(10'000);
  return bootstraps_.find("127.0.0.1:") == 0;
}

std::string KafkaMockProcess::read_line(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t nl;
  while ((nl = buffered_.find('\n')) == std::string::npos && ms_left(deadline) > 0) {
    if (!read_some(out_, deadline, &buffered_)) break;
  }
  if (nl == std::string::npos) return "";
  std::string line = buffered_.substr(0, nl);
  buffered_.erase(0, nl + 1);
  return line;
}

bool KafkaMockProcess::command(const std::string& line) {
  std::string text = line + "\n";
  if (write(in_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) return false;
  return read_line(10'000) == "ok " + line;
}

std::string run_capture(const std::vector<std::string>& argv, int timeout_ms, int* exit_code) {
  *exit_code = -1;
  int out = -1;
  pid_t pid = spawn(argv, nullptr, &out);
  if (pid <= 0) return "";
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string text;
  while (ms_left(deadline) > 0 && read_some(out, deadline, &text)) {
  }
  close(out);
  if (ms_left(deadline) == 0) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) *exit_code = WEXITSTATUS(status);
  return text;
}

std::vector<KafkaMessage> kcat_consume(const std::string& bootstraps, const std::string& topic,
                                       int partition) {
  int code = -1;
  std::string text =
      run_capture({"kcat", "-C", "-b", bootstraps, "-t", topic, "-p", std::to_string(partition), "-o",
                   "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%s\n"},
                  30'000, &code);
  std::vector<KafkaMessage> out;
  if (code != 0) return out;
  size_t at = 0;
  for (size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
    std::string line = text.substr(at, nl - at);
    size_t t1 = line.find('\t');
    size_t t2 = line.find('\t', t1 + 1);
    size_t t3 = line.find('\t', t2 + 1);
    if (t3 == std::string::npos) continue;
    out.push_back({std::atoi(line.c_str()), std::atoll(line.c_str() + t1 + 1),
                   line.substr(t2 + 1, t3 - t2 - 1), line.substr(t3 + 1)});
  }
  return out;
}

}  // namespace delta::testing
