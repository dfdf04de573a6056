#include "log/kafka/kafka_client.h"

#include "obs/logger.h"

namespace delta::log::kafka {
namespace {

void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  obs::Level l = level <= 3 ? obs::Level::kError : level == 4 ? obs::Level::kWarn : obs::Level::kInfo;
  // One `properties` map serves producer and consumers, so each warns about the other's keys.
  if (std::string_view(facility) == "CONFWARN") l = obs::Level::kInfo;
  obs::log(l, "kafka", message, {{"client", rd_kafka_name(rk)}, {"facility", facility}});
}

}  // namespace

Status set_properties(rd_kafka_conf_t* conf, const Properties& properties) {
  char err[512];
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return Status::invalid_argument("kafka property " + key + ": " + err);
    }
  }
  return Status::ok();
}

void route_logs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, on_log); }

Status status_of(rd_kafka_resp_err_t err, std::string_view what) {
  std::string m = std::string(what) + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: return Status::ok();
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED: return Status::resource_exhausted(std::move(m));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: return Status::not_found(std::move(m));
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE: return Status::invalid_argument(std::move(m));
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY: return Status::unavailable(std::move(m));
    default: return Status::io_error(std::move(m));
  }
}

PartitionListPtr one_partition(const std::string& topic, int32_t partition, int64_t offset) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  return list;
}

}  // namespace delta::log::kafka
