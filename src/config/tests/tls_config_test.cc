// server.tls: what the loader accepts and refuses. Whether the files load is the server's check at
// start (tests/integration/tls_test.cc); here only the shape and the version floor.
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"

namespace delta::config {
namespace {

const std::string kStreams = "streams: {s: {schema: {ts: timestamp}}}\n";

std::string error_of(std::string_view yaml) {
  Result<PipelineConfig> r = parse(yaml, "pipeline.yaml");
  return r.is_ok() ? "OK" : r.status().message();
}

TEST(TlsConfig, AbsentMeansPlainHttp) {
  Result<PipelineConfig> r = parse("server: {listen: \"127.0.0.1:0\"}\n" + kStreams, "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->tls.enabled);
}

TEST(TlsConfig, DefaultsToTls13WithoutClientCertificates) {
  Result<PipelineConfig> r = parse("server: {tls: {cert: a.pem, key: b.pem}}\n" + kStreams, "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->tls.enabled);
  EXPECT_EQ(r->tls.cert, "a.pem");
  EXPECT_EQ(r->tls.key, "b.pem");
  EXPECT_EQ(r->tls.min_version, "1.3");
  EXPECT_TRUE(r->tls.client_ca.empty());
  EXPECT_FALSE(r->tls.require_client_cert);
}

TEST(TlsConfig, ReadsEveryKey) {
  Result<PipelineConfig> r = parse(
      "server:\n  tls:\n    cert: c\n    key: k\n    min_version: \"1.2\"\n    client_ca: ca\n"
      "    require_client_cert: true\n" +
          kStreams,
      "p.yaml");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->tls.min_version, "1.2");
  EXPECT_EQ(r->tls.client_ca, "ca");
  EXPECT_TRUE(r->tls.require_client_cert);
}

TEST(TlsConfig, RefusesVersionsBelow12WithPosition) {
  EXPECT_EQ(
      error_of("server: {tls: {cert: c, key: k, min_version: \"1.1\"}}\n" + kStreams),
      "pipeline.yaml:1:46: server.tls.min_version: expected \"1.3\" or \"1.2\" (nothing below TLS 1.2), "
      "got \"1.1\"");
  EXPECT_EQ(
      error_of("server: {tls: {cert: c, key: k, min_version: 1.0}}\n" + kStreams),
      "pipeline.yaml:1:46: server.tls.min_version: expected \"1.3\" or \"1.2\" (nothing below TLS 1.2), "
      "got \"1.0\"");
}

TEST(TlsConfig, CertAndKeyAreRequired) {
  EXPECT_EQ(error_of("server: {tls: {key: k}}\n" + kStreams),
            "pipeline.yaml:1:15: server.tls: missing \"cert\" (a PEM certificate chain file)");
  EXPECT_EQ(error_of("server: {tls: {cert: c}}\n" + kStreams),
            "pipeline.yaml:1:15: server.tls: missing \"key\" (a PEM private key file)");
}

TEST(TlsConfig, RequiredClientCertNeedsACa) {
  EXPECT_EQ(error_of("server: {tls: {cert: c, key: k, require_client_cert: true}}\n" + kStreams),
            "pipeline.yaml:1:15: server.tls: require_client_cert needs client_ca (the CA that signs client "
            "certificates)");
}

TEST(TlsConfig, UnknownKeyIsRefused) {
  EXPECT_EQ(error_of("server: {tls: {cert: c, key: k, ciphers: x}}\n" + kStreams),
            "pipeline.yaml:1:33: unknown key \"ciphers\" in server.tls (expected one of: cert, key, "
            "min_version, client_ca, require_client_cert)");
}

}  // namespace
}  // namespace delta::config
