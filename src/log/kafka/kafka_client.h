// Internal to the Kafka log: librdkafka configuration, error mapping and small RAII helpers.
// Stateless functions, callable from any thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace delta::log::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Sets each property in order (a later one wins); the first bad one is kInvalidArgument naming the
// key only (values may be secrets).
Status set_properties(rd_kafka_conf_t* conf, const Properties& properties);

// Routes librdkafka's log lines to obs (logger "kafka") for clients built with `conf`.
void route_logs(rd_kafka_conf_t* conf);

// What a librdkafka error means to the edge: kResourceExhausted when retrying later can succeed
// (503 + Retry-After), kNotFound for unknown topics/partitions, kInvalidArgument for a message the
// brokers refuse by size, kUnavailable after close, kIoError otherwise.
Status status_of(rd_kafka_resp_err_t err, std::string_view what);

// A list holding one (topic, partition) with `offset`.
PartitionListPtr one_partition(const std::string& topic, int32_t partition, int64_t offset);

}  // namespace delta::log::kafka
