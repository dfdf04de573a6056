// KafkaLog: the Log (log.h) kept in Apache Kafka topics through librdkafka, for Delta instances that
// share one log (DESIGN.md, "Roles"). Stream S is topic <topic_prefix>S with the stream's partition
// count; one event is one message (value = the event JSON, key = the stream's key field, timestamp =
// event time) produced to the partition the edge chose. See src/log/README.md and docs/adr/0005.
//
// Lifecycle: open() (checks the brokers answer, starts the producer and its poll thread), use,
// close() (refuses new appends, waits up to message.timeout.ms for the queued ones, fails the rest,
// destroys every client). The destructor closes.
//
// Threads: every Log method may be called from any thread. append() never waits for the network:
// it hands each record to librdkafka's queue and returns; `done` runs on the log's poll thread once
// every message of the batch has a delivery report (or the batch was refused). One idempotent
// producer (acks=all) serves every stream. read_into() uses one consumer per (stream, partition),
// assigned rather than subscribed, reused across calls and serialised by its own mutex;
// commit()/committed() use one client per consumer name with group.id = that name.
//
// Errors: refusals and failures that retrying can cure (librdkafka queue full, delivery timeout
// while brokers are unreachable, no leader) are kResourceExhausted, which the edge answers with 503
// and Retry-After; an unknown stream is kNotFound; the rest (authentication, a fatal idempotence
// error) kIoError. A failed batch may still have some messages in the topic: the client's retry
// then duplicates them (at-least-once, as with any Kafka producer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "log/kafka/kafka_probe.h"
#include "log/log.h"
#include "obs/metrics.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;
struct rd_kafka_conf_s;

namespace delta::log {

struct KafkaLogOptions {
  // Stream name -> the field whose value is each message's key (the stream's `key`); streams not
  // listed produce messages without a key.
  std::map<std::string, std::string, std::less<>> key_fields;
  int64_t admin_timeout_ms = 15'000;  // metadata, topic creation, watermarks, offset commits
  int64_t read_wait_ms = 2'000;       // longest a read waits for messages it knows exist
};

class KafkaLog final : public Log {
 public:
  KafkaLog(config::LogConfig config, Clock& clock, obs::Registry& registry, KafkaLogOptions options = {});
  ~KafkaLog() override;
  KafkaLog(const KafkaLog&) = delete;
  KafkaLog& operator=(const KafkaLog&) = delete;

  // Constructs and open()s.
  static Result<std::unique_ptr<KafkaLog>> open(config::LogConfig config, Clock& clock,
                                                obs::Registry& registry, KafkaLogOptions options = {});
  // Creates the producer (refusing bad librdkafka properties) and checks that the brokers answer
  // a metadata request within admin_timeout_ms. REQUIRES: called once, before any other method.
  Status open();

  // Creates the topic when missing (admin API; replication factor = the cluster's default);
  // an existing topic with another partition count is kInvalidArgument.
  Status ensure_stream(std::string_view stream, int32_t partitions) override;
  void append(std::string_view stream, int32_t partition, std::string batch, AppendCallback done) override;
  Status read_into(std::string_view stream, int32_t partition, int64_t from, size_t max_bytes,
                   ReadResult* out) override;
  // Low and high watermarks; size_bytes and segments are 0 (the brokers keep them).
  Result<PartitionInfo> partition_info(std::string_view stream, int32_t partition) override;
  // Kafka consumer-group offsets, group.id = `consumer`.
  Status commit(std::string_view consumer, std::string_view stream, int32_t partition,
                int64_t offset) override;
  Result<int64_t> committed(std::string_view consumer, std::string_view stream, int32_t partition) override;
  // A group member subscribed to the stream's topic (kafka_group.cc): librdkafka's group protocol
  // assigns the partitions; commits carry offset + metadata and are fenced by the generation.
  // Defaults session.timeout.ms 10000, heartbeat.interval.ms 1000, max.poll.interval.ms 60000;
  // `properties` override them. The group must be closed before this log.
  Result<std::unique_ptr<PartitionGroup>> join_group(std::string_view group,
                                                     std::string_view stream) override;
  // Kafka applies the topics' own retention.
  void enforce_retention() override {}
  void close() override;

  std::string topic_name(std::string_view stream) const { return config_.topic_prefix + std::string(stream); }
  KafkaProbe& probe() { return probe_; }

 private:
  struct Topic;
  struct Reader;
  struct Pending;
  enum class State { kNew, kOpen, kClosed };

  // `group_defaults` go after Delta's defaults and before the user's properties; `configure` (when
  // given) adds callbacks to the configuration last.
  Result<rd_kafka_s*> new_client(
      bool producer, const std::string& group_id,
      const std::vector<std::pair<std::string, std::string>>* group_defaults = nullptr,
      void (*configure)(rd_kafka_conf_s*) = nullptr) const;
  Result<int32_t> describe(const std::string& topic);  // partition count, or kNotFound
  Status create_topic(const std::string& topic, int32_t partitions);
  Result<Topic*> find_topic(std::string_view stream, int32_t partition);  // kNotFound when unknown
  Result<Reader*> reader(std::string_view stream, int32_t partition);
  Result<rd_kafka_s*> group_client(std::string_view consumer);

  // Producing (kafka_produce.cc).
  static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
  void produce_batch(Topic& topic, int32_t partition, std::unique_ptr<Pending> pending);
  void refuse_later(Pending* pending);
  void finish(Pending* pending);
  void poll_loop();

  // Reading (kafka_read.cc).
  Status seek(Reader& r, const std::string& topic, int32_t partition, int64_t from);
  Status fetch(Reader& r, const std::string& topic, int32_t partition, int64_t from, int64_t high,
               size_t max_bytes, ReadResult* out);

  const config::LogConfig config_;
  Clock& clock_;
  const KafkaLogOptions options_;
  KafkaProbe probe_;
  rd_kafka_s* producer_ = nullptr;  // also serves metadata, admin and watermark requests

  std::mutex ensure_mu_;         // serialises ensure_stream (which waits on the network outside mu_)
  std::shared_mutex append_mu_;  // shared by append() while it produces; close() takes it exclusively
  std::mutex mu_;
  State state_ = State::kNew;                                          // guarded by mu_
  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;  // guarded by mu_; never shrinks
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Reader>, std::less<>> readers_;  // guarded by mu_
  std::map<std::string, rd_kafka_s*, std::less<>> groups_;                                   // guarded by mu_
  std::vector<Pending*> refused_;                                                            // guarded by mu_
  std::atomic<bool> stop_polling_{false};
  std::thread poller_;
};

}  // namespace delta::log
