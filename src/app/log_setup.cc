#include "app/log_setup.h"

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
  auto embedded = log::EmbeddedLog::open(cfg.log, clock, registry);
  if (!embedded) return embedded.status();
  return std::unique_ptr<log::Log>(std::move(*embedded));
}

}  // namespace delta::app
