// KafkaSink: a stream's events or a view's results delivered to Kafka topics (issue 6 item 4),
// `sinks.<name>: {kind: kafka, brokers: ..., topic_prefix: ..., properties: {...}}`.
//
// Table T goes to topic <topic_prefix>T (default prefix "delta.out.", so a sink never writes into
// the topics of a Kafka log, "delta.<stream>"). prepare() creates a missing topic (CreateTopics,
// `partitions` or the table's partition count) and remembers its partition count.
// Rows: one message each; value = the row's JSON, timestamp = event time / window start.
//  - events: key none, partition = the log partition modulo the topic's count, so each log
//    partition's order is kept.
//  - view results: key = the group key (the default partitioner hashes it, so one key's updates stay
//    in order); a retraction carries header `delta-retraction: 1`.
// write() produces the batch and waits for every delivery report (idempotent producer, acks=all):
// ok only when every row is in the topic; a message the brokers refuse for good (too large) is a
// RowError; anything retrying can cure (brokers down, timeouts) is kUnavailable and the runtime
// retries the whole batch, which may store some rows twice (at-least-once; results are keyed).
// Threads: one thread at a time, as sink.h says; librdkafka's own threads do the I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "sink/sink.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace delta::sink::kafka {

struct KafkaSinkOptions {
  std::string brokers;
  std::string topic_prefix = "delta.out.";
  int32_t partitions = 0;       // for topics the sink creates; 0: the table's count
  int64_t timeout_ms = 30'000;  // a batch not delivered by then: kUnavailable
  std::vector<std::pair<std::string, std::string>> properties;  // librdkafka, e.g. security.protocol
};

// Reads `brokers` (required), `topic_prefix`, `partitions`, `timeout_ms`, `properties.*`.
Result<KafkaSinkOptions> parse_options(const config::SinkConfig& sink);

class KafkaSink final : public Sink {
 public:
  static Result<std::unique_ptr<KafkaSink>> create(KafkaSinkOptions options);
  ~KafkaSink() override;

  Status prepare(const TableSpec& table) override;
  Status write(const Batch& batch, std::vector<RowError>* rejected) override;
  void close() override;

 private:
  explicit KafkaSink(KafkaSinkOptions options) : options_(std::move(options)) {}
  static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);

  KafkaSinkOptions options_;
  rd_kafka_s* producer_ = nullptr;
  // The current write's delivery reports, by row (reports run inside rd_kafka_flush, on the
  // writing thread); `generation_` tells them from a timed-out earlier write's.
  uint32_t generation_ = 0;
  std::vector<int> errors_;  // rd_kafka_resp_err_t
  size_t reported_ = 0;
  std::map<std::string, int32_t, std::less<>> partitions_;  // topic -> partition count
};

}  // namespace delta::sink::kafka
