// Routes: the /v1 API, probes and metrics, on top of HttpRequest/HttpResponse (http_types.h).
//
// handle() answers exactly once through `respond`. Reads answer on the calling thread; ingest
// answers on a log thread once every partition's append is durable, so the session must post the
// response back to its own executor. Each connection owns a ConnectionState (decoders and buffers,
// reused across its requests) and uses it for one request at a time.
// A Routes object is shared by every I/O thread: its own state is atomics and read-only config.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "edge/guard.h"
#include "edge/http_types.h"
#include "edge/ingest.h"
#include "edge/probe.h"
#include "edge/stream_tail.h"
#include "edge/ws_view_filter.h"
#include "log/log.h"
#include "obs/metrics.h"
#include "process/mask.h"
#include "runtime/live_hub.h"

namespace delta::edge {

using Respond = std::function<void(HttpResponse)>;

// Routes served by another component (the OAuth server's /oauth2/* and /.well-known/*), plugged in
// at start. handles() must be cheap: it runs for every request. Thread-safe like Routes.
class RouteExtension {
 public:
  virtual ~RouteExtension() = default;
  virtual bool handles(std::string_view path) const = 0;
  virtual void handle(const HttpRequest& request, Respond respond) = 0;
};

// What submit_events did, for HTTP and WebSocket ingest alike.
struct IngestOutcome {
  // 200: appended and durable; 400: nothing valid; 429: rate limited; 503: the log refused (quota or
  // full queue; some partitions may have stored theirs); 500: the log failed.
  int status = 200;
  IngestResult result;
  std::string_view code;                // status != 200: the error code
  std::string message;                  // status != 200
  std::optional<HttpResponse> refusal;  // 429: the gateway's answer, with its RateLimit headers
};
using IngestDone = std::function<void(IngestOutcome)>;

// A WebSocket upgrade that passed the gateway and its checks (Routes::open_websocket).
struct WsPlan {
  enum class Kind { kIngest, kStreamSubscribe, kViewSubscribe };
  Kind kind = Kind::kIngest;
  int stream = -1;                             // ingest and stream subscriptions
  std::string topic;                           // the LiveHub topic: "stream:<name>" or "view:<name>"
  Caller caller;                               // ingest charges its events bucket per message
  std::unique_ptr<StreamTail> tail;            // stream subscriptions: where they start, their filter
  std::unique_ptr<ViewRowFilter> view_filter;  // view subscriptions with a filter
};

class Routes {
 public:
  Routes(const config::PipelineConfig& config, log::Log& log, obs::Registry& registry, Clock& clock);

  struct ConnectionState {
    std::vector<std::unique_ptr<IngestDecoder>> decoders;  // by stream index, made on first use
    std::string decoded;                                   // decoded body, with simdjson padding
  };
  std::unique_ptr<ConnectionState> new_connection_state() const;

  void handle(const HttpRequest& request, ConnectionState& state, Respond respond);

  // A WebSocket upgrade request (GET /v1/streams/{s}/ws, /v1/streams/{s}/subscribe,
  // /v1/views/{v}/subscribe): the gateway's checks as for HTTP (credentials may also come as
  // ?access_token=), then the route's own (stream or view exists, filter compiles, from parses).
  // Returns the plan for the session, or the HTTP answer to send instead of upgrading.
  std::variant<WsPlan, HttpResponse> open_websocket(const HttpRequest& request);

  // Ingest shared by HTTP and WebSocket: validates `body` (decoded, with simdjson padding after
  // it, e.g. in state.decoded), charges the caller's events bucket, appends one batch per partition
  // and calls `done` once every append is durable or failed (on a log thread), or at once when
  // nothing is appended (400, 429). The caller holds `body`'s bytes in the in-flight budget.
  void submit_events(size_t stream_index, BodyFormat format, std::string_view body, ConnectionState& state,
                     Caller& caller, IngestDone done);
  // The in-flight byte budget (server.max_inflight_bytes) of bytes waiting for the log.
  bool reserve_inflight(uint64_t bytes);
  void release_inflight(uint64_t bytes);

  // REQUIRES: before the server starts; the hub outlives this object. Null: no live subscriptions.
  void set_live_hub(runtime::LiveHub* hub) { hub_ = hub; }
  runtime::LiveHub* live_hub() const { return hub_; }
  const config::ServerConfig& server_config() const { return config_.server; }

  // REQUIRES: before the server starts. The extension outlives this object.
  void add_extension(RouteExtension* extension) { extensions_.push_back(extension); }

  // REQUIRES: before the server starts. Null (the default): every request is allowed. The
  // gateway outlives this object. `metrics_public`: /metrics needs no credential (loopback
  // listeners); otherwise it needs the admin permission.
  void set_gateway(Gateway* gateway, bool metrics_public) {
    gateway_ = gateway;
    metrics_public_ = metrics_public;
  }

  // /readyz answers 200 only after this is set (the log has recovered).
  void set_ready(bool ready) { ready_.store(ready); }
  EdgeProbe& probe() { return probe_; }

 private:
  struct Match;
  Match match(const HttpRequest& request) const;
  void dispatch(const Match& m, const HttpRequest& request, ConnectionState& state, Caller& caller,
                Respond done);
  void ingest(size_t stream_index, const HttpRequest& request, ConnectionState& state, Caller& caller,
              Respond respond);
  HttpResponse stream_list();
  HttpResponse stream_get(size_t stream_index);
  HttpResponse events_read(size_t stream_index, const HttpRequest& request);
  HttpResponse readyz() const;
  int stream_index(std::string_view name) const;
  std::variant<WsPlan, HttpResponse> plan_websocket(const Match& m, const HttpRequest& request);

  const config::PipelineConfig& config_;
  log::Log& log_;
  obs::Registry& registry_;
  Clock& clock_;
  EdgeProbe probe_;
  std::vector<RouteExtension*> extensions_;
  Gateway* gateway_ = nullptr;
  bool metrics_public_ = true;
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> inflight_bytes_{0};
  std::vector<std::unique_ptr<process::Masker>> maskers_;  // by stream index; nullptr: no masking
  std::vector<std::string> stream_topics_;                 // by stream index: "stream:<name>"
  runtime::LiveHub* hub_ = nullptr;
};

}  // namespace delta::edge
