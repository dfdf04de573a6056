// Test peers: redis-server, clickhouse-server, s3rver (servers.h).
#include "tests/integration/servers.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace delta::testing {
namespace {

// Runs `argv` (no shell: the words are quoted for /bin/sh) and returns its stdout.
std::string capture(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const std::string& a : argv) {
    cmd += " '";
    for (char c : a) cmd += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += "'";
  }
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
}

std::string slurp_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

bool poll(const std::function<bool()>& ready, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a bounded wait, not syncing
  }
  return false;
}

}  // namespace

RedisServer::RedisServer(std::string dir) : dir_(std::move(dir)), port_(free_port()) {}

bool RedisServer::start() {
  if (std::system("command -v redis-server >/dev/null") != 0) return false;
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "yes", "--dir", dir_},
      dir_ + "/redis.out");
  if (!process_->start()) return false;
  return poll([&] { return cli({"PING"}).starts_with("PONG"); }, 10'000);
}

void RedisServer::stop() {
  if (process_ != nullptr) process_->stop();
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return capture(argv);
}

std::string RedisServer::error() const { return process_ != nullptr ? process_->output() : "not started"; }

ClickHouseServer::ClickHouseServer(std::string dir)
    : dir_(std::move(dir)), http_port_(free_port()), tcp_port_(free_port()) {
  write_text(dir_ + "/config.xml", R"(<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>)" + std::to_string(http_port_) +
                                       R"(</http_port>
  <tcp_port>)" + std::to_string(tcp_port_) +
                                       R"(</tcp_port>
  <path>)" + dir_ + R"(/data/</path>
  <tmp_path>)" + dir_ + R"(/tmp/</tmp_path>
  <user_files_path>)" + dir_ + R"(/user_files/</user_files_path>
  <format_schema_path>)" + dir_ + R"(/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
)");
  write_text(dir_ + "/users.xml", R"(<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <writer><password>secret</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></writer>
  </users>
  <quotas><default></default></quotas>
</yandex>
)");
}

bool ClickHouseServer::start() {
  if (std::system("command -v clickhouse-server >/dev/null") != 0) return false;
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"clickhouse-server", "--config-file=" + dir_ + "/config.xml"},
      dir_ + "/clickhouse.out");
  if (!process_->start()) return false;
  return poll([&] { return http_get(url() + "/ping").status == 200; }, 60'000);
}

void ClickHouseServer::stop() {
  if (process_ != nullptr) process_->stop();
}

HttpResult ClickHouseServer::query(const std::string& sql) const {
  return http_post(url() + "/", sql, "text/plain");
}

std::string ClickHouseServer::error() const {
  return process_ != nullptr ? process_->output() : "clickhouse-server not installed: run scripts/setup.sh";
}

S3Server::S3Server(std::string dir, std::string bucket)
    : dir_(std::move(dir)), bucket_(std::move(bucket)), port_(free_port()) {
  std::filesystem::create_directories(dir_ + "/s3");
}

bool S3Server::start() {
  std::string script = std::string(DELTA_NODE_DIR) + "/s3rver_run.mjs";
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"node", script, std::to_string(port_), dir_ + "/s3", bucket_},
      dir_ + "/s3rver-" + std::to_string(++starts_) + ".out");  // a fresh file: "ready" is this run's
  if (!process_->start()) return false;
  return process_->wait_for_output("s3rver ready", 30'000);
}

void S3Server::stop() {
  if (process_ != nullptr) process_->stop();
}

std::string S3Server::error() const { return process_ != nullptr ? process_->output() : "not started"; }

std::string S3Server::node(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"node", std::string(DELTA_NODE_DIR) + "/s3_client.mjs"};
  argv.insert(argv.end(), args.begin(), args.end());
  return capture(argv);
}

std::vector<std::string> S3Server::list(const std::string& prefix) const {
  std::string out = node({"list", endpoint(), bucket_, prefix});
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < out.size()) {
    size_t nl = out.find('\n', at);
    if (nl == std::string::npos) nl = out.size();
    if (nl > at) lines.push_back(out.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

std::string S3Server::get(const std::string& key) const {
  std::string file = dir_ + "/get.bin";
  std::filesystem::remove(file);
  node({"get", endpoint(), bucket_, key, file});
  return slurp_file(file);
}

}  // namespace delta::testing
