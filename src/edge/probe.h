// EdgeProbe: the edge's metrics, registered once at start. Updates are relaxed atomics; the
// per-route, per-status request counters are created up front so the request path never locks.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "obs/metrics.h"

namespace delta::edge {

enum class Route {
  kIngest,
  kStreamList,
  kStreamGet,
  kEventsRead,
  kHealthz,
  kReadyz,
  kMetrics,
  kWsIngest,
  kSubscribe,
  kNotFound,
  kCount,
};

const char* route_name(Route r);

class EdgeProbe {
 public:
  static constexpr std::array<int, 14> kStatuses = {200, 400, 401, 403, 404, 405, 408,
                                                    413, 415, 429, 431, 500, 503, 0};

  EdgeProbe(obs::Registry& registry, const std::vector<std::string>& streams);

  void request_done(Route route, int status, double seconds);

  struct StreamCounters {
    obs::Counter* events_accepted;
    obs::Counter* events_rejected;
    obs::Counter* bytes_accepted;
    obs::Counter* bytes_received;
  };
  StreamCounters& stream(size_t index) { return streams_[index]; }

  obs::Gauge& connections_open() { return *connections_open_; }
  obs::Counter& connections_refused() { return *connections_refused_; }
  obs::Counter& connections_timed_out() { return *connections_timed_out_; }
  obs::Gauge& inflight_bytes() { return *inflight_bytes_; }

  // WebSocket sessions (ws_session.cc).
  obs::Gauge& ws_sessions() { return *ws_sessions_; }
  obs::Counter& ws_messages_received() { return *ws_messages_received_; }
  obs::Counter& ws_frames_sent() { return *ws_frames_sent_; }
  obs::Counter& ws_events_sent() { return *ws_events_sent_; }
  obs::Counter& ws_subscribers_dropped() { return *ws_subscribers_dropped_; }

 private:
  static size_t status_index(int status);

  std::array<std::array<obs::Counter*, kStatuses.size()>, static_cast<size_t>(Route::kCount)> requests_{};
  std::array<obs::Histogram*, static_cast<size_t>(Route::kCount)> latency_{};
  std::vector<StreamCounters> streams_;
  obs::Gauge* connections_open_;
  obs::Counter* connections_refused_;
  obs::Counter* connections_timed_out_;
  obs::Gauge* inflight_bytes_;
  obs::Gauge* ws_sessions_;
  obs::Counter* ws_messages_received_;
  obs::Counter* ws_frames_sent_;
  obs::Counter* ws_events_sent_;
  obs::Counter* ws_subscribers_dropped_;
};

}  // namespace delta::edge
