// Views: every configured view at work in `delta run` — one ViewWorker each (process/view_worker.h)
// delivering to the view's sinks through the SinkSet — and the ViewService the HTTP routes read
// (edge/view_routes.h). Checkpoints live in <log.dir>/../views.
// Threads: start/stop from the main thread; the ViewService methods from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "edge/view_routes.h"
#include "log/log.h"
#include "obs/metrics.h"
#include "process/view_plan.h"
#include "process/view_worker.h"
#include "runtime/live_hub.h"
#include "sink/sink_set.h"

namespace delta::app {

// The Kafka consumer group of `view` when the log is Kafka: <topic_prefix>view.<view>.
std::string group_name(const config::PipelineConfig& cfg, std::string_view view);

class Views final : public edge::ViewService {
 public:
  // Compiles every view (errors point at the file, view, expression and column) and starts its
  // worker. `sinks` and `hub` may be null; everything outlives the Views.
  static Result<std::unique_ptr<Views>> start(const config::PipelineConfig& cfg, log::Log& log,
                                              sink::SinkSet* sinks, runtime::LiveHub* hub,
                                              obs::Registry& registry, const Clock& clock);
  ~Views() override;
  // Tells every worker to stop after its current round (a round blocked in a sink's deliver() ends
  // once the sinks close). Then stop().
  void request_stop();
  // Stops the workers; each commits what its sinks acknowledged (waiting up to `ack_wait_ms` for
  // more: ViewWorker::stop).
  void stop(int64_t ack_wait_ms = 5000);

  bool exists(std::string_view view) const override;
  std::string list_json() const override;
  std::string describe_json(std::string_view view) const override;
  Result<std::string> results(std::string_view view, std::string_view key, int64_t from_ms, int64_t to_ms,
                              size_t limit) const override;

 private:
  struct View {
    const config::ViewConfig* config;
    std::unique_ptr<process::ViewPlan> plan;
    std::unique_ptr<process::ViewWorker> worker;
    sink::ResultsReader* reader = nullptr;
  };
  const View* find(std::string_view name) const;

  std::vector<View> views_;
};

}  // namespace delta::app
