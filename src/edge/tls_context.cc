#include "edge/tls_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

#include "obs/logger.h"

namespace delta::edge {
namespace {

namespace ssl = boost::asio::ssl;
using ContextPtr = std::shared_ptr<ssl::context>;

// Forward secrecy and AEAD only, for TLS 1.2 (TLS 1.3 suites are all fine and left as default).
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";

std::string openssl_reason(const boost::system::error_code& ec) {
  std::string out = ec.message();
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += "; ";
    out += buf;
  }
  return out;
}

Status load_error(std::string_view key, const std::string& path, const boost::system::error_code& ec) {
  return Status::invalid_argument("server.tls." + std::string(key) + " \"" + path +
                                  "\" did not load: " + openssl_reason(ec));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string subject_of(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  return bio_text(bio.get());
}

std::string serial_of(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  i2a_ASN1_INTEGER(bio.get(), X509_get0_serialNumber(cert));
  return bio_text(bio.get());
}

// RFC 3339 in UTC, e.g. "2027-11-27T14:00:00Z".
std::string not_after_of(X509* cert) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status set_versions(const config::TlsConfig& cfg, ssl::context& ctx) {
  SSL_CTX* native = ctx.native_handle();
  int min = cfg.min_version == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (SSL_CTX_set_min_proto_version(native, min) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Status::internal("OpenSSL refused the TLS version or cipher settings");
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return Status::ok();
}

Status load_identity(const config::TlsConfig& cfg, ssl::context& ctx) {
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cfg.cert, ec);
  if (ec) return load_error("cert", cfg.cert, ec);
  ctx.use_private_key_file(cfg.key, ssl::context::pem, ec);
  if (ec) return load_error("key", cfg.key, ec);
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    return Status::invalid_argument("server.tls.key \"" + cfg.key + "\" does not match server.tls.cert \"" +
                                    cfg.cert + "\"");
  }
  return Status::ok();
}

Status load_client_ca(const config::TlsConfig& cfg, ssl::context& ctx) {
  if (cfg.client_ca.empty()) return Status::ok();
  boost::system::error_code ec;
  ctx.load_verify_file(cfg.client_ca, ec);
  if (ec) return load_error("client_ca", cfg.client_ca, ec);
  // Tell clients which CAs are acceptable, so they pick the right certificate.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(cfg.client_ca.c_str());
  if (names != nullptr) SSL_CTX_set_client_CA_list(ctx.native_handle(), names);
  ssl::verify_mode mode = ssl::verify_peer;
  if (cfg.require_client_cert) mode |= ssl::verify_fail_if_no_peer_cert;
  ctx.set_verify_mode(mode, ec);
  if (ec) return load_error("client_ca", cfg.client_ca, ec);
  return Status::ok();
}

Result<ContextPtr> build(const config::TlsConfig& cfg) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  DELTA_RETURN_IF_ERROR(set_versions(cfg, *ctx));
  DELTA_RETURN_IF_ERROR(load_identity(cfg, *ctx));
  DELTA_RETURN_IF_ERROR(load_client_ca(cfg, *ctx));
  return ctx;
}

void log_certificate(std::string_view message, const config::TlsConfig& cfg, ssl::context& ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx.native_handle());
  if (cert == nullptr) return;
  obs::info("edge", message,
            {{"tls.cert", cfg.cert},
             {"tls.subject", subject_of(cert)},
             {"tls.serial", serial_of(cert)},
             {"tls.not_after", not_after_of(cert)},
             {"tls.min_version", cfg.min_version},
             {"tls.client_ca", !cfg.client_ca.empty()}});
}

}  // namespace

Result<std::unique_ptr<TlsContexts>> TlsContexts::create(const config::TlsConfig& config) {
  Result<ContextPtr> first = build(config);
  if (!first) return first.status();
  log_certificate("tls certificate loaded", config, **first);
  return std::unique_ptr<TlsContexts>(new TlsContexts(config, std::move(*first)));
}

TlsContexts::TlsContexts(const config::TlsConfig& config, ContextPtr first)
    : config_(config), current_(std::move(first)) {}

ContextPtr TlsContexts::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Status TlsContexts::reload() {
  Result<ContextPtr> next = build(config_);
  if (!next) {
    obs::error("edge", "tls reload failed, keeping the previous certificate",
               {{"error", next.status().message()}});
    return next.status();
  }
  log_certificate("tls certificate reloaded", config_, **next);
  std::lock_guard lock(mu_);
  current_ = std::move(*next);
  return Status::ok();
}

std::string verified_peer_subject(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) return "";
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  return cert ? subject_of(cert.get()) : "";
}

}  // namespace delta::edge
