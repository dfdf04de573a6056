#include "source/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <utility>

#include "log/kafka/kafka_client.h"
#include "obs/logger.h"
#include "process/mask.h"
#include "runtime/live_hub.h"

namespace delta::source {
namespace {

constexpr size_t kMaxBatch = 2048;
constexpr int kPollMs = 100;
constexpr int64_t kLagEveryNs = 1'000'000'000;
constexpr int kCommittedTimeoutMs = 1000;  // update_lag's committed-offset lookup (rare: see there)

using log::kafka::ConfPtr;
using log::kafka::PartitionListPtr;

// Delta's defaults first (properties may change them), then the keys Delta owns.
log::kafka::Properties default_properties() { return {{"fetch.wait.max.ms", "100"}}; }

log::kafka::Properties fixed_properties(const config::SourceConfig& c) {
  return {{"bootstrap.servers", c.brokers},
          {"group.id", c.group},
          {"enable.auto.commit", "false"},
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", c.start_latest ? "latest" : "earliest"},
          {"client.id", "delta-source-" + c.stream}};
}

}  // namespace

struct KafkaSource::Probe {
  Probe(obs::Registry& r, const std::string& stream)
      : registry(r),
        stream(stream),
        consumed(r.counter("delta_source_kafka_messages_total", "Messages consumed from source topics",
                           {{"stream", stream}})),
        appended(r.counter("delta_source_kafka_events_appended_total",
                           "Events from source topics durable in the log", {{"stream", stream}})),
        rejected(r.counter("delta_source_kafka_messages_rejected_total",
                           "Source messages that failed validation (sent to the DLQ)", {{"stream", stream}})),
        retries(r.counter("delta_source_kafka_append_retries_total",
                          "Partition appends retried after the log refused them", {{"stream", stream}})),
        errors(r.counter("delta_source_kafka_errors_total", "Consumer and offset commit errors",
                         {{"stream", stream}})) {}

  obs::Gauge& lag(const std::string& topic, int32_t partition) {
    auto key = std::make_pair(topic, partition);
    auto it = lags.find(key);
    if (it != lags.end()) return *it->second;
    obs::Gauge& g =
        registry.gauge("delta_source_kafka_lag", "Messages in a source partition not yet consumed",
                       {{"stream", stream}, {"topic", topic}, {"partition", std::to_string(partition)}});
    lags.emplace(key, &g);
    return g;
  }

  obs::Registry& registry;
  std::string stream;
  obs::Counter& consumed;
  obs::Counter& appended;
  obs::Counter& rejected;
  obs::Counter& retries;
  obs::Counter& errors;
  std::map<std::pair<std::string, int32_t>, obs::Gauge*> lags;  // the poll thread only
  // Committed offsets of assigned partitions that have no consumer position yet (after a restart,
  // until a message arrives), looked up once each; the poll thread only.
  std::map<std::pair<std::string, int32_t>, int64_t> committed;
};

namespace {

void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*, void* opaque) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  static_cast<obs::Counter*>(opaque)->inc();
  obs::warn("source", "offset commit failed; the batch may be consumed again",
            {{"error", rd_kafka_err2str(err)}});
}

}  // namespace

KafkaSource::KafkaSource(const config::PipelineConfig& pipeline, const config::SourceConfig& source,
                         const model::StreamSchema& schema, SourceDeps deps)
    : config_(source),
      schema_(schema),
      deps_(deps),
      masker_(process::masker_for(schema, pipeline.masking.key)),
      probe_(std::make_unique<Probe>(deps.registry, schema.name)),
      hub_topic_("stream:" + schema.name) {
  edge::IngestLimits limits{pipeline.server.max_decoded_body_bytes, pipeline.server.max_event_bytes,
                            pipeline.server.max_json_depth};
  appender_ = std::make_unique<SourceAppender>(schema, limits, masker_.get(), deps.log, deps.dlq, deps.clock);
  messages_.resize(kMaxBatch);
  views_.reserve(kMaxBatch);
}

Result<std::unique_ptr<KafkaSource>> KafkaSource::start(const config::PipelineConfig& pipeline,
                                                        const config::SourceConfig& source, SourceDeps deps) {
  const model::StreamSchema* schema = pipeline.find_stream(source.stream);
  if (schema == nullptr)
    return Status::invalid_argument(source.where + ": no stream \"" + source.stream + "\"");
  std::unique_ptr<KafkaSource> s(new KafkaSource(pipeline, source, *schema, deps));
  DELTA_RETURN_IF_ERROR(s->open_consumer());
  s->thread_ = std::thread([p = s.get()] { p->run(); });
  obs::info("source", "consuming",
            {{"stream", source.stream},
             {"group", source.group},
             {"topics", static_cast<int>(source.topics.size())}});
  return s;
}

Status KafkaSource::open_consumer() {
  ConfPtr conf(rd_kafka_conf_new());
  DELTA_RETURN_IF_ERROR(log::kafka::set_properties(conf.get(), default_properties()));
  Status st = log::kafka::set_properties(conf.get(), config_.properties);
  if (!st.is_ok()) return Status::invalid_argument(config_.where + ".properties: " + st.message());
  DELTA_RETURN_IF_ERROR(log::kafka::set_properties(conf.get(), fixed_properties(config_)));
  log::kafka::route_logs(conf.get());
  rd_kafka_conf_set_offset_commit_cb(conf.get(), on_commit);
  rd_kafka_conf_set_opaque(conf.get(), &probe_->errors);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk_ == nullptr) return Status::invalid_argument(config_.where + ": " + err);
  (void)conf.release();  // rd_kafka_new owns it now
  rd_kafka_poll_set_consumer(rk_);
  queue_ = rd_kafka_queue_get_consumer(rk_);
  PartitionListPtr topics(rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size())));
  for (const std::string& t : config_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics.get());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return log::kafka::status_of(e, config_.where + ": subscribe");
  return Status::ok();
}

KafkaSource::~KafkaSource() { stop(); }

void KafkaSource::stop() {
  stop_.store(true);
  if (appender_) appender_->wake();
  if (thread_.joinable()) thread_.join();
  if (rk_ == nullptr) return;
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
  queue_ = nullptr;
  rd_kafka_consumer_close(rk_);  // leaves the group; waits for the commits in flight
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  obs::info("source", "stopped", {{"stream", config_.stream}});
}

void KafkaSource::run() {
  int64_t next_lag = 0;
  while (!stop_.load()) {
    auto** msgs = reinterpret_cast<rd_kafka_message_t**>(messages_.data());
    ssize_t n = rd_kafka_consume_batch_queue(queue_, kPollMs, msgs, messages_.size());
    if (n > 0) handle(static_cast<size_t>(n));
    if (deps_.clock.monotonic_ns() >= next_lag) {
      update_lag();
      next_lag = deps_.clock.monotonic_ns() + kLagEveryNs;
    }
  }
}

void KafkaSource::handle(size_t n) {
  auto** msgs = reinterpret_cast<rd_kafka_message_t**>(messages_.data());
  views_.clear();
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_message_t* m = msgs[i];
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        probe_->errors.inc();
        obs::warn("source", "consumer error",
                  {{"stream", config_.stream}, {"error", rd_kafka_message_errstr(m)}});
      }
      continue;
    }
    views_.push_back(
        {rd_kafka_topic_name(m->rkt), m->partition, m->offset,
         std::string_view(static_cast<const char*>(m->payload), m->payload == nullptr ? 0 : m->len)});
  }
  probe_->consumed.inc(views_.size());
  bool paused = false;
  Result<AppendCounts> r = appender_->append(views_, stop_, [&] {
    pause(true);
    paused = true;
  });
  if (r.is_ok()) {
    probe_->appended.inc(static_cast<uint64_t>(r->appended));
    probe_->rejected.inc(static_cast<uint64_t>(r->rejected));
    probe_->retries.inc(static_cast<uint64_t>(r->retries));
    if (r->appended > 0 && deps_.hub != nullptr) deps_.hub->notify(hub_topic_);
    commit(n);
  } else if (!stop_.load()) {
    probe_->errors.inc();
    obs::error("source", "batch not committed; it will be consumed again",
               {{"stream", config_.stream}, {"error", r.status().to_string()}});
  }
  if (paused && !stop_.load()) pause(false);
  for (size_t i = 0; i < n; ++i) rd_kafka_message_destroy(msgs[i]);
}

// Commits, per partition, the offset after the batch's last message in it.
void KafkaSource::commit(size_t n) {
  auto** msgs = reinterpret_cast<rd_kafka_message_t**>(messages_.data());
  PartitionListPtr offsets(rd_kafka_topic_partition_list_new(4));
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_message_t* m = msgs[i];
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const char* topic = rd_kafka_topic_name(m->rkt);
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_find(offsets.get(), topic, m->partition);
    if (p == nullptr) p = rd_kafka_topic_partition_list_add(offsets.get(), topic, m->partition);
    if (m->offset + 1 > p->offset) p->offset = m->offset + 1;
  }
  if (offsets->cnt == 0) return;
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, offsets.get(), /*async=*/1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) on_commit(rk_, e, offsets.get(), &probe_->errors);
}

void KafkaSource::pause(bool paused) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  PartitionListPtr assigned(raw);
  if (paused) {
    rd_kafka_pause_partitions(rk_, assigned.get());
  } else {
    rd_kafka_resume_partitions(rk_, assigned.get());
    obs::info("source", "the log takes events again; consumption resumed", {{"stream", config_.stream}});
  }
}

void KafkaSource::update_lag() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  PartitionListPtr assigned(raw);
  rd_kafka_position(rk_, assigned.get());
  // A partition consumed to its end before a restart has no position until its next message:
  // its committed offset stands in (one broker lookup per such partition, then cached).
  PartitionListPtr unknown(rd_kafka_topic_partition_list_new(0));
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = assigned->elems[i];
    auto key = std::make_pair(std::string(p.topic), p.partition);
    if (p.offset >= 0) {
      probe_->committed.erase(key);
    } else if (!probe_->committed.contains(key)) {
      rd_kafka_topic_partition_list_add(unknown.get(), p.topic, p.partition);
    }
  }
  if (unknown->cnt > 0 &&
      rd_kafka_committed(rk_, unknown.get(), kCommittedTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < unknown->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = unknown->elems[i];
      if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0)
        probe_->committed[std::make_pair(std::string(p.topic), p.partition)] = p.offset;
    }
  }
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = assigned->elems[i];
    int64_t low = -1;
    int64_t high = -1;
    if (rd_kafka_get_watermark_offsets(rk_, p.topic, p.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;  // no fetch answered yet
    }
    int64_t position = p.offset;
    if (position < 0) {
      auto c = probe_->committed.find(std::make_pair(std::string(p.topic), p.partition));
      // Nothing consumed and nothing committed: no lag only when the partition is empty.
      position = c != probe_->committed.end() ? c->second : (low == high ? high : -1);
    }
    if (position < 0) continue;
    probe_->lag(p.topic, p.partition).set(high > position ? high - position : 0);
  }
}

Result<std::vector<std::unique_ptr<KafkaSource>>> start_sources(const config::PipelineConfig& pipeline,
                                                                SourceDeps deps) {
  std::vector<std::unique_ptr<KafkaSource>> out;
  for (const config::SourceConfig& s : pipeline.sources) {
    Result<std::unique_ptr<KafkaSource>> src = KafkaSource::start(pipeline, s, deps);
    if (!src.is_ok()) return src.status();  // the destructors stop those already started
    out.push_back(std::move(*src));
  }
  return out;
}

}  // namespace delta::source
