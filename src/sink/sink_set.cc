#include "sink/sink_set.h"

#include "obs/logger.h"
#include "sink/factory.h"
#include "sink/sqlite_store.h"

namespace delta::sink {

Result<std::unique_ptr<SinkSet>> SinkSet::start(const config::PipelineConfig& config, log::Log& log,
                                                obs::Registry& registry, Clock& clock) {
  std::unique_ptr<SinkSet> set(new SinkSet());
  Result<std::unique_ptr<LogDeadLetters>> dlq = LogDeadLetters::open(log, clock);
  if (!dlq.is_ok()) return dlq.status();
  set->dlq_ = std::move(*dlq);
  DELTA_RETURN_IF_ERROR(set->start_sinks(config, registry, clock));
  DELTA_RETURN_IF_ERROR(set->start_shippers(config, log, registry));
  return set;
}

SinkSet::~SinkSet() { stop(); }

Status SinkSet::start_sinks(const config::PipelineConfig& config, obs::Registry& registry, Clock& clock) {
  for (const config::SinkConfig& c : config.sinks) {
    Result<std::unique_ptr<Sink>> backend = make_sink(c);
    if (backend.status().code() == StatusCode::kNotFound) {
      obs::warn("sink", "sink kind not built yet; nothing is delivered to it",
                {{"sink", c.name}, {"kind", c.kind}});
      continue;
    }
    if (!backend.is_ok()) return backend.status();
    if (auto* reader = dynamic_cast<ResultsReader*>(backend->get())) readers_[c.name] = reader;
    if (!query_) {  // the first sqlite or clickhouse sink
      query_ = make_query_engine(c, **backend);
      if (query_) query_sink_ = c.name;
    }
    Result<std::unique_ptr<SinkRuntime>> rt =
        SinkRuntime::start(c, std::move(*backend), dlq_.get(), registry, clock);
    if (!rt.is_ok()) return rt.status();
    runtimes_[c.name] = std::move(*rt);
    obs::info("sink", "sink started", {{"sink", c.name}, {"kind", c.kind}});
  }
  return Status::ok();
}

Status SinkSet::start_shippers(const config::PipelineConfig& config, log::Log& log, obs::Registry& registry) {
  for (const model::StreamSchema& s : config.streams) {
    tables_.push_back(std::make_unique<TableSpec>(events_table(s)));
    std::vector<RowTarget*> sinks;
    for (const std::string& name : s.sinks) {
      if (SinkRuntime* rt = find(name)) sinks.push_back(rt);
    }
    if (sinks.empty()) continue;
    auto shipper = std::make_unique<StreamShipper>(*tables_.back(), log, std::move(sinks), registry);
    DELTA_RETURN_IF_ERROR(shipper->start());
    shippers_.push_back(std::move(shipper));
  }
  return Status::ok();
}

SinkRuntime* SinkSet::find(std::string_view name) const {
  auto it = runtimes_.find(name);
  return it == runtimes_.end() ? nullptr : it->second.get();
}

ResultsReader* SinkSet::results_for(std::string_view name) const {
  auto it = readers_.find(name);
  return it == readers_.end() ? nullptr : it->second;
}

const TableSpec* SinkSet::events_table_for(std::string_view name) const {
  for (const auto& t : tables_) {
    if (t->name == name) return t.get();
  }
  return nullptr;
}

void SinkSet::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& s : shippers_) s->request_stop();
  // Every runtime's close deadline starts now: a shutdown with several sinks down waits one
  // deadline, not one per sink.
  for (auto& [name, rt] : runtimes_) rt->begin_close();
  for (auto& [name, rt] : runtimes_) rt->finish_close();
  for (auto& s : shippers_) s->join();
  if (dlq_) (void)dlq_->sync();
}

}  // namespace delta::sink
