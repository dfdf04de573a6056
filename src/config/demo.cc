#include <cstdlib>

#include "config/config.h"

namespace delta::config {
namespace {

// Every key is spelled out (most with its default) so the text doubles as an example file.
constexpr std::string_view kDemoYaml = R"(# Delta's built-in demo pipeline: one clickstream stream, `events`.
# Values may come from the environment: listen: "${DELTA_LISTEN}".
server:
  listen: "127.0.0.1:8080"      # host:port; port 0 picks a free port
  io_threads: 0                 # 0: one per core
  max_body_bytes: 16MiB         # a request body as sent -> 413
  max_decoded_body_bytes: 64MiB # after gzip/zstd decoding -> 413
  max_event_bytes: 1MiB         # one event -> per-item error
  max_json_depth: 32
  max_connections: 1024
  header_timeout: 10s           # request line + headers -> 408
  body_timeout: 30s             # the whole body -> 408
  idle_timeout: 60s             # keep-alive connection with no request
  max_inflight_bytes: 256MiB    # bytes waiting for the log, all requests -> 503
  ws_max_message_bytes: 4MiB    # one WebSocket message -> close 1009
  ws_subscriber_queue_events: 65536  # a live subscriber further behind -> close 1013

log:
  kind: embedded
  dir: ./data/log
  durability: fsync             # fsync: acknowledged events survive a power loss; os: a process crash
  retention: 24h                # 0: keep forever
  retention_bytes: 0            # per partition; 0: no size limit
  segment_bytes: 128MiB
  segment_age: 1h
  partition_quota_bytes: 0      # 0: none
  quota_bytes: 0                # whole log; 0: none

masking:
  # The demo's key is fixed and published (config.h, kDemoMaskKey) so the demo needs no environment
  # and hashes the same on every run. It is not a secret: a real pipeline uses "${DELTA_MASK_KEY}".
  key: "delta-demo-key-not-a-secret"

streams:
  events:
    time_field: ts
    key: user_id
    partitions: 4
    schema:                     # name: type is required; a trailing ? makes it optional
      ts: timestamp
      event_id: string
      user_id: string
      email: string
      type: string
      amount: "float64?"
      country: string
      device: string
    mask:                       # applied before an event is written anywhere
      email: hash               # HMAC-SHA256 with masking.key: equal emails, equal hashes
    dedup: {field: event_id, horizon: 10m}   # a retried event (same event_id) is counted once
    watermark:
      out_of_orderness: 2s      # events may arrive up to 2 s out of event-time order
      idle_timeout: 5s          # a partition silent for 5 s stops holding windows back
    sinks: [archive, analytics] # the raw (masked) events, kept and queryable

views:
  activity:                     # events and revenue per country and type, per 10 s of event time
    from: events
    where: "type != 'test'"
    window: {tumbling: 10s, allowed_lateness: 5s, early: 1s}   # early: provisional results each second
    group_by: [country, type]
    select:
      events: count()
      revenue: sum(amount)
      users: count_distinct(user_id)
      p95_amount: quantile(amount, 0.95)
    sinks: [cache, analytics]

sinks:
  cache: {kind: memory, ttl: 1h}   # latest results per view and key: GET /v1/views/activity/results
  archive: {kind: local, dir: ./data/archive}          # raw events, stream=/date=/hour= NDJSON.zst files
  analytics: {kind: sqlite, path: ./data/analytics.db} # delta query "select count(*) from events"
)";

}  // namespace

PipelineConfig demo_config() {
  Result<PipelineConfig> cfg = parse(kDemoYaml, "<built-in demo>");
  if (!cfg.is_ok()) std::abort();  // the demo is tested to parse (config_test)
  return std::move(*cfg);
}

std::string demo_yaml() { return std::string(kDemoYaml); }

}  // namespace delta::config
