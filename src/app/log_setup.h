// open_log: the Log that `log.kind` names (embedded segment files or Kafka topics), opened.
// Called once by `delta run` on the main thread before streams are ensured.
#pragma once

#include <memory>

#include "base/clock.h"
#include "config/config.h"
#include "log/log.h"
#include "obs/metrics.h"

namespace delta::app {

Result<std::unique_ptr<log::Log>> open_log(const config::PipelineConfig& cfg, Clock& clock,
                                           obs::Registry& registry);

}  // namespace delta::app
