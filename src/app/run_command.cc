#include <algorithm>
#include <cstdio>
#include <memory>

#include "app/commands.h"
#include "app/gateway_setup.h"
#include "app/log_setup.h"
#include "app/views_setup.h"
#include "base/clock.h"
#include "config/config.h"
#include "edge/oauth_routes.h"
#include "edge/routes.h"
#include "edge/server.h"
#include "edge/sink_routes.h"
#include "edge/view_routes.h"
#include "obs/logger.h"
#include "obs/metrics.h"
#include "runtime/live_hub.h"
#include "runtime/periodic.h"
#include "sink/factory.h"
#include "sink/sink_set.h"
#include "source/kafka_source.h"

namespace delta::app {
namespace {

constexpr auto kRetentionInterval = std::chrono::seconds(10);

// The sink set's DLQ as the sources see it (source/ does not depend on sink/).
class SourceDeadLetters final : public source::DeadLetterQueue {
 public:
  explicit SourceDeadLetters(sink::DeadLetters& dlq) : dlq_(dlq) {}
  void add(std::string_view stream, std::string_view stage, std::string_view reason,
           std::string_view event_json) override {
    dlq_.add(stream, stage, reason, event_json);
  }
  Status sync() override { return dlq_.sync(); }

 private:
  sink::DeadLetters& dlq_;
};

Result<config::PipelineConfig> load(const RunOptions& options) {
  if (options.config_path.empty()) return config::demo_config();
  return config::load_file(options.config_path);
}

bool is_loopback(const std::string& listen) {
  return listen.starts_with("127.") || listen.starts_with("localhost:") || listen.starts_with("[::1]:");
}

// Refuses a non-loopback listener without authentication unless the config says `auth: none`,
// and says at start when authentication is off.
Status check_exposure(const config::PipelineConfig& cfg) {
  const config::AuthConfig& a = cfg.auth;
  bool loopback = is_loopback(cfg.server.listen);
  if (!a.enabled && !a.explicit_none && !loopback) {
    return Status::invalid_argument("refusing to listen on " + cfg.server.listen +
                                    " without authentication: configure auth (API keys, tokens), listen on "
                                    "127.0.0.1, or write `auth: none` to accept unauthenticated traffic");
  }
  if (a.enabled) return Status::ok();
  obs::Level level = loopback ? obs::Level::kInfo : obs::Level::kWarn;  // exposed on purpose: louder
  obs::log(level, "app", "authentication is off: every request is allowed",
           {{"listen", cfg.server.listen}, {"auth", a.explicit_none ? "none (explicit)" : "absent"}});
  return Status::ok();
}

constexpr const char* kDemoEvent =
    R"({"ts":"2026-01-01T00:00:00Z","event_id":"e1","user_id":"u1","email":"ada@example.com",)"
    R"("type":"click","amount":1.5,"country":"DE","device":"web"})";

// A sample event for `schema`: the clickstream one for the demo, else every field with a value
// of its type.
std::string sample_event(const config::PipelineConfig& cfg, const model::StreamSchema& schema) {
  if (cfg.source == config::demo_config().source) return kDemoEvent;
  std::string out = "{";
  for (const model::Field& f : schema.fields) {
    if (out.size() > 1) out += ',';
    out += '"' + f.name + "\":";
    switch (f.type) {
      case model::FieldType::kString: out += '"' + f.name + "-1\""; break;
      case model::FieldType::kInt64: out += "1"; break;
      case model::FieldType::kFloat64: out += "1.5"; break;
      case model::FieldType::kBool: out += "true"; break;
      case model::FieldType::kTimestamp: out += "\"2026-01-01T00:00:00Z\""; break;
      case model::FieldType::kJson: out += "{}"; break;
    }
  }
  return out + "}";
}

void print_hint(const config::PipelineConfig& cfg, uint16_t port) {
  const model::StreamSchema& s = cfg.streams.front();
  std::fprintf(stderr,
               "delta is listening on http://127.0.0.1:%u (streams: %zu). Send an event:\n"
               "  curl -H 'Content-Type: application/x-ndjson' --data-binary '%s' "
               "http://127.0.0.1:%u/v1/streams/%s/events\n",
               port, cfg.streams.size(), sample_event(cfg, s).c_str(), port, s.name.c_str());
  for (const config::ViewConfig& v : cfg.views) {
    std::fprintf(stderr, "  view %s (from %s): curl http://127.0.0.1:%u/v1/views/%s/results\n",
                 v.name.c_str(), v.from.c_str(), port, v.name.c_str());
  }
}

// The analytical store holds the tables of the streams and views that name its sink: suggest a
// query over one of them (a stream's events first).
void print_query_hint(const config::PipelineConfig& cfg, const std::string& sink, uint16_t port) {
  if (sink.empty()) return;
  auto holds = [&](const std::vector<std::string>& sinks) {
    return std::find(sinks.begin(), sinks.end(), sink) != sinks.end();
  };
  std::string sql;
  for (const model::StreamSchema& s : cfg.streams) {
    if (sql.empty() && holds(s.sinks)) sql = "select count(*) from " + s.name;
  }
  for (const config::ViewConfig& v : cfg.views) {
    if (sql.empty() && holds(v.sinks))
      sql = "select * from " + v.name + " order by window_start desc limit 10";
  }
  if (sql.empty()) return;
  std::fprintf(stderr, "  query the analytical store: delta query --url http://127.0.0.1:%u \"%s\"\n", port,
               sql.c_str());
}

}  // namespace

int run_command(const RunOptions& options) {
  Result<config::PipelineConfig> cfg = load(options);
  if (!cfg.is_ok()) {
    std::fprintf(stderr, "delta: %s\n", cfg.status().message().c_str());
    return 2;
  }
  obs::Registry registry;
  Clock& clock = SystemClock::instance();
  obs::info("app", "starting", {{"config", cfg->source}, {"log.dir", cfg->log.dir}});
  if (Status st = check_exposure(*cfg); !st.is_ok()) {
    std::fprintf(stderr, "delta: %s\n", st.message().c_str());
    return 2;
  }
  auto log = open_log(*cfg, clock, registry);
  if (!log.is_ok()) {
    obs::error("app", "log failed to open", {{"error", log.status().to_string()}});
    return 1;
  }
  for (const auto& s : cfg->streams) {
    Status st = (*log)->ensure_stream(s.name, s.partitions);
    if (!st.is_ok()) {
      obs::error("app", "stream failed to open", {{"stream", s.name}, {"error", st.to_string()}});
      return 1;
    }
  }
  // Live subscriptions (issue 7): view workers publish "view:<name>", ingest notifies "stream:<name>".
  runtime::LiveHub hub(runtime::HubOptions{.max_queued_rows = cfg->server.ws_subscriber_queue_events});
  // Sinks (issue 5) and views (issue 4): a view worker hands its results to the sinks' runtimes.
  Result<std::unique_ptr<sink::SinkSet>> sinks = sink::SinkSet::start(*cfg, **log, registry, clock);
  if (!sinks.is_ok()) {
    obs::error("app", "sinks failed to start", {{"error", sinks.status().to_string()}});
    return 1;
  }
  Result<std::unique_ptr<Views>> views = Views::start(*cfg, **log, sinks->get(), &hub, registry, clock);
  if (!views.is_ok()) {
    std::fprintf(stderr, "delta: %s\n", views.status().message().c_str());
    return 2;
  }
  // Kafka sources (issue 6 item 3): topics other systems write, into their streams.
  SourceDeadLetters source_dlq((*sinks)->dead_letters());
  auto sources = source::start_sources(*cfg, source::SourceDeps{**log, source_dlq, registry, clock, &hub});
  if (!sources.is_ok()) {
    std::fprintf(stderr, "delta: %s\n", sources.status().message().c_str());
    return 2;
  }
  edge::Routes routes(*cfg, **log, registry, clock);
  routes.set_live_hub(&hub);
  GatewayHooks hooks;  // the OAuth server sets hooks.local_jwks when it is configured
  // OAuth 2.0 server (issue 8 item 3): its endpoints, and its public keys for the gateway.
  std::unique_ptr<auth::OAuthStore> oauth_store;
  std::unique_ptr<edge::OAuthRoutes> oauth;
  if (cfg->auth.enabled && !cfg->auth.issuer.empty()) {
    Result<std::unique_ptr<auth::OAuthStore>> store = make_oauth_store(*cfg, clock);
    if (!store.is_ok()) {
      obs::error("app", "OAuth store failed to open", {{"error", store.status().to_string()}});
      return 1;
    }
    oauth_store = std::move(*store);
    oauth = edge::make_oauth_routes(*cfg, clock, registry, *oauth_store);
    routes.add_extension(oauth.get());
    hooks.local_jwks = [o = oauth.get()]() -> Result<std::string> { return o->server().public_jwks_json(); };
  }
  Result<std::unique_ptr<GatewayParts>> gateway = build_gateway(*cfg, clock, hooks);
  if (!gateway.is_ok()) {
    obs::error("app", "gateway failed to start", {{"error", gateway.status().to_string()}});
    return 1;
  }
  routes.set_gateway((*gateway)->gateway.get(), is_loopback(cfg->server.listen));
  std::unique_ptr<edge::RouteExtension> view_routes =
      edge::make_view_routes(**views, (*gateway)->gateway.get());
  routes.add_extension(view_routes.get());
  // POST /v1/query and /v1/dlq/{stream} (issue 5).
  edge::SinkRoutes sink_routes(routes, *cfg, **log, (*sinks)->query_engine());
  sink_routes.set_gateway((*gateway)->gateway.get());
  routes.add_extension(&sink_routes);
  edge::Server server(*cfg, routes, registry);
  if (Status st = server.start(); !st.is_ok()) {
    obs::error("app", "server failed to start", {{"error", st.to_string()}});
    return 1;
  }
  routes.set_ready(true);
  obs::info("app", "ready", {{"listen", cfg->server.listen}, {"port", static_cast<int>(server.port())}});
  print_hint(*cfg, server.port());
  print_query_hint(*cfg, (*sinks)->query_sink(), server.port());
  {
    runtime::PeriodicTask retention(kRetentionInterval, [&log] { (*log)->enforce_retention(); });
    server.run();
  }
  for (auto& s : *sources) s->stop();  // before the log and the DLQ they append to
  // Views, then sinks, then the log; but a view worker may be blocked in a sink's deliver() (the
  // sink down, its queue full) until that sink closes. So: the workers stop reading, the sinks write
  // what they hold (acknowledging it), then the workers join and commit those acknowledgements
  // (no more can come: the sinks are closed).
  (*views)->request_stop();
  (*sinks)->stop();
  (*views)->stop(/*ack_wait_ms=*/0);
  (*log)->close();
  obs::info("app", "stopped");
  return 0;
}

int validate_command(const std::string& config_path) {
  Result<config::PipelineConfig> cfg = config::load_file(config_path);
  if (!cfg.is_ok()) {
    std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
    return 1;
  }
  if (auto plans = process::compile_views(*cfg); !plans.is_ok()) {
    std::fprintf(stderr, "%s\n", plans.status().message().c_str());
    return 1;
  }
  for (const config::SinkConfig& s : cfg->sinks) {
    Status st = sink::check_sink_options(s);
    if (st.code() == StatusCode::kNotFound) {
      std::fprintf(stderr, "warning: %s\n", st.message().c_str());
    } else if (!st.is_ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
  }
  std::printf("%s: ok (%zu streams, %zu views, %zu sinks)\n", config_path.c_str(), cfg->streams.size(),
              cfg->views.size(), cfg->sinks.size());
  return 0;
}

}  // namespace delta::app
