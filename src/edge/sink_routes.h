// SinkRoutes: the HTTP face of the sinks (issue 5), plugged into Routes with add_extension():
//   POST /v1/query                   {"sql": "...", "limit": N} ->
//   {"columns":[...],"rows":[[...]],"truncated":b}
//                                    read-only SQL on the analytical store; permission `query`
//   GET  /v1/dlq/{stream}            ?from_offset=&limit= -> the stream's dead letters; `consume`
//   POST /v1/dlq/{stream}/replay     ?from_offset=&limit= -> re-ingests their events through the
//                                    stream's validation and masking; `admin`
// The gateway's checks (authentication, RBAC, rate limits) run here as they do in Routes::handle.
// A query that would write answers 400 `read_only`; the store's own errors 400 `bad_query`.
// Replay answers {"replayed":N,"rejected":M,"errors":[{"offset":<dlq offset>,"error":...}],"next_offset":X}:
// the letters stay in
// `_dlq` (it is a log), so a client pages with next_offset and replays each page once.
// Threads: shared by every I/O thread; query and GET answer on the calling thread, replay from a
// log thread once its appends are durable.
#pragma once

#include <string_view>

#include "config/config.h"
#include "edge/guard.h"
#include "edge/routes.h"
#include "log/log.h"
#include "sink/query_engine.h"

namespace delta::edge {

class SinkRoutes final : public RouteExtension {
 public:
  // `routes`, `config`, `log` outlive this object; `query` may be null (no analytical store).
  SinkRoutes(Routes& routes, const config::PipelineConfig& config, log::Log& log, sink::QueryEngine* query)
      : routes_(routes), config_(config), log_(log), query_(query) {}

  // REQUIRES: before the server starts. Null: every request is allowed.
  void set_gateway(Gateway* gateway) { gateway_ = gateway; }

  bool handles(std::string_view path) const override;
  void handle(const HttpRequest& request, Respond respond) override;

 private:
  HttpResponse query(const HttpRequest& request);
  HttpResponse dlq_read(std::string_view stream, const HttpRequest& request);
  void dlq_replay(int stream_index, const HttpRequest& request, Caller caller, Respond respond);
  int stream_index(std::string_view name) const;

  Routes& routes_;
  const config::PipelineConfig& config_;
  log::Log& log_;
  sink::QueryEngine* query_;
  Gateway* gateway_ = nullptr;
};

}  // namespace delta::edge
