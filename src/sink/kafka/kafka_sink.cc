#include "sink/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdint>

#include "log/kafka/kafka_client.h"
#include "sink/backend_options.h"

namespace delta::sink::kafka {
namespace {

// A message's opaque: the write's generation (high 32 bits) and the row's index, so that a report
// from an earlier write that timed out is never counted for a later one.
uintptr_t tag(uint32_t generation, size_t index) { return (uintptr_t{generation} << 32) | index; }

bool refused_for_good(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE ||
         err == RD_KAFKA_RESP_ERR_INVALID_RECORD;
}

}  // namespace

Result<KafkaSinkOptions> parse_options(const config::SinkConfig& sink) {
  BackendOptions o(sink);
  KafkaSinkOptions out;
  out.brokers = o.required("brokers");
  out.topic_prefix = o.string("topic_prefix", out.topic_prefix);
  out.partitions = static_cast<int32_t>(o.integer("partitions", 0, 0, 4096));
  out.timeout_ms = o.integer("timeout_ms", out.timeout_ms, 100, 3'600'000);
  constexpr std::string_view kProps = "properties.";
  for (const config::SinkOption& opt : sink.options) {
    if (opt.key.starts_with(kProps))
      out.properties.emplace_back(opt.key.substr(kProps.size()), o.string(opt.key));
  }
  DELTA_RETURN_IF_ERROR(o.finish());
  for (const auto& [key, value] : out.properties) {
    if (key == "bootstrap.servers" || key == "enable.idempotence" || key == "acks") {
      return Status::invalid_argument(
          sink.option("properties." + key)->where +
          ": set by Delta (brokers come from `brokers`; the producer is idempotent "
          "with acks=all)");
    }
  }
  return out;
}

Result<std::unique_ptr<KafkaSink>> KafkaSink::create(KafkaSinkOptions options) {
  std::unique_ptr<KafkaSink> sink(new KafkaSink(std::move(options)));
  log::kafka::ConfPtr conf(rd_kafka_conf_new());
  log::kafka::Properties props = {{"allow.auto.create.topics", "false"}, {"linger.ms", "5"}};
  props.insert(props.end(), sink->options_.properties.begin(), sink->options_.properties.end());
  props.insert(props.end(), {{"bootstrap.servers", sink->options_.brokers},
                             {"enable.idempotence", "true"},
                             {"acks", "all"},
                             {"message.timeout.ms", std::to_string(sink->options_.timeout_ms)}});
  DELTA_RETURN_IF_ERROR(log::kafka::set_properties(conf.get(), props));
  log::kafka::route_logs(conf.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaSink::on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), sink.get());
  char err[512];
  sink->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (sink->producer_ == nullptr) return Status::invalid_argument(std::string("kafka sink: ") + err);
  (void)conf.release();  // rd_kafka_new owns it now
  return sink;
}

KafkaSink::~KafkaSink() { close(); }

Status KafkaSink::prepare(const TableSpec& table) {
  std::string topic = options_.topic_prefix + table.name;
  int timeout = static_cast<int>(options_.timeout_ms);
  Result<int32_t> n = log::kafka::topic_partitions(producer_, topic, timeout);
  if (n.status().code() == StatusCode::kNotFound) {
    int32_t want = options_.partitions > 0 ? options_.partitions : std::max(table.partitions, 1);
    DELTA_RETURN_IF_ERROR(log::kafka::create_topic(producer_, topic, want, timeout));
    n = log::kafka::topic_partitions(producer_, topic, timeout);
  }
  if (!n.is_ok()) return Status::unavailable(n.status().message());
  partitions_[topic] = *n;
  return Status::ok();
}

void KafkaSink::on_delivery(rd_kafka_s*, const rd_kafka_message_s* msg, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  auto t = reinterpret_cast<uintptr_t>(msg->_private);
  if ((t >> 32) != self->generation_ || (t & 0xffffffffu) >= self->errors_.size()) return;  // stale
  self->errors_[t & 0xffffffffu] = msg->err;
  ++self->reported_;
}

// Produces every row, then waits (flush) for every delivery report of this write.
Status KafkaSink::write(const Batch& batch, std::vector<RowError>* rejected) {
  std::string topic = options_.topic_prefix + batch.table->name;
  auto found = partitions_.find(topic);
  if (found == partitions_.end()) return Status::internal("kafka sink: write before prepare of " + topic);
  bool events = batch.table->kind == TableSpec::Kind::kEvents;
  int32_t partition =
      events && batch.partition >= 0 ? batch.partition % found->second : RD_KAFKA_PARTITION_UA;
  ++generation_;
  errors_.assign(batch.rows.size(), RD_KAFKA_RESP_ERR__IN_PROGRESS);
  reported_ = 0;
  size_t produced = 0;
  Status st;
  for (size_t i = 0; i < batch.rows.size() && st.is_ok(); ++i) {
    const Row& row = batch.rows[i];
    std::string_view key = events ? std::string_view() : row.key;
    rd_kafka_headers_t* headers = row.is_retraction ? rd_kafka_headers_new(1) : nullptr;
    if (headers != nullptr) rd_kafka_header_add(headers, "delta-retraction", -1, "1", 1);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(const_cast<char*>(row.json.data()), row.json.size()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_TIMESTAMP(row.time_ms),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(tag(generation_, i))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++produced;
    } else {
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      st = Status::unavailable("kafka sink: producing to " + topic + ": " + rd_kafka_err2str(err));
    }
  }
  rd_kafka_flush(producer_, static_cast<int>(options_.timeout_ms) + 1000);
  if (reported_ < produced) {
    // Not all reported in time: drop what is left so no report reaches a later write as this one's.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(producer_, 1000);
    if (st.is_ok()) st = Status::unavailable("kafka sink: delivery to " + topic + " timed out");
  }
  for (size_t i = 0; i < produced && st.is_ok(); ++i) {
    auto err = static_cast<rd_kafka_resp_err_t>(errors_[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (refused_for_good(err)) {
      rejected->push_back({i, std::string("kafka refused the message: ") + rd_kafka_err2str(err)});
    } else {
      st = Status::unavailable("kafka sink: delivery to " + topic + ": " + rd_kafka_err2str(err));
    }
  }
  if (!st.is_ok()) rejected->clear();
  return st;
}

void KafkaSink::close() {
  if (producer_ == nullptr) return;
  rd_kafka_flush(producer_, static_cast<int>(options_.timeout_ms));
  rd_kafka_destroy(producer_);
  producer_ = nullptr;
}

}  // namespace delta::sink::kafka
