#include "edge/probe.h"

namespace delta::edge {

const char* route_name(Route r) {
  switch (r) {
    case Route::kIngest: return "ingest";
    case Route::kStreamList: return "streams";
    case Route::kStreamGet: return "stream";
    case Route::kEventsRead: return "events_read";
    case Route::kHealthz: return "healthz";
    case Route::kReadyz: return "readyz";
    case Route::kMetrics: return "metrics";
    case Route::kWsIngest: return "ws_ingest";
    case Route::kSubscribe: return "subscribe";
    case Route::kNotFound: return "not_found";
    case Route::kCount: break;
  }
  return "other";
}

EdgeProbe::EdgeProbe(obs::Registry& registry, const std::vector<std::string>& streams) {
  for (size_t r = 0; r < static_cast<size_t>(Route::kCount); ++r) {
    std::string route = route_name(static_cast<Route>(r));
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      std::string status = kStatuses[s] == 0 ? "other" : std::to_string(kStatuses[s]);
      requests_[r][s] = &registry.counter("delta_http_requests_total", "HTTP requests by route and status",
                                          {{"route", route}, {"status", status}});
    }
    latency_[r] = &registry.histogram("delta_http_request_duration_seconds",
                                      "HTTP request latency, from the full request to the response",
                                      {{"route", route}});
  }
  for (const auto& name : streams) {
    obs::Labels l = {{"stream", name}};
    streams_.push_back(StreamCounters{
        &registry.counter("delta_ingest_events_total", "Events accepted and appended to the log", l),
        &registry.counter("delta_ingest_rejected_events_total", "Events rejected by validation", l),
        &registry.counter("delta_ingest_bytes_total", "Bytes of accepted events", l),
        &registry.counter("delta_ingest_received_bytes_total", "Request body bytes received, as sent", l),
    });
  }
  connections_open_ = &registry.gauge("delta_http_connections", "Open HTTP connections");
  connections_refused_ =
      &registry.counter("delta_http_connections_refused_total", "Connections refused over max_connections");
  connections_timed_out_ = &registry.counter("delta_http_timeouts_total",
                                             "Connections closed because headers or body came too slowly");
  inflight_bytes_ = &registry.gauge("delta_ingest_inflight_bytes", "Request bytes waiting for the log");
  ws_sessions_ = &registry.gauge("delta_ws_sessions", "Open WebSocket sessions (ingest and subscriptions)");
  ws_messages_received_ = &registry.counter("delta_ws_messages_total", "WebSocket ingest messages received");
  ws_frames_sent_ =
      &registry.counter("delta_ws_frames_sent_total", "WebSocket data frames sent to subscribers");
  ws_events_sent_ = &registry.counter("delta_ws_events_sent_total", "Events and rows sent to subscribers");
  ws_subscribers_dropped_ = &registry.counter(
      "delta_ws_subscribers_dropped_total", "Subscribers closed with 1013 because they fell too far behind");
}

size_t EdgeProbe::status_index(int status) {
  for (size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  return kStatuses.size() - 1;
}

void EdgeProbe::request_done(Route route, int status, double seconds) {
  auto r = static_cast<size_t>(route);
  requests_[r][status_index(status)]->inc();
  latency_[r]->observe(seconds);
}

}  // namespace delta::edge
