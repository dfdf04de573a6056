#include <cctype>
#include <cstdint>

#include "config/property.h"
#include "config/sections.h"
#include "config/units.h"

namespace delta::config::internal {
namespace {

constexpr uint64_t kKiB = 1ull << 10;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kTiB = 1ull << 40;
constexpr uint64_t kMaxBytes = 1024 * kTiB;  // upper bound of the "0: none" size limits
constexpr int64_t kSecond = 1000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

Status read_listen(const Reader& r, const Value& v, ServerConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "host:port");
  if (!s) return s.status();
  if (!valid_listen(s->text)) return r.expected(v, "host:port with a port from 0 to 65535", s->describe());
  cfg->listen = std::move(s->text);
  return Status::ok();
}

Status read_min_version(const Reader& r, const Value& v, TlsConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "\"1.3\" or \"1.2\"");
  if (!s) return s.status();
  if (s->text != "1.3" && s->text != "1.2")
    return r.expected(v, "\"1.3\" or \"1.2\" (nothing below TLS 1.2)", s->describe());
  cfg->min_version = std::move(s->text);
  return Status::ok();
}

// A non-empty path into `field`; whether the file loads is checked when the server starts.
Property<TlsConfig> tls_path(std::string_view key, std::string TlsConfig::*field) {
  return {key, [field](const Reader& r, const Value& v, TlsConfig* cfg) -> Status {
            Result<std::string> s = r.text(v);
            if (!s) return s.status();
            cfg->*field = std::move(*s);
            return Status::ok();
          }};
}

Status read_require_client_cert(const Reader& r, const Value& v, TlsConfig* cfg) {
  Result<bool> b = r.boolean(v);
  if (!b) return b.status();
  cfg->require_client_cert = *b;
  return Status::ok();
}

const std::vector<Property<TlsConfig>>& tls_properties() {
  using C = TlsConfig;
  static const std::vector<Property<C>> props = {
      tls_path("cert", &C::cert),
      tls_path("key", &C::key),
      {"min_version", read_min_version},
      tls_path("client_ca", &C::client_ca),
      {"require_client_cert", read_require_client_cert},
  };
  return props;
}

// server.tls: cert and key are required; require_client_cert needs a client_ca to verify against.
Status read_tls(const Reader& r, const Value& v, TlsConfig* out) {
  DELTA_RETURN_IF_ERROR(
      read_properties<TlsConfig>(r, v, tls_properties(), MapSpec{{}, "in server.tls"}, out));
  if (out->cert.empty()) return r.error(v.mark, v.path + ": missing \"cert\" (a PEM certificate chain file)");
  if (out->key.empty()) return r.error(v.mark, v.path + ": missing \"key\" (a PEM private key file)");
  if (out->require_client_cert && out->client_ca.empty())
    return r.error(v.mark,
                   v.path + ": require_client_cert needs client_ca (the CA that signs client certificates)");
  out->enabled = true;
  return Status::ok();
}

const std::vector<Property<ServerConfig>>& server_properties() {
  using C = ServerConfig;
  using R = Reader;
  static const std::vector<Property<C>> props = {
      {"listen", read_listen},
      bounded("io_threads", &R::integer, 0, 64, &C::io_threads),
      bounded("max_body_bytes", &R::size, kKiB, kGiB, &C::max_body_bytes),
      bounded("max_decoded_body_bytes", &R::size, kKiB, 4 * kGiB, &C::max_decoded_body_bytes),
      bounded("max_event_bytes", &R::size, 64, kGiB, &C::max_event_bytes),
      bounded("max_json_depth", &R::integer, 1, 1024, &C::max_json_depth),
      bounded("max_connections", &R::integer, 1, 1'000'000, &C::max_connections),
      bounded("header_timeout", &R::duration_ms, 1, kHour, &C::header_timeout_ms),
      bounded("body_timeout", &R::duration_ms, 1, kHour, &C::body_timeout_ms),
      bounded("idle_timeout", &R::duration_ms, 1, kHour, &C::idle_timeout_ms),
      bounded("max_inflight_bytes", &R::size, kMiB, kTiB, &C::max_inflight_bytes),
      bounded("ws_max_message_bytes", &R::size, kKiB, kGiB, &C::ws_max_message_bytes),
      bounded("ws_subscriber_queue_events", &R::integer, 1, 100'000'000, &C::ws_subscriber_queue_events),
  };
  return props;
}

// A limit that must not exceed another one, e.g. one event within one decoded body.
Status check_not_above(const Reader& r, const Value& v, std::string_view small_key, uint64_t small,
                       std::string_view big_key, uint64_t big) {
  if (small <= big) return Status::ok();
  return r.error(v.mark, v.path + ": " + std::string(small_key) + " (" + format_size(small) +
                             ") must not exceed " + std::string(big_key) + " (" + format_size(big) + ")");
}

Status read_kind(const Reader& r, const Value& v, LogConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "embedded or kafka");
  if (!s) return s.status();
  if (s->text != "embedded" && s->text != "kafka") return r.expected(v, "embedded or kafka", s->describe());
  cfg->kind = std::move(s->text);
  return Status::ok();
}

Status read_brokers(const Reader& r, const Value& v, LogConfig* cfg) {
  Result<std::string> s = r.text(v);
  if (!s) return s.status();
  cfg->brokers = std::move(*s);
  return Status::ok();
}

// Kafka topic names allow [A-Za-z0-9._-] up to 249 characters; a stream name adds up to 64.
Status read_topic_prefix(const Reader& r, const Value& v, LogConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "a topic name prefix");
  if (!s) return s.status();
  bool ok = s->text.size() <= 180;
  for (char c : s->text)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok) return r.expected(v, "up to 180 characters of [A-Za-z0-9._-]", s->describe());
  cfg->topic_prefix = std::move(s->text);
  return Status::ok();
}

// Delta sets these itself: the brokers from `brokers`, and the producer's guarantees (DESIGN.md).
constexpr std::string_view kReservedKafkaProperties[] = {
    "bootstrap.servers", "metadata.broker.list", "enable.idempotence", "acks", "request.required.acks",
    "group.id",          "enable.auto.commit"};

Status read_kafka_properties(const Reader& r, const Value& v, LogConfig* cfg) {
  return r.each_entry(v, MapSpec{{}, "in log.properties"}, [&](const Entry& e) -> Status {
    for (std::string_view reserved : kReservedKafkaProperties) {
      if (e.key == reserved)
        return r.error(e.key_mark, e.value.path +
                                       ": set by Delta (the brokers come from log.brokers; the "
                                       "producer is always idempotent with acks=all)");
    }
    Result<Scalar> s = r.scalar(e.value, "a librdkafka property value");
    if (!s) return s.status();
    cfg->properties.emplace_back(e.key, std::move(s->text));
    return Status::ok();
  });
}

Status read_dir(const Reader& r, const Value& v, LogConfig* cfg) {
  Result<std::string> s = r.text(v);
  if (!s) return s.status();
  cfg->dir = std::move(*s);
  return Status::ok();
}

Status read_durability(const Reader& r, const Value& v, LogConfig* cfg) {
  Result<Scalar> s = r.scalar(v, "fsync or os");
  if (!s) return s.status();
  if (s->text == "fsync") {
    cfg->durability = Durability::kFsync;
  } else if (s->text == "os") {
    cfg->durability = Durability::kOs;
  } else {
    return r.expected(v, "fsync or os", s->describe());
  }
  return Status::ok();
}

const std::vector<Property<LogConfig>>& log_properties() {
  using C = LogConfig;
  using R = Reader;
  static const std::vector<Property<C>> props = {
      {"kind", read_kind},
      {"dir", read_dir},
      {"durability", read_durability},
      bounded("retention", &R::duration_ms, 0, 3650 * kDay, &C::retention_ms),
      bounded("retention_bytes", &R::size, 0, kMaxBytes, &C::retention_bytes),
      bounded("segment_bytes", &R::size, 4 * kKiB, 4 * kGiB, &C::segment_bytes),
      bounded("segment_age", &R::duration_ms, kSecond, 30 * kDay, &C::segment_ms),
      bounded("partition_quota_bytes", &R::size, 0, kMaxBytes, &C::partition_quota_bytes),
      bounded("quota_bytes", &R::size, 0, kMaxBytes, &C::quota_bytes),
      {"brokers", read_brokers},
      {"topic_prefix", read_topic_prefix},
      {"properties", read_kafka_properties},
  };
  return props;
}

}  // namespace

bool valid_listen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = listen.substr(0, colon);
  std::string_view port = listen.substr(colon + 1);
  if (port.empty() || !std::isdigit(static_cast<unsigned char>(port.front()))) return false;
  std::optional<int64_t> p = parse_int64(port);
  if (!p || *p > 65535) return false;
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  return host.find_first_of(":[] \t") == std::string_view::npos;
}

Status read_server(const Reader& r, const Value& v, ServerConfig* out, TlsConfig* tls) {
  std::vector<Property<ServerConfig>> props = server_properties();
  props.push_back(
      {"tls", [tls](const Reader& rd, const Value& val, ServerConfig*) { return read_tls(rd, val, tls); }});
  DELTA_RETURN_IF_ERROR(read_properties<ServerConfig>(r, v, props, MapSpec{{}, "in server"}, out));
  DELTA_RETURN_IF_ERROR(check_not_above(r, v, "max_body_bytes", out->max_body_bytes, "max_decoded_body_bytes",
                                        out->max_decoded_body_bytes));
  return check_not_above(r, v, "max_event_bytes", out->max_event_bytes, "max_decoded_body_bytes",
                         out->max_decoded_body_bytes);
}

Status read_log(const Reader& r, const Value& v, LogConfig* out) {
  DELTA_RETURN_IF_ERROR(read_properties<LogConfig>(r, v, log_properties(), MapSpec{{}, "in log"}, out));
  if (out->kind == "kafka" && out->brokers.empty())
    return r.error(v.mark, v.path + ": kind kafka needs \"brokers\" (host:port,...)");
  if (out->kind != "kafka" && (!out->brokers.empty() || !out->properties.empty()))
    return r.error(v.mark,
                   v.path + ": brokers and properties are for kind kafka (the log is " + out->kind + ")");
  return Status::ok();
}

}  // namespace delta::config::internal
