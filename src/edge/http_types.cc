#include "edge/http_types.h"

#include "base/json_escape.h"
#include "obs/logger.h"

namespace delta::edge {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void percent_decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out->push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out->push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out->push_back(in[i]);
    }
  }
}

}  // namespace

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = R"({"error":{"code":")";
  json::append_escaped(r.body, code);
  r.body += R"(","message":")";
  json::append_escaped(r.body, message);
  r.body += "\"}}";
  return r;
}

bool query_param(std::string_view query, std::string_view key, std::string* out) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (k != key) continue;
    percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), out);
    return true;
  }
  return false;
}

}  // namespace delta::edge
