// `delta send`: posts NDJSON from a file or stdin in batches over one keep-alive connection, retrying
// a batch that gets 503/429 after the server's Retry-After, with a progress line for big inputs.
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "app/commands.h"

namespace delta::app {
namespace {

constexpr int kMaxAttempts = 20;

struct Totals {
  int64_t sent = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  int64_t bytes = 0;
  int failed_requests = 0;
};

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t header_retry_after(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == kName) *static_cast<long*>(user) = std::strtol(line.data() + kName.size(), nullptr, 10);
  }
  return size * n;
}

// The number after `"key":` in a small JSON answer, or 0.
int64_t json_int(const std::string& body, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  size_t at = body.find(needle);
  return at == std::string::npos ? 0 : std::strtoll(body.c_str() + at + needle.size(), nullptr, 10);
}

// The header carrying the caller's credential, or "" to send none.
std::string credential_header(const SendOptions& o) {
  auto [name, value] = resolve_credential(o.api_key, o.token);
  return name.empty() ? std::string() : name + ": " + value;
}

class Sender {
 public:
  explicit Sender(const SendOptions& o) : options_(o), curl_(curl_easy_init()) {
    url_ = options_.url + "/v1/streams/" + options_.stream + "/events";
    headers_ = curl_slist_append(nullptr, ("Content-Type: " + options_.content_type).c_str());
    headers_ = curl_slist_append(headers_, "Expect:");
    if (std::string auth = credential_header(o); !auth.empty())
      headers_ = curl_slist_append(headers_, auth.c_str());
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response_);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, header_retry_after);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &retry_after_);
  }
  ~Sender() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }

  // Posts one batch; false when it failed for good (the reason is printed).
  bool post(const std::string& body, int64_t events, Totals* totals) {
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
      response_.clear();
      retry_after_ = 1;
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      CURLcode rc = curl_easy_perform(curl_);
      long status = 0;
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
      if (rc == CURLE_OK && (status == 200 || status == 400)) {
        totals->accepted += json_int(response_, "accepted");
        totals->rejected += json_int(response_, "rejected");
        if (status == 400) std::fprintf(stderr, "delta send: rejected batch: %s\n", response_.c_str());
        return true;
      }
      if (rc == CURLE_OK && status != 503 && status != 429) {
        std::fprintf(stderr, "delta send: HTTP %ld: %s\n", status, response_.c_str());
        return false;
      }
      if (rc != CURLE_OK && attempt == kMaxAttempts) {
        std::fprintf(stderr, "delta send: %s: %s\n", url_.c_str(), curl_easy_strerror(rc));
        return false;
      }
      std::this_thread::sleep_for(std::chrono::seconds(std::max(1L, std::min(retry_after_, 30L))));
    }
    std::fprintf(stderr, "delta send: gave up after %d attempts\n", kMaxAttempts);
    return false;
  }

 private:
  const SendOptions& options_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string url_;
  std::string response_;
  long retry_after_ = 1;
};

void progress(const Totals& t, std::chrono::steady_clock::time_point start, bool final_line) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%ssent %lld events (%lld accepted, %lld rejected), %.1f MB, %.0f events/s%s",
               final_line ? "" : "\r", static_cast<long long>(t.sent), static_cast<long long>(t.accepted),
               static_cast<long long>(t.rejected), static_cast<double>(t.bytes) / 1e6,
               secs > 0 ? static_cast<double>(t.sent) / secs : 0.0, final_line ? "\n" : "");
}

}  // namespace

std::pair<std::string, std::string> resolve_credential(const std::string& api_key, const std::string& token) {
  auto env_or = [](const std::string& value, const char* name) -> std::string {
    if (!value.empty()) return value;
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  if (std::string key = env_or(api_key, "DELTA_API_KEY"); !key.empty()) return {"X-API-Key", key};
  std::string t = env_or(token, "DELTA_TOKEN");
  if (t.empty()) t = stored_access_token(default_tokens_path());
  if (t.empty()) return {};
  return {"Authorization", "Bearer " + t};
}

int send_command(const SendOptions& options) {
  FILE* in = options.input == "-" ? stdin : std::fopen(options.input.c_str(), "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "delta send: cannot open %s\n", options.input.c_str());
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Totals totals;
  bool ok = true;
  {
    Sender sender(options);
    auto start = std::chrono::steady_clock::now();
    auto last_progress = start;
    bool show_progress = isatty(STDERR_FILENO) != 0;
    std::string batch;
    int64_t events = 0;
    char* line = nullptr;
    size_t cap = 0;
    ssize_t n;
    auto flush = [&] {
      if (events == 0) return;
      ok = sender.post(batch, events, &totals) && ok;
      totals.sent += events;
      totals.bytes += static_cast<int64_t>(batch.size());
      batch.clear();
      events = 0;
    };
    while (ok && (n = getline(&line, &cap, in)) > 0) {
      std::string_view l(line, static_cast<size_t>(n));
      if (l.find_first_not_of(" \t\r\n") == std::string_view::npos) continue;
      batch.append(l);
      if (l.back() != '\n') batch.push_back('\n');
      if (++events >= static_cast<int64_t>(options.batch_events)) flush();
      auto now = std::chrono::steady_clock::now();
      if (show_progress && now - last_progress > std::chrono::milliseconds(250)) {
        progress(totals, start, false);
        last_progress = now;
      }
    }
    if (ok) flush();
    std::free(line);
    progress(totals, start, true);
  }
  if (in != stdin) std::fclose(in);
  curl_global_cleanup();
  if (!ok) return 1;
  return totals.rejected > 0 ? 3 : 0;
}

}  // namespace delta::app
