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
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "edge/guard.h"
#include "edge/http_types.h"
#include "edge/ingest.h"
#include "edge/probe.h"
#include "log/log.h"
#include "obs/metrics.h"
#include "process/mask.h"

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

class Routes {
 public:
  Routes(const config::PipelineConfig& config, log::Log& log, obs::Registry& registry, Clock& clock);

  struct ConnectionState {
    std::vector<std::unique_ptr<IngestDecoder>> decoders;  // by stream index, made on first use
    std::string decoded;                                   // decoded body, with simdjson padding
  };
  std::unique_ptr<ConnectionState> new_connection_state() const;

  void handle(const HttpRequest& request, ConnectionState& state, Respond respond);

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
};

}  // namespace delta::edge
