// KafkaLog's append path: one message per record, produced without copying the value, and the
// batch's callback once every message has its delivery report (kafka_log.h).
#include <simdjson.h>

#include <algorithm>
#include <shared_mutex>

#include "log/kafka/kafka_internal.h"

namespace delta::log {
namespace {

// The value of top-level `field` in one event as message key: a string's contents, or a number or
// bool as written; empty when absent or null. One on-demand parse that stops at the field, in a
// per-thread buffer (no allocation once it has grown). The view lives until the next call on this
// thread; librdkafka copies keys.
std::string_view event_key(std::string_view json, const std::string& field) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string buf;
  if (buf.capacity() < json.size() + simdjson::SIMDJSON_PADDING)
    buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  buf.assign(json);
  simdjson::ondemand::document doc;
  simdjson::ondemand::value v;
  simdjson::ondemand::json_type type;
  if (parser.iterate(simdjson::padded_string_view(buf.data(), buf.size(), buf.capacity())).get(doc) ||
      doc.find_field_unordered(field).get(v) || v.type().get(type)) {
    return {};
  }
  std::string_view out;
  if (type == simdjson::ondemand::json_type::string)
    return v.get_string().get(out) ? std::string_view() : out;
  if (type == simdjson::ondemand::json_type::null) return {};
  out = v.raw_json_token();
  while (!out.empty() &&
         (out.back() == ' ' || out.back() == '\n' || out.back() == '\r' || out.back() == '\t')) {
    out.remove_suffix(1);
  }
  return out;
}

}  // namespace

void KafkaLog::append(std::string_view stream, int32_t partition, std::string batch, AppendCallback done) {
  std::shared_lock producing(append_mu_);  // close() waits for appends already past this point
  bool open = false;
  {
    std::lock_guard lock(mu_);
    open = state_ == State::kOpen;
  }
  if (!open) {
    producing.unlock();
    return done(Status::unavailable("log is closed"));
  }
  auto pending = std::make_unique<Pending>();
  pending->batch = std::move(batch);
  pending->done = std::move(done);
  pending->enqueued_ns = clock_.monotonic_ns();
  Result<Topic*> topic = find_topic(stream, partition);
  model::BatchHeader h;
  if (!topic) {
    pending->refusal = topic.status();
  } else if (Status st = model::parse_batch_header(pending->batch, &h); !st.is_ok()) {
    pending->refusal = Status::invalid_argument("not a record batch: " + st.message());
  } else if (h.length != pending->batch.size() || h.record_count <= 0) {
    pending->refusal = Status::invalid_argument("batch length or record count does not match its bytes");
  }
  if (!pending->refusal.is_ok()) return refuse_later(pending.release());
  pending->count = h.record_count;
  produce_batch(**topic, partition, std::move(pending));
}

// REQUIRES: append_mu_ held shared. After the last successful produce the poll thread may finish
// and delete `p` at any moment, so nothing here touches it then.
void KafkaLog::produce_batch(Topic& topic, int32_t partition, std::unique_ptr<Pending> pending) {
  Pending* p = pending.release();
  const int32_t count = p->count;
  p->remaining.store(count, std::memory_order_relaxed);
  probe_.inflight_messages.add(count);
  model::RecordIterator records(p->batch);
  model::Record rec;
  for (int32_t i = 0; i < count; ++i) {
    if (!records.next(&rec)) {
      p->refusal = records.status().is_ok()
                       ? Status::invalid_argument("batch holds fewer records than its header says")
                       : records.status();
    } else {
      std::string_view key =
          topic.key_field.empty() ? std::string_view() : event_key(rec.value, topic.key_field);
      rd_kafka_resp_err_t err = rd_kafka_producev(
          producer_, RD_KAFKA_V_RKT(topic.handle), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_VALUE(const_cast<char*>(rec.value.data()), rec.value.size()),
          RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_TIMESTAMP(rec.time_ms),
          RD_KAFKA_V_OPAQUE(p), RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) probe_.queue_full.inc();
      p->refusal = kafka::status_of(err, "producing to " + topic.name);
    }
    // The rest of the batch is not produced; those already queued still report.
    int32_t missing = count - i;
    probe_.inflight_messages.add(-missing);
    if (p->remaining.fetch_sub(missing, std::memory_order_acq_rel) == missing) refuse_later(p);
    return;
  }
}

void KafkaLog::on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<KafkaLog*>(opaque);
  auto* p = static_cast<Pending*>(msg->_private);
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->probe_.delivery_errors.inc();
    if (p->error == RD_KAFKA_RESP_ERR_NO_ERROR) p->error = msg->err;
  } else {
    p->base_offset = std::min(p->base_offset, msg->offset);
  }
  self->probe_.inflight_messages.add(-1);
  if (p->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) self->finish(p);
}

// Hands a refused batch to the poll thread, so that `done` runs where kafka_log.h says.
void KafkaLog::refuse_later(Pending* pending) {
  std::lock_guard lock(mu_);
  refused_.push_back(pending);
}

void KafkaLog::finish(Pending* p) {
  std::unique_ptr<Pending> owned(p);
  Status st = !p->refusal.is_ok() ? p->refusal : kafka::status_of(p->error, "delivering to kafka");
  probe_.append_latency.observe(static_cast<double>(clock_.monotonic_ns() - p->enqueued_ns) / 1e9);
  if (!st.is_ok()) {
    probe_.append_errors.inc();
    return p->done(std::move(st));
  }
  probe_.appends.inc();
  probe_.bytes_written.inc(p->batch.size());
  p->done(AppendResult{p->base_offset, p->count});
}

void KafkaLog::poll_loop() {
  std::vector<Pending*> refused;
  for (bool last = false; !last;) {
    last = stop_polling_.load();
    rd_kafka_poll(producer_, last ? 0 : 50);
    {
      std::lock_guard lock(mu_);
      refused.swap(refused_);
    }
    for (Pending* p : refused) finish(p);
    refused.clear();
  }
}

}  // namespace delta::log
