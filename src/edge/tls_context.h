// TlsContexts: the listener's OpenSSL server context, built from config::TlsConfig, and its reload.
//
// create() builds the first context (TLS 1.3 only, or 1.2 and up with min_version "1.2"; with
// client_ca, client certificates are requested and verified, and with require_client_cert a
// handshake without one fails). A certificate, key or CA file that does not load is an error that
// names the config key and the path, never the key's contents.
// reload() builds a new context from the same files and swaps it in for NEW connections: a session
// holds the shared_ptr it started with, so established connections keep theirs. A failed reload
// keeps the previous context. Both log the certificate's subject, serial and notAfter.
// Thread-safety: current() and reload() may be called from any thread (the swap is under a mutex;
// the file reading and parsing is not).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "config/config.h"

typedef struct ssl_st SSL;

namespace delta::edge {

class TlsContexts {
 public:
  static Result<std::unique_ptr<TlsContexts>> create(const config::TlsConfig& config);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Re-reads cert, key and client_ca; on error keeps the current context and returns the error.
  Status reload();

 private:
  TlsContexts(const config::TlsConfig& config, std::shared_ptr<boost::asio::ssl::context> first);

  const config::TlsConfig config_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // GUARDED_BY(mu_)
};

// The subject of the peer's certificate when the handshake verified one (mTLS), else "". The
// format is the one-line RFC 2253 form, most specific first: "CN=ingest-1,O=Acme,C=DE". This is
// what HttpRequest::tls_client_subject carries for the auth layer to map to a principal.
std::string verified_peer_subject(SSL* ssl);

}  // namespace delta::edge
