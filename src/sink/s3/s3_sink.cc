#include "sink/s3/s3_sink.h"
#include "base/url.h"

#include <curl/curl.h>

#include <chrono>

#include "sink/archive_layout.h"
#include "sink/backend_options.h"

namespace delta::sink::s3 {
namespace {

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t read_etag(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  if (line.size() > 5 && (line.substr(0, 5) == "ETag:" || line.substr(0, 5) == "etag:")) {
    line.remove_prefix(5);
    while (!line.empty() && (line.front() == ' ')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
      line.remove_suffix(1);
    static_cast<std::string*>(user)->assign(line);
  }
  return size * n;
}

// The text of the first <tag>...</tag> in `xml`, or "".
std::string xml_value(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  size_t at = xml.find(open);
  if (at == std::string_view::npos) return "";
  at += open.size();
  size_t end = xml.find('<', at);
  return std::string(xml.substr(at, end - at));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<S3Options> parse_options(const config::SinkConfig& sink) {
  BackendOptions o(sink);
  S3Options out;
  out.bucket = o.required("bucket");
  out.region = o.string("region", "us-east-1");
  out.endpoint = o.string("endpoint");
  out.path_style = o.boolean("path_style", !out.endpoint.empty());
  out.credentials.access_key_id = o.required("access_key_id");
  out.credentials.secret_access_key = o.required("secret_access_key");
  out.credentials.session_token = o.string("session_token");
  out.prefix = o.string("prefix");
  out.compression_level = static_cast<int>(o.integer("compression_level", 3, 1, 19));
  out.multipart_threshold =
      static_cast<uint64_t>(o.integer("multipart_threshold", 16ll << 20, 5ll << 20, 5ll << 30));
  out.part_size = static_cast<uint64_t>(o.integer("part_size", 8ll << 20, 5ll << 20, 5ll << 30));
  out.ca_file = o.string("tls.ca_file");
  out.insecure = o.boolean("tls.insecure", false);
  out.timeout_ms = o.integer("timeout_ms", 60'000, 100, 3'600'000);
  DELTA_RETURN_IF_ERROR(o.finish());
  if (!out.endpoint.empty() && !out.endpoint.starts_with("http://") && !out.endpoint.starts_with("https://"))
    return Status::invalid_argument(sink.option("endpoint")->where + ": expected http(s)://host[:port]");
  return out;
}

S3Sink::S3Sink(S3Options options) : options_(std::move(options)) {
  std::string endpoint =
      options_.endpoint.empty() ? "https://s3." + options_.region + ".amazonaws.com" : options_.endpoint;
  while (endpoint.ends_with('/')) endpoint.pop_back();
  size_t scheme_end = endpoint.find("://") + 3;
  std::string scheme = endpoint.substr(0, scheme_end);
  host_ = endpoint.substr(scheme_end);
  if (!options_.path_style) host_ = options_.bucket + "." + host_;
  scheme_host_ = scheme + host_;
  curl_ = curl_easy_init();
}

S3Sink::~S3Sink() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

S3Sink::Answer S3Sink::request(const std::string& method, const std::string& key,
                               const std::vector<std::pair<std::string, std::string>>& query,
                               std::string_view body) {
  SignInput in;
  in.method = method;
  in.path = options_.path_style ? "/" + options_.bucket + "/" + key : "/" + key;
  in.query = query;
  in.region = options_.region;
  in.amz_date = amz_date(now_ms());
  in.payload_sha256 = sha256_hex(body);
  in.headers = {{"host", host_}, {"x-amz-date", in.amz_date}, {"x-amz-content-sha256", in.payload_sha256}};
  if (!options_.credentials.session_token.empty())
    in.headers.emplace_back("x-amz-security-token", options_.credentials.session_token);
  Signature sig = sign(in, options_.credentials);

  std::string url = scheme_host_ + percent_encode(in.path, true);
  std::string q;
  for (const auto& [k, v] : query)
    q += (q.empty() ? "?" : "&") + percent_encode(k, false) + "=" + percent_encode(v, false);
  url += q;
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : in.headers) {
    if (k != "host") headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  headers = curl_slist_append(headers, ("Authorization: " + sig.authorization).c_str());
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Content-Type:");
  Answer a;
  curl_easy_reset(curl_);
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "PUT" || method == "POST") {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, read_etag);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &a.etag);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure) {
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  CURLcode rc = curl_easy_perform(curl_);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &a.status);
  } else {
    a.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  return a;
}

Status S3Sink::check(const Answer& a, std::string_view what, const std::string& key) const {
  std::string where = "s3 " + std::string(what) + " " + options_.bucket + "/" + key + ": ";
  if (a.status == 0) return Status::unavailable(where + a.error);
  // CompleteMultipartUpload may answer 200 with an <Error> body.
  if (a.status >= 200 && a.status < 300 && a.body.find("<Error>") == std::string::npos) return Status::ok();
  return Status::unavailable(where + "HTTP " + std::to_string(a.status) + " " + xml_value(a.body, "Code") +
                             ": " + xml_value(a.body, "Message"));
}

Status S3Sink::put_object(const std::string& key, std::string_view body) {
  if (body.size() > options_.multipart_threshold) return multipart(key, body);
  return check(request("PUT", key, {}, body), "PUT", key);
}

Status S3Sink::multipart(const std::string& key, std::string_view body) {
  Answer init = request("POST", key, {{"uploads", ""}}, "");
  DELTA_RETURN_IF_ERROR(check(init, "initiate multipart upload", key));
  std::string upload_id = xml_value(init.body, "UploadId");
  if (upload_id.empty()) return Status::unavailable("s3 initiate multipart upload " + key + ": no UploadId");
  std::string complete = "<CompleteMultipartUpload>";
  int part = 1;
  for (size_t at = 0; at < body.size(); at += options_.part_size, ++part) {
    std::string_view chunk = body.substr(at, options_.part_size);
    Answer a = request("PUT", key, {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}}, chunk);
    Status s = check(a, "upload part " + std::to_string(part), key);
    if (s.is_ok() && a.etag.empty()) s = Status::unavailable("s3 upload part " + key + ": no ETag");
    if (!s.is_ok()) {
      abort(key, upload_id);
      return s;
    }
    ++parts_uploaded_;
    complete +=
        "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + a.etag + "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";
  Status s =
      check(request("POST", key, {{"uploadId", upload_id}}, complete), "complete multipart upload", key);
  if (!s.is_ok()) abort(key, upload_id);
  return s;
}

void S3Sink::abort(const std::string& key, const std::string& upload_id) {
  request("DELETE", key, {{"uploadId", upload_id}}, "");  // best effort; lifecycle rules clean the rest
}

Status S3Sink::write(const Batch& batch, std::vector<RowError>* rejected) {
  if (batch.rows.empty()) return Status::ok();
  Result<std::string> body = archive_body(batch, options_.compression_level);
  if (!body.is_ok()) return body.status();
  return put_object(options_.prefix + archive_object_key(batch), *body);
}

}  // namespace delta::sink::s3
