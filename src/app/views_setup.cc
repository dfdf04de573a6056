#include "app/views_setup.h"

#include "base/rfc3339.h"
#include "obs/logger.h"

namespace delta::app {
namespace {

std::string checkpoint_dir(const config::PipelineConfig& cfg) {
  std::string dir = cfg.log.dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  size_t slash = dir.rfind('/');
  return (slash == std::string::npos ? std::string(".") : dir.substr(0, slash == 0 ? 1 : slash)) + "/views";
}

std::string_view window_name(config::WindowKind k) {
  switch (k) {
    case config::WindowKind::kTumbling: return "tumbling";
    case config::WindowKind::kHopping: return "hopping";
    case config::WindowKind::kSession: return "session";
  }
  return "";
}

void append_time(std::string& out, int64_t ms) {
  if (ms == process::kNoWatermark) {
    out += "null";
    return;
  }
  out += '"';
  append_rfc3339_ms(out, ms);
  out += '"';
}

}  // namespace

std::string group_name(const config::PipelineConfig& cfg, std::string_view view) {
  return cfg.log.topic_prefix + "view." + std::string(view);
}

Result<std::unique_ptr<Views>> Views::start(const config::PipelineConfig& cfg, log::Log& log,
                                            sink::SinkSet* sinks, runtime::LiveHub* hub,
                                            obs::Registry& registry, const Clock& clock) {
  Result<std::vector<std::unique_ptr<process::ViewPlan>>> plans = process::compile_views(cfg);
  if (!plans) return plans.status();
  auto views = std::make_unique<Views>();
  process::ViewWorkerOptions options;
  options.checkpoint_dir = checkpoint_dir(cfg);
  for (size_t i = 0; i < cfg.views.size(); ++i) {
    View v;
    v.config = &cfg.views[i];
    v.plan = std::move((*plans)[i]);
    std::vector<sink::RowTarget*> targets;
    for (const std::string& name : v.config->sinks) {
      sink::RowTarget* t = sinks != nullptr ? sinks->find(name) : nullptr;
      if (t == nullptr) {
        obs::warn("views", "a sink of the view is not running; its results skip it",
                  {{"view", v.config->name}, {"sink", name}});
        continue;
      }
      targets.push_back(t);
      if (v.reader == nullptr && sinks != nullptr) v.reader = sinks->results_for(name);
    }
    sink::DeadLetters* dlq = sinks != nullptr ? &sinks->dead_letters() : nullptr;
    // Kafka log: the instances running this view share its partitions as one consumer group.
    process::ViewWorkerOptions view_options = options;
    if (cfg.log.kind == "kafka") view_options.group = group_name(cfg, v.config->name);
    v.worker = std::make_unique<process::ViewWorker>(*v.plan, log, std::move(targets), dlq, hub, registry,
                                                     clock, view_options);
    views->views_.push_back(std::move(v));
  }
  for (View& v : views->views_) {
    if (Status st = v.worker->start(); !st.is_ok()) {
      views->stop();
      return Status(st.code(), "view \"" + v.config->name + "\": " + st.message());
    }
  }
  return views;
}

Views::~Views() { stop(); }

void Views::request_stop() {
  for (View& v : views_) v.worker->request_stop();
}

void Views::stop(int64_t ack_wait_ms) {
  for (View& v : views_) v.worker->stop(ack_wait_ms);
}

const Views::View* Views::find(std::string_view name) const {
  for (const View& v : views_) {
    if (v.config->name == name) return &v;
  }
  return nullptr;
}

bool Views::exists(std::string_view view) const { return find(view) != nullptr; }

std::string Views::list_json() const {
  std::string out = "{\"views\":[";
  for (size_t i = 0; i < views_.size(); ++i) {
    const config::ViewConfig& c = *views_[i].config;
    if (i > 0) out += ',';
    out += "{\"name\":\"" + c.name + "\",\"from\":\"" + c.from + "\",\"window\":\"" +
           std::string(window_name(c.window)) + "\",\"sinks\":[";
    for (size_t s = 0; s < c.sinks.size(); ++s) out += (s > 0 ? ",\"" : "\"") + c.sinks[s] + "\"";
    out += "]}";
  }
  return out + "]}";
}

std::string Views::describe_json(std::string_view name) const {
  const View* v = find(name);
  const config::ViewConfig& c = *v->config;
  process::ViewSnapshot s = v->worker->snapshot();
  std::string out = "{\"name\":\"" + c.name + "\",\"from\":\"" + c.from + "\",\"window\":{\"kind\":\"" +
                    std::string(window_name(c.window)) + "\",\"size_ms\":" + std::to_string(c.size_ms) +
                    ",\"slide_ms\":" + std::to_string(c.slide_ms) +
                    ",\"gap_ms\":" + std::to_string(c.gap_ms) +
                    ",\"allowed_lateness_ms\":" + std::to_string(c.allowed_lateness_ms) + "},\"columns\":[";
  const sink::TableSpec& t = v->plan->table;
  for (size_t i = 0; i < t.columns.size(); ++i) out += (i > 0 ? ",\"" : "\"") + t.columns[i].name + "\"";
  out += "],\"watermark\":";
  append_time(out, s.view_watermark_ms);
  out += ",\"state\":{\"entries\":" + std::to_string(s.state_entries) +
         ",\"bytes\":" + std::to_string(s.state_bytes) +
         "},\"events\":{\"read\":" + std::to_string(s.events) +
         ",\"accepted\":" + std::to_string(s.accepted) + ",\"late\":" + std::to_string(s.late) +
         ",\"duplicates\":" + std::to_string(s.duplicates) + ",\"filtered\":" + std::to_string(s.filtered) +
         "},\"results\":" + std::to_string(s.results) +
         ",\"assigned_partitions\":" + std::to_string(s.assigned_partitions) +
         ",\"rebalances\":" + std::to_string(s.rebalances) + ",\"partitions\":[";
  for (size_t p = 0; p < s.partitions.size(); ++p) {
    const process::ViewSnapshot::Partition& ps = s.partitions[p];
    if (p > 0) out += ',';
    out += "{\"partition\":" + std::to_string(p) + ",\"next_offset\":" + std::to_string(ps.next_offset) +
           ",\"end_offset\":" + std::to_string(ps.end_offset) +
           ",\"lag\":" + std::to_string(std::max<int64_t>(0, ps.end_offset - ps.next_offset)) +
           ",\"committed_offset\":" + std::to_string(ps.committed_offset) +
           ",\"assigned\":" + (ps.assigned ? "true" : "false") + ",\"watermark\":";
    append_time(out, ps.watermark_ms);
    out += '}';
  }
  return out + "]}";
}

Result<std::string> Views::results(std::string_view name, std::string_view key, int64_t from_ms,
                                   int64_t to_ms, size_t limit) const {
  const View* v = find(name);
  if (v == nullptr) return Status::not_found("no view named \"" + std::string(name) + "\"");
  if (v->reader == nullptr) {
    return Status::not_found("view \"" + std::string(name) +
                             "\" has no sink that serves results (add a memory or sqlite sink to its sinks)");
  }
  return v->reader->results(name, key, from_ms, to_ms, limit);
}

}  // namespace delta::app
