#include "log/kafka/kafka_probe.h"

namespace delta::log {

KafkaProbe::KafkaProbe(obs::Registry& r)
    : append_latency(r.histogram("delta_log_append_latency_seconds",
                                 "Time from append() to its callback (durable or failed)")),
      appends(r.counter("delta_log_appends_total", "Batches appended and acknowledged")),
      append_errors(r.counter("delta_log_append_errors_total", "Appends that failed or were refused")),
      queue_full(r.counter("delta_log_queue_full_total", "Appends refused because the write queue was full")),
      bytes_written(r.counter("delta_log_bytes_written_total", "Event bytes acknowledged by the log")),
      delivery_errors(r.counter("delta_kafka_delivery_errors_total",
                                "Kafka messages whose delivery report was an error")),
      client_errors(r.counter("delta_kafka_client_errors_total",
                              "Errors reported by librdkafka clients (brokers down, authentication, ...)")),
      inflight_messages(r.gauge("delta_kafka_inflight_messages",
                                "Kafka messages produced and waiting for a delivery report")) {}

}  // namespace delta::log
