#include "log/kafka/kafka_log.h"

#include <chrono>

#include "log/file_util.h"
#include "log/kafka/kafka_internal.h"
#include "obs/logger.h"

namespace delta::log {
namespace {

constexpr int32_t kMaxPartitions = 4096;

// Defaults a user's `properties` may override (they are set first).
const kafka::Properties& default_properties(bool producer) {
  // Consumers serve reads (a request waits on them) and small offset calls, not bulk streaming.
  static const kafka::Properties common = {
      {"allow.auto.create.topics", "false"},
      {"fetch.wait.max.ms", "100"},
      {"queued.max.messages.kbytes", "16384"},
  };
  static const kafka::Properties for_producer = {
      {"allow.auto.create.topics", "false"},
      {"message.timeout.ms", "10000"},  // a batch not delivered by then fails: 503, the client retries
      {"linger.ms", "5"},
      {"queue.buffering.max.messages", "1000000"},
  };
  return producer ? for_producer : common;
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  static_cast<KafkaLog*>(opaque)->probe().client_errors.inc();
  char fatal[256];
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    obs::error("kafka", "fatal client error: the producer refuses every append until restarted",
               {{"client", rd_kafka_name(rk)}, {"reason", fatal}});
    return;
  }
  obs::warn(
      "kafka", reason,
      {{"client", rd_kafka_name(rk)}, {"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}});
}

}  // namespace

KafkaLog::KafkaLog(config::LogConfig config, Clock& clock, obs::Registry& registry, KafkaLogOptions options)
    : config_(std::move(config)), clock_(clock), options_(std::move(options)), probe_(registry) {}

KafkaLog::~KafkaLog() { close(); }

Result<std::unique_ptr<KafkaLog>> KafkaLog::open(config::LogConfig config, Clock& clock,
                                                 obs::Registry& registry, KafkaLogOptions options) {
  auto log = std::make_unique<KafkaLog>(std::move(config), clock, registry, std::move(options));
  DELTA_RETURN_IF_ERROR(log->open());
  return log;
}

// Defaults, then the user's properties, then what Delta's guarantees need (config refuses user
// values for those keys, so nothing is silently overridden).
Result<rd_kafka_t*> KafkaLog::new_client(
    bool producer, const std::string& group_id,
    const std::vector<std::pair<std::string, std::string>>* group_defaults,
    void (*configure)(rd_kafka_conf_t*)) const {
  kafka::ConfPtr conf(rd_kafka_conf_new());
  kafka::Properties fixed = {{"bootstrap.servers", config_.brokers}};
  if (producer) {
    fixed.insert(fixed.end(), {{"enable.idempotence", "true"}, {"acks", "all"}});
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaLog::on_delivery);
  } else {
    fixed.insert(fixed.end(), {{"group.id", group_id},
                               {"enable.auto.commit", "false"},
                               {"enable.auto.offset.store", "false"},
                               {"enable.partition.eof", "true"}});
  }
  DELTA_RETURN_IF_ERROR(kafka::set_properties(conf.get(), default_properties(producer)));
  if (group_defaults != nullptr) DELTA_RETURN_IF_ERROR(kafka::set_properties(conf.get(), *group_defaults));
  if (configure != nullptr) configure(conf.get());
  DELTA_RETURN_IF_ERROR(kafka::set_properties(conf.get(), config_.properties));
  DELTA_RETURN_IF_ERROR(kafka::set_properties(conf.get(), fixed));
  kafka::route_logs(conf.get());
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_opaque(conf.get(), const_cast<KafkaLog*>(this));
  char err[512];
  rd_kafka_t* rk =
      rd_kafka_new(producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk == nullptr) return Status::invalid_argument(std::string("kafka client: ") + err);
  (void)conf.release();  // rd_kafka_new owns it now
  return rk;
}

Status KafkaLog::open() {
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kNew) return Status::internal("KafkaLog::open called twice");
  }
  auto producer = new_client(true, "");
  if (!producer) return producer.status();
  producer_ = *producer;
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(producer_, 0, nullptr, &md, static_cast<int>(options_.admin_timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::unavailable("kafka brokers " + config_.brokers +
                               " did not answer: " + rd_kafka_err2str(err));
  }
  obs::info("log", "kafka log open", {{"brokers", config_.brokers}, {"broker_count", md->broker_cnt}});
  rd_kafka_metadata_destroy(md);
  std::lock_guard lock(mu_);
  state_ = State::kOpen;
  poller_ = std::thread([this] { poll_loop(); });
  return Status::ok();
}

Result<int32_t> KafkaLog::describe(const std::string& topic) {
  return kafka::topic_partitions(producer_, topic, static_cast<int>(options_.admin_timeout_ms));
}

Status KafkaLog::create_topic(const std::string& topic, int32_t partitions) {
  return kafka::create_topic(producer_, topic, partitions, static_cast<int>(options_.admin_timeout_ms));
}

Status KafkaLog::ensure_stream(std::string_view stream, int32_t partitions) {
  if (!fs::is_safe_name(stream))
    return Status::invalid_argument("bad stream name '" + std::string(stream) + "'");
  if (partitions <= 0 || partitions > kMaxPartitions) return Status::invalid_argument("bad partition count");
  std::lock_guard ensure(ensure_mu_);
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kOpen) return Status::unavailable("log is not open");
    auto it = topics_.find(stream);
    if (it != topics_.end()) {
      if (it->second->partitions == partitions) return Status::ok();
      return Status::invalid_argument("stream " + std::string(stream) + " has " +
                                      std::to_string(it->second->partitions) + " partitions, not " +
                                      std::to_string(partitions));
    }
  }
  std::string name = topic_name(stream);
  Result<int32_t> have = describe(name);
  if (have.status().code() == StatusCode::kNotFound) {
    DELTA_RETURN_IF_ERROR(create_topic(name, partitions));
    obs::info("log", "created kafka topic", {{"topic", name}, {"partitions", partitions}});
    // The new topic reaches every broker's metadata shortly after the controller has it.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.admin_timeout_ms);
    while ((have = describe(name)).status().code() == StatusCode::kNotFound &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (!have) return have.status();
  if (*have != partitions) {
    return Status::invalid_argument("topic " + name + " has " + std::to_string(*have) +
                                    " partitions, stream " + std::string(stream) + " wants " +
                                    std::to_string(partitions));
  }
  auto topic = std::make_unique<Topic>();
  topic->name = name;
  topic->partitions = partitions;
  if (auto k = options_.key_fields.find(stream); k != options_.key_fields.end()) topic->key_field = k->second;
  topic->handle = rd_kafka_topic_new(producer_, name.c_str(), nullptr);
  std::lock_guard lock(mu_);
  topics_.emplace(std::string(stream), std::move(topic));
  return Status::ok();
}

Result<KafkaLog::Topic*> KafkaLog::find_topic(std::string_view stream, int32_t partition) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(stream);
  if (it == topics_.end() || partition < 0 || partition >= it->second->partitions) {
    return Status::not_found("no partition " + std::to_string(partition) + " in stream " +
                             std::string(stream));
  }
  return it->second.get();
}

Result<PartitionInfo> KafkaLog::partition_info(std::string_view stream, int32_t partition) {
  auto found = find_topic(stream, partition);
  if (!found) return found.status();
  Topic* t = *found;
  int64_t low = 0;
  int64_t high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      producer_, t->name.c_str(), partition, &low, &high, static_cast<int>(options_.admin_timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return kafka::status_of(err, "watermarks of " + t->name);
  PartitionInfo info;
  info.start_offset = low;
  info.end_offset = high;
  return info;
}

Result<rd_kafka_t*> KafkaLog::group_client(std::string_view consumer) {
  std::lock_guard lock(mu_);
  if (state_ != State::kOpen) return Status::unavailable("log is not open");
  auto it = groups_.find(consumer);
  if (it != groups_.end()) return it->second;
  auto rk = new_client(false, std::string(consumer));
  if (!rk) return rk.status();
  groups_.emplace(std::string(consumer), *rk);
  return *rk;
}

Status KafkaLog::commit(std::string_view consumer, std::string_view stream, int32_t partition,
                        int64_t offset) {
  auto found = find_topic(stream, partition);
  if (!found) return found.status();
  Topic* t = *found;
  if (offset < 0) return Status::invalid_argument("negative offset");
  auto rk = group_client(consumer);
  if (!rk) return rk.status();
  kafka::PartitionListPtr list = kafka::one_partition(t->name, partition, offset);
  DELTA_RETURN_IF_ERROR(kafka::status_of(rd_kafka_commit(*rk, list.get(), 0), "commit to " + t->name));
  return kafka::status_of(list->elems[0].err, "commit to " + t->name);
}

Result<int64_t> KafkaLog::committed(std::string_view consumer, std::string_view stream, int32_t partition) {
  auto found = find_topic(stream, partition);
  if (!found) return found.status();
  Topic* t = *found;
  auto rk = group_client(consumer);
  if (!rk) return rk.status();
  kafka::PartitionListPtr list = kafka::one_partition(t->name, partition, RD_KAFKA_OFFSET_INVALID);
  rd_kafka_resp_err_t err = rd_kafka_committed(*rk, list.get(), static_cast<int>(options_.admin_timeout_ms));
  DELTA_RETURN_IF_ERROR(kafka::status_of(err, "committed offset in " + t->name));
  DELTA_RETURN_IF_ERROR(kafka::status_of(list->elems[0].err, "committed offset in " + t->name));
  int64_t offset = list->elems[0].offset;
  if (offset < 0) {
    return Status::not_found("consumer " + std::string(consumer) + " has no offset in " + t->name + "/" +
                             std::to_string(partition));
  }
  return offset;
}

void KafkaLog::close() {
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kOpen) {
      state_ = State::kClosed;
      if (producer_ != nullptr) rd_kafka_destroy(producer_);
      producer_ = nullptr;
      return;
    }
    state_ = State::kClosed;
  }
  { std::unique_lock drained(append_mu_); }  // appends that passed the state check have produced
  // Appends are refused from here on; queued ones get their delivery reports, or fail.
  int timeout_ms = 30'000;
  rd_kafka_flush(producer_, timeout_ms);
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(producer_, 1000);
  stop_polling_ = true;
  poller_.join();
  std::lock_guard lock(mu_);
  for (auto& [key, r] : readers_) {
    rd_kafka_consumer_close(r->consumer);
    rd_kafka_destroy(r->consumer);
  }
  for (auto& [name, rk] : groups_) rd_kafka_destroy(rk);
  for (auto& [name, t] : topics_) rd_kafka_topic_destroy(t->handle);
  readers_.clear();
  groups_.clear();
  topics_.clear();
  rd_kafka_destroy(producer_);
  producer_ = nullptr;
}

}  // namespace delta::log
