// SinkSet: every configured sink of a pipeline at work: the DLQ, one SinkRuntime per sink, the
// events table of each stream and one StreamShipper per stream that lists sinks. Built by
// `delta run` after the log opens and stopped before it closes; view workers look sinks up with
// find() and deliver their results through the same runtimes.
//
// A sink whose kind is not built into this binary yet (factory.h, kNotFound) is skipped with a
// warning: streams and views that route to it deliver to their other sinks.
// Threads: start/stop from the main thread; find(), results_for(), query_engine() are read-only
// after start and safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "log/log.h"
#include "obs/metrics.h"
#include "sink/dead_letters.h"
#include "sink/query_engine.h"
#include "sink/runtime.h"
#include "sink/stream_shipper.h"

namespace delta::sink {

class SinkSet {
 public:
  // Opens the DLQ, builds and starts every sink, then starts the stream shippers. `config`, `log`,
  // `registry` and `clock` outlive the set.
  static Result<std::unique_ptr<SinkSet>> start(const config::PipelineConfig& config, log::Log& log,
                                                obs::Registry& registry, Clock& clock);
  ~SinkSet();

  // The runtime of sink `name`, or null (unknown, or its kind is not built).
  SinkRuntime* find(std::string_view name) const;
  // The results reader of sink `name` (memory, sqlite), or null.
  ResultsReader* results_for(std::string_view name) const;
  // The analytical store's query engine: the first sqlite or clickhouse sink, or null.
  QueryEngine* query_engine() const { return query_.get(); }
  // The name of that sink; empty when there is none.
  const std::string& query_sink() const { return query_sink_; }
  DeadLetters& dead_letters() const { return *dlq_; }
  // The events table of stream `name`, or null.
  const TableSpec* events_table_for(std::string_view name) const;

  // Stops the shippers, closes the runtimes (bounded wait each), commits what they completed.
  void stop();

 private:
  SinkSet() = default;
  Status start_sinks(const config::PipelineConfig& config, obs::Registry& registry, Clock& clock);
  Status start_shippers(const config::PipelineConfig& config, log::Log& log, obs::Registry& registry);

  std::unique_ptr<LogDeadLetters> dlq_;
  std::map<std::string, std::unique_ptr<SinkRuntime>, std::less<>> runtimes_;
  std::map<std::string, ResultsReader*, std::less<>> readers_;
  std::unique_ptr<QueryEngine> query_;
  std::vector<std::unique_ptr<TableSpec>> tables_;
  std::vector<std::unique_ptr<StreamShipper>> shippers_;
  std::string query_sink_;
  bool stopped_ = false;
};

}  // namespace delta::sink
