#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <simdjson.h>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef DELTA_BINARY
#error "DELTA_BINARY must name the delta executable"
#endif

namespace delta::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);

size_t collect_body(char* data, size_t size, size_t n, void* user) {
  static_cast<HttpResult*>(user)->body.append(data, size * n);
  return size * n;
}

size_t collect_header(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<HttpResult*>(user)->headers[name] = value;
  }
  return size * n;
}

HttpResult perform(CURL* curl) {
  HttpResult r;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(curl);
  return r;
}

}  // namespace

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "delta-test-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

DeltaProcess::DeltaProcess(std::string data_dir, std::string streams_yaml, std::string server_extra,
                           std::string log_extra)
    : data_dir_(std::move(data_dir)) {
  port_ = free_port();
  config_path_ = data_dir_ + "/pipeline.yaml";
  stdout_path_ = data_dir_ + "/delta.out";
  std::ofstream f(config_path_);
  f << "server: {listen: \"127.0.0.1:" << port_ << "\", io_threads: 2"
    << (server_extra.empty() ? "" : ", " + server_extra) << "}\n";
  f << "log: {dir: \"" << data_dir_ << "/log\"" << (log_extra.empty() ? "" : ", " + log_extra) << "}\n";
  f << streams_yaml;
}

DeltaProcess::~DeltaProcess() {
  if (pid_ > 0) kill9();
}

bool DeltaProcess::start() {
  pid_ = fork();
  if (pid_ == 0) {
    int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execl(DELTA_BINARY, DELTA_BINARY, "run", "-c", config_path_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    long ready =
        tls_.ca_file.empty() ? http_get(url("/readyz")).status : https_get(https_url("/readyz"), tls_).status;
    if (ready == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a bounded start, not syncing
  }
  return false;
}

void DeltaProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int DeltaProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string DeltaProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string DeltaProcess::https_url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

bool DeltaProcess::signal(int sig) const { return pid_ > 0 && ::kill(pid_, sig) == 0; }

bool DeltaProcess::wait_for_output(const std::string& needle, int count, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = read_stdout();
    int seen = 0;
    for (size_t at = out.find(needle); at != std::string::npos; at = out.find(needle, at + 1)) ++seen;
    if (seen >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a bounded wait, not syncing
  }
  return false;
}

std::string DeltaProcess::read_stdout() const {
  std::ifstream f(stdout_path_);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

HttpResult http_get(const std::string& url) {
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  return perform(curl);
}

HttpResult http_post(const std::string& url, const std::string& body, const std::string& content_type,
                     const std::string& content_encoding) {
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str());
  if (!content_encoding.empty()) {
    headers = curl_slist_append(headers, ("Content-Encoding: " + content_encoding).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  HttpResult r = perform(curl);
  curl_slist_free_all(headers);
  return r;
}

HttpResult http_request(const std::string& method, const std::string& url,
                        const std::vector<std::string>& headers, const std::string& body) {
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  HttpResult r = perform(curl);
  curl_slist_free_all(list);
  return r;
}

namespace {

void set_tls(CURL* curl, const TlsClient& tls) {
  curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!tls.cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
  }
}

}  // namespace

HttpResult https_get(const std::string& url, const TlsClient& tls) {
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  set_tls(curl, tls);
  return perform(curl);
}

HttpResult https_post(const std::string& url, const std::string& body, const std::string& content_type,
                      const TlsClient& tls) {
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  set_tls(curl, tls);
  HttpResult r = perform(curl);
  curl_slist_free_all(headers);
  return r;
}

int connect_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_until_close(int fd, int timeout_ms) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
  out.resize(n);
  return out;
}

std::string unzstd(const std::string& in) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return "(not zstd)";
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  return ZSTD_isError(n) ? "(bad zstd)" : out;
}

bool poll_until(int seconds, const std::function<bool()>& fn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the polling interval
  }
  return fn();
}

double metric_value(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return -1;
}

std::vector<StoredEvent> read_all_events(const DeltaProcess& delta, const std::string& stream,
                                         int partitions) {
  std::vector<StoredEvent> out;
  simdjson::dom::parser parser;
  for (int p = 0; p < partitions; ++p) {
    int64_t from = 0;
    while (true) {
      HttpResult r = http_get(delta.url("/v1/streams/" + stream + "/events?partition=" + std::to_string(p) +
                                        "&from_offset=" + std::to_string(from) + "&limit=10000"));
      if (r.status != 200) throw std::runtime_error("read failed: " + r.body);
      simdjson::dom::element doc = parser.parse(r.body);
      simdjson::dom::array events = doc["events"];
      for (simdjson::dom::element e : events) {
        out.push_back({p, int64_t(e["offset"]), simdjson::minify(e["event"])});
      }
      int64_t next = doc["next_offset"];
      int64_t end = doc["end_offset"];
      if (next >= end || events.size() == 0) break;
      from = next;
    }
  }
  return out;
}

std::string json_string_field(const std::string& json, const std::string& key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return "";
  std::string_view v;
  if (doc[key].get(v)) return "";
  return std::string(v);
}

}  // namespace delta::testing
