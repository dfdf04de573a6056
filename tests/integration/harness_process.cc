// Harness additions for the gateway tests: a DeltaProcess from a whole config, one-shot `delta` commands, and
// other programs (redis-server, node).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// fork + exec with stdout/stderr redirected to files; returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

std::unique_ptr<DeltaProcess> DeltaProcess::from_yaml(std::string data_dir, uint16_t port,
                                                      const std::string& yaml) {
  auto p = std::make_unique<DeltaProcess>(std::move(data_dir), "");
  p->port_ = port;
  std::ofstream f(p->config_path_, std::ios::trunc);
  f << yaml;
  return p;
}

CommandResult run_delta(const std::vector<std::string>& args, int timeout_ms) {
  TempDir dir;
  std::vector<std::string> argv = {DELTA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = spawn(argv, dir.path() + "/out", dir.path() + "/err");
  CommandResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a bounded wait, not syncing
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir.path() + "/out");
  r.err = slurp(dir.path() + "/err");
  return r;
}

Subprocess::Subprocess(std::vector<std::string> argv, std::string output_path)
    : argv_(std::move(argv)), output_path_(std::move(output_path)) {}

Subprocess::~Subprocess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
}

bool Subprocess::start() {
  pid_ = spawn(argv_, output_path_, output_path_);
  return pid_ > 0;
}

void Subprocess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string Subprocess::output() const { return slurp(output_path_); }

bool Subprocess::wait_for_output(const std::string& text, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a bounded wait, not syncing
  }
  return false;
}

}  // namespace delta::testing
