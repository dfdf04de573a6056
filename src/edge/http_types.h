// HttpRequest / HttpResponse: the edge's own view of an HTTP exchange, independent of Boost.Beast,
// so routes can be written and tested without a socket. The session (http_session.cc) converts
// from and to Beast's types; nothing else includes Beast.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace delta::edge {

enum class Method { kGet, kPost, kHead, kOther };

struct HttpRequest {
  Method method = Method::kGet;
  std::string_view path;   // without the query string
  std::string_view query;  // after '?', undecoded
  std::string_view content_type;
  std::string_view content_encoding;
  std::string_view remote_address;
  // Credentials and context for the gateway (authentication, rate limits, audit).
  std::string_view authorization;       // the Authorization header, as sent
  std::string_view api_key;             // the X-API-Key header
  std::string_view cookie;              // the Cookie header (OAuth login page sessions)
  std::string_view forwarded_for;       // X-Forwarded-For, when behind Kong or nginx
  std::string_view tls_client_subject;  // subject of a verified client certificate (mTLS), else empty
  std::string* body = nullptr;          // owned by the session; handlers may consume it
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response
};

// A JSON answer with `status`.
HttpResponse json_response(int status, std::string body);

// {"error":{"code":code,"message":message}} with `status`.
HttpResponse error_response(int status, std::string_view code, std::string_view message);

// The value of `key` in an application/x-www-form-urlencoded query string, percent-decoded.
// Returns false when absent.
bool query_param(std::string_view query, std::string_view key, std::string* out);

}  // namespace delta::edge
