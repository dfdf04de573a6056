#include "app/log_setup.h"

#include <algorithm>

#include "log/embedded_log.h"
#include "log/kafka/kafka_log.h"

namespace delta::app {

Result<std::unique_ptr<log::Log>> open_log(const config::PipelineConfig& cfg, Clock& clock,
                                           obs::Registry& registry) {
  if (cfg.log.kind == "kafka") {
    log::KafkaLogOptions options;
    for (const auto& s : cfg.streams) {
      if (!s.key_field.empty()) options.key_fields[s.name] = s.key_field;
    }
    auto kafka = log::KafkaLog::open(cfg.log, clock, registry, std::move(options));
    if (!kafka) return kafka.status();
    return std::unique_ptr<log::Log>(std::move(*kafka));
  }
  // The edge refuses (503 overloaded) once server.max_inflight_bytes of request bodies wait for
  // the log; the log's own write queue must hold at least that much, or it refuses first (503
  // log_full) and the configured budget means nothing. Stored batches run a little larger than the
  // bodies (record framing), and Kafka sources append beside the edge: a quarter more.
  log::EmbeddedLogOptions options;
  options.max_queued_bytes =
      std::max(options.max_queued_bytes, cfg.server.max_inflight_bytes + cfg.server.max_inflight_bytes / 4);
  auto embedded = log::EmbeddedLog::open(cfg.log, clock, registry, options);
  if (!embedded) return embedded.status();
  return std::unique_ptr<log::Log>(std::move(*embedded));
}

}  // namespace delta::app
