// The built-in OAuth 2.0 server in the real binary, driven by an independent client: openid-client
// (npm) discovers the metadata, runs authorization code + PKCE through the HTML login form,
// exchanges the code, refreshes (and sees the rotated token refused), and gets a
// client_credentials token. The tokens must verify against the served /.well-known/jwks.json and
// be accepted by the gateway.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "auth/jwt.h"
#include "auth/password.h"
#include "base/clock.h"
#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

constexpr char kStreams[] = R"(streams:
  orders:
    partitions: 1
    schema: {n: int64}
)";
constexpr char kServiceSecret[] = "svc-secret-0123456789";

std::string auth_yaml(uint16_t port, const std::string& alice_hash) {
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  return "auth:\n  issuer: \"" + base + "\"\n  clients:\n    cli: {public: true, redirect_uris: [\"" + base +
         "/callback\", \"http://127.0.0.1/callback\"], grants: [authorization_code, refresh_token]}\n    "
         "svc: {secret: \"" +
         kServiceSecret +
         "\", grants: [client_credentials], roles: [producer]}\n  users:\n    alice: {password_hash: \"" +
         alice_hash + "\", roles: [analyst]}\n";
}

// Runs `command`, returning its standard output; `status` gets the exit status.
std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

size_t sink(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Reply {
  long status = 0;
  std::string body, location, set_cookie;
};

size_t header_sink(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  auto* r = static_cast<Reply*>(out);
  auto value = [&](const char* name) {
    return line.substr(std::strlen(name), line.find_first_of("\r\n") - std::strlen(name));
  };
  if (strncasecmp(line.c_str(), "location: ", 10) == 0) r->location = value("location: ");
  if (strncasecmp(line.c_str(), "set-cookie: ", 12) == 0) r->set_cookie = value("set-cookie: ");
  return size * n;
}

// One request without following redirects; a POST when `form` is not empty.
Reply request(const std::string& url, const std::string& form = "", const std::string& cookie = "") {
  Reply r;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!form.empty()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.c_str());
  if (!cookie.empty()) curl_easy_setopt(c, CURLOPT_COOKIE, cookie.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &header_sink);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);
  return r;
}

std::string between(const std::string& s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at == std::string::npos) return "";
  at += from.size();
  return s.substr(at, s.find(to, at) - at);
}

// POST with an optional bearer token; returns the status.
long post_with_bearer(const std::string& url, const std::string& body, const std::string& token) {
  CURL* c = curl_easy_init();
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/x-ndjson");
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return status;
}

bool node_ready() {
  struct stat st {};
  std::string lib = std::string(DELTA_SOURCE_DIR) + "/tests/node/node_modules/openid-client/package.json";
  int status = -1;
  run("node --version >/dev/null 2>&1", &status);
  return status == 0 && ::stat(lib.c_str(), &st) == 0;
}

class OAuthFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!node_ready()) FAIL() << "node or tests/node/node_modules missing: run scripts/setup.sh";
    delta_ = std::make_unique<DeltaProcess>(dir_.path(), kStreams);
    Result<std::string> hash = auth::hash_password("correct horse", auth::PasswordHashCost::for_tests());
    ASSERT_TRUE(hash.is_ok());
    std::ofstream(dir_.path() + "/pipeline.yaml", std::ios::app) << auth_yaml(delta_->port(), *hash);
    ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
    issuer_ = "http://127.0.0.1:" + std::to_string(delta_->port());
  }

  // A verifier for this server's tokens, fed with the served JWKS.
  std::unique_ptr<auth::JwtVerifier> verifier() {
    std::string jwks = http_get(delta_->url("/.well-known/jwks.json")).body;
    auto v = std::make_unique<auth::JwtVerifier>(SystemClock::instance());
    auth::IssuerConfig ic;
    ic.issuer = issuer_;
    ic.audiences = {"delta"};
    ic.algorithms = {auth::JwtAlg::kES256};
    auto fetch = [jwks](const std::string&) -> Result<std::string> { return jwks; };
    ic.jwks =
        std::make_shared<auth::JwksCache>(auth::JwksCacheOptions{"served"}, fetch, SystemClock::instance());
    EXPECT_TRUE(v->add_issuer(ic).is_ok());
    return v;
  }

  TempDir dir_;
  std::unique_ptr<DeltaProcess> delta_;
  std::string issuer_;
};

TEST_F(OAuthFlow, OpenidClientRunsPkceRefreshAndClientCredentials) {
  std::string script = std::string(DELTA_SOURCE_DIR) + "/tests/node/oauth_pkce_flow.mjs";
  std::string cmd = "node " + script + " " + issuer_ + " cli " + issuer_ +
                    "/callback alice 'correct horse' svc " + kServiceSecret + " 2>&1";
  int status = -1;
  std::string out = run(cmd, &status);
  ASSERT_EQ(status, 0) << out << "\n" << delta_->read_stdout();
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
  EXPECT_NE(out.find("\"state_returned\":true"), std::string::npos) << out;
  EXPECT_NE(out.find("\"refresh_rotated\":true"), std::string::npos) << out;
  EXPECT_EQ(json_string_field(out, "token_type"), "Bearer");
  EXPECT_EQ(json_string_field(out, "refresh_reuse_error"), "invalid_grant");
  EXPECT_EQ(json_string_field(out, "client_credentials_refresh_token"), "");

  std::unique_ptr<auth::JwtVerifier> v = verifier();
  for (const char* key : {"access_token", "refreshed_access_token"}) {
    Result<auth::Principal> p = v->verify(json_string_field(out, key));
    ASSERT_TRUE(p.is_ok()) << key << ": " << p.status().to_string();
    EXPECT_EQ(p->subject, "alice");
    EXPECT_EQ(p->roles, std::vector<std::string>{"analyst"});
  }
  std::string service_token = json_string_field(out, "client_credentials_access_token");
  Result<auth::Principal> svc = v->verify(service_token);
  ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
  EXPECT_EQ(svc->subject, "svc");
  EXPECT_EQ(svc->roles, std::vector<std::string>{"producer"});

  std::string events = delta_->url("/v1/streams/orders/events");
  EXPECT_EQ(post_with_bearer(events, "{\"n\":1}\n", ""), 401);
  EXPECT_EQ(post_with_bearer(events, "{\"n\":1}\n", service_token), 200) << delta_->read_stdout();

  std::string log = delta_->read_stdout();
  EXPECT_EQ(log.find(kServiceSecret), std::string::npos) << "a secret reached the log";
  EXPECT_EQ(log.find(service_token), std::string::npos) << "a token reached the log";
}

// delta login: the CLI listens on a loopback port, the "browser" (libcurl here) signs in on the
// login page and follows the 302 to the CLI, which exchanges the code and stores the tokens 0600.
TEST_F(OAuthFlow, DeltaLoginStoresTokensFromTheLoopbackRedirect) {
  std::string tokens = dir_.path() + "/cfg/delta/tokens.json";
  std::string out_path = dir_.path() + "/login.out";
  pid_t pid = fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDERR_FILENO);
    dup2(out, STDOUT_FILENO);
    execl(DELTA_BINARY, DELTA_BINARY, "login", "--url", issuer_.c_str(), "--client-id", "cli", "--tokens",
          tokens.c_str(), "--timeout", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string url;
  for (int i = 0; i < 250 && url.empty(); ++i) {  // polling a bounded start
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream f(out_path);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    url = between(all, "\n" + issuer_, "\n");
    if (!url.empty()) url = issuer_ + url;
  }
  ASSERT_FALSE(url.empty()) << "delta login printed no URL";
  Reply page = request(url);
  ASSERT_EQ(page.status, 200) << page.body;
  std::string form = "request_id=" + between(page.body, "name=request_id value=\"", "\"") +
                     "&csrf=" + between(page.body, "name=csrf value=\"", "\"") +
                     "&username=alice&password=correct+horse";
  Reply login =
      request(issuer_ + "/oauth2/authorize", form, page.set_cookie.substr(0, page.set_cookie.find(';')));
  ASSERT_EQ(login.status, 302) << login.body;
  EXPECT_TRUE(login.location.starts_with("http://127.0.0.1:")) << login.location;
  EXPECT_EQ(request(login.location).status, 200);
  int status = -1;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  struct stat st {};
  ASSERT_EQ(::stat(tokens.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream f(tokens);
  std::string saved((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::unique_ptr<auth::JwtVerifier> v = verifier();
  Result<auth::Principal> p = v->verify(between(saved, "\"access_token\":\"", "\""));
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->subject, "alice");
  std::ifstream o(out_path);
  std::string printed((std::istreambuf_iterator<char>(o)), std::istreambuf_iterator<char>());
  EXPECT_EQ(printed.find(between(saved, "\"refresh_token\":\"", "\"")), std::string::npos) << "token printed";
}

}  // namespace
}  // namespace delta::testing
