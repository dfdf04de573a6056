// `delta query "SQL"`: runs read-only SQL on a running Delta's analytical store (POST /v1/query)
// and prints the rows as a tab-separated table with a header line, or the JSON answer with --json.
#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <string>

#include <simdjson.h>

#include "app/commands.h"
#include "base/json_escape.h"
#include "obs/logger.h"

namespace delta::app {
namespace {

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string cell(simdjson::dom::element e) {
  if (e.is_null()) return "NULL";
  if (e.is_string()) return std::string(e.get_string().value());
  return simdjson::minify(e);
}

// Prints {"columns":[...],"rows":[[...]]} as TSV; false when the answer is not that shape.
bool print_table(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array columns, rows;
  if (parser.parse(body).get(doc) || doc["columns"].get_array().get(columns) ||
      doc["rows"].get_array().get(rows)) {
    return false;
  }
  std::string line;
  for (simdjson::dom::element c : columns) line += (line.empty() ? "" : "\t") + cell(c);
  std::printf("%s\n", line.c_str());
  for (simdjson::dom::element row : rows) {
    line.clear();
    bool first = true;
    for (simdjson::dom::element v : row.get_array()) {
      line += (first ? "" : "\t") + cell(v);
      first = false;
    }
    std::printf("%s\n", line.c_str());
  }
  if (bool t; !doc["truncated"].get_bool().get(t) && t)
    std::fprintf(stderr, "(truncated: more rows than the limit)\n");
  return true;
}

}  // namespace

int query_command(const QueryOptions& options) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  std::string request = "{\"sql\":\"";
  json::append_escaped(request, options.sql);
  request += "\",\"limit\":" + std::to_string(options.limit) + "}";
  std::string url = options.url + "/v1/query", response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  auto [name, value] = resolve_credential(options.api_key, options.token);
  if (!name.empty()) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, request.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
  CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) {
    std::fprintf(stderr, "delta query: %s: %s\n", url.c_str(), curl_easy_strerror(rc));
    return 1;
  }
  if (status != 200) {
    std::fprintf(stderr, "delta query: HTTP %ld: %s\n", status, response.c_str());
    return 1;
  }
  if (options.json || !print_table(response)) std::printf("%s\n", response.c_str());
  return 0;
}

}  // namespace delta::app
