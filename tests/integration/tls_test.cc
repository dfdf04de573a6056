// TLS on the real binary: TLS 1.3 only by default, 1.2 when configured, SIGHUP certificate reload
// without dropping connections, client certificates (mTLS), handshake deadline and failure counts.
// Certificates are made in the test's temp dir with the `openssl` command-line tool.
#include <curl/curl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

const std::string kStreams = "streams:\n  events:\n    schema: {ts: timestamp, user_id: string}\n";
const std::string kEvent = R"({"ts":"2026-01-01T00:00:00Z","user_id":"u1"})";

// Runs a shell command; returns its exit status and, in *out, its stdout and stderr.
int run(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    if (out != nullptr) out->append(buf, n);
  }
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A fresh directory under `parent` for one delta process's config, log and output.
std::string subdir(const TempDir& parent, const std::string& name) {
  std::string path = parent.path() + "/" + name;
  std::filesystem::create_directories(path);
  return path;
}

// A CA and certificates it signs, as PEM files under `dir`.
class Pki {
 public:
  explicit Pki(std::string dir) : dir_(std::move(dir)) {}

  // <name>.crt and <name>.key: a self-signed CA.
  void make_ca(const std::string& name) {
    ASSERT_EQ(
        run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=" +
            name + " -keyout " + path(name + ".key") + " -out " + path(name + ".crt")),
        0);
  }

  // <name>.crt and <name>.key signed by CA `ca`; a server certificate names 127.0.0.1.
  void make_leaf(const std::string& ca, const std::string& name, const std::string& cn, int serial,
                 bool server) {
    std::string ext = path(name + ".ext");
    write_file(ext, server ? "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                           : "extendedKeyUsage=clientAuth\n");
    ASSERT_EQ(run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + cn +
                  " -keyout " + path(name + ".key") + " -out " + path(name + ".csr")),
              0);
    ASSERT_EQ(run("openssl x509 -req -in " + path(name + ".csr") + " -CA " + path(ca + ".crt") + " -CAkey " +
                  path(ca + ".key") + " -set_serial " + std::to_string(serial) + " -days 2 -extfile " + ext +
                  " -out " + path(name + ".crt")),
              0);
  }

  std::string path(const std::string& file) const { return dir_ + "/" + file; }

 private:
  std::string dir_;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.make_ca("ca");
    pki_.make_leaf("ca", "server", "delta-server-1", 1001, true);
    client_ = TlsClient{pki_.path("ca.crt"), "", ""};
  }

  // A server config entry "tls: {...}" for the generated server certificate plus `extra`.
  std::string tls_yaml(const std::string& extra = "") const {
    return "tls: {cert: \"" + pki_.path("server.crt") + "\", key: \"" + pki_.path("server.key") + "\"" +
           (extra.empty() ? "" : ", " + extra) + "}";
  }

  std::unique_ptr<DeltaProcess> start(const std::string& server_extra) {
    auto d = std::make_unique<DeltaProcess>(subdir(dir_, "data"), kStreams, server_extra);
    d->use_tls(client_);
    EXPECT_TRUE(d->start()) << d->read_stdout();
    return d;
  }

  // `openssl s_client` with one protocol version flag; returns its exit status.
  int s_client(const DeltaProcess& d, const std::string& flags, std::string* out) {
    return run("openssl s_client -brief -connect 127.0.0.1:" + std::to_string(d.port()) + " -CAfile " +
                   pki_.path("ca.crt") + " -verify_return_error " + flags + " </dev/null",
               out);
  }

  double metric(const DeltaProcess& d, const std::string& series) {
    return metric_value(https_get(d.https_url("/metrics"), client_).body, series);
  }

  TempDir dir_;
  Pki pki_{dir_.path()};
  TlsClient client_;
};

TEST_F(TlsTest, Tls13OnlyByDefaultRefusesTls12) {
  auto d = start(tls_yaml());
  std::string out;
  EXPECT_NE(s_client(*d, "-tls1_2", &out), 0) << out;
  out.clear();
  EXPECT_EQ(s_client(*d, "-tls1_3", &out), 0) << out;
  EXPECT_NE(out.find("TLSv1.3"), std::string::npos) << out;
  EXPECT_GE(metric(*d, "delta_tls_handshake_failures_total"), 1);
}

TEST_F(TlsTest, HttpsServesHealthAndIngestAndPlainHttpIsNotSpoken) {
  auto d = start(tls_yaml());
  EXPECT_EQ(https_get(d->https_url("/healthz"), client_).status, 200);
  HttpResult r =
      https_post(d->https_url("/v1/streams/events/events"), kEvent, "application/x-ndjson", client_);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":1"), std::string::npos) << r.body;
  EXPECT_NE(http_get(d->url("/healthz")).status, 200);
  EXPECT_EQ(https_get(d->https_url("/healthz"), client_).status, 200);  // and it keeps serving
}

TEST_F(TlsTest, MinVersion12AcceptsTls12) {
  auto d = start(tls_yaml("min_version: \"1.2\""));
  std::string out;
  EXPECT_EQ(s_client(*d, "-tls1_2", &out), 0) << out;
  EXPECT_NE(out.find("TLSv1.2"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(s_client(*d, "-tls1_3", &out), 0) << out;
}

TEST_F(TlsTest, UnfinishedHandshakeIsClosedAtTheHeaderDeadlineAndCounted) {
  auto d = start(tls_yaml() + ", header_timeout: 300ms");
  int fd = connect_loopback(d->port());
  ASSERT_GE(fd, 0);
  read_until_close(fd, 10'000);  // returns once the server closes: the assertion is the count below
  ::close(fd);
  EXPECT_GE(metric(*d, "delta_http_timeouts_total"), 1);
  EXPECT_EQ(https_get(d->https_url("/healthz"), client_).status, 200);
}

TEST_F(TlsTest, CertificateThatDoesNotLoadStopsTheStart) {
  DeltaProcess missing(
      subdir(dir_, "a"), kStreams,
      "tls: {cert: \"" + pki_.path("nope.crt") + "\", key: \"" + pki_.path("server.key") + "\"}");
  EXPECT_FALSE(missing.start());
  EXPECT_NE(missing.read_stdout().find("server.tls.cert"), std::string::npos) << missing.read_stdout();

  pki_.make_ca("other");
  DeltaProcess mismatched(
      subdir(dir_, "b"), kStreams,
      "tls: {cert: \"" + pki_.path("server.crt") + "\", key: \"" + pki_.path("other.key") + "\"}");
  EXPECT_FALSE(mismatched.start());
  std::string out = mismatched.read_stdout();
  EXPECT_NE(out.find("server.tls.key"), std::string::npos) << out;
  EXPECT_NE(out.find("mismatch"), std::string::npos) << out;
}

// A libcurl handle kept across requests, so its connection stays open (keep-alive).
class HeldConnection {
 public:
  explicit HeldConnection(const TlsClient& tls) : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_CAINFO, tls.ca_file.c_str());
    curl_easy_setopt(curl_, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(
        curl_, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  }
  ~HeldConnection() { curl_easy_cleanup(curl_); }

  long get(const std::string& url) {
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    long status = 0;
    if (curl_easy_perform(curl_) == CURLE_OK) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
  // New connections the last get() opened (0: it reused the held one).
  long new_connections() {
    long n = -1;
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &n);
    return n;
  }
  // The server certificate's fields as libcurl reports them ("Subject:CN = ...", "Serial Number:...").
  std::string server_certificate() {
    curl_certinfo* info = nullptr;
    std::string out;
    if (curl_easy_getinfo(curl_, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
        info->num_of_certs < 1)
      return out;
    for (curl_slist* s = info->certinfo[0]; s != nullptr; s = s->next) out += std::string(s->data) + "\n";
    return out;
  }

 private:
  CURL* curl_;
};

TEST_F(TlsTest, SighupReloadsTheCertificateForNewConnectionsAndKeepsOldOnes) {
  auto d = start(tls_yaml());
  HeldConnection before(client_);
  ASSERT_EQ(before.get(d->https_url("/healthz")), 200);
  EXPECT_NE(before.server_certificate().find("delta-server-1"), std::string::npos)
      << before.server_certificate();

  pki_.make_leaf("ca", "server2", "delta-server-2", 2002, true);
  std::filesystem::rename(pki_.path("server2.crt"), pki_.path("server.crt"));
  std::filesystem::rename(pki_.path("server2.key"), pki_.path("server.key"));
  ASSERT_TRUE(d->signal(SIGHUP));
  ASSERT_TRUE(d->wait_for_output("tls certificate reloaded", 1, 10'000)) << d->read_stdout();
  EXPECT_NE(d->read_stdout().find("CN=delta-server-2"), std::string::npos);

  HeldConnection after(client_);
  ASSERT_EQ(after.get(d->https_url("/healthz")), 200);
  std::string cert = after.server_certificate();
  EXPECT_NE(cert.find("delta-server-2"), std::string::npos) << cert;
  EXPECT_NE(cert.find("7d2"), std::string::npos) << cert;  // serial 2002 = 0x7d2

  EXPECT_EQ(before.get(d->https_url("/healthz")), 200);
  EXPECT_EQ(before.new_connections(), 0) << "the connection opened before the reload was dropped";
}

TEST_F(TlsTest, FailedReloadKeepsThePreviousCertificate) {
  auto d = start(tls_yaml());
  write_file(pki_.path("server.crt"), "not a certificate\n");
  ASSERT_TRUE(d->signal(SIGHUP));
  ASSERT_TRUE(d->wait_for_output("tls reload failed", 1, 10'000)) << d->read_stdout();
  HeldConnection fresh(client_);
  EXPECT_EQ(fresh.get(d->https_url("/healthz")), 200);
  EXPECT_NE(fresh.server_certificate().find("delta-server-1"), std::string::npos);
}

class MtlsTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    pki_.make_leaf("ca", "client", "ingest-svc", 3003, false);
    pki_.make_ca("rogue");
    pki_.make_leaf("rogue", "rogue-client", "intruder", 4004, false);
  }
  TlsClient with_cert(const std::string& name) const {
    return TlsClient{pki_.path("ca.crt"), pki_.path(name + ".crt"), pki_.path(name + ".key")};
  }
  std::string mtls_yaml(bool required) const {
    return tls_yaml("client_ca: \"" + pki_.path("ca.crt") +
                    "\", require_client_cert: " + (required ? "true" : "false"));
  }
};

TEST_F(MtlsTest, RequiredClientCertificate) {
  client_ = with_cert("client");
  auto d = start(mtls_yaml(true));
  EXPECT_EQ(https_get(d->https_url("/healthz"), with_cert("client")).status, 200);
  HttpResult r = https_post(d->https_url("/v1/streams/events/events"), kEvent, "application/x-ndjson",
                            with_cert("client"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(https_get(d->https_url("/healthz"), TlsClient{pki_.path("ca.crt"), "", ""}).status, 0);
  EXPECT_EQ(https_get(d->https_url("/healthz"), with_cert("rogue-client")).status, 0);
  EXPECT_GE(metric(*d, "delta_tls_handshake_failures_total"), 2);
}

TEST_F(MtlsTest, OptionalClientCertificate) {
  auto d = start(mtls_yaml(false));
  EXPECT_EQ(https_get(d->https_url("/healthz"), client_).status, 200);
  EXPECT_EQ(https_get(d->https_url("/healthz"), with_cert("client")).status, 200);
  EXPECT_EQ(https_get(d->https_url("/healthz"), with_cert("rogue-client")).status,
            0);  // presented, not trusted
}

// The verified subject reaches the request: with auth on, the gateway takes it as the principal
// ("mtls:CN=ingest-svc"), so a request without a token is no longer anonymous (401) but a
// principal without roles (403).
TEST_F(MtlsTest, VerifiedSubjectIsThePrincipalWhenAuthIsOn) {
  auto d = std::make_unique<DeltaProcess>(subdir(dir_, "auth"),
                                          "auth:\n  roles:\n    reader: {grants: [{permission: consume, "
                                          "pattern: events}]}\n" +
                                              kStreams,
                                          mtls_yaml(false));
  d->use_tls(client_);
  ASSERT_TRUE(d->start()) << d->read_stdout();
  std::string url = d->https_url("/v1/streams/events/events");
  EXPECT_EQ(https_post(url, kEvent, "application/x-ndjson", client_).status, 401);
  HttpResult r = https_post(url, kEvent, "application/x-ndjson", with_cert("client"));
  EXPECT_EQ(r.status, 403) << r.body;
}

}  // namespace
}  // namespace delta::testing

namespace delta::testing {
namespace {

// auth.tls_clients maps a verified subject to roles: the same client certificate that alone is a
// principal without roles (403 above) may produce once its subject is given the producer role.
TEST_F(MtlsTest, TlsClientsMapTheSubjectToRoles) {
  auto d = std::make_unique<DeltaProcess>(
      subdir(dir_, "roles"),
      "auth:\n  tls_clients:\n    \"CN=ingest-svc\": [producer]\n" + std::string(kStreams), mtls_yaml(false));
  d->use_tls(client_);
  ASSERT_TRUE(d->start()) << d->read_stdout();
  std::string url = d->https_url("/v1/streams/events/events");
  HttpResult r = https_post(url, kEvent, "application/x-ndjson", with_cert("client"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(https_post(url, kEvent, "application/x-ndjson", client_).status, 401);
  EXPECT_EQ(https_get(d->https_url("/v1/streams/events/events"), with_cert("client")).status, 403);
}

}  // namespace
}  // namespace delta::testing
