// KafkaLog's read path: one assigned consumer per (stream, partition), messages turned back into
// Delta record batches (model/record_batch.h) whose offsets are the Kafka offsets (kafka_log.h).
#include <chrono>

#include "log/kafka/kafka_internal.h"

namespace delta::log {
namespace {

// The read side never commits: offsets are committed explicitly, by consumer name (commit()).
constexpr const char* kReaderGroup = "delta-reader";

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

}  // namespace

Result<KafkaLog::Reader*> KafkaLog::reader(std::string_view stream, int32_t partition) {
  std::lock_guard lock(mu_);
  if (state_ != State::kOpen) return Status::unavailable("log is closed");
  auto key = std::make_pair(std::string(stream), partition);
  auto it = readers_.find(key);
  if (it != readers_.end()) return it->second.get();
  auto consumer = new_client(false, kReaderGroup);
  if (!consumer) return consumer.status();
  auto r = std::make_unique<Reader>();
  r->consumer = *consumer;
  return readers_.emplace(std::move(key), std::move(r)).first->second.get();
}

Status KafkaLog::read_into(std::string_view stream, int32_t partition, int64_t from, size_t max_bytes,
                           ReadResult* out) {
  out->clear();
  auto found = find_topic(stream, partition);
  if (!found) return found.status();
  Topic* t = *found;
  auto r = reader(stream, partition);
  if (!r) return r.status();
  Reader& rd = **r;
  std::lock_guard lock(rd.mu);
  int64_t low = 0;
  int64_t high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rd.consumer, t->name.c_str(), partition, &low, &high, static_cast<int>(options_.admin_timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka::status_of(err, "watermarks of " + t->name);
  if (from < low || from > high) {
    return Status::out_of_range("offset " + std::to_string(from) + " is outside " + std::to_string(low) +
                                ".." + std::to_string(high) + " of " + t->name + "/" +
                                std::to_string(partition));
  }
  out->next_offset = from;
  out->end_offset = high;
  if (from == high) return Status::ok();
  DELTA_RETURN_IF_ERROR(seek(rd, t->name, partition, from));
  return fetch(rd, t->name, partition, from, high, max_bytes, out);
}

// Assigns the partition at `from` unless the consumer already stands there (sequential reads keep
// the consumer's prefetched messages).
Status KafkaLog::seek(Reader& r, const std::string& topic, int32_t partition, int64_t from) {
  if (r.position == from) return Status::ok();
  kafka::PartitionListPtr list = kafka::one_partition(topic, partition, from);
  r.position = -1;
  DELTA_RETURN_IF_ERROR(kafka::status_of(rd_kafka_assign(r.consumer, list.get()), "assigning " + topic));
  r.position = from;
  return Status::ok();
}

// Polls messages from `from` until `high`, about `max_bytes`, or read_wait_ms. A gap in offsets
// (compaction, transaction markers) starts a new batch, since a batch's offsets are consecutive.
Status KafkaLog::fetch(Reader& r, const std::string& topic, int32_t partition, int64_t from, int64_t high,
                       size_t max_bytes, ReadResult* out_ptr) {
  ReadResult& out = *out_ptr;
  r.builder.clear();
  int64_t base = from;
  auto seal = [&] {
    if (r.builder.empty()) return;
    out.append_batch(r.builder.finish(base));
    r.builder.clear();
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.read_wait_ms);
  size_t bytes = 0;
  while (out.next_offset < high && bytes + r.builder.size_bytes() < max_bytes) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    MessagePtr m(rd_kafka_consumer_poll(r.consumer, static_cast<int>(left.count())));
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      r.position = -1;  // where the consumer stands is unknown now: assign again next time
      if (out.batches.empty() && r.builder.empty()) return kafka::status_of(m->err, "reading " + topic);
      break;
    }
    if (m->partition != partition || m->offset < out.next_offset) continue;  // from an earlier assignment
    if (m->offset != out.next_offset || r.builder.empty()) {
      bytes += r.builder.size_bytes();
      seal();
      base = m->offset;
    }
    r.builder.add(rd_kafka_message_timestamp(m.get(), nullptr),
                  std::string_view(static_cast<const char*>(m->payload), m->len));
    out.next_offset = m->offset + 1;
    r.position = out.next_offset;
  }
  seal();
  if (out.batches.empty()) {
    return Status::unavailable("no message of " + topic + "/" + std::to_string(partition) +
                               " arrived from offset " + std::to_string(from) + " within " +
                               std::to_string(options_.read_wait_ms) + " ms");
  }
  return Status::ok();
}

}  // namespace delta::log
