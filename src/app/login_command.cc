// delta login (issue 8, item 7): OAuth 2.0 authorization code + PKCE for a command-line user with a
// loopback redirect (RFC 8252). Listens on 127.0.0.1:<ephemeral>, prints the authorize URL for the
// user's browser, takes the one redirect that carries the code, checks `state`, exchanges the code
// at the token endpoint and writes the token response to the tokens file (mode 0600, directory
// 0700). Tokens and codes are never printed.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/gateway_setup.h"
#include "auth/password.h"
#include "auth/pkce.h"

namespace delta::app {
namespace {

// Percent-encoding for a form or query value (libcurl's, RFC 3986 unreserved characters kept).
std::string form_encode(const std::string& s) {
  std::unique_ptr<char, decltype(&curl_free)> e(
      curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size())), curl_free);
  return e ? std::string(e.get()) : std::string();
}

std::string query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query = pair.size() == query.size() ? std::string_view() : query.substr(pair.size() + 1);
    if (pair.starts_with(key) && pair.size() > key.size() && pair[key.size()] == '=') {
      std::string out;
      std::string_view v = pair.substr(key.size() + 1);
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size()) {
          out += static_cast<char>(std::strtol(std::string(v.substr(i + 1, 2)).c_str(), nullptr, 16));
          i += 2;
        } else {
          out += v[i] == '+' ? ' ' : v[i];
        }
      }
      return out;
    }
  }
  return "";
}

struct Endpoints {
  std::string authorize, token;
};

Result<Endpoints> discover(const std::string& base) {
  Result<std::string> doc = http_fetch(base + "/.well-known/oauth-authorization-server");
  if (!doc.is_ok()) return doc.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view a, t;
  if (parser.parse(*doc).get(root) || root["authorization_endpoint"].get(a) ||
      root["token_endpoint"].get(t)) {
    return Status::invalid_argument("the server's OAuth metadata has no authorization/token endpoint");
  }
  return Endpoints{std::string(a), std::string(t)};
}

// A listening socket on 127.0.0.1:0, its port in `port`.
Result<int> listen_loopback(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 4) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::from_errno("loopback listener", errno);
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Waits for GET /callback?... and answers it; returns its query string.
Result<std::string> await_callback(int listener, int timeout_s) {
  time_t deadline = std::time(nullptr) + timeout_s;
  while (std::time(nullptr) < deadline) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[8192];
    ssize_t n = ::recv(c, buf, sizeof(buf) - 1, 0);
    std::string_view req(buf, n > 0 ? static_cast<size_t>(n) : 0);
    bool ours = req.starts_with("GET /callback?");
    std::string_view body = ours ? "Delta login: done. You can close this window.\n" : "not found\n";
    std::string answer = std::string(ours ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                         "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(c);
    if (ours) {
      std::string_view target = req.substr(4, req.find(' ', 4) - 4);
      return std::string(target.substr(target.find('?') + 1));
    }
  }
  return Status::unavailable("no redirect arrived in time");
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Result<std::string> post_form(const std::string& url, const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string out;
  long status = 0;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &out);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK)
    return Status::unavailable(std::string("token request failed: ") + curl_easy_strerror(rc));
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return Status::invalid_argument("token endpoint answered " + std::to_string(status) + ": " + out);
  return out;
}

// Writes `content` to `path` with mode 0600 (its directory 0700 when created).
Status write_private(const std::string& path, const std::string& content) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    ::mkdir(path.substr(0, slash).c_str(), 0700);
  }
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::from_errno(tmp, errno);
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Status::from_errno(path, errno);
  return Status::ok();
}

Status login(const LoginOptions& o, const std::string& tokens_path) {
  Result<Endpoints> ep = discover(o.url);
  if (!ep.is_ok()) return ep.status();
  uint16_t port = 0;
  Result<int> listener = listen_loopback(&port);
  if (!listener.is_ok()) return listener.status();
  std::string redirect = "http://127.0.0.1:" + std::to_string(port) + "/callback";
  std::string verifier = auth::random_base62(64);
  std::string state = auth::random_base62(24);
  std::string url = ep->authorize + "?response_type=code&client_id=" + form_encode(o.client_id) +
                    "&redirect_uri=" + form_encode(redirect) + "&state=" + state +
                    "&code_challenge=" + *auth::pkce_s256_challenge(verifier) + "&code_challenge_method=S256";
  std::fprintf(stderr, "Open this URL in a browser to sign in to Delta:\n%s\n", url.c_str());
  std::fflush(stderr);
  Result<std::string> query = await_callback(*listener, o.timeout_s);
  ::close(*listener);
  if (!query.is_ok()) return query.status();
  if (query_value(*query, "state") != state) return Status::invalid_argument("state mismatch: not our login");
  if (std::string err = query_value(*query, "error"); !err.empty()) {
    return Status::invalid_argument("authorization refused: " + err + " " +
                                    query_value(*query, "error_description"));
  }
  Result<std::string> tokens =
      post_form(ep->token, "grant_type=authorization_code&client_id=" + form_encode(o.client_id) +
                               "&code=" + form_encode(query_value(*query, "code")) +
                               "&redirect_uri=" + form_encode(redirect) + "&code_verifier=" + verifier);
  if (!tokens.is_ok()) return tokens.status();
  std::string file = "{\"issuer\":\"" + o.url + "\",\"obtained_at\":" + std::to_string(std::time(nullptr)) +
                     ",\"token\":" + *tokens + "}\n";
  return write_private(tokens_path, file);
}

}  // namespace

std::string default_tokens_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::string base =
      xdg != nullptr && *xdg != '\0' ? xdg : std::string(home != nullptr ? home : ".") + "/.config";
  return base + "/delta/tokens.json";
}

std::string stored_access_token(const std::string& tokens_path) {
  FILE* f = std::fopen(tokens_path.c_str(), "rb");
  if (f == nullptr) return {};
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  constexpr std::string_view kKey = "\"access_token\":\"";
  size_t at = text.find(kKey);
  if (at == std::string::npos) return {};
  size_t end = text.find('"', at + kKey.size());
  return end == std::string::npos ? std::string() : text.substr(at + kKey.size(), end - at - kKey.size());
}

int login_command(const LoginOptions& options) {
  std::string path = options.tokens_file.empty() ? default_tokens_path() : options.tokens_file;
  if (Status st = login(options, path); !st.is_ok()) {
    std::fprintf(stderr, "delta login: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "Signed in; tokens saved to %s\n", path.c_str());
  return 0;
}

}  // namespace delta::app
