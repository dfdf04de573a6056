// KafkaLog's consumer groups (log.h, PartitionGroup): one librdkafka consumer per group member,
// subscribed to the stream's topic, that never fetches data (its partitions are paused as soon as
// they are assigned; the member reads through Log::read) and exists for membership and commits.
// Commits go through it, so they carry the member's generation: a member that lost a partition gets
// an error (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS) instead of overwriting the
// new owner's checkpoint.
#include <cstdlib>
#include <cstring>

#include "log/kafka/kafka_internal.h"
#include "obs/logger.h"

namespace delta::log {
namespace {

// Defaults a user's `properties` may override: a member that dies is noticed within 10 s, a
// rebalance waits at most 60 s for a slow member to rejoin.
const kafka::Properties kGroupDefaults = {
    {"session.timeout.ms", "10000"},
    {"heartbeat.interval.ms", "1000"},
    {"max.poll.interval.ms", "60000"},
    {"auto.offset.reset", "earliest"},
};

class KafkaGroup;
// The group whose poll()/close() is running on this thread: librdkafka calls the rebalance
// callback only from inside rd_kafka_consumer_poll/close, on the calling thread.
thread_local KafkaGroup* t_polling = nullptr;
thread_local PartitionGroup::Listener* t_listener = nullptr;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

class KafkaGroup final : public PartitionGroup {
 public:
  KafkaGroup(rd_kafka_t* rk, std::string group, std::string topic, int32_t partitions, int timeout_ms)
      : rk_(rk),
        group_(std::move(group)),
        topic_(std::move(topic)),
        partitions_(partitions),
        timeout_ms_(timeout_ms) {}
  ~KafkaGroup() override {
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  Status subscribe() {
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    return kafka::status_of(rd_kafka_subscribe(rk_, list.get()), "subscribing group " + group_);
  }

  void poll(Listener& listener) override {
    Scope scope(this, &listener);
    // Messages only arrive in the moment between an assignment and its pause; they are dropped.
    for (int i = 0; i < 64; ++i) {
      MessagePtr m(rd_kafka_consumer_poll(rk_, 0));
      if (m == nullptr) break;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        obs::warn("kafka", "consumer group error", {{"group", group_}, {"error", rd_kafka_err2name(m->err)}});
      }
    }
  }

  Status commit(const std::vector<Checkpoint>& checkpoints) override {
    if (checkpoints.empty()) return Status::ok();
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(checkpoints.size())));
    for (const Checkpoint& c : checkpoints) {
      rd_kafka_topic_partition_t* tp =
          rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), c.partition);
      tp->offset = c.offset;
      if (!c.metadata.empty()) {
        tp->metadata = std::malloc(c.metadata.size());  // the list's destroy frees it
        std::memcpy(tp->metadata, c.metadata.data(), c.metadata.size());
        tp->metadata_size = c.metadata.size();
      }
    }
    DELTA_RETURN_IF_ERROR(kafka::status_of(rd_kafka_commit(rk_, list.get(), 0), "commit of group " + group_));
    for (int i = 0; i < list->cnt; ++i) {
      DELTA_RETURN_IF_ERROR(kafka::status_of(
          list->elems[i].err,
          "commit of group " + group_ + " partition " + std::to_string(list->elems[i].partition)));
    }
    return Status::ok();
  }

  Result<std::vector<Checkpoint>> committed(const std::vector<int32_t>& partitions) override {
    std::vector<Checkpoint> out;
    if (partitions.empty()) return out;
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int32_t p : partitions) {
      if (p < 0 || p >= partitions_)
        return Status::not_found("no partition " + std::to_string(p) + " in " + topic_);
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_INVALID;
    }
    DELTA_RETURN_IF_ERROR(kafka::status_of(rd_kafka_committed(rk_, list.get(), timeout_ms_),
                                           "committed offsets of group " + group_));
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      DELTA_RETURN_IF_ERROR(kafka::status_of(tp.err, "committed offset of group " + group_));
      Checkpoint c;
      c.partition = tp.partition;
      c.offset = tp.offset < 0 ? -1 : tp.offset;
      if (tp.metadata != nullptr && tp.metadata_size > 0)
        c.metadata.assign(static_cast<const char*>(tp.metadata), tp.metadata_size);
      out.push_back(std::move(c));
    }
    return out;
  }

  void close(Listener& listener) override {
    if (rk_ == nullptr) return;
    {
      Scope scope(this, &listener);
      rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        obs::warn("kafka", "leaving the consumer group failed",
                  {{"group", group_}, {"error", rd_kafka_err2name(err)}});
    }
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }

  // librdkafka's rebalance callback, on the thread inside poll()/close().
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* /*opaque*/) {
    KafkaGroup* g = t_polling;
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    std::vector<int32_t> ps;
    for (int i = 0; i < parts->cnt; ++i) ps.push_back(parts->elems[i].partition);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_error_t* e = nullptr;
      if (cooperative) {
        e = rd_kafka_incremental_assign(rk, parts);
      } else {
        rd_kafka_assign(rk, parts);
      }
      if (e != nullptr) rd_kafka_error_destroy(e);
      rd_kafka_pause_partitions(rk, parts);  // data is read through Log::read, not here
      if (g != nullptr && t_listener != nullptr) t_listener->on_assigned(ps);
      return;
    }
    // Revoked (or lost): the member commits what it finished while it still owns them.
    if (g != nullptr && t_listener != nullptr) t_listener->on_revoked(ps);
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

 private:
  struct Scope {
    Scope(KafkaGroup* g, Listener* l) {
      t_polling = g;
      t_listener = l;
    }
    ~Scope() {
      t_polling = nullptr;
      t_listener = nullptr;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };

  rd_kafka_t* rk_;
  const std::string group_;
  const std::string topic_;
  const int32_t partitions_;
  const int timeout_ms_;
};

}  // namespace

Result<std::unique_ptr<PartitionGroup>> KafkaLog::join_group(std::string_view group,
                                                             std::string_view stream) {
  auto found = find_topic(stream, 0);
  if (!found) return found.status();
  Topic* t = *found;
  auto rk = new_client(false, std::string(group), &kGroupDefaults, [](rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_rebalance_cb(conf, &KafkaGroup::on_rebalance);
  });
  if (!rk) return rk.status();
  rd_kafka_poll_set_consumer(*rk);  // error and log events come out of rd_kafka_consumer_poll too
  auto g = std::make_unique<KafkaGroup>(*rk, std::string(group), t->name, t->partitions,
                                        static_cast<int>(options_.admin_timeout_ms));
  DELTA_RETURN_IF_ERROR(g->subscribe());
  obs::info("log", "joined kafka consumer group", {{"group", std::string(group)}, {"topic", t->name}});
  return std::unique_ptr<PartitionGroup>(std::move(g));
}

}  // namespace delta::log
