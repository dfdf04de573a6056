// SourceAppender: one poll's worth of messages from a pull source (Kafka topics written by other
// systems) through the edge's validation and masking (edge::IngestDecoder, each message value is one
// NDJSON line, routed by the stream's key field as HTTP input is) into the log.
//
// append() returns only when every valid event of the batch is durable in the log and every invalid
// message is durable in the dead-letter queue, so the caller may then commit the source offsets
// (at-least-once: a crash before the commit consumes the batch again; dedup by event id makes
// results effectively-once). A log that refuses (kResourceExhausted: quota, full queue, Kafka log
// brokers down; or any other failure) is retried with backoff, never dropped: `on_refused` runs
// once at the first refusal so the caller can pause consumption. Partitions whose append succeeded
// are not appended again; a retried partition batch is the same bytes.
//
// Dead letters: stage "source:kafka:<topic>/<partition>@<offset>", reason "<code>: <message>" from
// the decoder. The event is the message value as sent, except on streams that mask fields: there
// the value is withheld (a JSON string naming topic, partition and offset) so that the log never
// holds an unmasked value; the original stays in the source topic.
//
// Thread: one thread (the source's poll thread) calls append(); log callbacks only touch the
// internal completion state under its mutex. Buffers are reused across calls: no per-event
// allocation beyond their growth.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "edge/ingest.h"
#include "log/log.h"

namespace delta::source {

// One consumed message; views into the client's buffers, valid during append().
struct SourceMessage {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view value;
};

// Where messages that fail validation go: the app passes the pipeline's DLQ (sink::DeadLetters
// has the same two calls; this interface keeps the source from depending on the sinks).
class DeadLetterQueue {
 public:
  virtual ~DeadLetterQueue() = default;
  virtual void add(std::string_view stream, std::string_view stage, std::string_view reason,
                   std::string_view event_json) = 0;
  // Blocks until every earlier add() is durable.
  virtual Status sync() = 0;
};

struct AppendCounts {
  int64_t appended = 0;  // events now durable in the log
  int64_t rejected = 0;  // messages sent to the DLQ
  int64_t retries = 0;   // refused partition appends tried again
};

class SourceAppender {
 public:
  // `schema`, `masker` (nullptr: no masking), `log`, `dlq` and `clock` outlive the appender.
  SourceAppender(const model::StreamSchema& schema, edge::IngestLimits limits, const process::Masker* masker,
                 log::Log& log, DeadLetterQueue& dlq, const Clock& clock);

  // See the file comment. Returns kUnavailable when `stop` became true before everything was durable
  // (the caller must not commit), or the DLQ's sync error.
  Result<AppendCounts> append(std::span<const SourceMessage> messages, const std::atomic<bool>& stop,
                              const std::function<void()>& on_refused);

  // Ends a backoff wait early (after the caller set `stop`). Any thread.
  void wake();
  // Backoff between retries of refused appends (doubling from initial to max).
  void set_backoff(int64_t initial_ms, int64_t max_ms);

 private:
  struct Failed {
    int32_t partition;
    int64_t events;
    std::string bytes;
  };
  // Decodes messages[begin, end), dead-letters its invalid messages and starts the appends of its
  // valid ones; splits the range when the decoder had more errors than it reports.
  void decode_range(std::span<const SourceMessage> messages, AppendCounts* counts);
  void build_body(std::span<const SourceMessage> messages);
  void dead_letter(const SourceMessage& m, std::string_view code, std::string_view message);
  void start_append(int32_t partition, std::string bytes, int64_t events);
  // Waits for every started append; refused ones land in failed_.
  void wait_appends();
  bool retry_failed(const std::atomic<bool>& stop, const std::function<void()>& on_refused,
                    AppendCounts* counts);

  const model::StreamSchema& schema_;
  bool masked_;
  log::Log& log_;
  DeadLetterQueue& dlq_;
  const Clock& clock_;
  edge::IngestDecoder decoder_;
  std::string body_;  // the messages as NDJSON, with simdjson padding
  std::string scratch_;
  int64_t backoff_initial_ms_ = 100;
  int64_t backoff_max_ms_ = 5'000;

  std::mutex mu_;
  std::condition_variable cv_;
  int outstanding_ = 0;         // GUARDED_BY(mu_)
  int64_t durable_events_ = 0;  // GUARDED_BY(mu_)
  std::vector<Failed> failed_;  // GUARDED_BY(mu_)
  Status last_error_;           // GUARDED_BY(mu_)
};

}  // namespace delta::source
