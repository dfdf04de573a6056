// KafkaProbe: the Kafka log's metrics, registered once in an obs::Registry. Where a series means
// what the embedded log's does (LogProbe in log/probe.h) it has the same name, so dashboards work for
// both kinds; the rest are named delta_kafka_*. Updated with relaxed atomics from caller threads and
// the poll thread. Ownership: the KafkaLog owns it; the Registry must outlive it.
#pragma once

#include "obs/metrics.h"

namespace delta::log {

class KafkaProbe {
 public:
  explicit KafkaProbe(obs::Registry& registry);

  obs::Histogram& append_latency;  // append() -> callback (every delivery report, or refusal), seconds
  obs::Counter& appends;           // batches whose every message was delivered
  obs::Counter& append_errors;     // batches refused or with a failed delivery
  obs::Counter& queue_full;        // batches refused because librdkafka's queue was full
  obs::Counter& bytes_written;     // message value bytes delivered
  obs::Counter& delivery_errors;   // messages whose delivery report carried an error
  obs::Counter& client_errors;     // librdkafka error callbacks (brokers down, auth, ...)
  obs::Gauge& inflight_messages;   // produced, no delivery report yet
};

}  // namespace delta::log
