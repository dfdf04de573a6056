// S3Sink: the production archive (DESIGN.md "Roles") on S3 or any S3-compatible store (MinIO,
// s3rver): the `local` archive's layout (archive_layout.h) under `prefix`, each batch one object
// named from its offsets, so a retry rewrites the same object. Requests are signed with SigV4
// (sigv4.h) and sent with libcurl; an object up to multipart_threshold is one PUT, a larger one a
// multipart upload (initiate, upload the parts, complete; abort when any step fails).
//
// Addressing: virtual-host style (https://<bucket>.s3.<region>.amazonaws.com/<key>) by default;
// path style (<endpoint>/<bucket>/<key>) with path_style: true, the default when an endpoint is set.
// Errors: every failure (transport, 5xx, 4xx such as a missing bucket or a refused signature) is
// kUnavailable: no single row is at fault, so the runtime holds the batch and retries while an
// operator fixes the store; the message carries S3's error code.
// Threads: one thread at a time, as sink.h says.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sink/s3/sigv4.h"
#include "sink/sink.h"

typedef void CURL;  // NOLINT(modernize-use-using): curl's own declaration

namespace delta::sink::s3 {

struct S3Options {
  std::string bucket;
  std::string region = "us-east-1";
  std::string endpoint;  // "": https://s3.<region>.amazonaws.com
  bool path_style = false;
  Credentials credentials;
  std::string prefix;  // prepended to every key ("archive/")
  int compression_level = 3;
  uint64_t multipart_threshold = 16ull << 20;  // larger objects go up in parts
  uint64_t part_size = 8ull << 20;             // S3 wants >= 5 MiB for every part but the last
  std::string ca_file;
  bool insecure = false;
  int64_t timeout_ms = 60'000;
};

// Reads sinks.<name> of kind s3 (options table in src/sink/README.md).
Result<S3Options> parse_options(const config::SinkConfig& sink);

class S3Sink : public Sink {
 public:
  explicit S3Sink(S3Options options);
  ~S3Sink() override;
  S3Sink(const S3Sink&) = delete;
  S3Sink& operator=(const S3Sink&) = delete;

  Status prepare(const TableSpec& table) override { return Status::ok(); }
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override {}

  // One object: PUT below the threshold, multipart above. `key` is relative to the bucket.
  Status put_object(const std::string& key, std::string_view body);
  // Parts uploaded by multipart uploads so far (for tests and metrics).
  uint64_t parts_uploaded() const { return parts_uploaded_; }

 private:
  struct Answer {
    long status = 0;
    std::string body;
    std::string etag;
    std::string error;  // transport error
  };
  Answer request(const std::string& method, const std::string& key,
                 const std::vector<std::pair<std::string, std::string>>& query, std::string_view body);
  Status check(const Answer& a, std::string_view what, const std::string& key) const;
  Status multipart(const std::string& key, std::string_view body);
  void abort(const std::string& key, const std::string& upload_id);

  S3Options options_;
  std::string scheme_host_;  // "https://host[:port]" the requests go to
  std::string host_;         // the Host header
  CURL* curl_ = nullptr;
  uint64_t parts_uploaded_ = 0;
};

}  // namespace delta::sink::s3
