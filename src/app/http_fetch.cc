// http_fetch: the JWKS FetchFn (gateway_setup.h).
#include <curl/curl.h>

#include "app/gateway_setup.h"

namespace delta::app {
namespace {

constexpr size_t kMaxFetchBytes = 1 << 20;

struct Sink {
  std::string data;
  bool too_big = false;
};

size_t collect(char* ptr, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->data.size() + size * n > kMaxFetchBytes) {
    sink->too_big = true;
    return 0;  // aborts the transfer
  }
  sink->data.append(ptr, size * n);
  return size * n;
}

}  // namespace

Result<std::string> http_fetch(const std::string& url) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Status::unavailable("curl_easy_init failed");
  Sink sink;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(curl.get());
  if (sink.too_big) return Status::unavailable("JWKS from " + url + " exceeds 1 MiB");
  if (rc != CURLE_OK) return Status::unavailable("fetch " + url + ": " + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return Status::unavailable("fetch " + url + ": HTTP " + std::to_string(status));
  return std::move(sink.data);
}

}  // namespace delta::app
