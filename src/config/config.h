// PipelineConfig: the typed, validated form of pipeline.yaml (DESIGN.md, "Configuration").
//
// Loading refuses unknown keys, wrong types and bad values with "file:line:column: what was
// expected", and interpolates ${ENV_VAR} in scalar values (an unset variable is an error).
// The result is immutable after load and shared read-only by every thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/schema.h"

namespace delta::config {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";          // host:port; port 0 picks a free port
  int io_threads = 0;                             // 0: one per core
  uint64_t max_body_bytes = 16ull << 20;          // a request body, as sent (compressed or not) -> 413
  uint64_t max_decoded_body_bytes = 64ull << 20;  // after gzip/zstd decoding -> 413
  uint64_t max_event_bytes = 1ull << 20;          // one event -> per-item error
  uint32_t max_json_depth = 32;                   // nesting deeper than this -> per-item error
  uint32_t max_connections = 1024;                // further connections are refused and counted
  uint32_t header_timeout_ms = 10'000;            // request line + headers must arrive within -> 408
  uint32_t body_timeout_ms = 30'000;              // the body must arrive within -> 408
  uint32_t idle_timeout_ms = 60'000;              // keep-alive connection with no request
  uint64_t max_inflight_bytes = 256ull << 20;     // bytes waiting for the log, all requests -> 503
  uint64_t ws_max_message_bytes = 4ull << 20;     // one WebSocket message -> close 1009
  uint32_t ws_subscriber_queue_events = 65536;    // a live subscriber further behind -> close 1013

  bool operator==(const ServerConfig&) const = default;
};

enum class Durability { kFsync, kOs };

struct LogConfig {
  std::string kind = "embedded";
  std::string dir = "./data/log";
  Durability durability = Durability::kFsync;
  int64_t retention_ms = 24ll * 3600 * 1000;  // 0: keep forever
  uint64_t retention_bytes = 0;               // per partition; 0: no size limit
  uint64_t segment_bytes = 128ull << 20;      // roll a segment past this size
  int64_t segment_ms = 3600ll * 1000;         // roll a segment older than this
  uint64_t partition_quota_bytes = 0;         // 0: none; reached -> appends refused (503)
  uint64_t quota_bytes = 0;                   // whole log; 0: none
  // kind kafka (src/log/kafka/kafka_log.h): the topic of stream S is <topic_prefix>S.
  std::string brokers;                  // bootstrap.servers "host:port,..."; required for kafka
  std::string topic_prefix = "delta.";  // [A-Za-z0-9._-]*
  // librdkafka properties given to the producer, consumers and admin client, in file order
  // (security.protocol, sasl.*, ssl.*, ...). Values may be secrets: never log them.
  std::vector<std::pair<std::string, std::string>> properties;

  bool operator==(const LogConfig&) const = default;
};

// Top-level `masking`: what the streams' masking policies need (src/process/mask.h).
struct MaskingConfig {
  // The HMAC-SHA256 key of the `hash` policy, at least model::kMinMaskKeyBytes bytes; empty when not
  // configured. A secret: never printed, logged or echoed in an error. Set it from the environment:
  // key: "${DELTA_MASK_KEY}". Changing it changes every hash (joins across the change break).
  std::string key;

  bool operator==(const MaskingConfig&) const = default;
};

// server.tls: TLS on the listener (issue 8). Absent: plain HTTP (loopback demos, or behind a proxy).
struct TlsConfig {
  bool enabled = false;
  std::string cert;                 // PEM certificate chain file
  std::string key;                  // PEM private key file
  std::string min_version = "1.3";  // "1.3" (default) or "1.2"; nothing lower
  std::string client_ca;            // PEM CA bundle: when set, client certificates are requested (mTLS)
  bool require_client_cert = false;
};

// auth: the gateway (issue 8). Absent: no authentication, allowed only on loopback listeners.
struct OAuthClientConfig {
  std::string id;
  std::string
      secret_hash;  // Argon2id (libsodium crypto_pwhash_str); from `secret_hash`, or `secret` hashed at load
  bool is_public = false;                  // public clients (browsers, CLIs) have no secret and must use PKCE
  std::vector<std::string> redirect_uris;  // exact match
  std::vector<std::string> grants;         // authorization_code, client_credentials, refresh_token
  std::vector<std::string> roles;
};

struct UserConfig {
  std::string name;
  std::string password_hash;  // Argon2id
  std::vector<std::string> roles;
};

struct JwksIssuerConfig {
  std::string issuer;
  std::string jwks_url;
  std::string audience;
  std::vector<std::string> algorithms = {"RS256", "ES256", "EdDSA"};
  std::string roles_claim = "roles";
};

struct RoleGrantConfig {
  std::string permission;  // produce, consume, query, admin
  std::string pattern;     // stream/view name glob, e.g. "orders-*"
};

struct RoleConfig {
  std::string name;
  std::vector<RoleGrantConfig> grants;
};

struct RateLimitConfig {
  std::string role;  // the limit applies to principals with this role; "anonymous" for no principal
  double events_per_second = 0;    // 0: unlimited
  double requests_per_second = 0;  // 0: unlimited
  double burst = 0;                // bucket size in requests (events: burst x batch)
};

// A client certificate subject (as the edge formats it, e.g. "CN=ingest-svc,O=Acme") and its roles.
struct TlsClientConfig {
  std::string subject;
  std::vector<std::string> roles;
};

struct AuthConfig {
  bool enabled = false;        // an `auth:` section with content
  bool explicit_none = false;  // `auth: none`: no authentication, even on a non-loopback listener
  std::string issuer;          // this server's OAuth issuer URL (tokens it signs carry it)
  std::string audience = "delta";
  std::vector<OAuthClientConfig> clients;
  std::vector<UserConfig> users;
  std::vector<JwksIssuerConfig> jwks_issuers;
  std::vector<RoleConfig> roles;  // custom roles, beside the built-in producer, analyst, admin
  std::vector<RateLimitConfig> rate_limits;
  std::vector<TlsClientConfig> tls_clients;  // mTLS subjects -> roles (auth.tls_clients)
  std::string api_keys_file;                 // default: <log.dir>/../api_keys.json
  std::string redis_url;  // when set: OAuth codes/sessions/refresh tokens and shared rate limits
  int64_t clock_skew_ms = 60'000;
  int64_t access_token_ttl_ms = 15 * 60'000;
  int64_t refresh_token_ttl_ms = 30ll * 24 * 3600'000;
};

// sinks.<name> (issue 5): where raw events and view results go. `kind` picks the backend; the
// backend's factory (src/sink) reads and checks its own options and points errors at `where`.
struct SinkOption {
  std::string key;    // flattened: a nested mapping's keys read "properties.security.protocol"
  std::string value;  // interpolated (may be a secret: never echo it)
  std::string where;  // "<file>:<line>:<column>: sinks.<name>.<key>", for errors
};

struct SinkConfig {
  std::string name;
  std::string kind;   // local, sqlite, memory, clickhouse, redis, s3, kafka, live
  std::string where;  // "<file>:<line>:<column>: sinks.<name>"
  std::vector<SinkOption> options;
  uint64_t batch_rows = 10'000;       // a write holds at most this many rows
  uint64_t batch_bytes = 4ull << 20;  // ... and about this many bytes
  int64_t linger_ms = 200;            // a partial batch is written after this long
  int64_t retry_initial_ms = 100;     // first backoff after a retryable failure (doubles, jittered)
  int64_t retry_max_ms = 30'000;      // the backoff's ceiling; retries never give up

  const SinkOption* option(std::string_view key) const;
};

enum class WindowKind { kTumbling, kHopping, kSession };

// An expression of a view as written, and where it was written (for errors found when it compiles).
struct ViewExpr {
  std::string name;   // the output column (group_by, select); empty for `where`
  std::string text;   // the expression
  std::string where;  // "<file>:<line>:<column>: views.<view>.<key>"
};

// views.<name> (issue 4): a windowed aggregation over one stream.
struct ViewConfig {
  std::string name;
  std::string from;  // a stream
  ViewExpr where;    // condition; empty text: every event
  WindowKind window = WindowKind::kTumbling;
  int64_t size_ms = 0;   // tumbling, hopping
  int64_t slide_ms = 0;  // hopping
  int64_t gap_ms = 0;    // session
  int64_t allowed_lateness_ms = 0;
  int64_t early_ms = 0;            // tumbling: provisional results of open windows this often (0: off)
  std::vector<ViewExpr> group_by;  // expressions; the name of a plain field is the field's
  std::vector<ViewExpr> select;    // aggregates: count(), sum(x), min(x), max(x), avg(x),
                                   // count_distinct(x), quantile(x, q)
  std::vector<std::string> sinks;
  std::string location;  // "<file>:<line>:<column>: views.<name>"
};

// streams.<s>.source (issue 6 item 3): Kafka topics that other systems write, consumed into stream
// s through the same validation and masking as HTTP input (src/source/kafka_source.h).
struct SourceConfig {
  std::string stream;
  std::string kind = "kafka";
  std::string brokers;              // bootstrap.servers "host:port,..."
  std::vector<std::string> topics;  // at least one
  std::string group;                // consumer group id; default "delta.<stream>"
  bool start_latest = false;        // `start`: where a group without committed offsets begins
  // librdkafka properties for the consumer, in file order (security.protocol, sasl.*, ssl.*, ...).
  // Values may be secrets: never log them.
  std::vector<std::pair<std::string, std::string>> properties;
  std::string where;  // "<file>:<line>:<column>: streams.<s>.source", for errors found at start

  bool operator==(const SourceConfig&) const = default;
};

struct PipelineConfig {
  std::string source;  // the file it came from, or "<built-in demo>"
  ServerConfig server;
  LogConfig log;
  MaskingConfig masking;
  TlsConfig tls;                             // server.tls
  AuthConfig auth;                           // top-level auth
  std::vector<model::StreamSchema> streams;  // with their mask rules (StreamSchema::mask)
  std::vector<ViewConfig> views;
  std::vector<SinkConfig> sinks;
  std::vector<SourceConfig> sources;  // streams.<s>.source, in stream order

  const model::StreamSchema* find_stream(std::string_view name) const;
  const ViewConfig* find_view(std::string_view name) const;
  const SinkConfig* find_sink(std::string_view name) const;
};

// Reads and validates a YAML file. A missing file is not_found, an unreadable one io_error; a bad
// config is invalid_argument "<file>:<line>:<column>: <what was expected>" for the first problem.
Result<PipelineConfig> load_file(const std::string& path);
// Validates YAML text; `source_name` is used in error messages in place of a file name.
Result<PipelineConfig> parse(std::string_view yaml_text, std::string_view source_name);
// The configuration `delta run` uses when given none: stream `events` with a clickstream schema,
// its `email` hashed with kDemoMaskKey.
PipelineConfig demo_config();
// The demo's masking key: fixed and published, so the demo runs with no environment and its hashes
// are the same on every run. Not a secret; a real pipeline sets key: "${DELTA_MASK_KEY}".
inline constexpr std::string_view kDemoMaskKey = "delta-demo-key-not-a-secret";
// The demo configuration as YAML text (what `delta run` would load), for docs and `delta validate`.
std::string demo_yaml();

}  // namespace delta::config
