// KafkaSource: a stream fed from Kafka topics that other systems write (issue 6 item 3),
// `streams.<s>.source: {kind: kafka, brokers, topics, group, start, properties}`.
//
// One consumer per sourced stream subscribes to the topics with the group id; Kafka assigns the
// partitions (several Delta instances with the same group share them). One thread polls batches of
// up to 2048 messages and hands each batch to a SourceAppender (validation, masking, routing by the
// stream's key field, the log, the DLQ), then commits the batch's offsets (asynchronously) only once
// its events are durable: at-least-once. Offsets are never auto-committed.
//
// Backpressure: when the log refuses, the assigned partitions are paused
// (rd_kafka_pause_partitions) and the held batch is retried with backoff until the log takes it;
// then they resume. The poll thread does not poll meanwhile, so a refusal longer than
// max.poll.interval.ms (300 s by default) makes the consumer leave its group; it rejoins when the
// log accepts again, and the uncommitted batch is consumed again (duplicates, not losses).
//
// Metrics (label stream): delta_source_kafka_messages_total, delta_source_kafka_events_appended_total,
// delta_source_kafka_messages_rejected_total, delta_source_kafka_append_retries_total,
// delta_source_kafka_errors_total (consumer and commit errors), and per assigned partition
// delta_source_kafka_lag{stream,topic,partition} = high watermark - consumer position (the
// committed offset while there is no position yet, as after a restart), refreshed about once a
// second from librdkafka's cached watermarks.
//
// Lifecycle: start() creates the consumer, subscribes and starts the thread; stop() (idempotent,
// main thread) ends the thread after its current batch (a batch the log has not taken is left
// uncommitted) and closes the consumer, which leaves the group.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "log/log.h"
#include "obs/metrics.h"
#include "source/source_appender.h"

struct rd_kafka_s;
struct rd_kafka_queue_s;

namespace delta::runtime {
class LiveHub;
}
namespace delta::process {
class Masker;
}

namespace delta::source {

// What every source of a pipeline shares; each outlives the sources.
struct SourceDeps {
  log::Log& log;
  DeadLetterQueue& dlq;
  obs::Registry& registry;
  const Clock& clock;
  runtime::LiveHub* hub = nullptr;  // notified "stream:<s>" after appends, for live subscribers
};

class KafkaSource {
 public:
  // REQUIRES: `source.stream` is a stream of `pipeline`. Fails when librdkafka refuses the
  // configuration (a bad property) or the subscription.
  static Result<std::unique_ptr<KafkaSource>> start(const config::PipelineConfig& pipeline,
                                                    const config::SourceConfig& source, SourceDeps deps);
  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  void stop();

 private:
  struct Probe;
  KafkaSource(const config::PipelineConfig& pipeline, const config::SourceConfig& source,
              const model::StreamSchema& schema, SourceDeps deps);
  Status open_consumer();
  void run();
  // Appends the batch of n messages in messages_, commits it, destroys the messages.
  void handle(size_t n);
  void commit(size_t n);
  void pause(bool paused);
  void update_lag();

  const config::SourceConfig& config_;
  const model::StreamSchema& schema_;
  SourceDeps deps_;
  std::unique_ptr<process::Masker> masker_;
  std::unique_ptr<SourceAppender> appender_;
  std::unique_ptr<Probe> probe_;
  std::string hub_topic_;
  rd_kafka_s* rk_ = nullptr;
  rd_kafka_queue_s* queue_ = nullptr;
  std::vector<void*> messages_;  // rd_kafka_message_t*, the batch being handled
  std::vector<SourceMessage> views_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Starts one KafkaSource per pipeline.sources entry; on an error, those already started are stopped.
Result<std::vector<std::unique_ptr<KafkaSource>>> start_sources(const config::PipelineConfig& pipeline,
                                                                SourceDeps deps);

}  // namespace delta::source
